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

/** Stored procedures, triggers, UDFs and conflicts: what each request sends, what comes back. */
class ScriptsTest extends MockServerTest {
  static final String COLL = "dbs/shop/colls/orders";
  static final String SPROC = "function (name) { getContext().getResponse().setBody('hi ' + name); }";

  static CosmosException failure(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> future.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(CosmosException.class, e.getCause());
  }

  // --- stored procedures -----------------------------------------------------------------------

  @Test void createStoredProcedurePostsIdAndBodyToTheSprocsFeed() throws Exception {
    server.enqueue(json(201, "{\"id\":\"hello\",\"body\":\"f\",\"_rid\":\"r\"}"));
    CosmosResult<Map<String, Object>> result =
        await(client.createStoredProcedure("shop", "orders", "hello", SPROC));

    RecordedRequest request = assertRequest(take(server), "POST", "/" + COLL + "/sprocs",
        "sprocs", COLL, null);
    assertEquals("application/json", request.getHeader("Content-Type"));
    assertEquals("{\"id\":\"hello\",\"body\":\"" + SPROC + "\"}",
        request.getBody().readUtf8());
    assertNoHeader(request, "x-ms-documentdb-partitionkey", "x-ms-documentdb-is-upsert");
    assertEquals(201, result.code());
    assertEquals("hello", result.data().get("id"));
  }

  @Test void readReplaceDeleteAndListAddressTheStoredProcedure() throws Exception {
    server.enqueue(json(200, "{\"id\":\"hello\"}"));
    server.enqueue(json(200, "{\"id\":\"hello\",\"body\":\"g\"}"));
    server.enqueue(new MockResponse().setResponseCode(204));
    server.enqueue(json(200, "{\"StoredProcedures\":[{\"id\":\"a\"}],\"_count\":1}")
        .setHeader("x-ms-continuation", "c1"));
    server.enqueue(json(200, "{\"StoredProcedures\":[{\"id\":\"b\"}],\"_count\":1}"));

    assertEquals("hello", await(client.getStoredProcedure("shop", "orders", "hello")).data()
        .get("id"));
    assertRequest(take(server), "GET", "/" + COLL + "/sprocs/hello", "sprocs",
        COLL + "/sprocs/hello", null);

    await(client.replaceStoredProcedure("shop", "orders", "hello", "function () {}"));
    RecordedRequest put = assertRequest(take(server), "PUT", "/" + COLL + "/sprocs/hello",
        "sprocs", COLL + "/sprocs/hello", null);
    assertEquals("{\"id\":\"hello\",\"body\":\"function () {}\"}", put.getBody().readUtf8());
    assertEquals("application/json", put.getHeader("Content-Type"));

    assertEquals(204, await(client.deleteStoredProcedure("shop", "orders", "hello")).code());
    RecordedRequest delete = assertRequest(take(server), "DELETE",
        "/" + COLL + "/sprocs/hello", "sprocs", COLL + "/sprocs/hello", null);
    assertEquals(0, delete.getBodySize());

    CosmosResult<List<Map<String, Object>>> list =
        await(client.listStoredProcedures("shop", "orders"));
    assertRequest(take(server), "GET", "/" + COLL + "/sprocs", "sprocs", COLL, null);
    RecordedRequest second = assertRequest(take(server), "GET", "/" + COLL + "/sprocs", "sprocs",
        COLL, null);
    assertEquals("c1", second.getHeader("x-ms-continuation"));
    assertEquals(List.of(Map.of("id", "a"), Map.of("id", "b")), list.data());
  }

