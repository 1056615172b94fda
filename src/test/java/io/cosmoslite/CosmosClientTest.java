package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertNoHeader;
import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.Test;

class CosmosClientTest extends MockServerTest {

  static CosmosException failure(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> future.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(CosmosException.class, e.getCause());
  }

  // --- databases -------------------------------------------------------------------------------

  @Test void createDatabasePostsItsIdAndReturnsTheResultMap() throws Exception {
    server.enqueue(json(201, "{\"id\":\"shop\",\"_rid\":\"r1\"}").setHeader("etag", "\"e1\""));
    CosmosResult<Map<String, Object>> result = await(client.createDatabase("shop"));

    RecordedRequest request = assertRequest(take(server), "POST", "/dbs", "dbs", "", null);
    assertEquals("{\"id\":\"shop\"}", request.getBody().readUtf8());
    assertEquals("application/json", request.getHeader("Content-Type"));
    assertNoHeader(request, "x-ms-offer-throughput", "x-ms-cosmos-offer-autopilot-settings",
        "x-ms-documentdb-partitionkey", "x-ms-consistency-level");

    assertEquals(List.of("status", "code", "session_token", "error", "data"),
        List.copyOf(result.keySet()));
    assertEquals("ok", result.get("status"));
    assertEquals(201, result.get("code"));
    assertNull(result.get("error"));
    assertEquals(Map.of("id", "shop", "_rid", "r1"), result.get("data"));
    assertEquals(1.5, result.requestCharge());
    assertEquals("act-201", result.activityId());
    assertEquals("\"e1\"", result.etag());
  }

  @Test void createDatabaseSendsManualOrAutoscaleThroughput() throws Exception {
    server.enqueue(json(201, "{\"id\":\"a\"}"));
    server.enqueue(json(201, "{\"id\":\"b\"}"));
    await(client.createDatabase("a", Throughput.manual(400)));
    await(client.createDatabase("b", Throughput.autoscale(4000)));
    RecordedRequest manual = take(server);
    assertEquals("400", manual.getHeader("x-ms-offer-throughput"));
    assertNoHeader(manual, "x-ms-cosmos-offer-autopilot-settings");
    RecordedRequest auto = take(server);
    assertEquals("{\"maxThroughput\":4000}", auto.getHeader("x-ms-cosmos-offer-autopilot-settings"));
    assertNoHeader(auto, "x-ms-offer-throughput");
    assertThrows(IllegalArgumentException.class, () -> Throughput.manual(100));
    assertThrows(IllegalArgumentException.class, () -> Throughput.autoscale(500));
  }

  @Test void createDatabaseIfNotExistsReadsTheExistingOneOnConflict() throws Exception {
    server.enqueue(error(409, 0, "Conflict", "Resource with specified id already exists."));
    server.enqueue(json(200, "{\"id\":\"shop\",\"_rid\":\"old\"}"));
    CosmosResult<Map<String, Object>> result = await(client.createDatabaseIfNotExists("shop"));
    assertRequest(take(server), "POST", "/dbs", "dbs", "", null);
    assertRequest(take(server), "GET", "/dbs/shop", "dbs", "dbs/shop", null);
    assertEquals(200, result.code());
    assertEquals("old", result.data().get("_rid"));
  }

  @Test void missingDatabaseFailsWithStatusSubstatusActivityIdAndMessage() throws Exception {
    server.enqueue(error(404, 0, "NotFound", "Resource Not Found")
        .setHeader("x-ms-activity-id", "a-1"));
    CosmosException e = failure(client.getDatabase("shop"));
    assertRequest(take(server), "GET", "/dbs/shop", "dbs", "dbs/shop", null);
    assertEquals("GET dbs/shop -> 404 Not Found: Resource Not Found [activity id a-1]",
        e.getMessage());
    assertEquals(404, e.code());
    assertEquals("a-1", e.activityId());
    assertEquals("failed", e.result().get("status"));
    assertEquals("Resource Not Found", e.result().get("error"));
    assertEquals("NotFound", e.result().serviceCode());
  }

  @Test void withoutRaisingAFailureCompletesNormally() throws Exception {
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(error(409, 0, "Conflict", "Message: {\\\"Errors\\\":[\\\"Resource with specified "
        + "id or name already exists.\\\"]}\\r\\nActivityId: 123, Microsoft.Azure.Documents/2.14"));
    CosmosResult<Map<String, Object>> result = await(quiet.createDatabase("shop"));
    assertEquals("failed", result.status());
    assertEquals(409, result.code());
    assertEquals("Resource with specified id or name already exists.", result.error());
    assertNull(result.data());
  }

