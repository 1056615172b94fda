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
  }

  static Map<String, Object> doc(int i) {
    return Map.of("id", String.format("doc-%05d", i), "pk", "p" + (i % 10), "n", i);
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
        BulkOptions.builder().keepDocuments(true).progressListener(lastProgress::set).build()));
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
    List<Number> count = await(client.queryDocuments(db, "items",
        SqlQuery.of("SELECT VALUE COUNT(1) FROM c"), QueryOptions.NONE, Number.class).toList());
    assertEquals(N, count.get(0).intValue());
    Set<Object> fed = new HashSet<>();
    await(client.readAllDocuments(db, "items", QueryOptions.builder().maxItemCount(500).build())
        .forEach(doc -> assertTrue(fed.add(doc.get("id")), "twice: " + doc)));
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
    assertEquals(N - 300, await(client.queryDocuments(db, "items",
        SqlQuery.of("SELECT VALUE COUNT(1) FROM c"), QueryOptions.NONE, Number.class).toList())
        .get(0).intValue());
  }
}
