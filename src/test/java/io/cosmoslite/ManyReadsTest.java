package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** readDocuments: one query per range group, and what a failed group query turns into. */
@Timeout(60)
class ManyReadsTest {
  private static final EffectivePartitionKey.Definition DEFINITION =
      EffectivePartitionKey.Definition.of(EffectivePartitionKey.Kind.HASH, 2, List.of("/pk"));
  private static final String LINK = "dbs/shop/colls/orders";

  private MockWebServer server;
  private CosmosClient client;
  private final Cosmos cosmos = new Cosmos();
  /** Every request the client sent, with the future its sender returned. */
  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  record Sent(HttpRequest request, CompletableFuture<HttpResponse<byte[]>> future) {}

  /** A container whose documents answer group queries and point reads; faults to order. */
  static final class Cosmos extends Dispatcher {
    final Map<String, String> stored = new ConcurrentHashMap<>();
    /** Answers the next queries give instead of their documents, in order. */
    final ConcurrentLinkedDeque<MockResponse> queryFaults = new ConcurrentLinkedDeque<>();
    /** The map's ranges: id, min, max; the etag follows the version. */
    volatile List<String[]> ranges = List.<String[]>of(new String[] {"0", "", "FF"});
    volatile int mapVersion = 1;
    /** Ranges that answer 410/1002 (split). */
    final java.util.Set<String> goneRanges = ConcurrentHashMap.newKeySet();
    /** Queries wait for this before answering (to cancel them in flight). */
    volatile CountDownLatch holdQueries = new CountDownLatch(0);

    void store(String id, Object key) {
      stored.put(id + "\n" + Json.GSON.toJson(key), "{\"id\":\"" + id + "\",\"pk\":"
          + Json.GSON.toJson(key) + ",\"_etag\":\"e-" + id + "\"}");
    }

