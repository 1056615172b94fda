package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code maxConcurrency} is honoured where it matters, at the server: cosmos-local started with
 * {@code --delay-ms} holds every response, so requests overlap, and its {@code maxInFlight}
 * counter shows the most it ever had at once. Only this class uses that server.
 */
class ConcurrencyIT {
  static String endpoint;
  static CosmosClient admin;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = LocalServers.slow();
    admin = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("concurrency");
    await(admin.createDatabase(db));
    await(admin.createContainer(db, "c", "/pk"));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(admin, db);
    if (admin != null) {
      admin.close();
    }
  }

  @ParameterizedTest(name = "maxConcurrency({0})")
  @ValueSource(ints = {1, 4, 16})
  void theServerNeverSeesMoreRequestsAtOnceThanMaxConcurrency(int limit) {
    try (CosmosClient client = LocalServers.client(endpoint).maxConcurrency(limit).build()) {
      LocalServers.resetStats(endpoint);
      List<CompletableFuture<CosmosResult<Map<String, Object>>>> calls = new ArrayList<>();
      int n = limit * 4;
      for (int i = 0; i < n; i++) {
        calls.add(client.upsertDocument(db, "c", Map.of("id", limit + "-" + i, "pk", "p"), "p"));
      }
      for (int i = 0; i < n; i++) {
        calls.add(client.getDocument(db, "c", limit + "-" + i, "p"));
      }
      assertTrue(client.inFlightRequests() <= limit, "in flight: " + client.inFlightRequests());
      calls.forEach(ItSupport::await);
      // A call's permit is released before its future completes.
      assertEquals(0, client.inFlightRequests());
      assertEquals(0, client.waitingRequests());
      Map<String, Object> stats = LocalServers.stats(endpoint);
      assertEquals(2L * n, LocalServers.counter(stats, "requests"), stats.toString());
      assertEquals(limit, LocalServers.counter(stats, "maxInFlight"),
          "the client kept exactly " + limit + " requests in flight: " + stats);
    }
  }

  @org.junit.jupiter.api.Test void aBulkWriteKeepsToItsOwnSmallerWindow() {
    try (CosmosClient client = LocalServers.client(endpoint).maxConcurrency(50).build()) {
      List<BulkItem> items = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        items.add(BulkItem.of(Map.of("id", "bulk-" + i, "pk", "b"), "b"));
      }
      LocalServers.resetStats(endpoint);
      BulkResult result = ItSupport.await(client.createDocuments(db, "c", items.iterator(),
          BulkOptions.builder().maxConcurrency(3).batching(false).build()));
      assertEquals(30, result.succeeded());
      Map<String, Object> stats = LocalServers.stats(endpoint);
      assertEquals(30, LocalServers.counter(stats, "requests"), stats.toString());
      assertEquals(3, LocalServers.counter(stats, "maxInFlight"), stats.toString());
    }
  }
}
