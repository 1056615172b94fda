package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The retry policy and the settling of ambiguous writes, one call at a time. */
@Timeout(20)
class RetryTest extends MockServerTest {
  static final String DOC = "{\"id\":\"1\",\"pk\":\"a\",\"n\":1}";
  static final Map<String, Object> DOCUMENT = Map.of("id", "1", "pk", "a", "n", 1);

  CosmosClient quiet;

  @BeforeEach void startQuiet() {
    quiet = MockCosmos.client(server).raiseOnFailure(false).build();
  }

  @AfterEach void closeQuiet() {
    quiet.close();
  }

  static CosmosException failure(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> future.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(CosmosException.class, e.getCause());
  }

  static MockResponse throttled(long retryAfterMs) {
    return error(429, 3200, "TooManyRequests", "Request rate is large")
        .setHeader("x-ms-retry-after-ms", Long.toString(retryAfterMs));
  }

  static MockResponse lost() {
    return new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST);
  }

  // --- 429 ---------------------------------------------------------------------------------------

  @Test void throttledRequestIsRetriedAfterServerHintAndResigned() throws Exception {
    CosmosClient ticking = track(MockCosmos.client(server).clock(MockCosmos.tickingClock()));
    server.enqueue(throttled(40));
    server.enqueue(throttled(40));
    server.enqueue(json(201, DOC));
    long started = System.nanoTime();
    CosmosResult<Map<String, Object>> result =
        await(ticking.createDocument("shop", "orders", DOCUMENT, "a"));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    Set<String> dates = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      // assertRequest checks each signature against that attempt's own x-ms-date.
      RecordedRequest request = assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs",
          "docs", "dbs/shop/colls/orders", null);
      dates.add(request.getHeader("x-ms-date"));
      assertTrue(Call.sameDocument(DOC.getBytes(StandardCharsets.UTF_8),
          request.getBody().readByteArray()));
    }
    assertEquals(3, dates.size(), "every attempt is dated and signed afresh: " + dates);
    assertEquals(201, result.code());
    assertEquals(2, result.retryCount());
    assertEquals(Duration.ofMillis(80), result.retryWait());
    assertTrue(elapsedMs >= 80, "waited " + elapsedMs + " ms");
    assertNull(result.ambiguity());
  }

  @Test void throttlingGivesUpAfterNineRetriesByDefault() throws Exception {
    for (int i = 0; i < 10; i++) {
      server.enqueue(throttled(1));
    }
    CosmosException e = failure(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(10, server.getRequestCount());
    assertEquals(429, e.code());
    assertEquals(3200, e.subStatus());
    assertEquals(9, e.result().retryCount());
    assertEquals(Duration.ofMillis(1), e.retryAfter());
    assertFalse(e.result().isUncertain(), "a 429 changed nothing");
  }

  @Test void throttlingRetriesAndWaitBudgetAreConfigurable() throws Exception {
    CosmosClient few = track(MockCosmos.client(server).raiseOnFailure(false).maxRetriesOnThrottle(2)
        );
    for (int i = 0; i < 3; i++) {
      server.enqueue(throttled(1));
    }
    CosmosResult<Map<String, Object>> result = await(few.getDocument("shop", "orders", "1", "a"));
    assertEquals(429, result.code());
    assertEquals(2, result.retryCount());
    assertEquals(3, server.getRequestCount());

    // 60 ms fits a 100 ms budget once; a second 60 ms would overshoot it, so we stop before it.
    CosmosClient brief = track(MockCosmos.client(server).raiseOnFailure(false)
        .maxRetryWaitOnThrottle(Duration.ofMillis(100)));
    for (int i = 0; i < 3; i++) {
      server.enqueue(throttled(60));
    }
    result = await(brief.getDocument("shop", "orders", "1", "a"));
    assertEquals(429, result.code());
    assertEquals(1, result.retryCount());
    assertEquals(Duration.ofMillis(60), result.retryWait());
    assertEquals(5, server.getRequestCount());
  }

  // --- other statuses ------------------------------------------------------------------------

  @Test void retryWithBacksOffExponentially() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(error(449, 0, "RetryWith", "Retry the request"));
    }
    server.enqueue(json(200, DOC));
    CosmosResult<Map<String, Object>> result = await(client.upsertDocument("shop", "orders",
        DOCUMENT, "a"));
    assertEquals(200, result.code());
    assertEquals(3, result.retryCount());
    long waited = result.retryWait().toMillis();
    assertTrue(waited >= 10 + 20 + 40 && waited <= 10 + 20 + 40 + 15, "waited " + waited);
  }

  @Test void serviceUnavailableOnACreateIsResentAndSettledLikeALostAnswer() throws Exception {
    server.enqueue(error(503, 0, "ServiceUnavailable", "try again"));
    server.enqueue(error(503, 0, "ServiceUnavailable", "try again"));
    server.enqueue(json(201, DOC));
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(201, result.code());
    assertEquals(2, result.retryCount());
    assertFalse(result.isUncertain());
    assertTrue(result.ambiguity().contains("had not been applied"), result.ambiguity());
  }

  @Test void aCreateResentAfterServiceUnavailableThatMeetsAConflictIsReadBack()
      throws Exception {
    server.enqueue(error(503, 0, "ServiceUnavailable", "applied, then lost"));
    server.enqueue(error(409, 0, "Conflict", "exists"));
    server.enqueue(json(200, DOC)); // the read-back: what we sent
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(201, result.code(), "the earlier attempt wrote it: not someone's conflict");
    assertTrue(result.ambiguity().contains("equals what was sent"), result.ambiguity());
    take(server);
    take(server);
    RecordedRequest readBack = take(server);
    assertEquals("GET", readBack.getMethod());
    assertEquals("/dbs/shop/colls/orders/docs/1", readBack.getPath());
  }

  @Test void aPatchIsNeverResentAfterServiceUnavailableAndIsReportedUncertain()
      throws Exception {
    server.enqueue(error(503, 0, "ServiceUnavailable", "maybe applied"));
    server.enqueue(json(200, DOC)); // must not be asked for
    CosmosResult<Map<String, Object>> result = await(quiet.patchDocument("shop", "orders", "1",
        "a", List.of(PatchOperation.increment("/n", 1))));
    assertEquals(503, result.code());
    assertTrue(result.isUncertain());
    assertTrue(result.ambiguity().contains("could apply it twice"), result.ambiguity());
    assertEquals(1, server.getRequestCount(), "an increment is not resent");
  }

  @Test void serviceUnavailableOnEveryResendOfACreateEndsUncertain() throws Exception {
    for (int i = 0; i < 4; i++) {
      server.enqueue(error(503, 0, "ServiceUnavailable", "try again"));
    }
    CosmosResult<Map<String, Object>> result =
        await(quiet.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(0, result.code(), "no definite answer");
    assertEquals(3, result.retryCount());
    assertTrue(result.isUncertain());
    assertTrue(result.error().contains("503"), result.error());
  }

  @Test void goneIsRetriedWithBackoff() throws Exception {
    server.enqueue(error(410, 1002, "Gone", "partition key range is gone"));
    server.enqueue(error(410, 1007, "Gone", "completing split"));
    server.enqueue(json(200, DOC));
    CosmosResult<Map<String, Object>> result =
        await(client.getDocument("shop", "orders", "1", "a"));
    assertEquals(200, result.code());
    assertEquals(2, result.retryCount());
    assertEquals(Duration.ofMillis(100 + 200), result.retryWait());
  }

  @Test void aGoneNamedRangeIsNotResentTheCallerMovesToItsChildren() throws Exception {
    server.enqueue(error(410, 1002, "Gone", "PartitionKeyRange with id '0' doesn't exist"));
    CosmosRequest read = Feeds.readDocuments("shop", "orders", RequestOptions.NONE,
        Documents.Reads.NONE).withHeaders(Map.of("x-ms-documentdb-partitionkeyrangeid", "0"));
    CosmosResult<byte[]> result = await(client.pipeline.execute(read, body -> body));
    assertEquals(410, result.code());
    assertEquals(1002, result.subStatus());
    assertEquals(0, result.retryCount());
    assertEquals(1, server.getRequestCount());
  }

  @Test void requestTimeoutIsRetriedForReadsButAPatchIsReportedUncertain() throws Exception {
    server.enqueue(error(408, 0, "RequestTimeout", "timed out"));
    server.enqueue(json(200, DOC));
    assertEquals(200, await(client.getDocument("shop", "orders", "1", "a")).code());
    assertEquals(2, server.getRequestCount());

    server.enqueue(error(408, 0, "RequestTimeout", "timed out"));
    CosmosResult<Map<String, Object>> patched = await(quiet.patchDocument("shop", "orders", "1",
        "a", List.of(PatchOperation.increment("/n", 1))));
    assertEquals(3, server.getRequestCount(), "an increment is not resent");
    assertEquals(408, patched.code());
    assertTrue(patched.isUncertain());
    assertTrue(patched.ambiguity().contains("could apply it twice"), patched.ambiguity());
  }

  @Test void requestTimeoutOnACreateIsResentAndSettled() throws Exception {
    server.enqueue(error(408, 0, "RequestTimeout", "timed out"));
    server.enqueue(json(201, DOC));
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(201, result.code());
    assertEquals(1, result.retryCount());
    assertTrue(result.ambiguity().contains("had not been applied"), result.ambiguity());
  }

  @Test void sessionNotAvailableIsRetriedTwiceAndPlainNotFoundNever() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(error(404, 1002, "NotFound", "read session not available"));
    }
    CosmosResult<Map<String, Object>> result =
        await(quiet.getDocument("shop", "orders", "1", "a"));
    assertEquals(404, result.code());
    assertEquals(1002, result.subStatus());
    assertEquals(2, result.retryCount());
    assertEquals(3, server.getRequestCount());

    server.enqueue(error(404, 0, "NotFound", "Entity does not exist"));
    assertEquals(404, await(quiet.getDocument("shop", "orders", "1", "a")).code());
    assertEquals(4, server.getRequestCount());
  }

  // --- ambiguous writes ----------------------------------------------------------------------

  @Test void theReadBackThatSettlesALostCreateGoesToTheWriteRegion() throws Exception {
    String base = server.url("/").toString();
    server.enqueue(json(200, "{\"writableLocations\":[{\"databaseAccountEndpoint\":\"" + base
        + "west/\"}],\"readableLocations\":[{\"databaseAccountEndpoint\":\"" + base
        + "east/\"}]}"));
    await(client.readAccount());
    take(server);
    server.enqueue(lost());
    server.enqueue(error(409, 0, "Conflict", "Entity with the specified id already exists"));
    server.enqueue(json(200, "{\"n\":1,\"pk\":\"a\",\"id\":\"1\",\"_rid\":\"r\"}"));
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals("/west/dbs/shop/colls/orders/docs", take(server).getPath());
    assertEquals("/west/dbs/shop/colls/orders/docs", take(server).getPath());
    assertEquals("/west/dbs/shop/colls/orders/docs/1", take(server).getPath());
    assertEquals(201, result.code());
  }

  @Test void lostCreateResponseIsSettledByReadingTheDocumentBack() throws Exception {
    server.enqueue(lost());
    server.enqueue(error(409, 0, "Conflict", "Entity with the specified id already exists"));
    server.enqueue(json(200, "{\"n\":1.0,\"pk\":\"a\",\"id\":\"1\",\"_rid\":\"r\","
        + "\"_self\":\"dbs/x/colls/y/docs/r\",\"_etag\":\"\\\"e\\\"\",\"_ts\":1,"
        + "\"_attachments\":\"attachments/\"}").setHeader("etag", "\"e\""));
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", DOCUMENT, "a"));

    take(server);
    assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs", "docs",
        "dbs/shop/colls/orders", null);
    RecordedRequest read = assertRequest(take(server), "GET", "/dbs/shop/colls/orders/docs/1",
        "docs", "dbs/shop/colls/orders/docs/1", null);
    assertEquals("[\"a\"]", read.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("ok", result.status());
    assertEquals(201, result.code(), "the create succeeded, through its earlier attempt");
    assertEquals("1", result.data().get("id"));
    assertEquals("\"e\"", result.etag());
    assertEquals(1, result.retryCount());
    assertFalse(result.isUncertain());
    assertTrue(result.ambiguity().contains("equals what was sent"), result.ambiguity());
  }

  @Test void lostCreateResponseAndADifferentStoredDocumentIsAGenuineConflict() throws Exception {
    server.enqueue(lost());
    server.enqueue(error(409, 0, "Conflict", "Entity with the specified id already exists"));
    server.enqueue(json(200, "{\"id\":\"1\",\"pk\":\"a\",\"n\":2,\"_rid\":\"r\"}"));
    CosmosException e = failure(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(3, server.getRequestCount());
    assertEquals(409, e.code());
    assertFalse(e.result().isUncertain());
    assertTrue(e.result().ambiguity().contains("genuine"), e.result().ambiguity());
  }

  @Test void lostCreateResponseThatCannotBeReadBackIsUncertain() throws Exception {
    server.enqueue(lost());
    server.enqueue(error(409, 0, "Conflict", "Entity with the specified id already exists"));
    server.enqueue(error(404, 0, "NotFound", "deleted meanwhile"));
    CosmosResult<Map<String, Object>> result =
        await(quiet.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(0, result.code(), "not reported as a conflict");
    assertTrue(result.isUncertain(), "neither someone else's conflict nor ours for sure");
    assertTrue(result.error().startsWith("no definite answer: the last attempt answered 409"),
        result.error());
    assertTrue(result.ambiguity().contains("reading the document back answered 404"),
        result.ambiguity());
  }

  @Test void lostCreateResponseResentAndCreatedIsASuccessSayingSo() throws Exception {
    server.enqueue(lost());
    server.enqueue(json(201, DOC));
    CosmosResult<Map<String, Object>> result =
        await(client.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(2, server.getRequestCount());
    assertEquals(201, result.code());
    assertTrue(result.ambiguity().contains("had not been applied"), result.ambiguity());
  }

  @Test void lostDeleteResponseThenNotFoundIsAnUncertain404NotASuccess() throws Exception {
    server.enqueue(lost());
    server.enqueue(error(404, 0, "NotFound", "Entity does not exist"));
    CosmosResult<Void> result = await(quiet.deleteDocument("shop", "orders", "1", "a"));
    assertEquals(2, server.getRequestCount());
    assertEquals(404, result.code());
    assertEquals("failed", result.status());
    assertTrue(result.isUncertain());
    assertTrue(result.ambiguity().contains("nothing to delete"), result.ambiguity());
  }

  @Test void lostUpsertResponseIsResent() throws Exception {
    server.enqueue(lost());
    server.enqueue(json(200, DOC));
    CosmosResult<Map<String, Object>> result =
        await(client.upsertDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(2, server.getRequestCount());
    assertEquals(200, result.code());
    assertNotEquals(null, result.ambiguity());
  }

  @Test void lostConditionalReplaceResponseThenPreconditionFailedIsReadBack() throws Exception {
    server.enqueue(lost());
    server.enqueue(error(412, 0, "PreconditionFailed", "etag mismatch"));
    server.enqueue(json(200, "{\"id\":\"1\",\"pk\":\"a\",\"n\":1,\"_etag\":\"e2\"}"));
    CosmosResult<Map<String, Object>> result = await(client.replaceDocument("shop", "orders", DOCUMENT, "a", RequestOptions.builder().ifMatch("\"e1\"").build(), DocumentType.MAP));
    take(server);
    take(server);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders/docs/1", "docs",
        "dbs/shop/colls/orders/docs/1", null);
    assertEquals(200, result.code());
    assertTrue(result.ambiguity().contains("equals what was sent"), result.ambiguity());
  }

  @Test void lostCreateResponseWithATriggerIsNotResentAndIsUncertain() throws Exception {
    server.enqueue(lost());
    CosmosResult<Map<String, Object>> result = await(quiet.createDocument("shop", "orders",
        DOCUMENT, "a", RequestOptions.builder().preTrigger("stamp").build(), DocumentType.MAP));
    assertEquals(1, server.getRequestCount());
    assertEquals(0, result.code());
    assertTrue(result.isUncertain());
  }

  @Test void lostResponsesOnEveryResendEndUncertain() throws Exception {
    for (int i = 0; i < 4; i++) {
      server.enqueue(lost());
    }
    CosmosResult<Map<String, Object>> result =
        await(quiet.createDocument("shop", "orders", DOCUMENT, "a"));
    assertEquals(4, server.getRequestCount());
    assertEquals(0, result.code());
    assertEquals(3, result.retryCount());
    assertTrue(result.isUncertain());
    assertTrue(result.ambiguity().contains("no later attempt settled it"), result.ambiguity());
  }

  @Test void sameDocumentIgnoresSystemPropertiesAndNumberSpelling() {
    byte[] sent = "{\"id\":\"1\",\"n\":1,\"a\":{\"b\":[1,2]}}".getBytes(StandardCharsets.UTF_8);
    assertTrue(Call.sameDocument(sent, ("{\"a\":{\"b\":[1.0,2]},\"n\":1.0,\"id\":\"1\","
        + "\"_rid\":\"r\",\"_ts\":5,\"_etag\":\"e\",\"_self\":\"s\",\"_attachments\":\"x\"}")
        .getBytes(StandardCharsets.UTF_8)));
    assertFalse(Call.sameDocument(sent, "{\"id\":\"1\",\"n\":2,\"a\":{\"b\":[1,2]}}"
        .getBytes(StandardCharsets.UTF_8)));
    assertFalse(Call.sameDocument(sent, "{\"id\":\"1\",\"n\":1,\"a\":{\"b\":[1,2]},\"x\":0}"
        .getBytes(StandardCharsets.UTF_8)));
  }

  // --- end-to-end timeout --------------------------------------------------------------------

  @Test void endToEndTimeoutBoundsRetries() throws Exception {
    // 429s with a 400 ms hint and a 1500 ms limit: retries are taken while the wait still fits
    // (at most three), then the last answer comes back at once instead of waiting past the
    // limit. Without the limit there would be nine retries.
    for (int i = 0; i < 12; i++) {
      server.enqueue(throttled(400));
    }
    long started = System.nanoTime();
    CosmosException e = failure(client.createDocument("shop", "orders", DOCUMENT, "a",
        RequestOptions.builder().timeout(Duration.ofMillis(1500)).build(), DocumentType.MAP));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(429, e.code());
    int retries = e.result().retryCount();
    assertTrue(retries >= 1 && retries <= 3, "retries: " + retries);
    assertEquals(retries + 1, server.getRequestCount());
    assertEquals(Duration.ofMillis(400L * retries), e.result().retryWait());
    assertTrue(elapsedMs >= 400 && elapsedMs < 1500, "took " + elapsedMs + " ms");
  }

  @Test void endToEndTimeoutEndsAHangingWriteAsUncertain() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    long started = System.nanoTime();
    CosmosException e = failure(client.createDocument("shop", "orders", DOCUMENT, "a",
        RequestOptions.builder().timeout(Duration.ofMillis(300)).build(), DocumentType.MAP));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(0, e.code());
    assertTrue(e.error().contains("timed out after 300 ms"), e.error());
    assertInstanceOf(HttpTimeoutException.class, e.getCause());
    assertTrue(e.result().isUncertain(), "the create was on its way");
    assertTrue(elapsedMs >= 300 && elapsedMs < 2_000, "took " + elapsedMs + " ms");
  }

  @Test void aRetryThatWouldOutlastTheTimeoutIsNotWaitedFor() throws Exception {
    server.enqueue(throttled(5_000));
    long started = System.nanoTime();
    CosmosResult<Map<String, Object>> result = await(quiet.getDocument("shop", "orders", "1",
        "a", RequestOptions.builder().timeout(Duration.ofSeconds(2)).build(), DocumentType.MAP));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(429, result.code(), "the service's answer, not a timeout");
    assertTrue(elapsedMs < 1_000, "took " + elapsedMs + " ms");
  }
}
