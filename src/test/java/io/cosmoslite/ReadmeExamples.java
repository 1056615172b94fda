package io.cosmoslite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

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

  static void entraId() {
    CosmosClient client = CosmosClient.builder()
        .endpoint("https://myaccount.documents.azure.com:443/")
        .credential(TokenCredential.defaultChain())   // environment, workload/managed identity, az CLI
        .build();
  }

  record Order(String id, String customer, int total) {}

  static void typedAndPatch(CosmosClient client) {
    DocumentType<Order> orderType = DocumentType.of(Order.class);
    Order order = client.getDocument("shop", "orders", "1", "ada", RequestOptions.NONE, orderType)
        .join().data();
    client.replaceDocument("shop", "orders", new Order("1", "ada", 50), "ada").join();
    client.patchDocument("shop", "orders", "1", "ada",
        List.of(PatchOperation.increment("/total", 5), PatchOperation.set("/status", "paid")),
        RequestOptions.builder()
            .patchCondition("from c where c.total < 100")   // else 412, nothing changed
            .returnDocument(false)                           // Prefer: return=minimal
            .timeout(Duration.ofSeconds(5))                  // the whole call, retries included
            .build(),
        orderType).join();
  }

  static void manyDocuments(CosmosClient client) {
    List<BulkItem> items = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      items.add(BulkItem.of(Map.of("id", "o" + i, "customer", "c" + (i % 100)), "c" + (i % 100)));
    }
    BulkResult results = client.createDocuments("shop", "orders", items).join();
    System.out.println(results.succeeded() + " written, " + results.failed() + " failed");

    // A million documents from a stream: keep only the failures, each naming its input.
    BulkResult load = client.upsertDocuments("shop", "orders",
        IntStream.range(0, 1_000_000)
            .mapToObj(i -> Map.of("id", "o" + i, "customer", "c" + (i % 100))).iterator(),
        BulkOptions.builder()
            .results(BulkOptions.ResultMode.FAILURES)
            .progressListener(p -> System.out.printf("%d/%d written, %d retried%n",
                p.succeeded(), p.pulled(), p.retries()))
            .build()).join();
    for (int i = 0; i < load.size(); i++) {
      System.out.println("#" + load.inputIndex(i) + " " + load.id(i) + ": " + load.get(i).error());
    }
  }

  static void queries(CosmosClient client) {
    SqlQuery sql = SqlQuery.of("SELECT * FROM c WHERE c.total > @min").withParameter("@min", 10);
    DocumentQuery<Order> query = client.queryDocuments("shop", "orders", sql,
        RequestOptions.builder().partitionKey("ada").maxItemCount(50).build(),
        DocumentType.of(Order.class));

    Page<Order> page = query.nextPage().join();   // nothing is sent before this
    String token = page.continuationToken();      // null on the last page
    // ... later, in another process: continue exactly where that page ended
    List<Order> rest = client.queryDocuments("shop", "orders", sql,
        RequestOptions.builder().partitionKey("ada").maxItemCount(50).continuationToken(token)
            .build(), DocumentType.of(Order.class))
        .toList().join().data();

    // The short form: items are any JSON value (a Map for objects, a number here).
    Object count = client.queryDocuments("shop", "orders", "SELECT VALUE COUNT(1) FROM c")
        .toList().join().data().get(0);
  }

  static void scripts(CosmosClient client) {
    client.createStoredProcedure("shop", "orders", "addTwo",
        "function (a, b) { console.log('adding'); getContext().getResponse().setBody(a + b); }")
        .join();
    CosmosResult<Object> sum = client.executeStoredProcedure("shop", "orders", "addTwo", "ada",
        List.of(2, 3), true).join();                    // true: x-ms-documentdb-script-enable-logging
    System.out.println(sum.data() + " " + sum.scriptLog());            // 5 adding

    client.createTrigger("shop", "orders", "stamp",
        "function () { var r = getContext().getRequest(); var d = r.getBody(); d.stamped = true;"
            + " r.setBody(d); }", TriggerType.PRE, TriggerOperation.CREATE).join();
    client.createDocument("shop", "orders", Map.of("id", "3", "customer", "ada"), "ada",
        RequestOptions.builder().preTrigger("stamp").build(), DocumentType.MAP).join();

    client.createUserDefinedFunction("shop", "orders", "tax", "function (x) { return x * 1.2; }")
        .join();                                        // SELECT VALUE udf.tax(c.total) FROM c
  }

  static void changeFeed(CosmosClient client) {
    ChangeFeed<Order> feed = client.changeFeed("shop", "orders",
        ChangeFeedOptions.builder().startFromBeginning().maxItemCount(100).build(),
        DocumentType.of(Order.class));
    ChangeFeedPage<Order> page = feed.nextPage().join();   // nothing is sent before this
    String token = page.continuationToken();  // every range's position; resumes in any process
    boolean caughtUp = !page.hasMoreChanges(); // every range answered 304 ("nothing new") in a row

    // Follow it: a handler per page, a checkpoint after each, a scheduled wait while caught up.
    ChangeFeed<Order>.Polling polling = client.changeFeed("shop", "orders",
            ChangeFeedOptions.builder().continuationToken(token).build(), DocumentType.of(Order.class))
        .poll(p -> p.items().forEach(System.out::println), Duration.ofSeconds(1), saved -> { });
    polling.stop();
  }

  static void errors(CosmosClient client) {
    try {
      client.createDocument("shop", "orders", Map.of("id", "1", "customer", "ada"), "ada").join();
    } catch (CompletionException e) {
      CosmosException failure = (CosmosException) e.getCause();
      System.out.println(failure.code() + " " + failure.subStatus() + " " + failure.serviceCode()
          + " " + failure.error() + " " + failure.activityId());
    }
  }

  static void sessions(CosmosClient instanceA, CosmosClient instanceB) {
    CosmosResult<Map<String, Object>> written =
        instanceA.createDocument("shop", "orders", Map.of("id", "2", "customer", "bo"), "bo").join();
    String cookie = written.sessionToken();         // or instanceA.sessionToken("shop", "orders")

    // another instance, another request: pass the cookie's token with that request only
    RequestOptions fromCookie = RequestOptions.builder().sessionToken(cookie).build();
    instanceB.getDocument("shop", "orders", "2", "bo", fromCookie, DocumentType.MAP).join();
  }

  static void throughput(CosmosClient client) {
    client.createContainer("shop", ContainerProperties.builder("orders", "/customer").build(),
        Throughput.manual(400)).join();
    client.replaceThroughput("shop", "orders", Throughput.manual(800)).join();
    ThroughputProperties tp = client.readThroughput("shop", "orders").join().data();
    System.out.println(tp.requestUnitsPerSecond() + " RU/s, at least "
        + tp.minimumRequestUnitsPerSecond() + ", pending " + tp.isReplacePending());
    client.replaceThroughput("shop", "orders", Throughput.autoscale(4000)).join();
  }

  static void resourceTokens(CosmosClient backend) {
    backend.createUser("shop", "ada").join();
    String token = (String) backend.createPermission("shop", "ada", "ada-orders",
        PermissionMode.READ, "dbs/shop/colls/orders", "ada").join().data().get("_token");

    try (CosmosClient endClient = CosmosClient.builder()
        .endpoint("https://myaccount.documents.azure.com:443/")
        .resourceToken(token) // or resourceTokens(Map.of(resourceLink, token, ...))
        .build()) {
      endClient.getDocument("shop", "orders", "1", "ada").join(); // 200; "bob"'s partition: 403
    }
  }

  static void trustedToken(CosmosClient instanceB, String tokenFromOurOwnService) {
    instanceB.mergeSessionToken("shop", "orders", tokenFromOurOwnService);
  }

  static void threadsAndMetrics() {
    CosmosClient client = CosmosClient.builder()
        .endpoint("https://myaccount.documents.azure.com:443/")
        .key(System.getenv("COSMOS_KEY"))
        .callbackExecutor(Executors.newFixedThreadPool(4))
        .attemptListener(attempt -> System.out.println(attempt))
        .build();
    System.out.println(client.inFlightRequests() + " in flight, "
        + client.waitingRequests() + " waiting");
  }

  static void batchAndPackedReads(CosmosClient client) {
    CosmosResult<List<CosmosResult<Map<String, Object>>>> batch = client.executeBatch("shop",
        "orders", TransactionalBatch.of("ada")
            .create(Map.of("id", "o9", "customer", "ada", "total", 12))
            .patch("cart-ada", List.of(PatchOperation.set("/items", List.of())))).join();
    // all or nothing: on failure nothing is applied and the batch fails with the failing
    // operation's status; its data holds every operation's result (the others 424)

    BulkResult found = client.readDocuments("shop", "orders",
        List.of(BulkItem.of("o1", "c1"), BulkItem.of("o2", "c2"), BulkItem.of("gone", "c3"))).join();
    // one query per partition-key range; results in input order, 404 for a missing one
  }

  static void azureIdentity(com.azure.core.credential.TokenCredential azure) {
    TokenCredential credential = scopes -> azure
        .getToken(new com.azure.core.credential.TokenRequestContext().setScopes(scopes))
        .map(t -> new AccessToken(t.getToken(), t.getExpiresAt().toInstant()))
        .toFuture();
    CosmosClient client = CosmosClient.builder()
        .endpoint("https://myaccount.documents.azure.com:443/")
        .credential(credential)
        .build();
  }
}
