package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Packed writes, packed reads and transactional batches end to end against cosmos-local with
 * several partition key ranges, and one whose range splits in the middle of the load.
 */
class PackedBulkIT {
  private static List<BulkItem> orders(String prefix, int count) {
    List<BulkItem> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String customer = "c" + (i % 97);
      out.add(BulkItem.of(Map.of("id", prefix + i, "customer", customer, "n", i), customer));
    }
    return out;
  }

  /** Every id in the container, by the read feed (each id once). */
  private static Set<String> ids(CosmosClient client, String db) {
    Set<String> ids = new HashSet<>();
    List<Map<String, Object>> all = await(client.readAllDocuments(db, "orders",
        RequestOptions.builder().maxItemCount(1000).build(), DocumentType.MAP).toList()).data();
    for (Map<String, Object> doc : all) {
      assertTrue(ids.add((String) doc.get("id")), "listed twice: " + doc.get("id"));
    }
    return ids;
  }

  private static void write(String endpoint, int count) {
    String db = LocalServers.uniqueName("packed");
    AtomicInteger requests = new AtomicInteger();
    try (CosmosClient client = LocalServers.client(endpoint)
        .attemptListener(e -> {
          if (e.method().equals("POST") && e.path().endsWith("/docs")) {
            requests.incrementAndGet();
          }
        }).build()) {
      await(client.createDatabase(db));
      await(client.createContainer(db, "orders", "/customer"));
      BulkResult result = await(client.createDocuments(db, "orders",
          orders("o", count).iterator(), BulkOptions.builder()
              .results(BulkOptions.ResultMode.FAILURES).build()));
      assertEquals(count, result.items());
      assertEquals(count, result.succeeded(), String.valueOf(result));
      assertEquals(0, result.size(), "no failures kept");
      assertTrue(requests.get() < count / 20, "packed: " + requests.get() + " POSTs for "
          + count + " documents");
      Set<String> ids = ids(client, db);
      assertEquals(count, ids.size(), "every document exactly once");
      for (int i = 0; i < count; i++) {
        assertTrue(ids.contains("o" + i), "o" + i);
      }
    } finally {
      try (CosmosClient cleanup = LocalServers.client(endpoint).build()) {
        ItSupport.dropDatabase(cleanup, db);
      }
    }
  }

  @Test void tenThousandDocumentsOnFourRangesAreWrittenExactlyOnceInFewRequests() {
    write(LocalServers.partitioned(), 10_000);
  }

  @Test void aSplitInTheMiddleOfTheLoadLosesAndRepeatsNothing() {
    write(LocalServers.splittingLoad(), 10_000);
  }

  @Test void readDocumentsReadsManyInFewRequestsAndReportsTheMissing() {
    String db = LocalServers.uniqueName("readmany");
    try (CosmosClient client = LocalServers.client(LocalServers.partitioned()).build()) {
      await(client.createDatabase(db));
      await(client.createContainer(db, "orders", "/customer"));
      await(client.createDocuments(db, "orders", orders("r", 500)));
      List<BulkItem> keys = new ArrayList<>();
      for (int i = 0; i < 500; i += 5) {
        keys.add(BulkItem.of("r" + i, "c" + (i % 97)));
      }
      keys.add(BulkItem.of("r1", "c2")); // the right id under the wrong key: not found
      keys.add(BulkItem.of("nope", "c1"));
      BulkResult read = await(client.readDocuments(db, "orders", keys));
      assertEquals(keys.size(), read.size());
      for (int i = 0; i < 100; i++) {
        assertEquals(200, read.get(i).code(), read.get(i).error());
        assertEquals("r" + (i * 5), read.get(i).data().get("id"));
        assertEquals("r" + (i * 5), read.id(i));
      }
      assertEquals(404, read.get(100).code());
      assertNull(read.get(100).data());
      assertEquals(404, read.get(101).code());
      assertEquals(100, read.succeeded());
      assertEquals(2, read.failed());
    } finally {
      try (CosmosClient cleanup = LocalServers.client(LocalServers.partitioned()).build()) {
        ItSupport.dropDatabase(cleanup, db);
      }
    }
  }

  @Test void aTransactionalBatchThatFailsLeavesNothingOnTheServer() {
    String db = LocalServers.uniqueName("batch");
    try (CosmosClient client = LocalServers.client(LocalServers.partitioned())
        .raiseOnFailure(false).build()) {
      await(client.createDatabase(db));
      await(client.createContainer(db, "orders", "/customer"));
      await(client.createDocument(db, "orders", Map.of("id", "taken", "customer", "ada"),
          "ada"));
      CosmosResult<List<CosmosResult<Map<String, Object>>>> failed = await(client.executeBatch(
          db, "orders", TransactionalBatch.of("ada")
              .create(Map.of("id", "b1", "customer", "ada"))
              .upsert(Map.of("id", "b2", "customer", "ada"))
              .create(Map.of("id", "taken", "customer", "ada"))));
      assertEquals(409, failed.code());
      assertEquals(List.of(424, 424, 409), List.of(failed.data().get(0).code(),
          failed.data().get(1).code(), failed.data().get(2).code()));
      assertEquals(404, await(client.getDocument(db, "orders", "b1", "ada")).code(),
          "rolled back");
      assertEquals(404, await(client.getDocument(db, "orders", "b2", "ada")).code());

      CosmosResult<List<CosmosResult<Map<String, Object>>>> done = await(client.executeBatch(
          db, "orders", TransactionalBatch.of("ada")
              .create(Map.of("id", "b1", "customer", "ada"))
              .read("taken")
              .patch("taken", List.of(PatchOperation.set("/paid", true)))));
      assertEquals(200, done.code(), done.error());
      assertEquals(201, done.data().get(0).code());
      assertEquals("taken", done.data().get(1).data().get("id"));
      assertEquals(true, await(client.getDocument(db, "orders", "taken", "ada")).data()
          .get("paid"));
    } finally {
      try (CosmosClient cleanup = LocalServers.client(LocalServers.partitioned()).build()) {
        ItSupport.dropDatabase(cleanup, db);
      }
    }
  }
}
