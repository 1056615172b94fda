package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BatchTest extends MockServerTest {
  private CosmosClient quiet;

  @BeforeEach void startQuiet() {
    quiet = MockCosmos.client(server).raiseOnFailure(false).build();
  }

  @AfterEach void closeQuiet() {
    quiet.close();
  }

  private static TransactionalBatch batch() {
    return TransactionalBatch.of("ada")
        .create(Map.of("id", "o1", "n", 1))
        .read("o2")
        .replace(Map.of("id", "o3", "n", 3), RequestOptions.builder().ifMatch("\"e3\"").build())
        .delete("o4")
        .patch("o5", List.of(PatchOperation.increment("/n", 1)))
        .upsert(Map.of("id", "o6"));
  }

  @Test void aBatchIsOneAtomicRequestOnItsPartitionWithEveryOperationInOrder() throws Exception {
    server.enqueue(json(200, "[{\"statusCode\":201,\"eTag\":\"\\\"a\\\"\",\"requestCharge\":5.1,"
        + "\"resourceBody\":{\"id\":\"o1\",\"n\":1}},{\"statusCode\":200,\"resourceBody\":"
        + "{\"id\":\"o2\"}},{\"statusCode\":200},{\"statusCode\":204},{\"statusCode\":200},"
        + "{\"statusCode\":201}]").setHeader("x-ms-session-token", "0:-1#8"));
    CosmosResult<List<CosmosResult<Map<String, Object>>>> result =
        client.executeBatch("shop", "orders", batch()).get(10, TimeUnit.SECONDS);

    RecordedRequest request = assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs",
        "docs", "dbs/shop/colls/orders", null);
    assertEquals("True", request.getHeader("x-ms-cosmos-is-batch-request"));
    assertEquals("True", request.getHeader("x-ms-cosmos-batch-atomic"));
    assertEquals("False", request.getHeader("x-ms-cosmos-batch-continue-on-error"));
    assertEquals("[\"ada\"]", request.getHeader("x-ms-documentdb-partitionkey"));
    assertNull(request.getHeader("x-ms-documentdb-partitionkeyrangeid"));
    assertEquals(com.google.gson.JsonParser.parseString("[{\"operationType\":\"Create\",\"resourceBody\":{\"id\":\"o1\",\"n\":1}},"
        + "{\"operationType\":\"Read\",\"id\":\"o2\"},"
        + "{\"operationType\":\"Replace\",\"id\":\"o3\",\"ifMatch\":\"\\\"e3\\\"\","
        + "\"resourceBody\":{\"id\":\"o3\",\"n\":3}},"
        + "{\"operationType\":\"Delete\",\"id\":\"o4\"},"
        + "{\"operationType\":\"Patch\",\"id\":\"o5\",\"resourceBody\":{\"operations\":"
        + "[{\"op\":\"incr\",\"path\":\"/n\",\"value\":1}]}},"
        + "{\"operationType\":\"Upsert\",\"resourceBody\":{\"id\":\"o6\"}}]"),
        com.google.gson.JsonParser.parseString(request.getBody().readUtf8()));

    assertEquals(200, result.code());
    assertEquals(6, result.data().size());
    CosmosResult<Map<String, Object>> created = result.data().get(0);
    assertEquals(201, created.code());
    assertEquals("\"a\"", created.etag());
    assertEquals(5.1, created.requestCharge());
    assertEquals(Map.of("id", "o1", "n", 1), created.data());
    assertEquals("0:-1#8", created.sessionToken());
    assertEquals(Map.of("id", "o2"), result.data().get(1).data());
    assertEquals(204, result.data().get(3).code());
    assertEquals("0:-1#8", client.sessionToken("shop", "orders"), "merged like any answer");
  }

  @Test void aFailedOperationFailsTheBatchWithItsStatusAndKeepsEveryResult() throws Exception {
    server.enqueue(json(207, "[{\"statusCode\":424},{\"statusCode\":409,\"subStatusCode\":0},"
        + "{\"statusCode\":424}]"));
    TransactionalBatch three = TransactionalBatch.of("ada").create(Map.of("id", "a"))
        .create(Map.of("id", "b")).delete("c");
    CosmosResult<List<CosmosResult<Map<String, Object>>>> result =
        quiet.executeBatch("shop", "orders", three).get(10, TimeUnit.SECONDS);
    assertEquals("failed", result.status());
    assertEquals(409, result.code());
    assertTrue(result.error().contains("operation 1 failed with 409"), result.error());
    assertEquals(List.of(424, 409, 424),
        result.data().stream().map(CosmosResult::code).collect(java.util.stream.Collectors.toList()));

    server.enqueue(json(207, "[{\"statusCode\":424},{\"statusCode\":409}]"));
    ExecutionException e = assertThrows(ExecutionException.class, () -> client.executeBatch(
        "shop", "orders", three).get(10, TimeUnit.SECONDS));
    CosmosException failure = (CosmosException) e.getCause();
    assertEquals(409, failure.code());
  }

  @Test void aThrottledBatchIsRetriedWhole() throws Exception {
    server.enqueue(error(429, 3200, "TooManyRequests", "slow").setHeader("x-ms-retry-after-ms",
        "1"));
    server.enqueue(json(200, "[{\"statusCode\":201}]"));
    CosmosResult<List<CosmosResult<Map<String, Object>>>> result = client.executeBatch("shop",
        "orders", TransactionalBatch.of("a").create(Map.of("id", "x"))).get(10, TimeUnit.SECONDS);
    assertEquals(200, result.code());
    assertEquals(1, result.retryCount());
    assertEquals(2, server.getRequestCount());
  }

  @Test void aBatchWhoseAnswerWasLostIsNeverResent() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(json(200, "[{\"statusCode\":201}]"));
    CosmosResult<List<CosmosResult<Map<String, Object>>>> result = quiet.executeBatch("shop",
        "orders", TransactionalBatch.of("a").create(Map.of("id", "x"))).get(10, TimeUnit.SECONDS);
    assertEquals(0, result.code());
    assertTrue(result.isUncertain());
    assertEquals(1, server.getRequestCount());
  }

  @Test void tooManyOperationsOrBytesAreRefusedBeforeSending() {
    TransactionalBatch full = TransactionalBatch.of("a");
    for (int i = 0; i < 100; i++) {
      full = full.delete("d" + i);
    }
    TransactionalBatch hundred = full;
    IllegalArgumentException more = assertThrows(IllegalArgumentException.class,
        () -> hundred.delete("one-too-many"));
    assertTrue(more.getMessage().contains("at most 100"), more.getMessage());
    String big = "x".repeat(30_000);
    TransactionalBatch large = TransactionalBatch.of("a");
    for (int i = 0; i < 80; i++) {
      large = large.create(Map.of("id", "b" + i, "blob", big));
    }
    TransactionalBatch tooLarge = large;
    IllegalArgumentException bytes = assertThrows(IllegalArgumentException.class,
        () -> client.executeBatch("shop", "orders", tooLarge));
    assertTrue(bytes.getMessage().contains("at most 2097152 bytes"), bytes.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> client.executeBatch("shop", "orders", TransactionalBatch.of("a")));
    assertThrows(IllegalArgumentException.class,
        () -> TransactionalBatch.of("a").create(Map.of("no", "id")));
    assertEquals(0, server.getRequestCount());
  }
}
