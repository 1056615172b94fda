package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A small in-memory Cosmos for the MockWebServer: documents by id, a count of applied creates
 * per id, the most requests it ever handled at once, throttling of a share of requests, lost
 * responses (before or after applying a write), and a gate that holds chosen writes.
 */
final class FakeCosmos extends Dispatcher {
  final Map<String, String> store = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> creates = new ConcurrentHashMap<>();
  final Map<String, String> keyHeaders = new ConcurrentHashMap<>();
  final AtomicInteger current = new AtomicInteger();
  final AtomicInteger max = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger throttled = new AtomicInteger();
  final AtomicInteger throttledWrites = new AtomicInteger();
  final AtomicInteger containerReads = new AtomicInteger();
  final AtomicInteger badSignatures = new AtomicInteger();
  /** Ids of document requests in the order they arrived. */
  final List<String> arrivals = Collections.synchronizedList(new ArrayList<>());
  /** Ids whose next write is applied and its response lost. */
  final Set<String> loseAfterApplying = ConcurrentHashMap.newKeySet();
  /** Ids whose next write is dropped unapplied without a response. */
  final Set<String> loseBeforeApplying = ConcurrentHashMap.newKeySet();

  volatile int throttleEvery;
  volatile long retryAfterMs = 2;
  volatile String partitionKeyPaths = "[\"/pk\"]";
  /** Writes whose id matches wait here for a permit. */
  volatile Predicate<String> gated = id -> false;
  final Semaphore gate = new Semaphore(0);
  /** Writes whose id matches wait until this many have arrived together. */
  volatile Predicate<String> barrierIds = id -> false;
  volatile CountDownLatch barrier = new CountDownLatch(0);
  volatile boolean barrierMet = true;

  @Override public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    int now = current.incrementAndGet();
    max.accumulateAndGet(now, Math::max);
    try {
      return handle(request);
    } finally {
      current.decrementAndGet();
    }
  }

  /** Lets every held write go, for the end of a test. */
  void openGate() {
    gated = id -> false;
    gate.release(10_000);
  }

  private MockResponse handle(RecordedRequest request) throws InterruptedException {
    String path = request.getPath();
    String method = request.getMethod();
    String[] parts = path.substring(1).split("/");
    // dbs/{db}/colls/{c}[/docs[/{id}]]
    if (parts.length == 4 && method.equals("GET")) {
      checkSignature(request, "colls", path.substring(1));
      containerReads.incrementAndGet();
      return MockCosmos.json(200, "{\"id\":\"" + parts[3] + "\",\"partitionKey\":{\"paths\":"
          + partitionKeyPaths + ",\"kind\":\"" + (partitionKeyPaths.contains(",") ? "MultiHash"
          : "Hash") + "\",\"version\":2}}");
    }
    if (parts.length < 5 || !parts[4].equals("docs")) {
      return MockCosmos.error(400, 0, "BadRequest", "unexpected " + method + " " + path);
    }
    String containerLink = String.join("/", parts[0], parts[1], parts[2], parts[3]);
    requests.incrementAndGet();
    if (parts.length == 5 && method.equals("POST")) {
      checkSignature(request, "docs", containerLink);
      String body = request.getBody().readUtf8();
      JsonObject doc = JsonParser.parseString(body).getAsJsonObject();
      String id = doc.get("id").getAsString();
      return write(request, id, body);
    }
    String id = parts[5];
    checkSignature(request, "docs", containerLink + "/docs/" + id);
    arrivals.add(id);
    if (throttle()) {
      return throttledResponse();
    }
    if (method.equals("GET")) {
      String stored = store.get(id);
      if (stored == null) {
        return MockCosmos.error(404, 0, "NotFound", "Entity with the specified id does not exist");
      }
      JsonObject out = JsonParser.parseString(stored).getAsJsonObject();
      out.addProperty("_rid", "rid-" + id);
      out.addProperty("_etag", "\"etag-" + id + "\"");
      out.addProperty("_ts", 1700000000);
      return MockCosmos.json(200, out.toString());
    }
    if (method.equals("DELETE")) {
      keyHeaders.put(id, String.valueOf(request.getHeader("x-ms-documentdb-partitionkey")));
      if (gated.test(id) && !gate.tryAcquire(10, TimeUnit.SECONDS)) {
        return MockCosmos.error(500, 0, "TestGate", "gate never opened");
      }
      if (loseBeforeApplying.remove(id)) {
        return lost();
      }
      boolean removed = store.remove(id) != null;
      if (loseAfterApplying.remove(id)) {
        return lost();
      }
      return removed ? MockCosmos.json(204, "") : MockCosmos.error(404, 0, "NotFound",
          "Entity with the specified id does not exist");
    }
    return MockCosmos.error(400, 0, "BadRequest", "unexpected " + method + " " + path);
  }

  private MockResponse write(RecordedRequest request, String id, String body)
      throws InterruptedException {
    arrivals.add(id);
    keyHeaders.put(id, String.valueOf(request.getHeader("x-ms-documentdb-partitionkey")));
    if (gated.test(id) && !gate.tryAcquire(10, TimeUnit.SECONDS)) {
      return MockCosmos.error(500, 0, "TestGate", "gate never opened");
    }
    if (barrierIds.test(id)) {
      CountDownLatch latch = barrier;
      latch.countDown();
      if (!latch.await(5, TimeUnit.SECONDS)) {
        barrierMet = false;
      }
    }
    if (throttle()) {
      throttledWrites.incrementAndGet();
      return throttledResponse();
    }
    if (loseBeforeApplying.remove(id)) {
      return lost();
    }
    boolean upsert = "True".equals(request.getHeader("x-ms-documentdb-is-upsert"));
    int code;
    if (upsert) {
      code = store.put(id, body) == null ? 201 : 200;
    } else if (store.putIfAbsent(id, body) != null) {
      return MockCosmos.error(409, 0, "Conflict", "Entity with the specified id already exists");
    } else {
      code = 201;
    }
    creates.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    if (loseAfterApplying.remove(id)) {
      return lost();
    }
    boolean minimal = "return=minimal".equals(request.getHeader("Prefer"));
    return MockCosmos.json(code, minimal ? "" : body)
        .setHeader("x-ms-session-token", "0:1#" + requests.get());
  }

  private boolean throttle() {
    int every = throttleEvery;
    return every > 0 && requests.get() % every == 0;
  }

  private MockResponse throttledResponse() {
    throttled.incrementAndGet();
    return MockCosmos.error(429, 3200, "TooManyRequests", "Request rate is large")
        .setHeader("x-ms-retry-after-ms", Long.toString(retryAfterMs));
  }

  private static MockResponse lost() {
    return new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST);
  }

  private void checkSignature(RecordedRequest request, String type, String link) {
    String date = request.getHeader("x-ms-date");
    String expected = Auth.masterKey(MockCosmos.KEY).authorization(request.getMethod(), type,
        decode(link), date);
    if (!expected.equals(request.getHeader("authorization"))) {
      badSignatures.incrementAndGet();
    }
  }

  private static String decode(String link) {
    return java.net.URLDecoder.decode(link.replace("+", "%2B"),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  static JsonElement parse(String json) {
    return JsonParser.parseString(json);
  }
}
