package io.cosmoslite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every code snippet of README.md, compiled with the tests so the README cannot drift from the
 * API. Never run. Keep the two in sync when either changes.
 */
@SuppressWarnings("unused")
final class ReadmeExamples {
  private ReadmeExamples() {}

  static void quickStart() {
    try (CosmosClient client = CosmosClient.builder()
        .endpoint("https://myaccount.documents.azure.com:443/")
        .key(System.getenv("COSMOS_KEY"))
        .build()) {
      client.createDatabaseIfNotExists("shop").join();
      client.createContainerIfNotExists("shop", "orders", "/customer").join();
      client.createDocument("shop", "orders", Map.of("id", "1", "customer", "ada", "total", 42), "ada")
          .join();
      CosmosResult<Map<String, Object>> order = client.getDocument("shop", "orders", "1", "ada").join();
      System.out.println(order.get("status") + " " + order.data().get("total")); // ok 42
    }
  }

  record Order(String id, String customer, int total) {}

  static void typedAndPatch(CosmosClient client) {
    Order order = client.getDocument("shop", "orders", "1", "ada", Order.class).join().data();
    client.patchDocument("shop", "orders", "1", "ada",
        List.of(PatchOperation.increment("/total", 5), PatchOperation.set("/status", "paid"))).join();
  }

  static void manyDocuments(CosmosClient client) {
    List<BulkItem> items = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      items.add(BulkItem.of(Map.of("id", "o" + i, "customer", "c" + (i % 100)), "c" + (i % 100)));
    }
    BulkResult results = client.createDocuments("shop", "orders", items,
        BulkOptions.builder()
            .progressListener(p -> System.out.printf("%d/%d written, %d retried%n",
                p.succeeded(), p.pulled(), p.retries()))
            .build()).join();
    System.out.println(results.succeeded() + " written, " + results.failed() + " failed");
  }

  static void queries(CosmosClient client) {
    DocumentQuery<Map<String, Object>> query = client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c WHERE c.total > @min").withParameter("@min", 10),
        QueryOptions.builder().partitionKey("ada").maxItemCount(50).build());

    Page<Map<String, Object>> page = query.nextPage().join();   // nothing is sent before this
    String token = page.continuationToken();                    // null on the last page
    // ... later, in another process: continue exactly where that page ended
    DocumentQuery<Map<String, Object>> rest = client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c WHERE c.total > @min").withParameter("@min", 10),
        QueryOptions.builder().partitionKey("ada").maxItemCount(50).continuationToken(token).build());

    List<Map<String, Object>> all = rest.toList().join();
  }

  static void sessions(CosmosClient instanceA, CosmosClient instanceB) {
    CosmosResult<Map<String, Object>> written =
        instanceA.createDocument("shop", "orders", Map.of("id", "2", "customer", "bo"), "bo").join();
    String cookie = written.sessionToken();             // or instanceA.sessionToken("shop", "orders")

    // another instance, another request:
    instanceB.mergeSessionToken("shop", "orders", cookie);     // or per call:
    instanceB.getDocument("shop", "orders", "2", "bo",
        RequestOptions.builder().sessionToken(cookie).build()).join();
  }
}
