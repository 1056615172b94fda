package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Packed multi-document writes: bulk requests by range, and what each answer makes of them. */
@Timeout(60)
class PackedBulkTest {
  private static final EffectivePartitionKey.Definition DEFINITION =
      EffectivePartitionKey.Definition.of(EffectivePartitionKey.Kind.HASH, 2, List.of("/pk"));
  private static final String SPLIT_AT = "1F";

  private MockWebServer server;
  private CosmosClient client;
  private final Bulk bulk = new Bulk();

  /** A container of two ranges that applies bulk requests, with faults to order. */
  static final class Bulk extends Dispatcher {
    final Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
    final Map<String, String> stored = new ConcurrentHashMap<>();
    final List<JsonObject> bulkRequests = new CopyOnWriteArrayList<>();
    final List<String> rangeIds = new CopyOnWriteArrayList<>();
    final List<RecordedRequest> singles = new CopyOnWriteArrayList<>();
    final AtomicInteger current = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();
    final AtomicInteger pkrangeReads = new AtomicInteger();
    /** Ids throttled once per op (429 inside a 207). */
    final Set<String> throttleOnce = ConcurrentHashMap.newKeySet();
    /** The next bulk request is applied and its answer lost. */
    final AtomicBoolean loseNext = new AtomicBoolean();
    /** The operations of the request whose answer was lost. */
    volatile JsonArray lostOps;
    /** Range "0" has split into "1" and "2" (the parent answers 410/1002). */
    volatile boolean split;
    /** A resource id the document answers name (x-ms-content-path), or null. */
    volatile String contentPath;
    /** Container reads wait for this (to cancel a write while its map is being read). */
    volatile java.util.concurrent.CountDownLatch holdContainerRead =
        new java.util.concurrent.CountDownLatch(0);
    /** Bulk requests are refused whole with 400. */
    volatile boolean refuseBulk;
    /** Reads of the partition key ranges fail with 503. */
    volatile boolean refuseRanges;

    @Override public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      int now = current.incrementAndGet();
      max.accumulateAndGet(now, Math::max);
      try {
        return handle(request);
      } finally {
        current.decrementAndGet();
      }
    }

