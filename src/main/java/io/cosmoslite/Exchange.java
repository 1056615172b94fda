package io.cosmoslite;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call over all its attempts: wait for an in-flight permit, sign, send, capture the session
 * token, decide on a retry, and complete the caller's future with a {@link CosmosResult} (or a
 * {@link CosmosException} when the client raises on failure). Nothing here blocks a thread:
 * waits are scheduled with {@code delayedExecutor}.
 */
final class Exchange<T> {
  private final Transport transport;
  private final CosmosRequest request;
  private final Transport.BodyMapper<T> mapper;
  private final CompletableFuture<CosmosResult<T>> result = new CompletableFuture<>();
  private final RetryPolicy.State state = new RetryPolicy.State();
  private final long deadlineNanos;
  private volatile CompletableFuture<?> pending;
  /** True while an attempt's request is on its way and no answer has come back. */
  private volatile boolean awaitingAnswer;
  private boolean accountRefreshed;
  private final boolean raise;

  Exchange(Transport transport, CosmosRequest request, Transport.BodyMapper<T> mapper,
      boolean raise) {
    this.transport = transport;
    this.raise = raise;
    this.request = request;
    this.mapper = mapper;
    this.deadlineNanos = request.timeout == null
        ? Long.MAX_VALUE : System.nanoTime() + request.timeout.toNanos();
  }

  CompletableFuture<CosmosResult<T>> start() {
    // Cancelling the caller's future stops the permit wait or the request in flight.
    result.whenComplete((r, e) -> {
      CompletableFuture<?> current = pending;
      if (result.isCancelled() && current != null) {
        current.cancel(true);
      }
    });
    if (request.timeout != null) {
      CompletableFuture.delayedExecutor(request.timeout.toNanos(), TimeUnit.NANOSECONDS)
          .execute(this::timedOut);
    }
    attempt();
    return result;
  }

  private void attempt() {
    if (result.isDone()) {
      return;
    }
    CompletableFuture<Void> permit = transport.inFlight.acquire();
    pending = permit;
    permit.thenRun(this::send);
    if (result.isDone()) {
      permit.cancel(false); // cancelled meanwhile; a granted permit is released by send()
    }
  }

