package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A concurrent write of many documents against a throttled cosmos-local ({@code --ru-per-second}):
 * the server answers 429 with {@code x-ms-retry-after-ms} once a second's budget is spent, the
 * client waits and resends, and in the end every document was created exactly once (the server
 * counted exactly N 201s and no 409) and reads back.
 */
class ThrottledBulkIT {
  static final int N = 1500;

  static String endpoint;
  static CosmosClient client;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = LocalServers.throttled();
    client = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("bulk");
    await(client.createDatabase(db));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(client, db);
    if (client != null) {
      client.close();
    }
  }

  static Map<String, Object> doc(int i) {
    return Map.of("id", String.format("doc-%05d", i), "pk", "p" + (i % 10), "n", i);
  }

  @Test void packedWritesResendOnlyTheThrottledOperationsAndWriteEachDocumentOnce() {
    await(client.createContainer(db, "packed", "/pk"));
    List<Map<String, Object>> docs = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      docs.add(doc(i));
    }
    BulkResult written = await(client.createDocuments(db, "packed", docs.iterator(),
        BulkOptions.DEFAULT));
    assertTrue(written.allOk(), written.toString());
    assertEquals(N, written.succeeded());
    assertTrue(written.retries() > 0, "operations throttled inside bulk answers were resent: "
        + written);
    Set<Object> fed = new HashSet<>();
    await(client.readAllDocuments(db, "packed", RequestOptions.builder().maxItemCount(500)
        .build(), DocumentType.MAP).forEach(doc -> assertTrue(fed.add(doc.get("id")),
        "twice: " + doc)));
    assertEquals(N, fed.size(), "every document exactly once");
  }

  @Test void everyDocumentIsWrittenExactlyOnceDespite429s() {
    await(client.createContainer(db, "items", "/pk"));
    Map<String, Object> before = LocalServers.stats(endpoint);

    List<Map<String, Object>> docs = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      docs.add(doc(i));
    }
    AtomicReference<BulkOperation.Progress> lastProgress = new AtomicReference<>();
    // Bare documents: the client reads the partition key path from the container once.
    BulkResult written = await(client.createDocuments(db, "items", docs.iterator(),
        BulkOptions.builder().keepDocuments(true).progressListener(lastProgress::set)
            .batching(false).build())); // one request per document: each 429 is counted
    assertTrue(written.allOk(), written.toString());
    assertEquals(N, written.size());
    assertEquals(N, written.succeeded());
    for (int i = 0; i < N; i++) {
      CosmosResult<Map<String, Object>> result = written.get(i);
      assertEquals(201, result.code());
      assertEquals(docs.get(i).get("id"), result.data().get("id"), "results are in input order");
    }
    assertEquals(N, lastProgress.get().done());
    long retries = written.retries();
    Map<String, Object> after = LocalServers.stats(endpoint);
    long throttled = LocalServers.counter(after, "throttled")
        - LocalServers.counter(before, "throttled");
    assertTrue(throttled > 0, "the server must have throttled some writes: " + after);
    assertEquals(throttled, retries, "every 429 was absorbed by exactly one resend");
    assertEquals(N, LocalServers.byStatus(after, 201) - LocalServers.byStatus(before, 201),
        "the server created each document once");
    assertEquals(0, LocalServers.byStatus(after, 409) - LocalServers.byStatus(before, 409),
        "no write was applied twice");

    // Read back: every document, with the content it was written with.
    List<CompletableFuture<CosmosResult<Map<String, Object>>>> reads = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Map<String, Object> doc = doc(i);
      reads.add(client.getDocument(db, "items", (String) doc.get("id"), doc.get("pk")));
    }
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < N; i++) {
      Map<String, Object> read = await(reads.get(i)).data();
      assertEquals(i, ((Number) read.get("n")).intValue());
      seen.add(read.get("id"));
    }
    assertEquals(N, seen.size());

    // And through a query and the read feed (both throttled too, and retried).
    assertEquals(N, count());
    Set<Object> fed = new HashSet<>();
    await(client.readAllDocuments(db, "items", RequestOptions.builder().maxItemCount(500).build(),
        DocumentType.MAP).forEach(doc -> assertTrue(fed.add(doc.get("id")), "twice: " + doc)));
    assertEquals(seen, fed);

    // Upsert and delete a slice the same way: 200 for each upsert, then nothing left of it.
    List<BulkItem> slice = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Map<String, Object> doc = new java.util.HashMap<>(doc(i));
      doc.put("n", -i);
      slice.add(BulkItem.of(doc, doc.get("pk")));
    }
    BulkResult upserted = await(client.upsertDocuments(db, "items", slice.iterator(),
        BulkOptions.DEFAULT));
    assertTrue(upserted.stream().allMatch(r -> r.code() == 200), upserted.toString());
    assertEquals(-299, ((Number) await(client.getDocument(db, "items", "doc-00299", "p9")).data()
        .get("n")).intValue());
    BulkResult deleted = await(client.deleteDocuments(db, "items", slice));
    assertTrue(deleted.stream().allMatch(r -> r.code() == 204), deleted.toString());
    assertEquals(N - 300, count());
  }

  @Test void aStreamedLoadThatKeepsOnlyFailuresNamesEachFailedItem() {
    await(client.createContainer(db, "stream", "/pk"));
    await(client.createDocument(db, "stream", doc(7), "p7"));
    // 400 items from a stream, one of which (index 7) exists already: only it is kept, and the
    // batch fails (raiseOnFailure) with one exception carrying the results.
    CosmosException failure = ItSupport.failure(client.createDocuments(db, "stream",
        IntStream.range(0, 400).mapToObj(ThrottledBulkIT::doc).iterator(),
        BulkOptions.builder().results(BulkOptions.ResultMode.FAILURES).build()));
    assertTrue(failure instanceof CosmosBulkException, failure.toString());
    assertTrue(failure.getMessage().contains("1 of 400 items failed"), failure.getMessage());
    BulkResult result = ((CosmosBulkException) failure).results();
    assertEquals(400, result.items());
    assertEquals(399, result.succeeded());
    assertEquals(1, result.failed());
    assertEquals(1, result.size(), result.toString());
    assertEquals(List.of(7L), result.failedIndexes());
    assertEquals(7L, result.inputIndex(0));
    assertEquals("doc-00007", result.id(0));
    assertEquals(PartitionKey.from("p7"), result.partitionKey(0));
    assertEquals(409, result.get(0).code());
    assertEquals(400, result.progress().done());

    BulkResult counts = await(client.deleteDocuments(db, "stream",
        IntStream.range(0, 400).mapToObj(ThrottledBulkIT::doc).iterator(),
        BulkOptions.builder().results(BulkOptions.ResultMode.COUNTS).build()));
    assertTrue(counts.allOk(), counts.toString());
    assertEquals(400, counts.succeeded());
    assertEquals(0, counts.size(), "counts only");
    assertEquals(0, ((Number) await(client.queryDocuments(db, "stream",
        "SELECT VALUE COUNT(1) FROM c").toList()).data().get(0)).intValue());
  }

  static int count() {
    List<Object> count = await(client.queryDocuments(db, "items",
        "SELECT VALUE COUNT(1) FROM c").toList()).data();
    return ((Number) count.get(0)).intValue();
  }
}