    private MockResponse handle(RecordedRequest request) {
      String path = request.getPath();
      if (path.endsWith("/pkranges")) {
        pkrangeReads.incrementAndGet();
        if (refuseRanges) {
          return MockCosmos.json(503, "{\"code\":\"ServiceUnavailable\",\"message\":\"no\"}");
        }
        String ranges = split
            ? range("1", "", "0F", "0") + "," + range("2", "0F", SPLIT_AT, "0") + ","
              + range("3", SPLIT_AT, "FF", null)
            : range("0", "", SPLIT_AT, null) + "," + range("3", SPLIT_AT, "FF", null);
        return MockCosmos.json(200, "{\"PartitionKeyRanges\":[" + ranges + "]}")
            .setHeader("etag", split ? "\"r2\"" : "\"r1\"");
      }
      if (path.endsWith("/colls/orders")) {
        try {
          holdContainerRead.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return MockCosmos.json(200, "{\"id\":\"orders\",\"_rid\":\"abc=\",\"partitionKey\":"
            + "{\"paths\":[\"/pk\"],\"kind\":\"Hash\",\"version\":2}}");
      }
      if ("GET".equals(request.getMethod())) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        String doc = stored.get(id);
        MockResponse read = doc == null ? MockCosmos.error(404, 0, "NotFound", "none")
            : MockCosmos.json(200, doc);
        return contentPath == null ? read : read.setHeader("x-ms-content-path", contentPath);
      }
      if (!"True".equals(request.getHeader("x-ms-cosmos-is-batch-request"))) {
        singles.add(request);
        String body = request.getBody().clone().readUtf8(); // kept for tests that compare
        String id = JsonParser.parseString(body).getAsJsonObject().get("id").getAsString();
        stored.putIfAbsent(id, body);
        boolean fresh = applied.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet()
            == 1;
        return fresh ? MockCosmos.json(201, "{}")
            : MockCosmos.error(409, 0, "Conflict", "exists").setBody(
                "{\"code\":\"Conflict\",\"message\":\"exists\"}");
      }
      String rangeId = request.getHeader("x-ms-documentdb-partitionkeyrangeid");
      if (split && "0".equals(rangeId)) {
        return MockCosmos.error(410, 1002, "Gone", "PartitionKeyRange with id 0 doesn't exist");
      }
      if (refuseBulk) {
        return MockCosmos.error(400, 0, "BadRequest", "no bulk here");
      }
      JsonArray ops = JsonParser.parseString(request.getBody().readUtf8()).getAsJsonArray();
      JsonObject record = new JsonObject();
      record.addProperty("range", rangeId);
      record.add("ops", ops);
      bulkRequests.add(record);
      rangeIds.add(rangeId);
      StringBuilder answer = new StringBuilder("[");
      for (int i = 0; i < ops.size(); i++) {
        JsonObject op = ops.get(i).getAsJsonObject();
        String id = op.has("id") ? op.get("id").getAsString()
            : op.getAsJsonObject("resourceBody").get("id").getAsString();
        answer.append(i == 0 ? "" : ",");
        if (throttleOnce.remove(id)) {
          answer.append("{\"statusCode\":429,\"subStatusCode\":3200,"
              + "\"retryAfterMilliseconds\":5}");
          continue;
        }
        applied.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        if (op.get("operationType").getAsString().equals("Create")) {
          stored.putIfAbsent(id, op.getAsJsonObject("resourceBody").toString());
        }
        answer.append("{\"statusCode\":201,\"eTag\":\"\\\"e-").append(id)
            .append("\\\"\",\"requestCharge\":2.0}");
      }
      MockResponse response = MockCosmos.json(207, answer.append("]").toString())
          .setHeader("x-ms-session-token", rangeId + ":-1#5");
      if (loseNext.compareAndSet(true, false)) {
        lostOps = ops;
        return response.setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST);
      }
      return response;
    }

    private static String range(String id, String min, String max, String parent) {
      return "{\"id\":\"" + id + "\",\"minInclusive\":\"" + min + "\",\"maxExclusive\":\"" + max
          + "\",\"parents\":[" + (parent == null ? "" : "\"" + parent + "\"") + "]}";
    }
  }

  @BeforeEach void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(bulk);
    server.start();
    client = MockCosmos.client(server).maxConcurrency(4).raiseOnFailure(false).build();
  }

  @AfterEach void stop() throws Exception {
    client.close();
    server.shutdown();
  }

  private static List<BulkItem> items(String prefix, int count) {
    List<BulkItem> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = prefix + (i % 37);
      out.add(BulkItem.of(Map.of("id", prefix + i, "pk", key), key));
    }
    return out;
  }

  private static String rangeOf(String key, boolean split) {
    String epk = EffectivePartitionKey.of(PartitionKey.of(key), DEFINITION);
    if (epk.compareTo(SPLIT_AT) >= 0) {
      return "3";
    }
    return !split ? "0" : epk.compareTo("0F") < 0 ? "1" : "2";
  }

  private BulkResult write(List<BulkItem> items) throws Exception {
    return client.createDocuments("shop", "orders", items.iterator(),
        // A long linger: partial requests only when nothing is in flight or the input ends,
        // so the request count does not depend on this machine's speed.
        BulkOptions.builder().results(BulkOptions.ResultMode.EVERY_ITEM)
            .linger(java.time.Duration.ofSeconds(30)).build())
        .get(30, TimeUnit.SECONDS);
  }

  @Test void documentsArePackedByRangeIntoBulkRequestsOfAtMostAHundred() throws Exception {
    BulkResult result = write(items("d", 1_000));
    assertEquals(1_000, result.succeeded());
    assertEquals(1_000, bulk.applied.size());
    bulk.applied.values().forEach(n -> assertEquals(1, n.get(), "exactly once"));
    List<String> sizes = new ArrayList<>();
    bulk.bulkRequests.forEach(r -> sizes.add(r.get("range").getAsString() + ":"
        + r.getAsJsonArray("ops").size()));
    assertTrue(bulk.bulkRequests.size() <= 14, "about 1000/100 requests, got " + sizes);
    for (JsonObject request : bulk.bulkRequests) {
      String range = request.get("range").getAsString();
      JsonArray ops = request.getAsJsonArray("ops");
      assertTrue(ops.size() <= 100);
      for (JsonElement element : ops) {
        JsonObject op = element.getAsJsonObject();
        assertEquals("Create", op.get("operationType").getAsString());
        String key = op.getAsJsonObject("resourceBody").get("pk").getAsString();
        assertEquals("[\"" + key + "\"]", op.get("partitionKey").getAsString(),
            "each operation carries its own key, as a JSON string");
        assertEquals(rangeOf(key, false), range, "grouped by range, not by key value");
      }
    }
    assertTrue(bulk.max.get() <= 4, "never more than maxConcurrency requests at once");
    assertEquals(1, bulk.pkrangeReads.get(), "the map is read once");
    // In input order, each result naming its item, with the per-operation etag and charge.
    for (int i = 0; i < 1_000; i++) {
      assertEquals("d" + i, result.id(i));
      assertEquals(201, result.get(i).code());
      assertEquals("\"e-d" + i + "\"", result.get(i).etag());
    }
    assertEquals(2_000.0, result.requestCharge());
  }

  @Test void anAnswersOperationsEndTogetherAndTheWriterMovesOnOnce() throws Exception {
    List<BulkItem> items = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      items.add(BulkItem.of(Map.of("id", "o" + i, "pk", "one"), "one")); // one range
    }
    List<Long> seen = new CopyOnWriteArrayList<>();
    BulkResult result = client.createDocuments("shop", "orders", items.iterator(),
        BulkOptions.builder().linger(java.time.Duration.ofSeconds(30)).maxConcurrency(1)
            .progressListener(p -> seen.add(p.done())).build()).get(30, TimeUnit.SECONDS);
    assertEquals(300, result.succeeded());
    List<Integer> sizes = new ArrayList<>();
    bulk.bulkRequests.forEach(r -> sizes.add(r.getAsJsonArray("ops").size()));
    assertEquals(List.of(100, 100, 100), sizes);
    // Each answer's 100 operations end before the writer looks for more work: a few listener
    // calls (one per answer, or fewer when they merge), not one per operation.
    assertTrue(seen.size() <= 6, "listener calls " + seen);
    assertEquals(300L, seen.get(seen.size() - 1));
  }

  @Test void theBulkRequestsHeadersAreTheSdks() throws Exception {
    write(items("h", 3));
    RecordedRequest first = null;
    for (int i = 0; i < server.getRequestCount(); i++) {
      RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
      if ("True".equals(request.getHeader("x-ms-cosmos-is-batch-request"))) {
        first = request;
        break;
      }
    }
    assertEquals("POST", first.getMethod());
    assertEquals("/dbs/shop/colls/orders/docs", first.getPath());
    assertEquals("False", first.getHeader("x-ms-cosmos-batch-atomic"));
    assertEquals("True", first.getHeader("x-ms-cosmos-batch-continue-on-error"));
    assertEquals("return=minimal", first.getHeader("Prefer"));
    assertNull(first.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals(Auth.masterKey(MockCosmos.KEY).authorization("POST", "docs",
        "dbs/shop/colls/orders", first.getHeader("x-ms-date")), first.getHeader("authorization"));
  }

  @Test void onlyTheThrottledOperationsAreResentAfterTheServicesWait() throws Exception {
    bulk.throttleOnce.addAll(List.of("t3", "t7", "t40"));
    BulkResult result = write(items("t", 50));
    assertEquals(50, result.succeeded());
    bulk.applied.values().forEach(n -> assertEquals(1, n.get()));
    int resentOps = 0;
    for (JsonObject request : bulk.bulkRequests) {
      resentOps += request.getAsJsonArray("ops").size();
    }
    assertEquals(53, resentOps, "50 operations plus the 3 throttled ones once more");
    assertEquals(1, result.get(3).retryCount());
    assertEquals(0, result.get(4).retryCount());
  }

  @Test void aSplitReReadsTheMapAndRoutesOnlyTheAffectedOperationsAgain() throws Exception {
    bulk.split = false;
    write(items("a", 100)); // learn the two-range map
    bulk.split = true;
    BulkResult result = write(items("s", 400));
    assertEquals(400, result.succeeded(), String.valueOf(result));
    bulk.applied.values().forEach(n -> assertEquals(1, n.get()));
    assertEquals(2, bulk.pkrangeReads.get(), "re-read once after the 410");
    assertFalse(bulk.rangeIds.subList(bulk.rangeIds.size() - 3, bulk.rangeIds.size())
        .contains("0"), "the children serve the parent's keys now");
  }

  @Test void operationsBufferedBeforeARefreshAndSentAfterItDoNotReadTheMapAgain()
      throws Exception {
    bulk.split = false;
    write(items("a", 100)); // learn the two-range map
    bulk.split = true;
    // Two requests at a time (a window of 200 items), 200 items of 3 KB for the parent range:
    // three requests by size. Two go and meet the 410; the third, put in the parent's buffer
    // by the old map, goes only once the new map has come back and nothing is in flight.
    String pad = "x".repeat(3_000);
    List<BulkItem> parent = new ArrayList<>();
    for (int i = 0; parent.size() < 200; i++) {
      String key = "p" + (i % 37);
      if (rangeOf(key, false).equals("0")) {
        parent.add(BulkItem.of(Map.of("id", "p" + i, "pk", key, "pad", pad), key));
      }
    }
    BulkResult result = client.createDocuments("shop", "orders", parent.iterator(),
        BulkOptions.builder().results(BulkOptions.ResultMode.EVERY_ITEM).maxConcurrency(2)
            .linger(java.time.Duration.ofSeconds(30)).build())
        .get(30, TimeUnit.SECONDS);
    assertEquals(200, result.succeeded(), String.valueOf(result));
    bulk.applied.values().forEach(n -> assertEquals(1, n.get()));
    assertEquals(2, bulk.pkrangeReads.get(), "the new map is read once, not once per 410");
  }

  @Test void aLostAnswerIsSettledOperationByOperationNeverGuessed() throws Exception {
    bulk.loseNext.set(true);
    BulkResult result = write(items("l", 30));
    assertEquals(30, result.succeeded(), result + " " + result.get(0));
    bulk.applied.values().forEach(n -> assertTrue(n.get() >= 1));
    // The lost request was applied: each of its creates, resent alone, met 409 and was read
    // back (equal to what was sent: a success); the other range's request was answered.
    JsonArray lost = bulk.lostOps;
    assertEquals(lost.size(), bulk.singles.size(), "each operation of the lost request alone");
    int settled = 0;
    for (int i = 0; i < 30; i++) {
      if (result.get(i).ambiguity() != null) {
        settled++;
        assertTrue(result.get(i).ambiguity().contains("equals what was sent"),
            result.get(i).ambiguity());
      }
    }
    assertEquals(lost.size(), settled);
  }

  @Test void aBulkRequestRefusedWholeFallsBackToOneDocumentPerRequest() throws Exception {
    bulk.refuseBulk = true;
    BulkResult result = write(items("f", 20));
    assertEquals(20, result.succeeded());
    assertEquals(20, bulk.singles.size());
  }

  @Test void aReadSendsOnlyItsRangesSessionTokenReadingTheMapFirstWhenItIsNotKnown()
      throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#5,3:-1#9");
    String inRange3 = null;
    String inRange0 = null;
    for (int i = 0; inRange3 == null || inRange0 == null; i++) {
      String key = "k" + i;
      if (rangeOf(key, false).equals("3")) {
        inRange3 = inRange3 == null ? key : inRange3;
      } else {
        inRange0 = inRange0 == null ? key : inRange0;
      }
    }
    bulk.stored.put("x", "{\"id\":\"x\"}");
    // The map is not known yet and the client holds two ranges' tokens: the first read reads
    // the container and its ranges first, and every read sends its own range's token only.
    client.getDocument("shop", "orders", "x", inRange3).get(10, TimeUnit.SECONDS);
    client.getDocument("shop", "orders", "x", inRange3).get(10, TimeUnit.SECONDS);
    client.getDocument("shop", "orders", "x", inRange0).get(10, TimeUnit.SECONDS);
    List<String> sent = new ArrayList<>();
    List<String> order = new ArrayList<>();
    int count = server.getRequestCount();
    for (int i = 0; i < count; i++) {
      RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
      String path = request.getPath();
      order.add(path.endsWith("/docs/x") ? "read" : path.endsWith("/pkranges") ? "pkranges"
          : path.endsWith("/colls/orders") ? "container" : path);
      if (path.endsWith("/docs/x")) {
        sent.add(request.getHeader("x-ms-session-token"));
      }
    }
    assertEquals(List.of("3:-1#9", "3:-1#9", "0:-1#5"), sent);
    assertEquals(List.of("read", "read", "read"), order.subList(order.size() - 3, order.size()));
    assertEquals(1, order.stream().filter("pkranges"::equals).count(), String.valueOf(order));
    assertEquals(1, order.stream().filter("container"::equals).count(), String.valueOf(order));
  }

  @Test void aTokenOfARangeTheMapDoesNotKnowSendsEveryTokenAndRefreshesTheMapOnce()
      throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#5,3:-1#9");
    bulk.stored.put("x", "{\"id\":\"x\"}");
    client.getDocument("shop", "orders", "x", "k1").get(10, TimeUnit.SECONDS); // the map: 0, 3
    assertEquals(1, bulk.pkrangeReads.get());
    // A write the gateway routed to a range born of a split the client has not seen.
    client.mergeSessionToken("shop", "orders", "7:-1#50");
    client.getDocument("shop", "orders", "x", "k1").get(10, TimeUnit.SECONDS);
    client.getDocument("shop", "orders", "x", "k1").get(10, TimeUnit.SECONDS);
    List<String> tokens = readTokensOfX();
    assertEquals(3, tokens.size());
    assertEquals(List.of("0:-1#5,3:-1#9,7:-1#50", "0:-1#5,3:-1#9,7:-1#50"),
        tokens.subList(1, 3), "the range's own token may be older than the write");
    // One refresh for this map version (answered with the same etag: nothing explains 7).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (bulk.pkrangeReads.get() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(200);
    assertEquals(2, bulk.pkrangeReads.get());
  }

  @Test void aReadWaitsForTheMapAtMostHalfItsTimeLimit() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#5,3:-1#9");
    bulk.stored.put("x", "{\"id\":\"x\"}");
    bulk.holdContainerRead = new java.util.concurrent.CountDownLatch(1);
    try {
      long started = System.nanoTime();
      CosmosResult<Map<String, Object>> read = client.getDocument("shop", "orders", "x", "k1",
          RequestOptions.builder().timeout(java.time.Duration.ofMillis(1_000)).build(),
          DocumentType.MAP).get(10, TimeUnit.SECONDS);
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(read.isOk(), String.valueOf(read));
      assertTrue(tookMs >= 450, "waited for the map first: " + tookMs + " ms");
    } finally {
      bulk.holdContainerRead.countDown();
    }
    assertEquals(List.of("0:-1#5,3:-1#9"), readTokensOfX(),
        "the map came late: the container's whole token");
  }

  @Test void aReadWithTheTokensOfOneRangeOnlyDoesNotWaitForTheMap() throws Exception {
    client.mergeSessionToken("shop", "orders", "3:-1#9");
    bulk.stored.put("x", "{\"id\":\"x\"}");
    client.getDocument("shop", "orders", "x", "k1").get(10, TimeUnit.SECONDS);
    assertEquals(1, server.getRequestCount());
    RecordedRequest read = server.takeRequest(5, TimeUnit.SECONDS);
    assertEquals("/dbs/shop/colls/orders/docs/x", read.getPath());
    assertEquals("3:-1#9", read.getHeader("x-ms-session-token"));
  }

  @Test void aReadStillGoesWithTheWholeTokenWhenTheMapCannotBeRead() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#5,3:-1#9");
    bulk.refuseRanges = true;
    bulk.stored.put("x", "{\"id\":\"x\"}");
    CosmosResult<Map<String, Object>> read = client.getDocument("shop", "orders", "x", "k1")
        .get(10, TimeUnit.SECONDS);
    assertTrue(read.isOk(), String.valueOf(read));
    assertEquals(List.of("0:-1#5,3:-1#9"), readTokensOfX());
  }

  /** The session tokens of the reads of document "x" the server has seen so far, in order. */
  private List<String> readTokensOfX() throws InterruptedException {
    List<String> tokens = new ArrayList<>();
    int count = server.getRequestCount();
    for (int i = 0; i < count; i++) {
      RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
      if (request.getPath().endsWith("/docs/x")) {
        tokens.add(request.getHeader("x-ms-session-token"));
      }
    }
    return tokens;
  }

  @Test void patchesArePackedAndALostOneIsNeverResent() throws Exception {
    List<BulkItem> patches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      patches.add(BulkItem.patch("p" + i, "k", List.of(PatchOperation.increment("/n", 1))));
    }
    BulkResult done = client.patchDocuments("shop", "orders", patches.iterator(),
        BulkOptions.DEFAULT).get(30, TimeUnit.SECONDS);
    assertEquals(20, done.succeeded(), String.valueOf(done));
    JsonObject op = bulk.bulkRequests.get(0).getAsJsonArray("ops").get(0).getAsJsonObject();
    assertEquals("Patch", op.get("operationType").getAsString());
    assertEquals("p0", op.get("id").getAsString());
    assertEquals("[{\"op\":\"incr\",\"path\":\"/n\",\"value\":1}]",
        op.getAsJsonObject("resourceBody").getAsJsonArray("operations").toString());

    bulk.loseNext.set(true);
    BulkResult lost = client.patchDocuments("shop", "orders", patches.iterator(),
        BulkOptions.DEFAULT).get(30, TimeUnit.SECONDS);
    assertEquals(20, lost.uncertain(), String.valueOf(lost));
    assertTrue(bulk.singles.isEmpty(), "an increment is never resent");
    bulk.applied.values().forEach(n -> assertEquals(2, n.get(), "applied once per batch"));
  }

  @Test void aRecreatedContainerIsReadAgain() throws Exception {
    write(items("r", 5));
    assertEquals(1, bulk.pkrangeReads.get());
    // An answer naming another resource id: the container was deleted and created again.
    bulk.stored.put("x", "{\"id\":\"x\"}");
    bulk.contentPath = "zzzzzzzzzzz=";
    client.getDocument("shop", "orders", "x", "k").get(10, TimeUnit.SECONDS);
    bulk.contentPath = null;
    write(items("s", 5));
    assertEquals(2, bulk.pkrangeReads.get(), "the map of the new container is read");
  }

  @Test void cancellingWhileTheMapIsReadEndsEveryItem() throws Exception {
    bulk.holdContainerRead = new java.util.concurrent.CountDownLatch(1);
    BulkOperation op = client.createDocuments("shop", "orders", items("c", 30).iterator(),
        BulkOptions.DEFAULT);
    while (op.progress().pulled() < 30) {
      Thread.sleep(5);
    }
    op.cancel(true);
    bulk.holdContainerRead.countDown();
    BulkResult result = op.outcome().get(10, TimeUnit.SECONDS);
    assertEquals(30, result.size(), "every item has an outcome");
    assertEquals(30, result.failed());
    assertTrue(result.get(0).error().startsWith("cancelled"), result.get(0).error());
  }

  @Test void aCancelledCopyOfTheMapNeverBreaksTheSharedOne() throws Exception {
    client.containers.ranges("shop", "orders").cancel(true);
    assertEquals(2, client.containers.ranges("shop", "orders").get(10, TimeUnit.SECONDS)
        .ranges().size());
    client.containers.ranges("shop", "orders").cancel(true);
    assertEquals(2, client.containers.ranges("shop", "orders").get(10, TimeUnit.SECONDS)
        .ranges().size(), "still usable after a caller cancelled its future");
  }

  /** A batcher fed directly, counting the single-document requests it has built. */
  private Map<Object, CosmosResult<Map<String, Object>>> feedBatcher(int count,
      AtomicInteger built) throws Exception {
    Map<Object, CosmosResult<Map<String, Object>>> ended = new ConcurrentHashMap<>();
    java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(count);
    RequestOptions minimal = RequestOptions.NONE.toBuilder().returnDocument(false).build();
    BulkBatcher[] batcher = new BulkBatcher[1];
    java.util.function.BiConsumer<Object, CosmosResult<Map<String, Object>>> end =
        (item, result) -> {
          ended.put(item, result);
          all.countDown();
        };
    batcher[0] = new BulkBatcher(client, "shop", "orders", true, 4, 30_000, false,
        RequestOptions.NONE, body -> null, end, end, () -> batcher[0].flush(true));
    for (int i = 0; i < count; i++) {
      String key = "k" + (i % 7);
      byte[] body = Json.toBytes(Map.of("id", "b" + i, "pk", key));
      batcher[0].add(new BulkBatcher.Pending("b" + i, Batches.Op.serialised("Create", null, body,
          null), PartitionKey.of(key), pending -> {
            built.incrementAndGet();
            return Documents.writeSerialised(false, Containers.link("shop", "orders"),
                pending.op.body, pending.key, minimal);
          }));
    }
    batcher[0].flush(true);
    assertTrue(all.await(20, TimeUnit.SECONDS), "every item ended");
    return ended;
  }

  @Test void packedOperationsNeverBuildTheirSingleDocumentRequest() throws Exception {
    AtomicInteger built = new AtomicInteger();
    Map<Object, CosmosResult<Map<String, Object>>> ended = feedBatcher(250, built);
    assertEquals(250, ended.size());
    ended.values().forEach(result -> assertEquals(201, result.code()));
    assertEquals(0, built.get(), "no operation went alone, so none was built as one");
    assertTrue(bulk.singles.isEmpty());
    int packed = 0;
    for (JsonObject request : bulk.bulkRequests) {
      packed += request.getAsJsonArray("ops").size();
    }
    assertEquals(250, packed);
  }

  @Test void operationsThatGoAloneBuildTheirSingleRequestOnceEach() throws Exception {
    bulk.refuseBulk = true;
    AtomicInteger built = new AtomicInteger();
    Map<Object, CosmosResult<Map<String, Object>>> ended = feedBatcher(30, built);
    ended.values().forEach(result -> assertEquals(201, result.code()));
    assertEquals(30, built.get(), "built for the operations sent alone, once each");
    assertEquals(30, bulk.singles.size());
  }

  /** Every header but the date and its signature (they differ by the second), and the body. */
  private static String describe(RecordedRequest request) {
    StringBuilder out = new StringBuilder(request.getMethod()).append(' ')
        .append(request.getPath());
    new java.util.TreeMap<>(request.getHeaders().toMultimap()).forEach((name, values) -> {
      if (!name.equals("x-ms-date") && !name.equals("authorization")) {
        out.append('\n').append(name).append(": ").append(values);
      }
    });
    return out.append('\n').append(request.getBody().clone().readUtf8()).toString();
  }

  @Test void anItemSentAloneAfterARefusedBulkRequestIsTheRequestAnUnpackedWriteSends()
      throws Exception {
    List<BulkItem> items = new ArrayList<>();
    items.add(BulkItem.of(Map.of("id", "x1", "pk", "k1", "n", 1.5, "s", "\u00e9\"q\""), "k1"));
    items.add(BulkItem.of(Map.of("id", "x2", "pk", 7), 7));
    RequestOptions options = RequestOptions.builder().ifMatch("\"etag-1\"").build();
    for (boolean upsert : new boolean[] {false, true}) {
      bulk.singles.clear();
      bulk.applied.clear();
      bulk.refuseBulk = true;
      BulkOptions packed = BulkOptions.builder().requestOptions(options)
          .results(BulkOptions.ResultMode.EVERY_ITEM).build();
      BulkResult refused = (upsert
          ? client.upsertDocuments("shop", "orders", items.iterator(), packed)
          : client.createDocuments("shop", "orders", items.iterator(), packed))
          .get(30, TimeUnit.SECONDS);
      assertEquals(2, refused.size());
      List<String> alone = new ArrayList<>();
      bulk.singles.forEach(r -> alone.add(describe(r)));
      bulk.singles.clear();
      bulk.applied.clear();
      BulkOptions unpacked = BulkOptions.builder().requestOptions(options).batching(false)
          .build();
      (upsert ? client.upsertDocuments("shop", "orders", items.iterator(), unpacked)
          : client.createDocuments("shop", "orders", items.iterator(), unpacked))
          .get(30, TimeUnit.SECONDS);
      List<String> single = new ArrayList<>();
      bulk.singles.forEach(r -> single.add(describe(r)));
      java.util.Collections.sort(alone);
      java.util.Collections.sort(single);
      assertEquals(2, single.size());
      assertEquals(single, alone, "the same method, path, headers and body");
      String first = single.stream().filter(r -> r.contains("\"id\":\"x1\"")).findFirst()
          .orElseThrow();
      assertTrue(first.startsWith("POST /dbs/shop/colls/orders/docs\n"), first);
      assertTrue(first.contains("x-ms-documentdb-partitionkey: [[\"k1\"]]"), first);
      assertTrue(first.contains("if-match: [\"etag-1\"]"), first);
      assertTrue(first.contains("prefer: [return=minimal]"), first);
      assertEquals(upsert, first.contains("x-ms-documentdb-is-upsert: [True]"), first);
    }
  }
}