  private void send() {
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        transport.inFlight.release();
      }
    };
    if (result.isDone()) {
      release.run();
      return;
    }
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = transport.http.sendAsync(httpRequest(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (RuntimeException e) {
      release.run();
      result.completeExceptionally(e);
      return;
    }
    pending = sent;
    awaitingAnswer = true;
    sent.whenComplete((response, error) -> {
      awaitingAnswer = false;
      release.run();
      try {
        if (error != null) {
          onFailure(unwrap(error));
        } else {
          onResponse(response);
        }
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
  }

  private HttpRequest httpRequest() {
    Transport.Regions regions = transport.regions();
    String base = request.isRead() ? regions.read : regions.write;
    String date = Auth.httpDate(transport.clock.instant());
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + request.path))
        .timeout(transport.requestTimeout)
        .header("authorization", transport.auth.authorization(
            request.method, request.resourceType, request.resourceLink, date))
        .header("x-ms-date", date)
        .header("x-ms-version", Transport.API_VERSION)
        .header("Accept", "application/json")
        .header("User-Agent", transport.userAgent);
    for (Map.Entry<String, String> header : request.headers.entrySet()) {
      b.header(header.getKey(), header.getValue());
    }
    String session = request.sessionToken;
    if (session == null && request.containerLink != null && request.isRead()) {
      session = transport.sessions.get(request.containerLink);
    }
    if (session != null) {
      b.header("x-ms-session-token", session);
    }
    if (request.body != null) {
      b.header("Content-Type", request.contentType);
      b.method(request.method, HttpRequest.BodyPublishers.ofByteArray(request.body));
    } else {
      b.method(request.method, HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  private void onResponse(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    Map<String, String> headers = firstValues(response);
    if (request.containerLink != null) {
      transport.sessions.merge(request.containerLink, headers.get("x-ms-session-token"));
    }
    int subStatus = intHeader(headers, "x-ms-substatus");
    if (status == 403 && subStatus == 3 && !accountRefreshed) {
      // Write forbidden: the write region moved (failover). Learn the new one, resend once.
      accountRefreshed = true;
      transport.refreshAccount().whenComplete((ignored, error) -> attempt());
      return;
    }
    long delay = transport.retryPolicy.afterResponse(request, state, status, subStatus,
        intHeader(headers, "x-ms-retry-after-ms"));
    if (delay >= 0 && fitsDeadline(delay)) {
      retryAfter(delay);
      return;
    }
    byte[] raw = response.body();
    if (status < 400) {
      boolean empty = raw == null || raw.length == 0 || status == 204 || status == 304;
      T data = empty ? null : mapper.map(raw);
      finish(new CosmosResult<>(status, data, null, null, headers, state.retries,
          Duration.ofMillis(state.waitedMs), false, null), null);
    } else {
      JsonElement body = Json.parseOrNull(raw);
      finish(new CosmosResult<>(status, null, ServiceError.message(status, body, raw),
          Json.stringMember(body, "code"), headers, state.retries,
          Duration.ofMillis(state.waitedMs), false, null), null);
    }
  }

  private void onFailure(Throwable error) {
    if (error instanceof CancellationException) {
      return; // the caller cancelled; the result future is already done
    }
    long delay = transport.retryPolicy.afterFailure(request, state, error);
    if (delay >= 0 && fitsDeadline(delay)) {
      retryAfter(delay);
      return;
    }
    if (!RetryPolicy.neverSent(error) && !request.isRead()) {
      state.writeMaybeApplied = true;
    }
    finish(noResponse(describe(error), error), error);
  }

  private void timedOut() {
    if (result.isDone()) {
      return;
    }
    String why = "timed out after " + request.timeout.toMillis() + " ms (end-to-end limit)";
    HttpTimeoutException timeout = new HttpTimeoutException(why);
    if (finish(noResponse(why, timeout), timeout)) {
      CompletableFuture<?> current = pending;
      if (current != null) {
        current.cancel(true);
      }
    }
  }

  private CosmosResult<T> noResponse(String why, Throwable cause) {
    boolean uncertain = !request.isRead() && (state.writeMaybeApplied || awaitingAnswer);
    return new CosmosResult<>(0, null, why, null, Map.of(), state.retries,
        Duration.ofMillis(state.waitedMs), uncertain, cause);
  }

  private boolean finish(CosmosResult<T> outcome, Throwable cause) {
    if (!outcome.isOk() && raise) {
      return result.completeExceptionally(new CosmosException(
          request.method + " " + request.displayPath, outcome, cause));
    }
    return result.complete(outcome);
  }

  private void retryAfter(long delayMs) {
    if (delayMs == 0) {
      attempt();
    } else {
      CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS).execute(this::attempt);
    }
  }

  private boolean fitsDeadline(long delayMs) {
    return deadlineNanos == Long.MAX_VALUE
        || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs) < deadlineNanos;
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException)
        && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  private static String describe(Throwable error) {
    String kind = error instanceof HttpTimeoutException ? "timed out"
        : error instanceof IOException ? "connection failed" : "request failed";
    String detail = error.getMessage() == null ? "" : ": " + error.getMessage();
    return kind + " (" + error.getClass().getSimpleName() + detail + ")";
  }

  private static Map<String, String> firstValues(HttpResponse<?> response) {
    Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    response.headers().map().forEach((name, values) -> {
      if (!values.isEmpty() && !name.startsWith(":")) {
        out.put(name, values.get(0));
      }
    });
    return out;
  }

  private static int intHeader(Map<String, String> headers, String name) {
    String value = headers.get(name);
    if (value == null) {
      return 0;
    }
    try {
      return (int) Math.min(Integer.MAX_VALUE, Double.parseDouble(value.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
