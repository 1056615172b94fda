package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call over all its attempts: wait for an in-flight permit, sign, send, capture the session
 * token, decide on a retry, and complete the caller's future with a {@link CosmosResult} (or a
 * {@link CosmosException} when the client raises on failure). Nothing here blocks a thread:
 * waits and time limits are scheduled on {@link Transport#TIMER} and cancelled when the call ends.
 *
 * <p>A write one of whose attempts went unanswered is settled from the answer to its resend (see
 * {@link RetryPolicy#verifiableWhenAmbiguous}): a {@code 409} on a resent create (or a
 * {@code 412} on a resent conditional upsert or replace) is checked by reading the document back
 * and comparing it with what was sent; a {@code 404} on a resent delete stays a 404, marked
 * uncertain. What could not be settled is reported uncertain, never as a plain success.
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
  /** The scheduled resend, cancelled when the call ends first. */
  private volatile ScheduledFuture<?> retryTimer;
  private boolean accountRefreshed;
  private final boolean raise;
  /** Properties the service adds to a stored document; ignored when comparing with ours. */
  private static final List<String> SYSTEM_PROPERTIES =
      List.of("_rid", "_self", "_etag", "_ts", "_attachments");

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
    if (request.timeout != null) {
      ScheduledFuture<?> timer = Transport.TIMER.schedule(this::timedOut,
          request.timeout.toNanos(), TimeUnit.NANOSECONDS);
      result.whenComplete((r, e) -> timer.cancel(false)); // frees this call at once
    }
    result.whenComplete((r, e) -> {
      CompletableFuture<?> current = pending;
      if (result.isCancelled() && current != null) {
        current.cancel(true);
      }
      ScheduledFuture<?> retry = retryTimer;
      if (retry != null) {
        retry.cancel(false);
      }
    });
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
      HttpRequest http = httpRequest();
      // Before handing it over: the bytes may be on the wire before send() even returns.
      awaitingAnswer = true;
      sent = transport.sender.send(http);
    } catch (Throwable e) {
      awaitingAnswer = false;
      release.run();
      result.completeExceptionally(e);
      return;
    }
    pending = sent;
    if (result.isDone()) {
      sent.cancel(true); // stopped between the check above and here
    }
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
    String base = request.isRead() && !request.writeRegion ? regions.read : regions.write;
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
      transport.sessions.merge(request.containerLink, headers.get("x-ms-content-path"),
          headers.get("x-ms-session-token"));
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
    if (state.writeMaybeApplied && !RetryPolicy.isSafeToResend(request)) {
      settleAmbiguousWrite(status, subStatus, response.body(), headers);
      return;
    }
    finish(answered(status, response.body(), headers, false, null), null);
  }

  /** The result of an answer as it stands. */
  private CosmosResult<T> answered(int status, byte[] raw, Map<String, String> headers,
      boolean uncertain, String ambiguity) {
    if (status < 400) {
      boolean empty = raw == null || raw.length == 0 || status == 204 || status == 304;
      T data;
      try {
        data = empty ? null : mapper.map(raw);
      } catch (RuntimeException e) {
        // The service answered (a write did happen): keep its status and headers, and fail
        // the call saying why, rather than losing them in a parser exception.
        return new CosmosResult<>(status, null, "the response body could not be read as the "
            + "requested type: " + e.getMessage(), null, headers, state.retries,
            Duration.ofMillis(state.waitedMs), false, null, ambiguity);
      }
      return new CosmosResult<>(status, data, null, null, headers, state.retries,
          Duration.ofMillis(state.waitedMs), false, null, ambiguity);
    }
    JsonElement body = Json.parseOrNull(raw);
    return new CosmosResult<>(status, null, ServiceError.message(status, body, raw),
        Json.stringMember(body, "code"), headers, state.retries,
        Duration.ofMillis(state.waitedMs), uncertain, null, ambiguity);
  }

  /**
   * The final answer to a write after one of its attempts went unanswered: decide whether that
   * earlier attempt was applied.
   */
  private void settleAmbiguousWrite(int status, int subStatus, byte[] raw,
      Map<String, String> headers) {
    String lost = "an earlier attempt got no definite answer (lost response or 408); ";
    CosmosRequest.Kind kind = request.kind;
    if (status < 400) {
      String how = kind == CosmosRequest.Kind.UPSERT || kind == CosmosRequest.Kind.REPLACE
          ? "the write was resent (the same content twice is the same content)"
          : "the resend succeeded, so the earlier attempt had not been applied";
      finish(answered(status, raw, headers, false, lost + how), null);
      return;
    }
    boolean conditional = request.headers.containsKey("If-Match");
    if ((kind == CosmosRequest.Kind.CREATE && status == 409)
        || ((kind == CosmosRequest.Kind.UPSERT || kind == CosmosRequest.Kind.REPLACE)
            && conditional && status == 412)) {
      readBack(status, raw, headers);
      return;
    }
    if (kind == CosmosRequest.Kind.DELETE && status == 404 && subStatus == 0) {
      // The document is gone, but a 404 does not prove the earlier attempt removed it: it may
      // never have existed, or someone else deleted it. Report the 404, marked uncertain.
      finish(answered(status, raw, headers, true, lost + "the resend found nothing to delete "
          + "(404): the document is gone, but whether the earlier attempt deleted it is "
          + "unknown"), null);
      return;
    }
    if (!RetryPolicy.verifiableWhenAmbiguous(request)) {
      // Only a 408 gets here (a lost response ends in noResponse): the service's own answer.
      finish(answered(status, raw, headers, true,
          lost + "resending this write could apply it twice, so it was not resent"), null);
      return;
    }
    finish(unsettled(status, raw, headers, lost + "the last attempt answered " + status
        + ", which does not tell whether an earlier one was applied"), null);
  }

  /**
   * A write whose outcome stays unknown after a resend: code 0 (no definite answer), uncertain,
   * so that the resend's own 409, 412 or 404 is never mistaken for the outcome.
   */
  private CosmosResult<T> unsettled(int status, byte[] raw, Map<String, String> headers,
      String ambiguity) {
    JsonElement body = Json.parseOrNull(raw);
    String message = status < 400 ? null : ServiceError.message(status, body, raw);
    String error = "no definite answer: the last attempt answered " + status
        + (message == null || message.isEmpty() ? "" : " (" + message + ")");
    return new CosmosResult<>(0, null, error, Json.stringMember(body, "code"), headers,
        state.retries, Duration.ofMillis(state.waitedMs), true, null, ambiguity);
  }

  /** After a 409/412 on a resend: read the document and compare it with what we sent. */
  private void readBack(int status, byte[] raw, Map<String, String> headers) {
    CompletableFuture<CosmosResult<byte[]>> check;
    try {
      check = transport.executeQuietly(readBackRequest(), body -> body);
    } catch (RuntimeException e) {
      finish(unsettled(status, raw, headers, "an earlier attempt got no definite answer "
          + "and the document could not be read back (" + e.getMessage() + ")"), null);
      return;
    }
    pending = check;
    if (result.isDone()) {
      check.cancel(true);
      return;
    }
    check.whenComplete((found, error) -> {
      if (result.isDone()) {
        return; // stopped or timed out meanwhile
      }
      try {
        settleFromReadBack(status, raw, headers, found, error);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
  }

  private void settleFromReadBack(int status, byte[] raw, Map<String, String> headers,
      CosmosResult<byte[]> found, Throwable error) {
    String lost = "an earlier attempt got no definite answer and the resend answered " + status
        + "; ";
    if (error != null || found == null) {
      finish(unsettled(status, raw, headers, lost + "reading the document back failed ("
          + unwrap(error) + "), so whether that attempt wrote it is unknown"), null);
      return;
    }
    if (!found.isOk() || found.data() == null) {
      finish(unsettled(status, raw, headers, lost + "reading the document back answered "
          + found.code() + ", so whether that attempt wrote it is unknown"), null);
      return;
    }
    if (sameDocument(request.body, found.data())) {
      int code = request.kind == CosmosRequest.Kind.CREATE ? 201 : 200;
      finish(new CosmosResult<>(code, mapper.map(found.data()), null, null, found.headers(),
          state.retries, Duration.ofMillis(state.waitedMs), false, null,
          lost + "the document read back equals what was sent, so that attempt wrote it"),
          null);
      return;
    }
    finish(answered(status, raw, headers, false, lost + "the document read back differs from "
        + "what was sent, so the conflict is genuine"), null);
  }

  /** A GET of the document this write addresses, bounded by what is left of the deadline. */
  private CosmosRequest readBackRequest() {
    CosmosRequest.Link link;
    if (request.kind == CosmosRequest.Kind.REPLACE) {
      link = new CosmosRequest.Link(request.resourceLink, request.path, request.displayPath);
    } else {
      // POST .../docs: the id is in the body; the path ends with the docs feed.
      JsonElement sent = Json.parseOrNull(request.body);
      String id = Json.stringMember(sent, "id");
      if (id == null) {
        throw new IllegalStateException("the sent document has no id");
      }
      String docs = "/docs";
      link = new CosmosRequest.Link(request.resourceLink,
          request.path.substring(0, request.path.length() - docs.length()),
          request.displayPath.substring(0, request.displayPath.length() - docs.length()))
          .child("docs", id);
    }
    CosmosRequest.Builder b = CosmosRequest.builder("GET", CosmosRequest.Kind.READ, "docs", link)
        .container(request.containerLink)
        .writeRegion() // where the write landed: a read region may not have it yet
        .sessionToken(request.sessionToken)
        .header("x-ms-documentdb-partitionkey",
            request.headers.get("x-ms-documentdb-partitionkey"));
    if (deadlineNanos != Long.MAX_VALUE) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("no time left before the deadline");
      }
      b.timeout(Duration.ofNanos(left));
    }
    return b.build();
  }

  /** Equal as JSON, ignoring the properties the service adds. Numbers compare by value. */
  static boolean sameDocument(byte[] sent, byte[] stored) {
    JsonElement ours = Json.parseOrNull(sent);
    JsonElement theirs = Json.parseOrNull(stored);
    if (ours == null || theirs == null || !ours.isJsonObject() || !theirs.isJsonObject()) {
      return false;
    }
    JsonObject a = ours.getAsJsonObject().deepCopy();
    JsonObject b = theirs.getAsJsonObject().deepCopy();
    for (String name : SYSTEM_PROPERTIES) {
      a.remove(name);
      b.remove(name);
    }
    return a.equals(b);
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
    if (!RetryPolicy.neverSent(error) && !RetryPolicy.isSafeToResend(request)) {
      state.writeMaybeApplied = true;
    }
    finish(noResponse(describe(error), error), error);
  }

  private void timedOut() {
    String why = "timed out after " + request.timeout.toMillis() + " ms (end-to-end limit)";
    stop(why, new HttpTimeoutException(why));
  }

  /**
   * Ends the call now with a result of code 0 saying {@code why}: no further attempt, a waiting
   * permit or retry is given up, a request in flight is cancelled (its permit is released). A
   * write that was on its way is reported uncertain. False when the call had already ended.
   */
  boolean stop(String why, Throwable cause) {
    if (result.isDone()) {
      return false;
    }
    if (!finish(noResponse(why, cause), cause)) {
      return false;
    }
    CompletableFuture<?> current = pending;
    if (current != null) {
      current.cancel(true);
    }
    return true;
  }

  private CosmosResult<T> noResponse(String why, Throwable cause) {
    boolean uncertain = !RetryPolicy.isSafeToResend(request)
        && (state.writeMaybeApplied || awaitingAnswer);
    String ambiguity = uncertain
        ? "an attempt of this write may have reached the service without an answer, and "
            + (RetryPolicy.verifiableWhenAmbiguous(request) ? "no later attempt settled it"
            : "resending it could apply it twice") : null;
    return new CosmosResult<>(0, null, why, null, Map.of(), state.retries,
        Duration.ofMillis(state.waitedMs), uncertain, cause, ambiguity);
  }

  private boolean finish(CosmosResult<T> outcome, Throwable cause) {
    if (!outcome.isOk() && raise) {
      return result.completeExceptionally(new CosmosException(
          request.method + " " + request.displayPath, outcome, cause));
    }
    return result.complete(outcome);
  }

  private void retryAfter(long delayMs) {
    state.record(delayMs);
    if (delayMs == 0) {
      attempt();
    } else {
      retryTimer = Transport.TIMER.schedule(this::attempt, delayMs, TimeUnit.MILLISECONDS);
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
