package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Multi-document writes against {@link FakeCosmos}. */
@Timeout(30)
class BulkWriteTest {
  /** These tests pin the one-request-per-document path; PackedBulkTest the packed one. */
  static final BulkOptions PER_DOCUMENT = BulkOptions.builder().batching(false).build();

  MockWebServer server;
  FakeCosmos cosmos;

  @BeforeEach void start() throws IOException {
    server = new MockWebServer();
    cosmos = new FakeCosmos();
    server.setDispatcher(cosmos);
    server.start();
  }

  @AfterEach void stop() throws IOException {
    cosmos.openGate();
    server.shutdown();
  }

  CosmosClient client(int maxConcurrency, boolean raise) {
    return MockCosmos.client(server).maxConcurrency(maxConcurrency).raiseOnFailure(raise)
        .build();
  }

  static Map<String, Object> doc(String id) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", id);
    doc.put("pk", "p" + id.hashCode() % 7);
    doc.put("n", 1);
    return doc;
  }

  static List<BulkItem> items(String prefix, int count) {
    List<BulkItem> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Map<String, Object> doc = doc(prefix + i);
      out.add(BulkItem.of(doc, doc.get("pk")));
    }
    return out;
  }

  static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(20, TimeUnit.SECONDS);
  }

  /** Polls a condition that another thread makes true; bounded. */
  static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 1_000 && !condition.getAsBoolean(); i++) {
      Thread.sleep(5);
    }
    assertTrue(condition.getAsBoolean(), what);
  }

  /** An input that makes documents on demand and counts how many were taken. */
  static final class CountingInput implements Iterator<BulkItem> {
    final String prefix;
    final int size;
    final AtomicInteger taken = new AtomicInteger();

    CountingInput(String prefix, int size) {
      this.prefix = prefix;
      this.size = size;
    }

    @Override public boolean hasNext() {
      return taken.get() < size;
    }

    @Override public BulkItem next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Map<String, Object> doc = doc(prefix + taken.getAndIncrement());
      return BulkItem.of(doc, doc.get("pk"));
    }
  }

  // --- exactly once, in order ------------------------------------------------------------------

  @Test void everyDocumentIsWrittenExactlyOnceInInputOrderDespiteThrottlingAndLostResponses()
      throws Exception {
    // The fake throttles every 4th request it receives, so items retried in lock-step can keep
    // landing on the throttled slot; the default budget of 9 retries then ran out about once in
    // 30 runs. The retry budget is tested in RetryTest; here it must not be the limit.
    CosmosClient client = MockCosmos.client(server).maxConcurrency(8).raiseOnFailure(true)
        .maxRetriesOnThrottle(100).build();
    cosmos.throttleEvery = 4;
    cosmos.loseAfterApplying.addAll(List.of("d7", "d50", "d121"));
    cosmos.loseBeforeApplying.addAll(List.of("d13", "d99"));
    int count = 200;
    BulkResult result = await(client.createDocuments("shop", "orders", items("d", count)
        .iterator(), BulkOptions.builder().batching(false).keepDocuments(true).build()));

    assertEquals(count, result.size());
    assertTrue(result.allOk(), result.toString());
    for (int i = 0; i < count; i++) {
      CosmosResult<Map<String, Object>> item = result.get(i);
      assertEquals("ok", item.get("status"));
      assertEquals("d" + i, item.data().get("id"), "results are in input order");
      assertEquals(1, cosmos.creates.get("d" + i).get(), "d" + i + " written once");
    }
    assertEquals(count, cosmos.store.size());
    assertTrue(cosmos.max.get() <= 8, "max at the server: " + cosmos.max.get());
    assertTrue(cosmos.throttled.get() > 20, "throttled: " + cosmos.throttled.get());
    assertTrue(result.retries() >= cosmos.throttledWrites.get(), result + " "
        + cosmos.throttledWrites);
    assertEquals(0, cosmos.badSignatures.get());
    for (String id : List.of("d7", "d50", "d121")) {
      String ambiguity = result.get(Integer.parseInt(id.substring(1))).ambiguity();
      assertTrue(ambiguity.contains("equals what was sent"), id + ": " + ambiguity);
    }
    for (String id : List.of("d13", "d99")) {
      String ambiguity = result.get(Integer.parseInt(id.substring(1))).ambiguity();
      assertTrue(ambiguity.contains("had not been applied"), id + ": " + ambiguity);
    }
    assertNull(result.get(1).ambiguity());
  }

  @Test void resultsAreSmallByDefault() throws Exception {
    CosmosClient client = client(4, true);
    BulkResult result = await(client.upsertDocuments("shop", "orders", items("u", 5).iterator(),
        PER_DOCUMENT));
    assertEquals(5, result.succeeded());
    for (CosmosResult<Map<String, Object>> item : result) {
      assertEquals(201, item.code());
      assertNull(item.data(), "no document echoed or kept");
      assertEquals(1.5, item.requestCharge());
      assertTrue(item.sessionToken().startsWith("0:1#"), item.sessionToken());
    }
    assertEquals(7.5, result.requestCharge());
  }

  // --- concurrency -------------------------------------------------------------------------------

  @Test void twoBatchesTogetherStayWithinTheClientLimitAndASingleCallIsNotStarved()
      throws Exception {
    CosmosClient client = client(4, true);
    cosmos.gated = id -> id.startsWith("a") || id.startsWith("b");
    BulkOperation a = client.createDocuments("shop", "orders", items("a", 20).iterator(),
        PER_DOCUMENT);
    BulkOperation b = client.createDocuments("shop", "orders", items("b", 20).iterator(),
        PER_DOCUMENT);
    eventually("4 requests held at the server", () -> cosmos.current.get() == 4);

    Map<String, Object> solo = doc("solo");
    CompletableFuture<CosmosResult<Map<String, Object>>> single =
        client.createDocument("shop", "orders", solo, solo.get("pk"));
    // Four batch items wait for a permit ahead of the single call; it never waits for the
    // batches' remaining 32 items. Free one permit at a time.
    int freed = 0;
    while (!cosmos.arrivals.contains("solo") && freed < 12) {
      int arrived = cosmos.arrivals.size();
      cosmos.gate.release();
      freed++;
      eventually("the freed permit is used", () -> cosmos.arrivals.size() > arrived);
    }
    assertEquals(201, single.get(5, TimeUnit.SECONDS).code());
    assertTrue(freed <= 5, "the single call waited for " + freed + " batch requests");
    assertFalse(a.isDone() || b.isDone(), "the batches are far from done");

    cosmos.openGate();
    assertTrue(await(a).allOk());
    assertTrue(await(b).allOk());
    assertEquals(41, cosmos.store.size());
    assertEquals(4, cosmos.max.get(), "never more than the client's limit at the server");
  }

  @Test void aLazyInputIsPulledOnlyAsPermitsFreeUp() throws Exception {
    CosmosClient client = client(5, true);
    cosmos.gated = id -> true;
    CountingInput input = new CountingInput("lazy", 10_000);
    BulkOperation op = client.createDocuments("shop", "orders", input, PER_DOCUMENT);
    eventually("5 requests held", () -> cosmos.current.get() == 5);
    assertEquals(5, input.taken.get(), "nothing read beyond the window");

    cosmos.gate.release(3);
    eventually("3 more requests held", () -> cosmos.arrivals.size() == 8);
    assertEquals(8, input.taken.get());
    assertEquals(8, op.progress().pulled());
    assertEquals(3, op.progress().done());
    op.cancel(true);
    assertEquals(8, await(op.outcome()).size());
  }

  @Test void cancellingStopsTheBatchReleasesPermitsAndReportsWhatWasWritten() throws Exception {
    CosmosClient client = client(4, true);
    cosmos.gated = id -> id.startsWith("c");
    CountingInput input = new CountingInput("c", 1_000);
    BulkOperation op = client.createDocuments("shop", "orders", input, PER_DOCUMENT);
    eventually("4 requests held", () -> cosmos.current.get() == 4);
    cosmos.gate.release(6);
    eventually("6 written, 4 more held", () -> cosmos.store.size() == 6
        && cosmos.current.get() == 4);

    assertTrue(op.cancel(true));
    assertThrows(CancellationException.class, op::join);
    BulkResult result = await(op.outcome());
    assertTrue(result.isCancelled());
    assertFalse(result.allOk());
    assertEquals(10, result.size(), "every item read has a result");
    assertEquals(10, input.taken.get(), "nothing read after the cancel");
    assertEquals(6, result.succeeded());
    assertEquals(4, result.failed());
    assertEquals(4, result.uncertain(), "the held creates were on their way");
    for (long index : result.failedIndexes()) {
      CosmosResult<Map<String, Object>> item = result.get((int) index);
      assertEquals(0, item.code());
      assertTrue(item.error().startsWith("cancelled"), item.error());
      assertTrue(item.isUncertain());
    }
    for (int i = 0; i < 10; i++) {
      assertEquals(cosmos.store.containsKey("c" + i), result.get(i).isOk(), "c" + i);
    }

    // Every permit came back: 4 new requests are in flight together (the server waits for all
    // 4 before answering any), although the 4 abandoned ones are still held server-side.
    cosmos.barrierIds = id -> id.startsWith("free");
    cosmos.barrier = new CountDownLatch(4);
    cosmos.barrierMet = true;
    BulkResult free = await(client.createDocuments("shop", "orders", items("free", 4).iterator(),
        PER_DOCUMENT));
    assertTrue(free.allOk());
    assertTrue(cosmos.barrierMet, "4 requests were in flight at once after the cancel");
  }

  @Test void completingTheOperationFromOutsideStopsItToo() throws Exception {
    CosmosClient client = client(2, false);
    cosmos.gated = id -> true;
    BulkOperation op = client.deleteDocuments("shop", "orders", Stream.of(
        BulkItem.of("x1", "a"), BulkItem.of("x2", "a"), BulkItem.of("x3", "a")).iterator(),
        PER_DOCUMENT);
    eventually("2 requests held", () -> cosmos.current.get() == 2);
    op.orTimeout(50, TimeUnit.MILLISECONDS);
    ExecutionException e = assertThrows(ExecutionException.class, () -> op.get(5,
        TimeUnit.SECONDS));
    assertInstanceOf(java.util.concurrent.TimeoutException.class, e.getCause());
    BulkResult result = await(op.outcome());
    assertEquals(2, result.size());
    assertTrue(result.isCancelled());
  }

  // --- progress, failures, raising ---------------------------------------------------------

  @Test void progressListenerSeesEveryItemAndIsNeverCalledConcurrently() throws Exception {
    CosmosClient client = client(8, false);
    cosmos.throttleEvery = 5;
    for (int i = 0; i < 5; i++) {
      cosmos.store.put("g" + i, "{}"); // these creates conflict
    }
    AtomicInteger inside = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<BulkOperation.Progress> last = new AtomicReference<>();
    BulkOptions options = BulkOptions.builder().batching(false).progressListener(p -> {
      if (inside.incrementAndGet() != 1) {
        overlapped.set(true);
      }
      calls.incrementAndGet();
      BulkOperation.Progress before = last.get();
      if (before != null && before.done() > p.done()) {
        overlapped.set(true); // snapshots never go backwards
      }
      last.set(p);
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inside.decrementAndGet();
    }).build();
    BulkResult result = await(client.createDocuments("shop", "orders",
        items("g", 50).iterator(), options));

    assertFalse(overlapped.get());
    BulkOperation.Progress seen = last.get();
    assertEquals(50, seen.done(), "the last call, before completion, reports every item");
    assertEquals(50, seen.pulled());
    assertEquals(45, seen.succeeded());
    assertEquals(5, seen.failed());
    assertEquals(0, seen.uncertain());
    assertEquals(result.retries(), seen.retries());
    assertTrue(seen.retries() > 0);
    assertEquals(75.0, seen.requestCharge());
    assertTrue(calls.get() >= 1 && calls.get() <= 50, "calls: " + calls.get());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), result.failedIndexes());
    assertEquals(409, result.get(0).code());
  }

  @Test void withRaiseOnFailureOneExceptionCarriesEveryResult() throws Exception {
    CosmosClient client = client(3, true);
    cosmos.store.put("r3", "{}");
    List<Object> input = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      input.add(BulkItem.of(doc("r" + i), "a"));
    }
    input.set(5, BulkItem.of(Map.of("id", "bad/id"), "a"));
    input.set(7, null);
    input.set(8, BulkItem.of(doc("r8"), null));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.createDocuments("shop", "orders", input.iterator(),
            PER_DOCUMENT).get(10, TimeUnit.SECONDS));
    CosmosBulkException bulk = assertInstanceOf(CosmosBulkException.class, e.getCause());
    BulkResult results = bulk.results();

    assertEquals(10, results.size());
    assertEquals(List.of(3L, 5L, 7L, 8L), results.failedIndexes());
    assertEquals(409, results.get(3).code());
    assertEquals("Entity with the specified id already exists", results.get(3).error());
    assertEquals(0, results.get(5).code());
    assertTrue(results.get(5).error().startsWith("invalid item: "), results.get(5).error());
    assertTrue(results.get(5).error().contains("/"), results.get(5).error());
    assertEquals("invalid item: item is null", results.get(7).error());
    assertTrue(results.get(8).error().contains("PartitionKey.NULL"), results.get(8).error());
    for (int i : List.of(0, 1, 2, 4, 6, 9)) {
      assertEquals(201, results.get(i).code(), "r" + i);
    }
    assertEquals(409, bulk.code(), "the first failure");
    assertTrue(bulk.getMessage().startsWith("bulk create in dbs/shop/colls/orders: 4 of 10 items "
        + "failed (0 uncertain); first, item 3 -> 409 Conflict"), bulk.getMessage());
    assertEquals(7, cosmos.store.size(), "the bad items were never sent");
  }

  @Test void anInputThatThrowsEndsTheBatchButKeepsItsResults() throws Exception {
    Iterator<Object> failing = new Iterator<>() {
      int i;

      @Override public boolean hasNext() {
        return true;
      }

      @Override public Object next() {
        if (i == 3) {
          throw new IllegalStateException("disk on fire");
        }
        return BulkItem.of(doc("t" + i++), "a");
      }
    };
    BulkResult result = await(client(2, false).createDocuments("shop", "orders", failing,
        PER_DOCUMENT));
    assertEquals(3, result.size());
    assertEquals(3, result.succeeded());
    assertEquals("disk on fire", result.inputError().getMessage());
    assertFalse(result.allOk());

    ExecutionException e = assertThrows(ExecutionException.class, () -> client(2, true)
        .createDocuments("shop", "orders", Stream.generate(() -> {
          throw new IllegalStateException("again");
        }).iterator(), PER_DOCUMENT).get(10, TimeUnit.SECONDS));
    CosmosBulkException bulk = assertInstanceOf(CosmosBulkException.class, e.getCause());
    assertEquals("again", bulk.getCause().getMessage());
    assertEquals(0, bulk.results().size());
  }

  @Test void keysAreReadFromDocumentsAlongTheContainerPathsReadOnce() throws Exception {
    CosmosClient client = client(4, false);
    cosmos.partitionKeyPaths = "[\"/tenant\",\"/address/city\"]";
    Map<String, Object> nullTenant = new HashMap<>();
    nullTenant.put("id", "k3");
    nullTenant.put("tenant", null);
    nullTenant.put("address", Map.of("city", true));
    List<Object> input = List.of(
        Map.of("id", "k1", "tenant", "t", "address", Map.of("city", "Paris")),
        Map.of("id", "k2", "tenant", 5),
        nullTenant,
        BulkItem.of(Map.of("id", "k4"), "explicit"),
        BulkItem.of(Map.of("id", "k5", "tenant", Map.of("no", "objects"))));
    BulkResult result = await(client.createDocuments("shop", "orders", input.iterator(),
        PER_DOCUMENT));

    assertEquals("[\"t\",\"Paris\"]", cosmos.keyHeaders.get("k1"));
    assertEquals("[5,{}]", cosmos.keyHeaders.get("k2"));
    assertEquals("[null,true]", cosmos.keyHeaders.get("k3"));
    assertEquals("[\"explicit\"]", cosmos.keyHeaders.get("k4"));
    assertEquals(List.of(4L), result.failedIndexes());
    assertTrue(result.get(4).error().contains("/tenant holds an object"), result.get(4).error());

    BulkResult deleted = await(client.deleteDocuments("shop", "orders", List.of(
        Map.of("id", "k1", "tenant", "t", "address", Map.of("city", "Paris")),
        BulkItem.of("k2", PartitionKey.of(5, PartitionKey.UNDEFINED)),
        BulkItem.of("missing", "x"),
        "k3").iterator(), PER_DOCUMENT));
    assertEquals(1, cosmos.containerReads.get(), "the definition is read once per client");
    assertEquals(List.of(204, 204, 404, 0),
        deleted.stream().map(CosmosResult::code).collect(java.util.stream.Collectors.toList()));
    assertTrue(deleted.get(3).error().contains("needs its partition key"));
    assertEquals("[\"t\",\"Paris\"]", cosmos.keyHeaders.get("k1"));
    assertEquals(3, cosmos.store.size() + 1, "k3 is still there, with the failed k5 never sent");
  }

  @Test void aContainerThatCannotBeReadFailsTheKeylessItemsOnly() throws Exception {
    CosmosClient client = client(4, false);
    cosmos.partitionKeyPaths = "[]";
    BulkResult result = await(client.upsertDocuments("shop", "orders", List.of(
        Map.of("id", "n1", "pk", "a"), BulkItem.of(Map.of("id", "n2"), "a")).iterator(), PER_DOCUMENT));
    assertEquals(List.of(0L), result.failedIndexes());
    assertTrue(result.get(0).error().contains("partition key definition could not be read"),
        result.get(0).error());
    assertEquals(201, result.get(1).code());
  }

  @Test void partitionKeyPathSegmentsMayBeQuoted() {
    assertEquals(List.of("a", "b"), BulkWriter.segments("/a/b"));
    assertEquals(List.of("a b", "c/d", "e\"f"), BulkWriter.segments("/\"a b\"/\"c/d\"/\"e\\\"f\""));
    assertSame(PartitionKey.UNDEFINED,
        BulkWriter.partitionKeyOf(Map.of("a", 1), List.of("/a/b")).values().get(0));
  }

  @Test void badArgumentsThrowAtOnce() {
    CosmosClient client = client(4, true);
    assertThrows(IllegalArgumentException.class,
        () -> client.createDocuments("shop", "a/b", List.of()));
    assertThrows(NullPointerException.class,
        () -> client.createDocuments("shop", "orders", (Iterable<?>) null));
    assertThrows(NullPointerException.class,
        () -> client.createDocuments("shop", "orders", List.of().iterator(), null));
    assertThrows(IllegalArgumentException.class, () -> BulkOptions.builder().batching(false).maxConcurrency(0));
    assertEquals(0, server.getRequestCount());
  }

  @Test void anEmptyInputCompletesAtOnce() throws Exception {
    BulkResult result = await(client(4, true).createDocuments("shop", "orders", List.of().iterator(),
        PER_DOCUMENT));
    assertEquals(0, result.size());
    assertTrue(result.allOk());
  }

  /** What the document-key reader gives: the key, or the refusal's type and message. */
  private static Object keyOrRefusal(java.util.function.Supplier<PartitionKey> read) {
    try {
      PartitionKey key = read.get();
      List<String> types = new java.util.ArrayList<>();
      for (Object v : key.values()) {
        types.add(v == null ? "null" : v.getClass().getName());
      }
      return List.of(key.toString(), key.values(), types); // the value types too: 42 is not 42L
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  @Test void aMapsKeyIsReadAsItsJsonTreeWouldGiveIt() {
    Map<Object, Object> numberKeys = new java.util.HashMap<>();
    numberKeys.put(1, "one");
    Map<String, Object> nested = new java.util.HashMap<>();
    nested.put("b", 7L);
    nested.put("n", null);
    nested.put("l", List.of(1));
    nested.put("f", 1.5f);
    List<Object> values = java.util.Arrays.asList("s", "", 42, 42L, 9007199254740993L,
        (short) 3, (byte) -1, 1.0, -0.0, 1e300, Double.NaN, new java.math.BigInteger("123456789012345678901234567890"),
        new java.math.BigDecimal("1.50"), true, null, 2.5f, 'c', List.of("x"), Map.of("k", 1),
        nested, numberKeys, new Object() { int x = 1; });
    Map<String, Object> caseInsensitive = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    caseInsensitive.put("B", "upper"); // Gson writes "B": there is no "b" in the tree
    Map<Object, Object> sameNameTwice = new java.util.LinkedHashMap<>();
    sameNameTwice.put("b", "string key");
    sameNameTwice.put(new StringBuilder("b"), "later key, same name"); // the tree keeps this one
    values = new java.util.ArrayList<>(values);
    values.add(caseInsensitive);
    values.add(sameNameTwice);
    List<String> paths = List.of("/a", "/a/b", "/a/n", "/a/n/z", "/a/l", "/a/f", "/a/1", "/zz",
        "/\"a\"/b", "/a/B");
    for (Object value : values) {
      Map<String, Object> doc = new java.util.HashMap<>();
      doc.put("id", "1");
      doc.put("a", value);
      for (List<String> keyPaths : paths.stream().map(List::of).collect(
          java.util.stream.Collectors.toList())) {
        assertSameKey(doc, keyPaths, value);
      }
      assertSameKey(doc, List.of("/id", "/a"), value);
    }
  }

  /**
   * The map reader gives the tree's key or refusal. One difference is allowed: the tree refuses
   * a document Gson cannot write even where the key is readable; the map reader then reads the
   * key, and the document is refused with the tree's message when its body is written.
   */
  private static void assertSameKey(Map<String, Object> doc, List<String> keyPaths, Object value) {
    Object tree = keyOrRefusal(() -> BulkWriter.partitionKeyOfTree(doc, keyPaths));
    Object map = keyOrRefusal(() -> BulkWriter.partitionKeyOf(doc, keyPaths));
    if (tree instanceof String && ((String) tree).contains("cannot be written as JSON")
        && !(map instanceof String)) {
      IllegalArgumentException body = assertThrows(IllegalArgumentException.class,
          () -> Documents.body(doc, null));
      assertEquals(tree, body.getClass().getName() + ": " + body.getMessage());
      return;
    }
    assertEquals(tree, map, keyPaths + " of " + value);
  }

  @Test void aDocumentThatContainsItselfFailsAloneAndTheWriteEnds() throws Exception {
    Map<String, Object> cyclic = new java.util.HashMap<>();
    cyclic.put("id", "loop");
    cyclic.put("pk", "p");
    cyclic.put("self", cyclic);
    try (CosmosClient client = client(10, false)) {
      BulkResult result = client.createDocuments("shop", "orders",
          List.<Object>of(doc("fine"), cyclic).iterator(), PER_DOCUMENT)
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(2, result.size());
      assertTrue(result.get(0).isOk(), String.valueOf(result.get(0)));
      assertFalse(result.get(1).isOk());
      assertTrue(result.get(1).error().contains("contains itself"), result.get(1).error());
    }
  }
}