  @Test void deleteAndListDatabases() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(204));
    server.enqueue(json(200, "{\"_rid\":\"\",\"Databases\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
        + "\"_count\":2}"));
    CosmosResult<Void> deleted = await(client.deleteDatabase("old db"));
    assertRequest(take(server), "DELETE", "/dbs/old%20db", "dbs", "dbs/old db", null);
    assertEquals(204, deleted.code());
    assertNull(deleted.data());
    CosmosResult<List<Map<String, Object>>> list = await(client.listDatabases());
    assertRequest(take(server), "GET", "/dbs", "dbs", "", null);
    assertEquals(List.of(Map.of("id", "a"), Map.of("id", "b")), list.data());
  }

  // --- containers ------------------------------------------------------------------------------

  @Test void createContainerSendsAVersion2HashPartitionKey() throws Exception {
    server.enqueue(json(201, "{\"id\":\"orders\"}"));
    await(client.createContainer("shop", "orders", "/customer"));
    RecordedRequest request =
        assertRequest(take(server), "POST", "/dbs/shop/colls", "colls", "dbs/shop", null);
    assertEquals("{\"id\":\"orders\",\"partitionKey\":{\"paths\":[\"/customer\"],\"kind\":\"Hash\","
        + "\"version\":2}}", request.getBody().readUtf8());
  }

  @Test void createContainerWithFullPropertiesAndAutoscale() throws Exception {
    server.enqueue(json(201, "{\"id\":\"events\"}"));
    ContainerProperties properties = ContainerProperties.builder("events", "/tenant", "/user",
        "/session").defaultTtl(3600).uniqueKey("/email").uniqueKey("/a", "/b")
        .indexingPolicy(Map.of("indexingMode", "consistent")).build();
    await(client.createContainer("shop", properties, Throughput.autoscale(1000)));
    RecordedRequest request = take(server);
    assertEquals("{\"maxThroughput\":1000}",
        request.getHeader("x-ms-cosmos-offer-autopilot-settings"));
    assertEquals(Map.of("id", "events",
        "partitionKey", Map.of("paths", List.of("/tenant", "/user", "/session"),
            "kind", "MultiHash", "version", 2),
        "defaultTtl", 3600,
        "indexingPolicy", Map.of("indexingMode", "consistent"),
        "uniqueKeyPolicy", Map.of("uniqueKeys", List.of(Map.of("paths", List.of("/email")),
            Map.of("paths", List.of("/a", "/b"))))),
        Json.fromBytes(request.getBody().readByteArray(), Json.MAP));
    assertThrows(IllegalArgumentException.class,
        () -> ContainerProperties.builder("x", "/a", "/b", "/c", "/d"));
    assertThrows(IllegalArgumentException.class, () -> ContainerProperties.builder("x", "pk"));
  }

  @Test void containerReadReplaceListAndDelete() throws Exception {
    server.enqueue(json(200, "{\"id\":\"orders\"}"));
    server.enqueue(json(200, "{\"id\":\"orders\",\"defaultTtl\":60}"));
    server.enqueue(json(200, "{\"DocumentCollections\":[{\"id\":\"orders\"}]}"));
    server.enqueue(new MockResponse().setResponseCode(204));
    await(client.getContainer("shop", "orders"));
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders", "colls", "dbs/shop/colls/orders",
        null);
    await(client.replaceContainer("shop",
        ContainerProperties.builder("orders", "/customer").defaultTtl(60).build()));
    RecordedRequest replace = assertRequest(take(server), "PUT", "/dbs/shop/colls/orders",
        "colls", "dbs/shop/colls/orders", null);
    assertTrue(replace.getBody().readUtf8().contains("\"defaultTtl\":60"));
    assertEquals(List.of(Map.of("id", "orders")), await(client.listContainers("shop")).data());
    assertRequest(take(server), "GET", "/dbs/shop/colls", "colls", "dbs/shop", null);
    await(client.deleteContainer("shop", "orders"));
    assertRequest(take(server), "DELETE", "/dbs/shop/colls/orders", "colls",
        "dbs/shop/colls/orders", null);
  }

  @Test void createContainerIfNotExistsReadsTheExistingOneOnConflict() throws Exception {
    server.enqueue(error(409, 0, "Conflict", "exists"));
    server.enqueue(json(200, "{\"id\":\"orders\"}"));
    CosmosResult<Map<String, Object>> result =
        await(client.createContainerIfNotExists("shop", "orders", "/pk"));
    take(server);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders", "colls", "dbs/shop/colls/orders",
        null);
    assertEquals("orders", result.data().get("id"));
  }

  // --- documents -------------------------------------------------------------------------------

  @Test void createDocumentSendsThePartitionKeyAndReturnsTheSessionToken() throws Exception {
    server.enqueue(json(201, "{\"id\":\"1\",\"customer\":\"ada\",\"n\":42,\"_etag\":\"e\"}")
        .setHeader("x-ms-session-token", "0:-1#5"));
    CosmosResult<Map<String, Object>> result = await(client.createDocument("shop", "orders",
        Map.of("id", "1", "customer", "ada", "n", 42), "ada"));
    RecordedRequest request = assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs",
        "docs", "dbs/shop/colls/orders", null);
    assertEquals("[\"ada\"]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("application/json", request.getHeader("Content-Type"));
    assertNoHeader(request, "x-ms-documentdb-is-upsert", "If-Match", "x-ms-indexing-directive");
    assertEquals(Map.of("id", "1", "customer", "ada", "n", 42),
        Json.fromBytes(request.getBody().readByteArray(), Json.MAP));
    assertEquals("0:-1#5", result.get("session_token"));
    assertEquals(42, result.data().get("n"));
    assertEquals("0:-1#5", client.sessionToken("shop", "orders"));
  }

  @Test void upsertSetsTheUpsertHeaderAndWriteOptions() throws Exception {
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    await(client.upsertDocument("shop", "orders", Map.of("id", "1", "pk", 5), 5,
        RequestOptions.builder().ifMatch("\"etag-1\"")
            .indexingDirective(RequestOptions.IndexingDirective.EXCLUDE)
            .preTrigger("pre").postTrigger("post").build(), DocumentType.MAP));
    RecordedRequest request = take(server);
    assertEquals("True", request.getHeader("x-ms-documentdb-is-upsert"));
    assertEquals("[5]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("\"etag-1\"", request.getHeader("If-Match"));
    assertEquals("Exclude", request.getHeader("x-ms-indexing-directive"));
    assertEquals("pre", request.getHeader("x-ms-documentdb-pre-trigger-include"));
    assertEquals("post", request.getHeader("x-ms-documentdb-post-trigger-include"));
  }

  @Test void sessionTokenIsSentOnReadsOfTheSameContainerOnly() throws Exception {
    server.enqueue(json(201, "{\"id\":\"1\"}").setHeader("x-ms-session-token", "0:-1#5"));
    server.enqueue(json(201, "{\"id\":\"2\"}").setHeader("x-ms-session-token", "0:-1#6"));
    server.enqueue(json(200, "{\"id\":\"1\"}").setHeader("x-ms-session-token", "0:-1#6"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"id\":\"shop\"}"));
    await(client.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    await(client.createDocument("shop", "orders", Map.of("id", "2"), "a"));
    await(client.getDocument("shop", "orders", "1", "a"));
    await(client.getDocument("shop", "other", "1", "a"));
    await(client.getDatabase("shop"));
    assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs", "docs",
        "dbs/shop/colls/orders", null);
    assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs", "docs",
        "dbs/shop/colls/orders", null); // writes carry no token
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders/docs/1", "docs",
        "dbs/shop/colls/orders/docs/1", "0:-1#6");
    assertRequest(take(server), "GET", "/dbs/shop/colls/other/docs/1", "docs",
        "dbs/shop/colls/other/docs/1", null);
    assertRequest(take(server), "GET", "/dbs/shop", "dbs", "dbs/shop", null);
  }

  @Test void aTokenFromAnotherInstanceIsMergedOrPassedPerCall() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#9,1:-1#4");
    client.mergeSessionToken("shop", "orders", "0:-1#3");
    assertEquals("0:-1#9,1:-1#4", client.sessionToken("shop", "orders"));
    // Tokens of two ranges and no map yet: the read learns the map first and sends only the
    // token of the range that holds its key (range 1 starts at the key's effective value).
    String epk = EffectivePartitionKey.of(PartitionKey.of("a"), EffectivePartitionKey.Definition
        .of(EffectivePartitionKey.Kind.HASH, 2, List.of("/pk")));
    server.enqueue(json(200, "{\"id\":\"orders\",\"_rid\":\"abc=\",\"partitionKey\":"
        + "{\"paths\":[\"/pk\"],\"kind\":\"Hash\",\"version\":2}}"));
    server.enqueue(json(200, "{\"PartitionKeyRanges\":[{\"id\":\"0\",\"minInclusive\":\"\","
        + "\"maxExclusive\":\"" + epk + "\",\"parents\":[]},{\"id\":\"1\",\"minInclusive\":\""
        + epk + "\",\"maxExclusive\":\"FF\",\"parents\":[]}]}").setHeader("etag", "\"r1\""));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    server.enqueue(json(201, "{\"id\":\"2\"}"));
    await(client.getDocument("shop", "orders", "1", "a"));
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders", "colls", "dbs/shop/colls/orders",
        null);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders/pkranges", "pkranges",
        "dbs/shop/colls/orders", null);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders/docs/1", "docs",
        "dbs/shop/colls/orders/docs/1", "1:-1#4");
    await(client.createDocument("shop", "orders", Map.of("id", "2"), "a",
        RequestOptions.builder().sessionToken("0:-1#77").build(), DocumentType.MAP));
    assertEquals("0:-1#77", take(server).getHeader("x-ms-session-token"));
  }

  @Test void deletingAContainerForgetsItsSessionToken() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#9");
    server.enqueue(new MockResponse().setResponseCode(204));
    await(client.deleteContainer("shop", "orders"));
    assertNull(client.sessionToken("shop", "orders"));
  }

  @Test void aContainerRecreatedElsewhereStartsFromItsOwnTokensNotTheOldOnes() throws Exception {
    // The old container (resource id AAA=) got far; another process deleted and recreated it
    // (resource id BBB=), whose LSNs start again. The old token must not be sent to the new one.
    server.enqueue(json(201, "{\"id\":\"1\"}").setHeader("x-ms-session-token", "0:-1#500")
        .setHeader("x-ms-content-path", "AAA="));
    server.enqueue(json(201, "{\"id\":\"2\"}").setHeader("x-ms-session-token", "0:-1#2")
        .setHeader("x-ms-content-path", "BBB="));
    server.enqueue(json(200, "{\"id\":\"2\"}").setHeader("x-ms-session-token", "0:-1#2")
        .setHeader("x-ms-content-path", "BBB="));
    await(client.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    assertEquals("0:-1#500", client.sessionToken("shop", "orders"));
    await(client.createDocument("shop", "orders", Map.of("id", "2"), "a"));
    assertEquals("0:-1#2", client.sessionToken("shop", "orders"));
    await(client.getDocument("shop", "orders", "2", "a"));
    take(server);
    take(server);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders/docs/2", "docs",
        "dbs/shop/colls/orders/docs/2", "0:-1#2");
  }

  @Test void deletingAContainerForgetsItsCachedPartitionKeyPaths() throws Exception {
    String definition = "{\"id\":\"orders\",\"partitionKey\":{\"paths\":[\"/customer\"],"
        + "\"kind\":\"Hash\"}}";
    server.enqueue(json(200, definition));
    server.enqueue(new MockResponse().setResponseCode(204));
    server.enqueue(json(200, definition.replace("/customer", "/tenant")));
    assertEquals(List.of("/customer"), await(client.containers.partitionKeyPaths("shop", "orders")));
    assertEquals(List.of("/customer"), await(client.containers.partitionKeyPaths("shop", "orders")));
    assertEquals(1, server.getRequestCount()); // cached
    await(client.deleteContainer("shop", "orders"));
    assertEquals(List.of("/tenant"), await(client.containers.partitionKeyPaths("shop", "orders")));
    assertEquals(3, server.getRequestCount());
  }

  @Test void getDocumentEncodesTheIdInThePathButSignsItRaw() throws Exception {
    server.enqueue(json(200, "{\"id\":\"a b+é\"}"));
    CosmosResult<Map<String, Object>> result =
        await(client.getDocument("shop", "orders", "a b+é", PartitionKey.of("tenant", 7)));
    RecordedRequest request = assertRequest(take(server), "GET",
        "/dbs/shop/colls/orders/docs/a%20b%2B%C3%A9", "docs",
        "dbs/shop/colls/orders/docs/a b+é", null);
    assertEquals("[\"tenant\",7]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("a b+é", result.data().get("id"));
  }

  @Test void notModifiedIsASuccessWithoutData() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(304).setHeader("etag", "\"e1\""));
    CosmosResult<Map<String, Object>> result = await(client.getDocument("shop", "orders", "1",
        "a", RequestOptions.builder().ifNoneMatch("\"e1\"").build(), DocumentType.MAP));
    assertEquals("\"e1\"", take(server).getHeader("If-None-Match"));
    assertEquals("ok", result.status());
    assertEquals(304, result.code());
    assertNull(result.data());
  }

  record Order(String id, String customer, int quantity, List<String> tags) {}

  @Test void recordsAreWrittenAndReadThroughGson() throws Exception {
    Order order = new Order("o1", "ada", 3, List.of("x", "y"));
    server.enqueue(json(201, "{\"id\":\"o1\",\"customer\":\"ada\",\"quantity\":3,"
        + "\"tags\":[\"x\",\"y\"],\"_ts\":1}"));
    server.enqueue(json(200, "{\"id\":\"o1\",\"customer\":\"ada\",\"quantity\":3,"
        + "\"tags\":[\"x\",\"y\"],\"_ts\":1}"));
    CosmosResult<Order> created = await(client.createDocument("shop", "orders", order, "ada",
        RequestOptions.NONE, DocumentType.of(Order.class)));
    assertEquals("{\"id\":\"o1\",\"customer\":\"ada\",\"quantity\":3,\"tags\":[\"x\",\"y\"]}",
        take(server).getBody().readUtf8());
    assertEquals(order, created.data());
    assertEquals(order, await(client.getDocument("shop", "orders", "o1", "ada", RequestOptions.NONE, DocumentType.of(Order.class)))
        .data());
  }

  @Test void replaceDocumentPutsToItsIdWithIfMatch() throws Exception {
    server.enqueue(json(200, "{\"id\":\"1\",\"v\":2}"));
    await(client.replaceDocument("shop", "orders", Map.of("id", "1", "v", 2), "a",
        RequestOptions.builder().ifMatch("\"e\"").build(), DocumentType.MAP));
    RecordedRequest request = assertRequest(take(server), "PUT",
        "/dbs/shop/colls/orders/docs/1", "docs", "dbs/shop/colls/orders/docs/1", null);
    assertEquals("\"e\"", request.getHeader("If-Match"));
    assertEquals(Map.of("id", "1", "v", 2),
        Json.fromBytes(request.getBody().readByteArray(), Json.MAP));
  }

  @Test void patchDocumentSendsOperationsAndCondition() throws Exception {
    server.enqueue(json(200, "{\"id\":\"1\",\"n\":6}"));
    List<PatchOperation> ops = Arrays.asList(PatchOperation.add("/tags/-", "new"),
        PatchOperation.set("/status", "open"), PatchOperation.replace("/name", "x"),
        PatchOperation.remove("/old"), PatchOperation.increment("/n", 5),
        PatchOperation.move("/from", "/to"));
    CosmosResult<Map<String, Object>> result = await(client.patchDocument("shop", "orders", "1",
        "a", ops, RequestOptions.builder().patchCondition("from c where c.n = 1").build(), DocumentType.MAP));
    RecordedRequest request = assertRequest(take(server), "PATCH",
        "/dbs/shop/colls/orders/docs/1", "docs", "dbs/shop/colls/orders/docs/1", null);
    assertEquals("application/json_patch+json", request.getHeader("Content-Type"));
    assertEquals("{\"operations\":[{\"op\":\"add\",\"path\":\"/tags/-\",\"value\":\"new\"},"
        + "{\"op\":\"set\",\"path\":\"/status\",\"value\":\"open\"},"
        + "{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"x\"},"
        + "{\"op\":\"remove\",\"path\":\"/old\"},"
        + "{\"op\":\"incr\",\"path\":\"/n\",\"value\":5},"
        + "{\"op\":\"move\",\"from\":\"/from\",\"path\":\"/to\"}],"
        + "\"condition\":\"from c where c.n = 1\"}", request.getBody().readUtf8());
    assertEquals(6, result.data().get("n"));
  }

  @Test void failedPatchConditionIsA412() throws Exception {
    server.enqueue(error(412, 0, "PreconditionFailed", "Precondition not met"));
    CosmosException e = failure(client.patchDocument("shop", "orders", "1", "a",
        List.of(PatchOperation.set("/a", 1)), RequestOptions.builder().patchCondition("from c where false").build(), DocumentType.MAP));
    assertEquals(412, e.code());
    assertTrue(e.getMessage().startsWith(
        "PATCH dbs/shop/colls/orders/docs/1 -> 412 Precondition Failed: Precondition not met"));
  }

  @Test void deleteDocumentIsA204WithNoData() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(204).setHeader("x-ms-session-token", "0:1"));
    CosmosResult<Void> result = await(client.deleteDocument("shop", "orders", "1", true));
    RecordedRequest request = assertRequest(take(server), "DELETE",
        "/dbs/shop/colls/orders/docs/1", "docs", "dbs/shop/colls/orders/docs/1", null);
    assertEquals("[true]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("ok", result.status());
    assertEquals("0:1", result.sessionToken());
  }

  @Test void conflictCarriesTheServiceMessage() throws Exception {
    server.enqueue(error(409, 0, "Conflict", "Entity with the specified id already exists"));
    CosmosException e = failure(client.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    assertTrue(e.getMessage().startsWith("POST dbs/shop/colls/orders/docs -> 409 Conflict: "
        + "Entity with the specified id already exists"), e.getMessage());
  }

  @Test void nonJsonErrorBodiesAreReportedAsText() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(400)
        .setBody("<html>Request Header Or Cookie Too Large</html>"));
    CosmosException e = failure(client.getDatabase("shop"));
    assertEquals("<html>Request Header Or Cookie Too Large</html>", e.error());
  }

  @Test void listAndIteratorBatchesTakeOptions() throws Exception {
    for (int i = 0; i < 4; i++) {
      server.enqueue(json(201, "{}"));
    }
    List<BulkOperation.Progress> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    BulkOptions options = BulkOptions.builder().maxConcurrency(1).progressListener(seen::add)
        .batching(false).build();
    BulkResult fromList = await(client.createDocuments("shop", "orders",
        List.of(BulkItem.of(Map.of("id", "a"), "p"), BulkItem.of(Map.of("id", "b"), "p"))
            .iterator(), options));
    assertEquals(2, fromList.succeeded());
    assertEquals(2, seen.get(seen.size() - 1).succeeded());
    BulkResult fromStream = await(client.upsertDocuments("shop", "orders",
        java.util.stream.Stream.of(BulkItem.of(Map.of("id", "c"), "p"),
            BulkItem.of(Map.of("id", "d"), "p")).iterator(), options));
    assertEquals(2, fromStream.succeeded());
    List<String> order = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RecordedRequest request = take(server);
      Map<String, Object> body = Json.fromBytes(request.getBody().readByteArray(), Json.MAP);
      order.add((String) body.get("id"));
      assertEquals(i < 2 ? null : "True", request.getHeader("x-ms-documentdb-is-upsert"));
    }
    assertEquals(List.of("a", "b", "c", "d"), order); // one at a time, in order
  }

  @Test void aSuccessWhoseBodyDoesNotFitTheTypeFailsKeepingStatusAndHeaders() throws Exception {
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(json(201, "{\"id\":\"o1\",\"quantity\":\"many\"}")
        .setHeader("x-ms-session-token", "0:-1#3"));
    CosmosResult<Order> result = await(quiet.createDocument("shop", "orders",
        Map.of("id", "o1"), "a", RequestOptions.NONE, DocumentType.of(Order.class)));
    assertEquals(201, result.code());
    assertEquals("failed", result.status());
    assertNull(result.data());
    assertEquals("0:-1#3", result.sessionToken());
    assertTrue(result.error().startsWith("the response body could not be read"), result.error());
    server.enqueue(json(201, "{\"id\":\"o1\",\"quantity\":\"many\"}"));
    CosmosException e = failure(client.createDocument("shop", "orders", Map.of("id", "o1"), "a",
        RequestOptions.NONE, DocumentType.of(Order.class)));
    assertTrue(e.getMessage().startsWith("POST dbs/shop/colls/orders/docs -> 201 Created: the "
        + "response body could not be read"), e.getMessage());
  }

  @Test void headerValuesFromCallersAreCheckedBeforeAnyRequest() {
    for (String bad : new String[] {"a\r\nx-evil: 1", "café", " "}) {
      assertThrows(IllegalArgumentException.class,
          () -> RequestOptions.builder().sessionToken(bad));
      assertThrows(IllegalArgumentException.class, () -> RequestOptions.builder().ifMatch(bad));
      assertThrows(IllegalArgumentException.class,
          () -> RequestOptions.builder().continuationToken(bad));
      assertThrows(IllegalArgumentException.class,
          () -> client.mergeSessionToken("shop", "orders", bad));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().endpoint("https://a/")
            .resourceToken("type=resource&ver=1.0&sig=SECRET\u0007tail").build());
    assertTrue(e.getMessage().startsWith("resourceToken must be printable ASCII"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRET"));
    assertEquals(0, server.getRequestCount());
  }

  // --- bad input -------------------------------------------------------------------------------

  @Test void badArgumentsFailBeforeAnyRequest() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> client.createDocument("shop", "orders", Map.of("name", "x"), "a")).getMessage()
        .contains("\"id\""));
    assertThrows(IllegalArgumentException.class,
        () -> client.createDocument("shop", "orders", Map.of("id", 5), "a"));
    assertThrows(IllegalArgumentException.class,
        () -> client.createDocument("shop", "orders", Map.of("id", "a/b"), "a"));
    assertTrue(assertThrows(NullPointerException.class,
        () -> client.createDocument("shop", "orders", null, "a")).getMessage()
        .contains("document"));
    assertTrue(assertThrows(NullPointerException.class,
        () -> client.getDocument("shop", "orders", "1", null)).getMessage()
        .contains("partitionKey"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> client.getDocument("shop", "or#ders", "1", "a")).getMessage()
        .startsWith("container"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> client.getDatabase("")).getMessage().startsWith("database"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> client.replaceDocument("shop", "orders", Map.of("v", "2"), "a"))
        .getMessage().contains("string \"id\""));
    assertThrows(IllegalArgumentException.class, () -> client.patchDocument("shop", "orders",
        "1", "a", List.of()));
    assertThrows(IllegalArgumentException.class, () -> client.patchDocument("shop", "orders",
        "1", "a", java.util.Collections.nCopies(11, PatchOperation.remove("/a"))));
    assertThrows(IllegalArgumentException.class, () -> PatchOperation.set("a", 1));
    assertThrows(IllegalArgumentException.class,
        () -> client.createDocument("shop", "orders", "not an object", "a"));
    assertEquals(0, server.getRequestCount());
  }

  // --- transport failures, retries, regions ----------------------------------------------------

  @Test void aReadWithNoResponseIsRetriedThenFailsWithCodeZero() throws Exception {
    // The JDK HttpClient itself resends an idempotent GET once on a dropped connection, so the
    // server may see up to twice our four attempts.
    for (int i = 0; i < 8; i++) {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    }
    CosmosException e = failure(client.getDocument("shop", "orders", "1", "a"));
    assertTrue(server.getRequestCount() >= 4, "requests: " + server.getRequestCount());
    assertEquals(0, e.code());
    assertEquals(3, e.result().retryCount());
    assertTrue(e.getMessage().startsWith("GET dbs/shop/colls/orders/docs/1 -> no response: "),
        e.getMessage());
    assertInstanceOf(IOException.class, e.getCause());
    assertFalse(e.result().isUncertain());
  }

  @Test void aWriteWhoseResponseIsLostIsNotResentAndIsReportedUncertain() throws Exception {
    // A patch (an increment, say) cannot be resent safely; creates are resent and checked
    // (RetryTest).
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    CosmosResult<Map<String, Object>> result = await(quiet.patchDocument("shop", "orders", "1",
        "a", List.of(PatchOperation.increment("/n", 1))));
    assertEquals(1, server.getRequestCount());
    assertEquals("failed", result.status());
    assertEquals(0, result.code());
    assertTrue(result.isUncertain());
    assertTrue(result.error().startsWith("connection failed"), result.error());
  }

  @Test void refusedConnectionFailsWithCodeZeroAndSaysWhy() throws Exception {
    int port = server.getPort();
    server.shutdown();
    CosmosClient dead = track(CosmosClient.builder().endpoint("http://127.0.0.1:" + port + "/")
        .key(MockCosmos.KEY).raiseOnFailure(false));
    CosmosResult<Map<String, Object>> result =
        await(dead.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    assertEquals(0, result.code());
    assertEquals(3, result.retryCount()); // never sent, so even a write is safely resent
    assertFalse(result.isUncertain());
    assertTrue(result.error().contains("ConnectException"), result.error());
  }

  @Test void connectLearnsWriteAndReadRegions() throws Exception {
    String base = server.url("/").toString();
    server.enqueue(json(200, "{\"id\":\"acct\",\"writableLocations\":[{\"name\":\"West\","
        + "\"databaseAccountEndpoint\":\"" + base + "west\"}],\"readableLocations\":[{\"name\":"
        + "\"East\",\"databaseAccountEndpoint\":\"" + base + "east/\"},{\"name\":\"West\","
        + "\"databaseAccountEndpoint\":\"" + base + "west/\"}],"
        + "\"userConsistencyPolicy\":{\"defaultConsistencyLevel\":\"Session\"}}"));
    server.enqueue(json(201, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    CosmosResult<Map<String, Object>> account = await(client.readAccount());
    assertRequest(take(server), "GET", "/", "", "", null);
    assertEquals("acct", account.data().get("id"));
    assertEquals(base + "west/", client.writeEndpoint());
    assertEquals(base + "east/", client.readEndpoint());
    await(client.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    assertEquals("/west/dbs/shop/colls/orders/docs", take(server).getPath());
    await(client.getDocument("shop", "orders", "1", "a"));
    assertEquals("/east/dbs/shop/colls/orders/docs/1", take(server).getPath());
    assertThrows(IllegalArgumentException.class, () -> client.getDocument("shop", "orders", "1",
        "a", RequestOptions.builder().consistencyLevel(ConsistencyLevel.STRONG).build(), DocumentType.MAP));
    assertEquals(3, server.getRequestCount());
  }

  @Test void writeForbiddenRefreshesTheAccountAndRetriesOnTheNewWriteRegion() throws Exception {
    String base = server.url("/").toString();
    server.enqueue(error(403, 3, "Forbidden", "WriteForbidden"));
    server.enqueue(json(200, "{\"writableLocations\":[{\"databaseAccountEndpoint\":\"" + base
        + "new/\"}],\"readableLocations\":[]}"));
    server.enqueue(json(201, "{\"id\":\"1\"}"));
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    assertEquals("/dbs/shop/colls/orders/docs", take(server).getPath());
    assertEquals("/", take(server).getPath());
    assertEquals("/new/dbs/shop/colls/orders/docs", take(server).getPath());
    assertEquals(201, result.code());
  }

  @Test void consistencyLevelIsSentOnReadsOnly() throws Exception {
    CosmosClient eventual = track(MockCosmos.client(server)
        .consistencyLevel(ConsistencyLevel.EVENTUAL));
    server.enqueue(json(201, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    await(eventual.createDocument("shop", "orders", Map.of("id", "1"), "a"));
    await(eventual.getDocument("shop", "orders", "1", "a"));
    await(eventual.getDocument("shop", "orders", "1", "a", RequestOptions.builder()
        .consistencyLevel(ConsistencyLevel.CONSISTENT_PREFIX).build(), DocumentType.MAP));
    assertNull(take(server).getHeader("x-ms-consistency-level"));
    assertEquals("Eventual", take(server).getHeader("x-ms-consistency-level"));
    assertEquals("ConsistentPrefix", take(server).getHeader("x-ms-consistency-level"));
  }

  @Test void secretsNeverAppearInMessagesOrToString() throws Exception {
    server.enqueue(error(401, 0, "Unauthorized", "The input authorization token can't serve"));
    CosmosException e = failure(client.getDatabase("shop"));
    String authorization = take(server).getHeader("authorization");
    for (String text : new String[] {e.getMessage(), e.result().toString(), client.toString(),
        MockCosmos.client(server).toString()}) {
      assertFalse(text.contains(MockCosmos.KEY), text);
      assertFalse(text.contains(authorization), text);
      assertFalse(text.contains("sig%3D"), text);
    }
  }

  @Test void closedClientRefusesCalls() {
    client.close();
    assertThrows(IllegalStateException.class, () -> client.getDatabase("shop"));
  }
}