  @Test void executeSendsTheArgumentsAsAnArrayInTheKeysPartition() throws Exception {
    server.enqueue(json(200, "{\"created\":[\"a\",\"b\"],\"n\":2}")
        .setHeader("x-ms-session-token", "0:-1#7"));
    CosmosResult<Object> result = await(client.executeStoredProcedure("shop", "orders",
        "createTwo", "p1", Arrays.asList("x", 3, true, null, Map.of("k", "v"))));

    RecordedRequest request = assertRequest(take(server), "POST",
        "/" + COLL + "/sprocs/createTwo", "sprocs", COLL + "/sprocs/createTwo", null);
    assertEquals("[\"p1\"]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("application/json", request.getHeader("Content-Type"));
    assertEquals("[\"x\",3,true,null,{\"k\":\"v\"}]", request.getBody().readUtf8());
    assertNoHeader(request, "x-ms-documentdb-script-enable-logging", "x-ms-documentdb-isquery",
        "x-ms-documentdb-is-upsert");
    Map<?, ?> data = assertInstanceOf(Map.class, result.data());
    assertEquals(List.of("a", "b"), data.get("created"));
    assertEquals(2, ((Number) data.get("n")).intValue());
    assertNull(result.scriptLog());
    // The execution's session token is the container's: the next read sends it.
    assertEquals("0:-1#7", client.sessionToken("shop", "orders"));
  }

  @Test void scriptLoggingAsksForTheLogAndDecodesIt() throws Exception {
    server.enqueue(json(200, "\"hi\"")
        .setHeader("x-ms-documentdb-script-log-results", "created%20a%0Aa%2Bb%3D%C3%A9"));
    server.enqueue(json(200, ""));
    CosmosResult<Object> result = await(client.executeStoredProcedure("shop", "orders", "s",
        PartitionKey.of("t", 1), List.of(), true));

    RecordedRequest request = assertRequest(take(server), "POST", "/" + COLL + "/sprocs/s",
        "sprocs", COLL + "/sprocs/s", null);
    assertEquals("true", request.getHeader("x-ms-documentdb-script-enable-logging"));
    assertEquals("[\"t\",1]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("[]", request.getBody().readUtf8());
    assertEquals("hi", result.data());
    assertEquals("created a\na+b=\u00e9", result.scriptLog());

    CosmosResult<Object> empty = await(client.executeStoredProcedure("shop", "orders", "s",
        "p", List.of()));
    assertRequest(take(server), "POST", "/" + COLL + "/sprocs/s", "sprocs", COLL + "/sprocs/s",
        null);
    assertNull(empty.data(), "a script that sets no body answers none");
  }

  @Test void aScriptThatThrowsIsA400WithTheServicesMessage() throws Exception {
    server.enqueue(error(400, 0, "BadRequest",
        "Encountered exception while executing function. Exception = Error: boom"));
    CosmosException e = failure(client.executeStoredProcedure("shop", "orders", "s", "p",
        List.of()));
    assertEquals(1, server.getRequestCount());
    assertEquals(400, e.code());
    assertTrue(e.getMessage().contains("Exception = Error: boom"), e.getMessage());
  }

  @Test void anExecutionWhoseResponseIsLostIsNeverResentAndIsUncertain() throws Exception {
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    try {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
      server.enqueue(json(200, "\"must not be asked for\""));
      CosmosResult<Object> result = await(quiet.executeStoredProcedure("shop", "orders", "s",
          "p", List.of(1)));
      assertEquals(1, server.getRequestCount());
      assertRequest(take(server), "POST", "/" + COLL + "/sprocs/s", "sprocs", COLL + "/sprocs/s",
          null);
      assertEquals("failed", result.status());
      assertEquals(0, result.code());
      assertTrue(result.isUncertain());
      assertEquals(0, result.retryCount());
    } finally {
      quiet.close();
    }
  }

  @Test void anExecutionAnswered503IsNotResentEither() throws Exception {
    server.enqueue(error(503, 0, "ServiceUnavailable", "unavailable"));
    server.enqueue(json(200, "\"must not be asked for\""));
    CosmosException e = failure(client.executeStoredProcedure("shop", "orders", "s", "p",
        List.of()));
    assertEquals(1, server.getRequestCount());
    assertEquals(503, e.code());
    assertTrue(e.result().isUncertain());
  }

  @Test void aThrottledExecutionIsResentBecauseNothingRan() throws Exception {
    server.enqueue(error(429, 3200, "TooManyRequests", "Request rate is large")
        .setHeader("x-ms-retry-after-ms", "1"));
    server.enqueue(json(200, "\"ran once\""));
    CosmosResult<Object> result = await(client.executeStoredProcedure("shop", "orders", "s", "p",
        List.of("a")));
    for (int i = 0; i < 2; i++) {
      RecordedRequest request = assertRequest(take(server), "POST", "/" + COLL + "/sprocs/s",
          "sprocs", COLL + "/sprocs/s", null);
      assertEquals("[\"a\"]", request.getBody().readUtf8());
    }
    assertEquals("ran once", result.data());
    assertEquals(1, result.retryCount());
    assertFalse(result.isUncertain());
  }

  // --- triggers and UDFs -----------------------------------------------------------------------

  @Test void triggersCarryTheirTypeAndOperation() throws Exception {
    server.enqueue(json(201, "{\"id\":\"stamp\"}"));
    server.enqueue(json(200, "{\"id\":\"stamp\"}"));
    server.enqueue(json(200, "{\"id\":\"stamp\"}"));
    server.enqueue(new MockResponse().setResponseCode(204));
    server.enqueue(json(200, "{\"Triggers\":[{\"id\":\"stamp\"}],\"_count\":1}"));

    await(client.createTrigger("shop", "orders", "stamp", "function () {}", TriggerType.PRE,
        TriggerOperation.CREATE));
    RecordedRequest create = assertRequest(take(server), "POST", "/" + COLL + "/triggers",
        "triggers", COLL, null);
    assertEquals("{\"id\":\"stamp\",\"body\":\"function () {}\",\"triggerType\":\"Pre\","
        + "\"triggerOperation\":\"Create\"}", create.getBody().readUtf8());

    await(client.getTrigger("shop", "orders", "stamp"));
    assertRequest(take(server), "GET", "/" + COLL + "/triggers/stamp", "triggers",
        COLL + "/triggers/stamp", null);

    await(client.replaceTrigger("shop", "orders", "stamp", "function () {}", TriggerType.POST,
        TriggerOperation.ALL));
    RecordedRequest put = assertRequest(take(server), "PUT", "/" + COLL + "/triggers/stamp",
        "triggers", COLL + "/triggers/stamp", null);
    assertEquals("{\"id\":\"stamp\",\"body\":\"function () {}\",\"triggerType\":\"Post\","
        + "\"triggerOperation\":\"All\"}", put.getBody().readUtf8());

    await(client.deleteTrigger("shop", "orders", "stamp"));
    assertRequest(take(server), "DELETE", "/" + COLL + "/triggers/stamp", "triggers",
        COLL + "/triggers/stamp", null);

    assertEquals(List.of(Map.of("id", "stamp")),
        await(client.listTriggers("shop", "orders")).data());
    assertRequest(take(server), "GET", "/" + COLL + "/triggers", "triggers", COLL, null);
  }

  @Test void everyTriggerOperationHasItsWireName() {
    assertEquals(List.of("All", "Create", "Update", "Replace", "Delete"),
        Arrays.stream(TriggerOperation.values()).map(o -> o.wire).toList());
    assertEquals(List.of("Pre", "Post"),
        Arrays.stream(TriggerType.values()).map(t -> t.wire).toList());
  }

  @Test void userDefinedFunctionsAreManagedUnderUdfs() throws Exception {
    server.enqueue(json(201, "{\"id\":\"tax\"}"));
    server.enqueue(json(200, "{\"id\":\"tax\"}"));
    server.enqueue(json(200, "{\"id\":\"tax\"}"));
    server.enqueue(new MockResponse().setResponseCode(204));
    server.enqueue(json(200, "{\"UserDefinedFunctions\":[],\"_count\":0}"));
    String body = "function (x) { return x * 1.2; }";

    await(client.createUserDefinedFunction("shop", "orders", "tax", body));
    RecordedRequest create = assertRequest(take(server), "POST", "/" + COLL + "/udfs", "udfs",
        COLL, null);
    assertEquals("{\"id\":\"tax\",\"body\":\"" + body + "\"}", create.getBody().readUtf8());
    await(client.getUserDefinedFunction("shop", "orders", "tax"));
    assertRequest(take(server), "GET", "/" + COLL + "/udfs/tax", "udfs", COLL + "/udfs/tax",
        null);
    await(client.replaceUserDefinedFunction("shop", "orders", "tax", body));
    RecordedRequest put = assertRequest(take(server), "PUT", "/" + COLL + "/udfs/tax", "udfs",
        COLL + "/udfs/tax", null);
    assertEquals("{\"id\":\"tax\",\"body\":\"" + body + "\"}", put.getBody().readUtf8());
    await(client.deleteUserDefinedFunction("shop", "orders", "tax"));
    assertRequest(take(server), "DELETE", "/" + COLL + "/udfs/tax", "udfs", COLL + "/udfs/tax",
        null);
    assertEquals(List.of(), await(client.listUserDefinedFunctions("shop", "orders")).data());
    assertRequest(take(server), "GET", "/" + COLL + "/udfs", "udfs", COLL, null);
  }

  // --- conflicts -------------------------------------------------------------------------------

  @Test void conflictsAreListedReadAndDeleted() throws Exception {
    server.enqueue(json(200, "{\"Conflicts\":[{\"id\":\"k1\",\"operationType\":\"replace\"}],"
        + "\"_count\":1}"));
    server.enqueue(error(404, 0, "NotFound", "no such conflict"));
    server.enqueue(new MockResponse().setResponseCode(204));

    CosmosResult<List<Map<String, Object>>> list = await(client.listConflicts("shop", "orders"));
    assertRequest(take(server), "GET", "/" + COLL + "/conflicts", "conflicts", COLL, null);
    assertEquals(List.of(Map.of("id", "k1", "operationType", "replace")), list.data());

    assertEquals(404, failure(client.getConflict("shop", "orders", "k2")).code());
    assertRequest(take(server), "GET", "/" + COLL + "/conflicts/k2", "conflicts",
        COLL + "/conflicts/k2", null);

    assertEquals(204, await(client.deleteConflict("shop", "orders", "k1")).code());
    assertRequest(take(server), "DELETE", "/" + COLL + "/conflicts/k1", "conflicts",
        COLL + "/conflicts/k1", null);
  }

  // --- names and arguments ---------------------------------------------------------------------

  @Test void idsAreSignedRawAndSentPercentEncoded() throws Exception {
    server.enqueue(json(200, "{}"));
    await(client.getStoredProcedure("shop", "orders", "a b+c"));
    assertRequest(take(server), "GET", "/" + COLL + "/sprocs/a%20b%2Bc", "sprocs",
        COLL + "/sprocs/a b+c", null);
  }

  @Test void badArgumentsAreRefusedBeforeAnythingIsSent() {
    assertThrows(IllegalArgumentException.class,
        () -> client.createStoredProcedure("shop", "orders", "a/b", SPROC));
    assertThrows(NullPointerException.class,
        () -> client.createStoredProcedure("shop", "orders", null, SPROC));
    NullPointerException noBody = assertThrows(NullPointerException.class,
        () -> client.createUserDefinedFunction("shop", "orders", "u", null));
    assertTrue(noBody.getMessage().contains("body"), noBody.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> client.replaceStoredProcedure("shop", "orders", "s", "  "));
    NullPointerException noType = assertThrows(NullPointerException.class,
        () -> client.createTrigger("shop", "orders", "t", SPROC, null, TriggerOperation.ALL));
    assertTrue(noType.getMessage().contains("type"), noType.getMessage());
    assertThrows(NullPointerException.class,
        () -> client.createTrigger("shop", "orders", "t", SPROC, TriggerType.PRE, null));
    NullPointerException noArgs = assertThrows(NullPointerException.class,
        () -> client.executeStoredProcedure("shop", "orders", "s", "p", null));
    assertTrue(noArgs.getMessage().contains("args"), noArgs.getMessage());
    NullPointerException noKey = assertThrows(NullPointerException.class,
        () -> client.executeStoredProcedure("shop", "orders", "s", null, List.of()));
    assertTrue(noKey.getMessage().contains("partitionKey"), noKey.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> client.executeStoredProcedure("shop", "orders", "s", "p", List.of(Double.NaN)));
    assertThrows(IllegalArgumentException.class,
        () -> client.deleteConflict("shop", "orders", ".."));
    assertEquals(0, server.getRequestCount());
  }

  @Test void theRequestFactorySaysHowALostAnswerIsSettled() {
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND,
        Scripts.execute("d", "c", "s", "p", List.of(), false).settlement);
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND, Scripts.create(
        Scripts.Kind.STORED_PROCEDURE, "d", "c", Scripts.definition(
            Scripts.Kind.STORED_PROCEDURE, "s", SPROC)).settlement);
    assertEquals(CosmosRequest.Settlement.SAME_CONTENT, Scripts.replace(Scripts.Kind.TRIGGER,
        "d", "c", Scripts.trigger("t", SPROC, TriggerType.PRE, TriggerOperation.ALL)).settlement);
    assertEquals(CosmosRequest.Settlement.DELETE,
        Scripts.delete(Scripts.Kind.USER_DEFINED_FUNCTION, "d", "c", "u").settlement);
    assertEquals(CosmosRequest.Settlement.IDEMPOTENT,
        Scripts.read(Scripts.Kind.CONFLICT, "d", "c", "k").settlement);
    CosmosRequest execute = Scripts.execute("d", "c", "s", "p", List.of(), true);
    assertEquals(CosmosRequest.Route.WRITE_REGION, execute.route);
    assertEquals("dbs/d/colls/c", execute.sessionScope);
    assertTrue(execute.sendsSessionToken);
    assertFalse(Scripts.list(Scripts.Kind.TRIGGER, "d", "c").sendsSessionToken);
  }
}
