package io.cosmoslite;

import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pipeline's contract: threads, outside completion, close, regions, wire, observability. */
@Timeout(30)
class PipelineTest {
  private MockWebServer server;
  private final List<CosmosClient> clients = new ArrayList<>();

  @BeforeEach void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach void stop() throws Exception {
    clients.forEach(CosmosClient::close);
    server.shutdown();
  }

  private CosmosClient build(CosmosClient.Builder builder) {
    CosmosClient client = builder.build();
    clients.add(client);
    return client;
  }

  /** Polls a condition that must become true; the test's @Timeout bounds it. */
  private static void eventually(String what, BooleanSupplier condition) throws Exception {
    while (!condition.getAsBoolean()) {
      Thread.sleep(5);
    }
    assertTrue(condition.getAsBoolean(), what);
  }

  @Test void aTimedOutCallNeverRunsTheCallersStageOnTheTimerThread() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    CosmosClient client = build(MockCosmos.client(server).raiseOnFailure(false));
    AtomicReference<String> thread = new AtomicReference<>();
    CosmosResult<Map<String, Object>> result = client.getDocument("shop", "orders", "1", "a",
        RequestOptions.builder().timeout(Duration.ofMillis(100)).build(), DocumentType.MAP)
        .thenApply(r -> {
          thread.set(Thread.currentThread().getName());
          return r;
        }).get(10, TimeUnit.SECONDS);
    assertEquals(0, result.code());
    assertTrue(result.error().contains("timed out after 100 ms"), result.error());
    assertFalse(thread.get().contains("timer"), "ran on " + thread.get());
  }

  @Test void aCallbackExecutorRunsEveryCallersStage() throws Exception {
    ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "mine"));
    try {
      server.enqueue(json(200, "{\"id\":\"1\"}"));
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
      CosmosClient client = build(MockCosmos.client(server).callbackExecutor(mine)
          .raiseOnFailure(false));
      String answered = client.getDocument("shop", "orders", "1", "a")
          .thenApply(r -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
      String timedOut = client.getDocument("shop", "orders", "1", "a",
          RequestOptions.builder().timeout(Duration.ofMillis(50)).build(), DocumentType.MAP)
          .thenApply(r -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
      assertEquals("mine", answered);
      assertEquals("mine", timedOut);
    } finally {
      mine.shutdownNow();
    }
  }

  @Test void orTimeoutOnAReturnedFutureStopsTheCallAndFreesItsPermit() throws Exception {
    // Slower than the caller will wait (not never: the JDK may keep its connection for reuse).
    server.enqueue(new MockResponse().setHeadersDelay(3, TimeUnit.SECONDS));
    server.enqueue(json(200, "{\"id\":\"2\"}"));
    CosmosClient client = build(MockCosmos.client(server).maxConcurrency(1));
    CompletableFuture<CosmosResult<Map<String, Object>>> slow =
        client.getDocument("shop", "orders", "1", "a").orTimeout(100, TimeUnit.MILLISECONDS);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> slow.get(10, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    eventually("the permit is back", () -> client.inFlightRequests() == 0);
    // With the only permit free again, the next call goes out at once.
    assertEquals(200, client.getDocument("shop", "orders", "2", "a").get(10, TimeUnit.SECONDS)
        .code());
  }

  @Test void closeFailsCallsStillWaitingForAPermit() throws Exception {
    server.enqueue(new MockResponse().setHeadersDelay(2, TimeUnit.SECONDS)
        .setBody("{\"id\":\"1\"}"));
    CosmosClient client = build(MockCosmos.client(server).maxConcurrency(1)
        .raiseOnFailure(false));
    CompletableFuture<CosmosResult<Map<String, Object>>> held =
        client.getDocument("shop", "orders", "1", "a");
    eventually("one request in flight", () -> client.inFlightRequests() == 1);
    CompletableFuture<CosmosResult<Map<String, Object>>> waiting =
        client.getDocument("shop", "orders", "2", "a");
    eventually("one call waiting", () -> client.waitingRequests() == 1);
    client.close();
    CosmosResult<Map<String, Object>> refused = waiting.get(10, TimeUnit.SECONDS);
    assertEquals(0, refused.code());
    assertEquals("client is closed", refused.error());
    assertEquals(200, held.get(10, TimeUnit.SECONDS).code(), "a sent request completes");
    assertThrows(IllegalStateException.class, () -> client.getDocument("shop", "o", "1", "a"));
  }

  @Test void closedClientsLeaveNoThreadsOfTheirOwn() throws Exception {
    java.util.Set<Thread> before = ioThreads();
    for (int i = 0; i < 20; i++) {
      server.enqueue(json(200, "{\"id\":\"1\"}"));
      CosmosClient client = MockCosmos.client(server)
          .sender((http, max) -> Sender.threaded(http, max)).build();
      assertEquals(200, client.getDocument("shop", "orders", "1", "a").get(10, TimeUnit.SECONDS)
          .code());
      client.close();
    }
    eventually("no I/O thread of theirs left", () -> before.containsAll(ioThreads()));
  }

  private static java.util.Set<Thread> ioThreads() {
    java.util.Set<Thread> out = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("cosmos-lite-io-") && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  @Test void accountReadsGoToTheGlobalEndpointAndSessionResendsToTheWriteRegion()
      throws Exception {
    try (MockWebServer write = new MockWebServer(); MockWebServer read = new MockWebServer()) {
      write.start();
      read.start();
      String account = "{\"id\":\"acct\",\"writableLocations\":[{\"name\":\"w\","
          + "\"databaseAccountEndpoint\":\"" + write.url("/") + "\"}],"
          + "\"readableLocations\":[{\"name\":\"r\",\"databaseAccountEndpoint\":\""
          + read.url("/") + "\"}]}";
      server.enqueue(json(200, account));
      CosmosClient client = build(MockCosmos.client(server));
      client.readAccount().get(10, TimeUnit.SECONDS);
      assertEquals(write.url("/").toString(), client.writeEndpoint());
      assertEquals(read.url("/").toString(), client.readEndpoint());

      // A read whose region has not caught up with the token: resent to the write region.
      read.enqueue(error(404, 1002, "NotFound", "read session not available"));
      write.enqueue(json(200, "{\"id\":\"1\"}"));
      assertEquals(200, client.getDocument("shop", "orders", "1", "a")
          .get(10, TimeUnit.SECONDS).code());
      assertEquals("GET", take(read).getMethod());
      assertEquals("/dbs/shop/colls/orders/docs/1", take(write).getPath());

      // A write refused by a region that is no longer the write region: the account is read
      // again from the global endpoint (not from the region that refused), then resent.
      write.enqueue(error(403, 3, "Forbidden", "write forbidden"));
      server.enqueue(json(200, account));
      write.enqueue(json(201, "{\"id\":\"2\"}"));
      assertEquals(201, client.createDocument("shop", "orders", Map.of("id", "2"), "a")
          .get(10, TimeUnit.SECONDS).code());
      take(server); // the first account read
      RecordedRequest again = take(server);
      assertEquals("GET", again.getMethod());
      assertEquals("/", again.getPath());
      assertEquals(2, server.getRequestCount(), "account reads only on the global endpoint");
      assertEquals(3, write.getRequestCount());
    }
  }

  @Test void noSessionTokenIsSentOnAnEventualRead() throws Exception {
    server.enqueue(json(200, "{\"id\":\"1\"}").setHeader("x-ms-session-token", "0:-1#9"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    CosmosClient client = build(MockCosmos.client(server));
    client.getDocument("shop", "orders", "1", "a").get(10, TimeUnit.SECONDS);
    take(server);
    RequestOptions eventual = RequestOptions.builder().consistencyLevel(ConsistencyLevel.EVENTUAL)
        .sessionToken("0:-1#7").build();
    client.getDocument("shop", "orders", "1", "a", eventual, DocumentType.MAP)
        .get(10, TimeUnit.SECONDS);
    RecordedRequest weak = take(server);
    assertEquals("Eventual", weak.getHeader("x-ms-consistency-level"));
    assertNull(weak.getHeader("x-ms-session-token"), "not even the caller's");
    client.getDocument("shop", "orders", "1", "a").get(10, TimeUnit.SECONDS);
    assertEquals("0:-1#9", take(server).getHeader("x-ms-session-token"), "session reads keep it");
  }

  @Test void returnDocumentFalseAsksForAMinimalAnswer() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(201).setHeader("etag", "\"e1\""));
    CosmosClient client = build(MockCosmos.client(server));
    CosmosResult<Map<String, Object>> result = client.createDocument("shop", "orders",
        Map.of("id", "1"), "a", RequestOptions.builder().returnDocument(false).build(),
        DocumentType.MAP).get(10, TimeUnit.SECONDS);
    assertEquals(201, result.code());
    assertNull(result.data());
    assertEquals("\"e1\"", result.etag());
    RecordedRequest request = take(server);
    assertEquals("return=minimal", request.getHeader("Prefer"));
    assertEquals("true", request.getHeader("x-ms-noretry-449"));
  }

  @Test void aForgedPerCallTokenIsUsedForThatCallOnlyAndAMalformedOneIsRefused()
      throws Exception {
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    CosmosClient client = build(MockCosmos.client(server));
    client.getDocument("shop", "orders", "1", "a", RequestOptions.builder()
        .sessionToken("0:-1#999999999").build(), DocumentType.MAP).get(10, TimeUnit.SECONDS);
    assertEquals("0:-1#999999999", take(server).getHeader("x-ms-session-token"));
    assertNull(client.sessionToken("shop", "orders"), "never merged into the client's state");
    client.getDocument("shop", "orders", "1", "a").get(10, TimeUnit.SECONDS);
    assertNull(take(server).getHeader("x-ms-session-token"));
    String secretish = "0:-1#5,<script>";
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> RequestOptions.builder().sessionToken(secretish));
    assertFalse(bad.getMessage().contains("script"), bad.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> RequestOptions.builder().sessionToken("0:-1#1" + ",0:-1#1".repeat(3000)));
    assertThrows(IllegalArgumentException.class,
        () -> client.mergeSessionToken("shop", "orders", "not a token"));
    assertEquals(2, server.getRequestCount());
  }

  /** A log handler that keeps what the library logs (System.Logger goes to java.util.logging). */
  private static Handler collect(List<LogRecord> records) {
    return new Handler() {
      @Override public void publish(LogRecord record) {
        records.add(record);
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
  }

  @Test void everyAttemptIsToldToTheListenerAndLoggedWithoutSecrets() throws Exception {
    Logger jul = Logger.getLogger("io.cosmoslite");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler = collect(records);
    Level before = jul.getLevel();
    jul.setLevel(Level.ALL);
    jul.addHandler(handler);
    try {
      server.enqueue(error(429, 3200, "TooManyRequests", "slow down")
          .setHeader("x-ms-retry-after-ms", "1"));
      server.enqueue(json(200, "{\"id\":\"1\"}").setHeader("x-ms-request-charge", "2.5"));
      List<AttemptListener.Event> events = new CopyOnWriteArrayList<>();
      CosmosClient client = build(MockCosmos.client(server).attemptListener(events::add));
      client.getDocument("shop", "orders", "1", "a", RequestOptions.builder()
          .sessionToken("0:-1#77").build(), DocumentType.MAP).get(10, TimeUnit.SECONDS);
      assertEquals(2, events.size());
      AttemptListener.Event first = events.get(0);
      assertEquals("GET", first.method());
      assertEquals("dbs/shop/colls/orders/docs/1", first.path());
      assertEquals(1, first.attempt());
      assertEquals(429, first.status());
      assertEquals(3200, first.subStatus());
      assertEquals(Duration.ofMillis(1), first.retryDelay());
      AttemptListener.Event second = events.get(1);
      assertEquals(2, second.attempt());
      assertEquals(200, second.status());
      assertEquals(2.5, second.requestCharge());
      assertEquals("act-200", second.activityId());
      assertNull(second.retryDelay());
      List<String> lines = new ArrayList<>();
      for (LogRecord record : records) {
        lines.add(record.getMessage());
      }
      assertTrue(lines.stream().anyMatch(l -> l.contains("GET dbs/shop/colls/orders/docs/1")
          && l.contains("429/3200")), lines.toString());
      for (String line : lines) {
        assertFalse(line.contains(MockCosmos.KEY) || line.contains("sig%3D")
            || line.contains("0:-1#77"), line);
      }
    } finally {
      jul.removeHandler(handler);
      jul.setLevel(before);
    }
  }

  @Test void retriesThatGiveUpAreAWarning() throws Exception {
    Logger jul = Logger.getLogger("io.cosmoslite");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler = collect(records);
    jul.addHandler(handler);
    try {
      server.enqueue(error(429, 0, "TooManyRequests", "slow down")
          .setHeader("x-ms-retry-after-ms", "1"));
      CosmosClient client = build(MockCosmos.client(server).maxRetriesOnThrottle(0)
          .raiseOnFailure(false));
      assertEquals(429, client.getDocument("shop", "orders", "1", "a")
          .get(10, TimeUnit.SECONDS).code());
      LogRecord warning = records.stream().filter(r -> r.getLevel() == Level.WARNING)
          .findFirst().orElse(null);
      assertNotNull(warning, "a WARNING when retries give up");
      assertTrue(warning.getMessage().contains("giving up after 1 attempts"),
          warning.getMessage());
    } finally {
      jul.removeHandler(handler);
    }
  }

  @Test void aDroppedKeepAliveConnectionDoesNotMakeTheNextWriteUncertain() throws Exception {
    // The server closes each connection after answering (a load balancer dropping idle ones).
    server.enqueue(json(201, "{\"id\":\"1\"}").setSocketPolicy(SocketPolicy.DISCONNECT_AT_END));
    server.enqueue(json(201, "{\"id\":\"2\"}").setSocketPolicy(SocketPolicy.DISCONNECT_AT_END));
    CosmosClient client = build(MockCosmos.client(server).raiseOnFailure(false));
    CosmosResult<Map<String, Object>> first = client.createDocument("shop", "orders",
        Map.of("id", "1"), "a").get(10, TimeUnit.SECONDS);
    eventually("the first connection is closed", () -> server.getRequestCount() == 1);
    Thread.sleep(200); // idle, as a pooled connection is before it is reused
    CosmosResult<Map<String, Object>> second = client.createDocument("shop", "orders",
        Map.of("id", "2"), "a").get(10, TimeUnit.SECONDS);
    assertEquals(201, first.code());
    assertEquals(201, second.code(), String.valueOf(second.error()));
    assertFalse(second.isUncertain());
  }

  /**
   * Defect 10: a cancel that lands while the request is being handed over must not report the
   * item "cancelled" (not sent) when its bytes may be out: it is uncertain. The token arrives
   * only after the call started, so the test holds the operation before its send; the sender
   * then cancels the operation as it takes the request, and never answers.
   */
  @Test void aCancelLandingAsTheRequestIsHandedOverLeavesTheWriteUncertain() throws Exception {
    CompletableFuture<AccessToken> token = new CompletableFuture<>();
    AtomicReference<BulkOperation> operation = new AtomicReference<>();
    List<String> handedOver = new CopyOnWriteArrayList<>();
    CosmosClient client = build(CosmosClient.builder().endpoint(server.url("/").toString())
        .credential(scopes -> token).raiseOnFailure(false)
        .sender((http, max) -> new Sender() {
          @Override CompletableFuture<java.net.http.HttpResponse<byte[]>> send(
              java.net.http.HttpRequest request) {
            handedOver.add(request.method() + " " + request.uri().getPath());
            operation.get().cancel(true); // lands now, as the bytes would leave
            return new CompletableFuture<>(); // no answer ever
          }
        }));
    operation.set(client.createDocuments("shop", "orders",
        List.of(BulkItem.of(Map.of("id", "1", "pk", "a"), "a")).iterator(),
        BulkOptions.builder().batching(false).results(BulkOptions.ResultMode.EVERY_ITEM)
            .build()));
    assertTrue(handedOver.isEmpty(), "nothing is sent before the token");
    token.complete(new AccessToken("t0k", java.time.Instant.now().plusSeconds(3_600)));
    BulkResult result = operation.get().outcome().get(10, TimeUnit.SECONDS);
    assertEquals(List.of("POST /dbs/shop/colls/orders/docs"), handedOver);
    assertTrue(result.isCancelled());
    assertEquals(1, result.size());
    assertTrue(result.get(0).isUncertain(), "handed over, so it may be applied: "
        + result.get(0));
    assertEquals(1, result.uncertain());
  }
}
