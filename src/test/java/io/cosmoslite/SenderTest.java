package io.cosmoslite;

import static io.cosmoslite.MockCosmos.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SenderTest {
  MockWebServer server;
  HttpClient http;

  @BeforeEach void start() throws IOException {
    server = new MockWebServer();
    server.start();
    // Like the client's own: internal tasks inline.
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Runnable::run)
        .build();
  }

  @AfterEach void stop() throws IOException {
    server.shutdown();
  }

  static BiFunction<HttpClient, Integer, Sender> sender(String kind) {
    return kind.equals("threaded") ? Sender::threaded : (http, max) -> Sender.async(http);
  }

  HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(server.url(path).toString())).build();
  }

  @Test void smallMachinesUseTheThreadedSenderAndLargerOnesSendAsync() {
    assertInstanceOf(Sender.Threaded.class, Sender.forParallelism(http, 1, 4));
    assertFalse(Sender.forParallelism(http, 2, 4) instanceof Sender.Threaded);
  }

  @ParameterizedTest @ValueSource(strings = {"threaded", "async"})
  void aResponseArrivesWithStatusHeadersAndBody(String kind) throws Exception {
    server.enqueue(new MockResponse().setResponseCode(201).setHeader("x-ms-a", "1")
        .setBody("{\"id\":\"x\"}"));
    HttpResponse<byte[]> response = sender(kind).apply(http, 4).send(get("/dbs"))
        .get(10, TimeUnit.SECONDS);
    assertEquals(201, response.statusCode());
    assertEquals("1", response.headers().firstValue("x-ms-a").orElse(null));
    assertEquals("{\"id\":\"x\"}", new String(response.body()));
    assertEquals("/dbs", server.takeRequest(5, TimeUnit.SECONDS).getPath());
  }

  @ParameterizedTest @ValueSource(strings = {"threaded", "async"})
  void aTransportFailureCompletesExceptionallyWithTheIoException(String kind) {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    CompletableFuture<HttpResponse<byte[]>> sent = sender(kind).apply(http, 4).send(
        HttpRequest.newBuilder(URI.create(server.url("/x").toString()))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> sent.get(10, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test void cancellingAThreadedSendFreesItsThreadAtOnce() throws Exception {
    server.enqueue(new MockResponse().setBody("late").setHeadersDelay(4, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("next"));
    Sender.Threaded sender = (Sender.Threaded) Sender.threaded(http, 4);
    CompletableFuture<HttpResponse<byte[]>> slow = sender.send(get("/slow"));
    server.takeRequest(5, TimeUnit.SECONDS);
    assertEquals(1, sender.busy());
    long cancelled = System.nanoTime();
    assertTrue(slow.cancel(true));
    while (sender.busy() > 0 && System.nanoTime() - cancelled < TimeUnit.SECONDS.toNanos(3)) {
      Thread.sleep(10);
    }
    // Well before the server's answer (4 s): the interrupt ended HttpClient.send.
    assertEquals(0, sender.busy());
    HttpResponse<byte[]> next = sender.send(get("/next")).get(10, TimeUnit.SECONDS);
    assertEquals("next", new String(next.body()));
  }

  @Test void threadedCompletionsRunOnTheClientsIoThreadsNeverTheSelector() throws Exception {
    server.enqueue(json(200, "{}").setBodyDelay(200, TimeUnit.MILLISECONDS));
    AtomicReference<String> thread = new AtomicReference<>();
    Sender.threaded(http, 4).send(get("/x"))
        .whenComplete((r, e) -> thread.set(Thread.currentThread().getName()))
        .get(10, TimeUnit.SECONDS);
    assertTrue(thread.get().startsWith("cosmos-lite-io-"), thread.get());
  }

  /** A callback that blocks on another call must not stall the client, with either sender. */
  @ParameterizedTest @ValueSource(strings = {"threaded", "async"})
  void aCallbackThatWaitsForAnotherCallDoesNotDeadlock(String kind) throws Exception {
    CosmosClient client = MockCosmos.client(server).sender(sender(kind)).maxConcurrency(2)
        .build();
    for (int i = 0; i < 9; i++) { // 4 outer, 4 inner, 1 after
      server.enqueue(json(200, "{\"id\":\"" + i + "\"}"));
    }
    CountDownLatch done = new CountDownLatch(4);
    for (int i = 0; i < 4; i++) {
      client.getDatabase("a")
          .thenApply(outer -> client.getDatabase("b").join()) // blocks inside a callback
          .whenComplete((r, e) -> done.countDown());
    }
    assertTrue(done.await(20, TimeUnit.SECONDS), "callbacks that block stalled the client");
    Map<String, Object> last = client.getDatabase("c").get(10, TimeUnit.SECONDS).data();
    assertTrue(last.containsKey("id"));
  }

  /**
   * The thread that receives an answer makes the request that waited for its permit: with 400
   * calls through 4 permits, never a fifth I/O thread (defect 10). The rescue delay is made
   * longer than any pause here, so a slow machine cannot add a thread.
   */
  @Test void aThreadedClientHasNoMoreIoThreadsThanRequestsInFlight() throws Exception {
    // No answer until every call is made: then each later request is started by the release
    // of a permit on a finishing I/O thread (what the defect was about), never by this
    // thread taking a permit that a finishing thread has just released.
    CountDownLatch allCalled = new CountDownLatch(1);
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request)
          throws InterruptedException {
        allCalled.await(30, TimeUnit.SECONDS);
        return json(200, "{\"id\":\"a\"}");
      }
    });
    AtomicReference<Sender.Threaded> made = new AtomicReference<>();
    CosmosClient client = MockCosmos.client(server).maxConcurrency(4).sender((h, max) -> {
      made.set(new Sender.Threaded(h, max, 60_000));
      return made.get();
    }).build();
    try {
      List<CompletableFuture<CosmosResult<Map<String, Object>>>> calls = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        calls.add(client.getDatabase("a"));
      }
      assertEquals(396, client.waitingRequests(), "4 in flight, the rest wait for a permit");
      allCalled.countDown();
      CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
          .get(60, TimeUnit.SECONDS);
      for (CompletableFuture<CosmosResult<Map<String, Object>>> call : calls) {
        assertEquals("a", call.get().data().get("id"));
      }
      assertEquals(400, server.getRequestCount());
      assertTrue(made.get().largestThreads() <= 4,
          "I/O threads at most: " + made.get().largestThreads());
    } finally {
      client.close();
    }
  }

  /** A handed-off send whose thread is held by a caller's stage goes out on another thread. */
  @Test void aSendHandedToAThreadThatIsHeldIsRescued() throws Exception {
    server.enqueue(json(200, "{\"id\":\"first\"}"));
    server.enqueue(json(200, "{\"id\":\"second\"}"));
    Sender.Threaded sender = new Sender.Threaded(http, 1);
    CompletableFuture<String> second = sender.send(get("/first")).thenCompose(first ->
        // On the I/O thread, finishing: this send is handed to it, and it then waits for it.
        CompletableFuture.completedFuture(sender.send(get("/second")).join()))
        .thenApply(r -> new String(r.body()));
    assertEquals("{\"id\":\"second\"}", second.get(10, TimeUnit.SECONDS));
    assertEquals("/first", server.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals("/second", server.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals(2, sender.largestThreads(), "the rescue is the only thread more");
  }
}