    @Override public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      String path = request.getPath();
      if (path.endsWith("/pkranges")) {
        String etag = "\"r" + mapVersion + "\"";
        if (etag.equals(request.getHeader("if-none-match"))) {
          return new MockResponse().setResponseCode(304).setHeader("etag", etag);
        }
        StringBuilder body = new StringBuilder("{\"PartitionKeyRanges\":[");
        for (String[] r : ranges) {
          body.append(body.charAt(body.length() - 1) == '[' ? "" : ",").append("{\"id\":\"")
              .append(r[0]).append("\",\"minInclusive\":\"").append(r[1])
              .append("\",\"maxExclusive\":\"").append(r[2]).append("\",\"parents\":[]}");
        }
        return MockCosmos.json(200, body + "]}").setHeader("etag", etag);
      }
      if (path.endsWith("/colls/orders")) {
        return MockCosmos.json(200, "{\"id\":\"orders\",\"_rid\":\"abc=\",\"partitionKey\":"
            + "{\"paths\":[\"/pk\"],\"kind\":\"Hash\",\"version\":2}}");
      }
      if ("GET".equals(request.getMethod())) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        String key = JsonParser.parseString(request.getHeader("x-ms-documentdb-partitionkey"))
            .getAsJsonArray().get(0).toString();
        String doc = stored.get(id + "\n" + key);
        return doc == null ? MockCosmos.error(404, 0, "NotFound", "none")
            : MockCosmos.json(200, doc);
      }
      holdQueries.await(10, TimeUnit.SECONDS);
      String range = request.getHeader("x-ms-documentdb-partitionkeyrangeid");
      if (goneRanges.contains(range)) {
        return MockCosmos.error(410, 1002, "Gone", "PartitionKeyRange with id " + range
            + " doesn't exist");
      }
      MockResponse fault = queryFaults.poll();
      if (fault != null) {
        return fault;
      }
      JsonObject query = JsonParser.parseString(request.getBody().clone().readUtf8())
          .getAsJsonObject();
      Map<String, JsonElement> values = new TreeMap<>();
      for (JsonElement p : query.getAsJsonArray("parameters")) {
        values.put(p.getAsJsonObject().get("name").getAsString(), p.getAsJsonObject().get("value"));
      }
      List<String> docs = new ArrayList<>();
      for (int n = 0; values.containsKey("@i" + n); n++) {
        String doc = stored.get(values.get("@i" + n).getAsString() + "\n"
            + values.get("@k" + n + "_0"));
        if (doc != null) {
          docs.add(doc);
        }
      }
      return MockCosmos.json(200, "{\"Documents\":[" + String.join(",", docs) + "],\"_count\":"
          + docs.size() + "}").setHeader("x-ms-session-token", range + ":-1#7");
    }
  }

  @BeforeEach void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(cosmos);
    server.start();
    HttpClient http = HttpClient.newHttpClient();
    Sender async = Sender.async(http);
    client = MockCosmos.client(server).raiseOnFailure(false).sender((h, max) -> new Sender() {
      @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
        // Our own future around the JDK's, so a test can tell that the client cancelled it.
        // Recorded before it is sent: the server may see it before send() returns.
        CompletableFuture<HttpResponse<byte[]>> future = new CompletableFuture<>();
        sent.add(new Sent(request, future));
        CompletableFuture<HttpResponse<byte[]>> inner = async.send(request);
        inner.whenComplete((response, error) -> {
          if (error != null) {
            future.completeExceptionally(error);
          } else {
            future.complete(response);
          }
        });
        future.whenComplete((response, error) -> {
          if (future.isCancelled()) {
            inner.cancel(true);
          }
        });
        return future;
      }
    }).build();
  }

  @AfterEach void stop() throws Exception {
    cosmos.holdQueries.countDown();
    client.close();
    server.shutdown();
  }

  private static List<BulkItem> pairs(Object... idKey) {
    List<BulkItem> out = new ArrayList<>();
    for (int i = 0; i < idKey.length; i += 2) {
      out.add(BulkItem.of(idKey[i], idKey[i + 1]));
    }
    return out;
  }

  private static String body(Object... idKey) {
    StringBuilder text = new StringBuilder();
    StringBuilder parameters = new StringBuilder();
    for (int n = 0; n < idKey.length / 2; n++) {
      text.append(n == 0 ? "" : " OR ").append("(c.id = @i").append(n)
          .append(" AND c[\\\"pk\\\"] = @k").append(n).append("_0)");
      parameters.append(n == 0 ? "" : ",").append("{\"name\":\"@i").append(n)
          .append("\",\"value\":").append(Json.GSON.toJson(idKey[2 * n])).append("},")
          .append("{\"name\":\"@k").append(n).append("_0\",\"value\":")
          .append(Json.GSON.toJson(idKey[2 * n + 1])).append('}');
    }
    return "{\"query\":\"SELECT * FROM c WHERE " + text + "\",\"parameters\":[" + parameters
        + "]}";
  }

  private static Map<String, String> msHeaders(RecordedRequest request) {
    Map<String, String> out = new TreeMap<>();
    for (String name : request.getHeaders().names()) {
      if (name.toLowerCase(java.util.Locale.ROOT).startsWith("x-ms-")
          && !name.equalsIgnoreCase("x-ms-date")) {
        out.put(name.toLowerCase(java.util.Locale.ROOT), request.getHeader(name));
      }
    }
    return out;
  }

  private static final Map<String, String> ALWAYS = Map.of("x-ms-version", "2020-07-15",
      "x-ms-noretry-449", "true", "x-ms-cosmos-sdk-supportedcapabilities", "1");

  private static Map<String, String> with(Map<String, String> base, String... more) {
    Map<String, String> out = new TreeMap<>(base);
    for (int i = 0; i < more.length; i += 2) {
      out.put(more[i], more[i + 1]);
    }
    return out;
  }

  /** The container and its ranges, read at the same time (in either order). */
  private void assertMapRead() throws InterruptedException {
    RecordedRequest one = MockCosmos.take(server);
    RecordedRequest two = MockCosmos.take(server);
    boolean containerFirst = one.getPath().equals("/" + LINK);
    RecordedRequest container = containerFirst ? one : two;
    RecordedRequest ranges = containerFirst ? two : one;
    MockCosmos.assertRequest(container, "GET", "/" + LINK, "colls", LINK, null);
    assertEquals(ALWAYS, msHeaders(container));
    MockCosmos.assertRequest(ranges, "GET", "/" + LINK + "/pkranges", "pkranges", LINK, null);
    assertEquals(ALWAYS, msHeaders(ranges));
  }

  private void assertQuery(String range, String body) throws InterruptedException {
    RecordedRequest query = MockCosmos.assertRequest(MockCosmos.take(server), "POST",
        "/" + LINK + "/docs", "docs", LINK, null);
    assertEquals(with(ALWAYS, "x-ms-documentdb-isquery", "True",
        "x-ms-documentdb-query-enablecrosspartition", "True",
        "x-ms-documentdb-partitionkeyrangeid", range), msHeaders(query));
    assertEquals("application/query+json", query.getHeader("Content-Type"));
    assertEquals(body, query.getBody().readUtf8());
  }

  private void assertPointRead(String id, String keyHeader) throws InterruptedException {
    RecordedRequest read = MockCosmos.assertRequest(MockCosmos.take(server), "GET",
        "/" + LINK + "/docs/" + id, "docs", LINK + "/docs/" + id, null);
    assertEquals(with(ALWAYS, "x-ms-documentdb-partitionkey", keyHeader), msHeaders(read));
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(30, TimeUnit.SECONDS);
  }

  private void assertFound(BulkResult result, int index, String id, Object key) {
    CosmosResult<Map<String, Object>> r = result.get(index);
    assertEquals(200, r.code(), r.error());
    assertEquals(id, r.data().get("id"));
    assertEquals(id, result.id(index));
    assertEquals(PartitionKey.of(key), result.partitionKey(index));
  }

  @Test void aGroupIsOneQueryAndEveryPairGetsItsOwnResultInInputOrder() throws Exception {
    cosmos.store("a", "k1");
    cosmos.store("c", "k3");
    BulkResult result = await(client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2", "c", "k3")));
    assertMapRead();
    assertQuery("0", body("a", "k1", "b", "k2", "c", "k3"));
    assertEquals(3, server.getRequestCount());
    assertEquals(3, result.size());
    assertFound(result, 0, "a", "k1");
    assertEquals(404, result.get(1).code(), "a missing document is reported as missing");
    assertEquals("b", result.id(1));
    assertFound(result, 2, "c", "k3");
    assertEquals(1.5, result.requestCharge(), "the query's charge counted once");
  }

  @Test void eachGroupQuerySendsOnlyItsOwnRangesSessionToken() throws Exception {
    List<String> keys = new ArrayList<>(List.of("k1", "k2", "k3", "k4"));
    keys.sort(Comparator.comparing(k -> EffectivePartitionKey.of(PartitionKey.of(k), DEFINITION)));
    String middle = EffectivePartitionKey.of(PartitionKey.of(keys.get(2)), DEFINITION);
    cosmos.ranges = List.of(new String[] {"1", "", middle}, new String[] {"2", middle, "FF"});
    client.mergeSessionToken("shop", "orders", "1:-1#5,2:-1#9");
    BulkResult result = await(client.readDocuments("shop", "orders",
        pairs("a", keys.get(0), "b", keys.get(1), "c", keys.get(2), "d", keys.get(3))));
    assertEquals(4, result.size());
    assertMapRead();
    Map<String, String> tokenByRange = new TreeMap<>();
    for (int i = 0; i < 2; i++) {
      RecordedRequest query = MockCosmos.take(server);
      tokenByRange.put(query.getHeader("x-ms-documentdb-partitionkeyrangeid"),
          query.getHeader("x-ms-session-token"));
    }
    assertEquals(Map.of("1", "1:-1#5", "2", "2:-1#9"), tokenByRange);
  }

  @Test void aRetriablyFailedGroupQueryIsAskedAgainNotReadPairByPair() throws Exception {
    cosmos.store("a", "k1");
    cosmos.store("b", "k2");
    // The pipeline retries 503 three times within a call: four attempts, then the call fails.
    for (int i = 0; i < 4; i++) {
      cosmos.queryFaults.add(MockCosmos.error(503, 0, "ServiceUnavailable", "busy"));
    }
    BulkResult result = await(client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2", "x", "k9")));
    assertMapRead();
    for (int i = 0; i < 5; i++) {
      assertQuery("0", body("a", "k1", "b", "k2", "x", "k9"));
    }
    assertEquals(7, server.getRequestCount(), "no point reads");
    assertFound(result, 0, "a", "k1");
    assertFound(result, 1, "b", "k2");
    assertEquals(404, result.get(2).code());
  }

  @Test void aGroupQueryThatKeepsFailingGivesEveryPairItsFailure() throws Exception {
    for (int i = 0; i < 20; i++) {
      cosmos.queryFaults.add(MockCosmos.error(503, 0, "ServiceUnavailable", "busy"));
    }
    BulkResult result = await(client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2")));
    assertMapRead();
    // The first query and two more, each with the pipeline's own retries (4 attempts).
    for (int i = 0; i < 12; i++) {
      assertQuery("0", body("a", "k1", "b", "k2"));
    }
    assertEquals(14, server.getRequestCount(), "no point reads");
    assertEquals(8, cosmos.queryFaults.size());
    for (int i = 0; i < 2; i++) {
      assertEquals(503, result.get(i).code());
      assertEquals("ServiceUnavailable", result.get(i).serviceCode());
    }
    assertEquals(2, result.failed());
  }

  @Test void aQueryTimeLimitIsAskedAgainAsAQuery() throws Exception {
    cosmos.store("a", "k1");
    // The first query's answer comes after the call's time limit: it ends without an answer.
    cosmos.queryFaults.add(MockCosmos.json(200, "{\"Documents\":[]}")
        .setHeadersDelay(4, TimeUnit.SECONDS));
    RequestOptions limited = RequestOptions.builder()
        .timeout(java.time.Duration.ofSeconds(1)).build();
    BulkResult result = await(client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2"), limited));
    long queries = sent.stream().filter(s -> s.request().method().equals("POST")).count();
    assertEquals(2, queries, "asked again as a query");
    assertEquals(0, sent.stream().filter(s -> s.request().method().equals("GET")
        && s.request().uri().getPath().contains("/docs/")).count(), "no point reads");
    assertFound(result, 0, "a", "k1");
    assertEquals(404, result.get(1).code());
  }

  @Test void aGoneRangeRegroupsItsPairsByTheRefreshedMap() throws Exception {
    List<String> keys = new ArrayList<>(List.of("k1", "k2", "k3", "k4"));
    keys.sort(Comparator.comparing(k -> EffectivePartitionKey.of(PartitionKey.of(k), DEFINITION)));
    String middle = EffectivePartitionKey.of(PartitionKey.of(keys.get(2)), DEFINITION);
    for (String k : keys) {
      cosmos.store("d-" + k, k);
    }
    List<BulkItem> items = pairs("d-k1", "k1", "d-k2", "k2", "d-k3", "k3", "d-k4", "k4");
    CompletableFuture<BulkResult> first =
        client.readDocuments("shop", "orders", items.subList(0, 1));
    assertFound(await(first), 0, "d-k1", "k1"); // the map is read and cached
    assertMapRead();
    assertPointRead("d-k1", "[\"k1\"]");

    cosmos.ranges = List.of(new String[] {"1", "", middle}, new String[] {"2", middle, "FF"});
    cosmos.mapVersion = 2;
    cosmos.goneRanges.add("0");
    BulkResult result = await(client.readDocuments("shop", "orders", items));
    assertQuery("0", body("d-k1", "k1", "d-k2", "k2", "d-k3", "k3", "d-k4", "k4"));
    RecordedRequest refresh = MockCosmos.assertRequest(MockCosmos.take(server), "GET",
        "/" + LINK + "/pkranges", "pkranges", LINK, null);
    assertEquals("\"r1\"", refresh.getHeader("if-none-match"));
    assertEquals(ALWAYS, msHeaders(refresh));
    Map<String, String> byRange = new TreeMap<>();
    for (int i = 0; i < 2; i++) {
      RecordedRequest query = MockCosmos.take(server);
      byRange.put(query.getHeader("x-ms-documentdb-partitionkeyrangeid"),
          query.getBody().readUtf8());
    }
    // Each child gets its own pairs, in input order.
    List<Object> low = new ArrayList<>();
    List<Object> high = new ArrayList<>();
    for (String k : List.of("k1", "k2", "k3", "k4")) {
      (keys.indexOf(k) < 2 ? low : high).addAll(List.of("d-" + k, k));
    }
    assertEquals(Map.of("1", body(low.toArray()), "2", body(high.toArray())), byRange);
    assertEquals(7, server.getRequestCount());
    for (int i = 0; i < 4; i++) {
      assertFound(result, i, "d-k" + (i + 1), "k" + (i + 1));
    }
  }

  @Test void aRefusedGroupQueryIsReadOnePairAtATime() throws Exception {
    cosmos.store("a", "k1");
    cosmos.store("c", 42);
    cosmos.queryFaults.add(MockCosmos.error(400, 0, "BadRequest", "no such query here"));
    BulkResult result = await(client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2", "c", 42)));
    assertMapRead();
    assertQuery("0", body("a", "k1", "b", "k2", "c", 42));
    Map<String, String> reads = new TreeMap<>();
    for (int i = 0; i < 3; i++) {
      RecordedRequest read = MockCosmos.take(server);
      assertEquals("GET", read.getMethod());
      reads.put(read.getPath(), read.getHeader("x-ms-documentdb-partitionkey"));
    }
    assertEquals(Map.of("/" + LINK + "/docs/a", "[\"k1\"]", "/" + LINK + "/docs/b", "[\"k2\"]",
        "/" + LINK + "/docs/c", "[42]"), reads);
    assertEquals(6, server.getRequestCount());
    assertFound(result, 0, "a", "k1");
    assertEquals(404, result.get(1).code());
    assertFound(result, 2, "c", 42);
  }

  @Test void closingTheClientMidCallGivesEveryPairAResult() throws Exception {
    cosmos.holdQueries = new CountDownLatch(1);
    CompletableFuture<BulkResult> reading = client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2"));
    assertMapRead();
    MockCosmos.take(server); // the group query, held by the server
    client.close();
    cosmos.holdQueries.countDown();
    BulkResult result = reading.get(10, TimeUnit.SECONDS);
    assertEquals(2, result.size());
    for (int i = 0; i < 2; i++) {
      assertNotNull(result.get(i), "pair " + i);
    }
    // Closed before the group queries start (the map still on its way): each pair is told.
    try (CosmosClient other = MockCosmos.client(server).raiseOnFailure(false).build()) {
      CompletableFuture<BulkResult> early = other.readDocuments("shop", "orders",
          pairs("a", "k1", "b", "k2"));
      other.close();
      BulkResult closed = early.get(10, TimeUnit.SECONDS);
      assertEquals(2, closed.size());
      for (int i = 0; i < 2; i++) {
        assertFalse(closed.get(i).isOk(), "pair " + i + ": " + closed.get(i));
      }
    }
  }

  @Test void cancellingStopsTheGroupQueriesInFlight() throws Exception {
    // Two ranges, two pairs in each: two group queries, both held by the server.
    List<String> keys = new ArrayList<>(List.of("k1", "k2", "k3", "k4"));
    keys.sort(Comparator.comparing(k -> EffectivePartitionKey.of(PartitionKey.of(k), DEFINITION)));
    String middle = EffectivePartitionKey.of(PartitionKey.of(keys.get(2)), DEFINITION);
    cosmos.ranges = List.of(new String[] {"1", "", middle}, new String[] {"2", middle, "FF"});
    cosmos.holdQueries = new CountDownLatch(1);
    CompletableFuture<BulkResult> reading = client.readDocuments("shop", "orders",
        pairs("a", "k1", "b", "k2", "c", "k3", "d", "k4"));
    assertMapRead();
    MockCosmos.take(server);
    MockCosmos.take(server);
    List<Sent> queries = new ArrayList<>();
    for (Sent s : sent) {
      if (s.request().method().equals("POST")) {
        queries.add(s);
      }
    }
    assertEquals(2, queries.size());
    assertFalse(queries.get(0).future().isDone());

    assertTrue(reading.cancel(true));
    assertThrows(CancellationException.class, reading::join);
    for (Sent query : queries) {
      // The stop reaches a send on another thread (which may still be handing it over): wait
      // for it, bounded, rather than assume it is synchronous.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!query.future().isCancelled() && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertTrue(query.future().isCancelled(), "the query in flight was stopped");
    }
    assertEquals(4, sent.size(), "nothing sent for the cancelled read");
    cosmos.holdQueries.countDown();
    // The client still works, and the next request is the next read's own.
    cosmos.store("e", "k5");
    assertFound(await(client.readDocuments("shop", "orders", pairs("e", "k5"))), 0, "e", "k5");
    assertEquals(5, sent.size());
    assertEquals("/" + LINK + "/docs/e", sent.get(4).request().uri().getPath());
  }
}
