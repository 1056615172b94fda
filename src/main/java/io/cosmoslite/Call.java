package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call over all its attempts. Each attempt runs the pipeline's steps in order:
 * <ol>
 *   <li>{@link #permit} — wait for one of the client's in-flight permits;
 *   <li>{@link #authorize} — sign (or fetch a token) for this attempt's date, asynchronously;
 *   <li>{@link #send} — hand the request to the HTTP client;
 *   <li>{@link #captureSession} — merge the response's session token;
 *   <li>{@link #decide} — ask the retry policy: finish, resend after a wait, or refresh the
 *       account first;
 *   <li>{@link #map} — the result, settling a write whose earlier attempt went unanswered.
 * </ol>
 * The call's future never completes exceptionally. Completing or cancelling it from outside
 * stops the call: a waiting permit or retry is given up, a request in flight is cancelled and its
 * permit released. Waits and time limits are scheduled on the shared timer, which hands every
 * step to {@link Threads#WORKERS}: no step, and no caller's code, runs on the timer thread.
 *
 * <p>A write one of whose attempts went unanswered is settled from the answer to its resend
 * ({@link CosmosRequest.Settlement}): a {@code 409} on a resent create (or a {@code 412} on a
 * resent conditional upsert or replace) is checked by reading the document back and comparing it
 * with what was sent; a {@code 404} on a resent delete stays a 404, marked uncertain. What could
 * not be settled is reported uncertain, never as a plain success.
 */
final class Call<T> {
  /** Properties the service adds to a stored document; ignored when comparing with ours. */
  private static final List<String> SYSTEM_PROPERTIES =
      List.of("_rid", "_self", "_etag", "_ts", "_attachments", "_lsn");
  private static final String LOST =
      "an earlier attempt got no definite answer (lost response, 408, 410 or 503); ";

  private final Pipeline pipeline;
  private final CosmosRequest request;
  private final Pipeline.BodyMapper<T> mapper;
  private final CompletableFuture<CosmosResult<T>> result = new CompletableFuture<>();
  private final RetryPolicy.State state = new RetryPolicy.State();
  private final long deadlineNanos;
  private volatile CompletableFuture<?> pending;
  private volatile ScheduledFuture<?> timer;
  /** Guarded by this: the call has ended, and whether a request was handed over unanswered. */
  private boolean ended;
  private boolean awaitingAnswer;
  /** The authorization header of the latest attempt (to tell a credential it was refused). */
  private volatile String sentAuthorization;

  Call(Pipeline pipeline, CosmosRequest request, Pipeline.BodyMapper<T> mapper) {
    this.pipeline = pipeline;
    this.request = request;
    this.mapper = mapper;
    this.deadlineNanos = request.timeout == null
        ? Long.MAX_VALUE : System.nanoTime() + request.timeout.toNanos();
  }

  CompletableFuture<CosmosResult<T>> result() {
    return result;
  }

  /** Before {@link #start}: an earlier attempt of this write, made elsewhere, got no answer. */
  void earlierAttemptUnanswered() {
    state.writeMaybeApplied = true;
  }

  void start() {
    result.whenComplete((r, e) -> {
      // Ended by us, or from outside: either way nothing more may run for this call.
      synchronized (this) {
        ended = true;
      }
      cancel(timer);
      CompletableFuture<?> current = pending;
      if (current != null && !current.isDone()) {
        current.cancel(true);
      }
    });
    if (request.timeout != null) {
      ScheduledFuture<?> limit = Threads.schedule(this::timedOut,
          Math.max(1, request.timeout.toMillis()), Threads.WORKERS);
      result.whenComplete((r, e) -> limit.cancel(false)); // frees this call at once
    }
    if (pipeline.wantsMapFirst(request)) {
      awaitMapThenPermit();
      return;
    }
    permit();
  }

  /** The longest a call without a time limit of its own waits for its container's map. */
  private static final long MAP_WAIT_MS = 5_000;

  /**
   * Its range's session token alone needs the container's map: waits for it, at most half the
   * call's time limit (or {@link #MAP_WAIT_MS}); a map that fails or comes late only means the
   * container's whole token goes instead.
   */
  private void awaitMapThenPermit() {
    CompletableFuture<Void> map = pipeline.containers.loadMap(request.sessionScope);
    pending = map;
    AtomicBoolean going = new AtomicBoolean();
    Runnable go = () -> {
      if (going.compareAndSet(false, true)) {
        permit();
      }
    };
    long waitMs = request.timeout != null ? Math.max(1, request.timeout.toMillis() / 2)
        : MAP_WAIT_MS;
    ScheduledFuture<?> late = map.isDone() ? null : Threads.schedule(go, waitMs, Threads.WORKERS);
    map.whenComplete((known, error) -> {
      if (late != null) {
        late.cancel(false);
      }
      go.run();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // The steps of one attempt

  private void permit() {
    if (result.isDone()) {
      return;
    }
    CompletableFuture<Void> permit = pipeline.permits.acquire();
    pending = permit;
    permit.whenComplete((granted, error) -> {
      if (error != null) {
        // The client was closed while this call waited.
        finish(Results.noResponse(Pipeline.unwrap(error).getMessage(), error, state, false,
            null));
        return;
      }
      authorize(new Permit(pipeline.permits));
    });
    if (result.isDone()) {
      permit.cancel(false); // stopped meanwhile; a granted permit is released below
    }
  }

  private void authorize(Permit permit) {
    if (result.isDone()) {
      permit.release();
      return;
    }
    String date = Auth.httpDate(pipeline.clock.instant());
    CompletableFuture<String> signed;
    try {
      signed = pipeline.auth.authorize(request.method, request.resourceType,
          request.resourceLink, date);
    } catch (RuntimeException e) {
      permit.release();
      finish(Results.noResponse("request could not be authorized: " + e.getMessage(), e, state,
          false, null));
      return;
    }
    if (signed.isDone() && !signed.isCompletedExceptionally()) {
      send(permit, date, signed.getNow(null)); // keys sign at once: no hop
      return;
    }
    pending = signed;
    signed.whenComplete((authorization, error) -> {
      if (error != null) {
        permit.release();
        Throwable cause = Pipeline.unwrap(error);
        finish(Results.noResponse("no credential for the request: " + cause.getMessage(), cause,
            state, false, null));
      } else {
        send(permit, date, authorization);
      }
    });
  }

  private void send(Permit permit, String date, String authorization) {
    CompletableFuture<HttpResponse<byte[]>> sent;
    long startedNanos;
    sentAuthorization = authorization;
    try {
      HttpRequest http = pipeline.httpRequest(request, pipeline.endpointFor(request, state), date,
          authorization);
      synchronized (this) {
        if (ended) {
          permit.release();
          return;
        }
        // Before handing it over: the bytes may be on the wire before send() even returns.
        awaitingAnswer = true;
      }
      state.attempts++;
      startedNanos = System.nanoTime();
      sent = pipeline.sender.send(http);
    } catch (RuntimeException e) {
      synchronized (this) {
        awaitingAnswer = false;
      }
      permit.release();
      finish(Results.noResponse("request could not be built: " + e.getMessage(), e, state, false,
          null));
      return;
    }
    pending = sent;
    if (result.isDone()) {
      sent.cancel(true); // stopped between the check above and here
    }
    sent.whenComplete((response, error) -> {
      synchronized (this) {
        awaitingAnswer = false;
      }
      permit.release();
      Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
      try {
        if (error != null) {
          onFailure(Pipeline.unwrap(error), took);
        } else {
          onResponse(response, took);
        }
      } catch (RuntimeException e) {
        finish(Results.noResponse("the response could not be handled: " + e, e, state, false,
            null));
      }
    });
  }

  private void onResponse(HttpResponse<byte[]> response, Duration took) {
    int status = response.statusCode();
    Map<String, String> headers = firstValues(response);
    captureSession(headers);
    int subStatus = intHeader(headers, "x-ms-substatus");
    RetryPolicy.Decision decision = decide(status, subStatus, headers);
    report(status, subStatus, headers, took, decision, null);
    if (decision.retries()) {
      retry(decision);
      return;
    }
    map(status, subStatus, response.body(), headers);
  }

  private void captureSession(Map<String, String> headers) {
    if (request.sessionScope != null) {
      String contentPath = headers.get("x-ms-content-path");
      pipeline.sessions.merge(request.sessionScope, contentPath,
          headers.get("x-ms-session-token"));
      ContainerCache map = pipeline.containers;
      if (map != null && contentPath != null) {
        map.noteResourceId(request.sessionScope, contentPath); // recreated: read it again
      }
    }
  }

  private RetryPolicy.Decision decide(int status, int subStatus, Map<String, String> headers) {
    if (status == 401 && !state.credentialRefreshed
        && pipeline.auth.refreshAfterUnauthorized(sentAuthorization)) {
      // The token was refused (revoked, or expired early): one resend with a fresh one, never
      // more — a fresh token refused again is the answer.
      state.credentialRefreshed = true;
      return RetryPolicy.Decision.retry(0);
    }
    RetryPolicy.Decision decision = pipeline.retryPolicy.afterResponse(request, state, status,
        subStatus, intHeader(headers, "x-ms-retry-after-ms"));
    return decision.retries() && !fitsDeadline(decision.delayMs)
        ? RetryPolicy.Decision.GIVE_UP : decision;
  }

  private void map(int status, int subStatus, byte[] raw, Map<String, String> headers) {
    if (state.writeMaybeApplied) {
      settle(status, subStatus, raw, headers);
      return;
    }
    finish(answered(status, raw, headers, false, null));
  }

  private void onFailure(Throwable error, Duration took) {
    if (error instanceof CancellationException || result.isDone()) {
      return; // stopped; the result is already there
    }
    RetryPolicy.Decision decision = pipeline.retryPolicy.afterFailure(request, state, error);
    if (decision.retries() && !fitsDeadline(decision.delayMs)) {
      decision = RetryPolicy.Decision.GIVE_UP;
    }
    report(0, 0, Map.of(), took, decision, describe(error));
    if (decision.retries()) {
      retry(decision);
      return;
    }
    if (!RetryPolicy.neverSent(error) && !request.idempotent()) {
      state.writeMaybeApplied = true;
    }
    finish(noResponse(describe(error), error));
  }

  private void retry(RetryPolicy.Decision decision) {
    state.record(decision.delayMs);
    if (decision.action == RetryPolicy.Decision.Action.REFRESH_ACCOUNT_AND_RETRY) {
      pipeline.refreshAccount().whenComplete((ignored, error) -> permit());
    } else if (decision.delayMs == 0) {
      permit();
    } else {
      timer = Threads.schedule(this::permit, decision.delayMs, Threads.WORKERS);
      if (result.isDone()) {
        cancel(timer);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Settling a write whose earlier attempt went unanswered

  private void settle(int status, int subStatus, byte[] raw, Map<String, String> headers) {
    CosmosRequest.Settlement how = request.settlement;
    if (status < 400) {
      String note = how == CosmosRequest.Settlement.SAME_CONTENT
          ? "the write was resent (the same content twice is the same content)"
          : "the resend succeeded, so the earlier attempt had not been applied";
      finish(answered(status, raw, headers, false, LOST + note));
      return;
    }
    boolean conditional = request.headers.containsKey("If-Match");
    if ((how == CosmosRequest.Settlement.READ_BACK_ON_CONFLICT && status == 409)
        || (how == CosmosRequest.Settlement.SAME_CONTENT && conditional && status == 412)) {
      readBack(status, raw, headers);
      return;
    }
    if (how == CosmosRequest.Settlement.DELETE && status == 404 && subStatus == 0) {
      // The document is gone, but a 404 does not prove the earlier attempt removed it: it may
      // never have existed, or someone else deleted it. Report the 404, marked uncertain.
      finish(answered(status, raw, headers, true, LOST + "the resend found nothing to delete "
          + "(404): the document is gone, but whether the earlier attempt deleted it is "
          + "unknown"));
      return;
    }
    if (how == CosmosRequest.Settlement.NEVER_RESEND) {
      // The service's own ambiguous answer (408, 410, 503): it was not resent.
      finish(answered(status, raw, headers, true,
          LOST + "resending this write could apply it twice, so it was not resent"));
      return;
    }
    finish(Results.unsettled(status, raw, headers, state, LOST + "the last attempt answered "
        + status + ", which does not tell whether an earlier one was applied"));
  }

  /** After a 409/412 on a resend: read the document and compare it with what we sent. */
  private void readBack(int status, byte[] raw, Map<String, String> headers) {
    CompletableFuture<CosmosResult<byte[]>> check;
    try {
      check = pipeline.execute(readBackRequest(), body -> body);
    } catch (RuntimeException e) {
      finish(Results.unsettled(status, raw, headers, state, LOST + "and the document could not "
          + "be read back (" + e.getMessage() + ")"));
      return;
    }
    pending = check;
    if (result.isDone()) {
      check.cancel(true);
      return;
    }
    check.whenComplete((found, error) -> {
      if (!result.isDone()) {
        settleFromReadBack(status, raw, headers, found, error);
      }
    });
  }

  private void settleFromReadBack(int status, byte[] raw, Map<String, String> headers,
      CosmosResult<byte[]> found, Throwable error) {
    String lost = "an earlier attempt got no definite answer and the resend answered " + status
        + "; ";
    if (error != null || found == null || !found.isOk() || found.data() == null) {
      String why = error != null ? "failed (" + Pipeline.unwrap(error) + ")"
          : "answered " + (found == null ? 0 : found.code());
      finish(Results.unsettled(status, raw, headers, state, lost + "reading the document back "
          + why + ", so whether that attempt wrote it is unknown"));
      return;
    }
    if (!sameDocument(request.body, found.data())) {
      finish(answered(status, raw, headers, false, lost + "the document read back differs from "
          + "what was sent, so the conflict is genuine"));
      return;
    }
    int code = request.settlement == CosmosRequest.Settlement.READ_BACK_ON_CONFLICT ? 201 : 200;
    finish(answered(code, found.data(), found.headers(), false,
        lost + "the document read back equals what was sent, so that attempt wrote it"));
  }

  /** A GET of the document this write addresses, from the write region, within the deadline. */
  private CosmosRequest readBackRequest() {
    CosmosRequest.Link link;
    if ("PUT".equals(request.method)) {
      link = new CosmosRequest.Link(request.resourceLink, request.path, request.displayPath);
    } else {
      // POST .../docs: the id is in the body; the path ends with the docs feed.
      String id = Json.stringMember(Json.parseOrNull(request.body), "id");
      if (id == null) {
        throw new IllegalStateException("the sent document has no id");
      }
      int cut = "/docs".length();
      link = new CosmosRequest.Link(request.resourceLink,
          request.path.substring(0, request.path.length() - cut),
          request.displayPath.substring(0, request.displayPath.length() - cut))
          .child("docs", id);
    }
    CosmosRequest.Builder b = CosmosRequest.builder("GET", "docs", link)
        .route(CosmosRequest.Route.WRITE_REGION) // where the write landed
        .sessionScope(request.sessionScope)
        .sendsSessionToken(true)
        .callerSessionToken(request.callerSessionToken)
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

  // ---------------------------------------------------------------------------------------------
  // Ending

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
    boolean wasSending;
    synchronized (this) {
      if (ended) {
        return false;
      }
      ended = true;
      wasSending = awaitingAnswer;
    }
    return finish(noResponse(why, cause, wasSending));
  }

  private CosmosResult<T> noResponse(String why, Throwable cause) {
    boolean sending;
    synchronized (this) {
      sending = awaitingAnswer;
    }
    return noResponse(why, cause, sending);
  }

  private CosmosResult<T> noResponse(String why, Throwable cause, boolean sending) {
    boolean uncertain = !request.idempotent() && (state.writeMaybeApplied || sending);
    String ambiguity = !uncertain ? null
        : "an attempt of this write may have reached the service without an answer, and "
            + (request.settlement == CosmosRequest.Settlement.NEVER_RESEND
            ? "resending it could apply it twice" : "no later attempt settled it");
    return Results.noResponse(why, cause, state, uncertain, ambiguity);
  }

  /** The result of an answer as it stands. */
  private CosmosResult<T> answered(int status, byte[] raw, Map<String, String> headers,
      boolean uncertain, String ambiguity) {
    if (status >= 400) {
      return Results.serviceError(status, raw, headers, state, uncertain, ambiguity);
    }
    boolean empty = raw == null || raw.length == 0 || status == 204 || status == 304;
    try {
      return Results.success(status, empty ? null : mapper.map(raw), headers, state, ambiguity);
    } catch (RuntimeException e) {
      // The service answered (a write did happen): keep its status and headers, and fail the
      // call saying why, rather than losing them in a parser exception.
      return Results.unreadable(status, headers, state, e, ambiguity);
    }
  }

  private boolean finish(CosmosResult<T> outcome) {
    return result.complete(outcome);
  }

  /** One DEBUG line and one listener event per attempt; a WARNING when retries give up. */
  private void report(int status, int subStatus, Map<String, String> headers, Duration took,
      RetryPolicy.Decision decision, String failure) {
    AttemptListener listener = pipeline.listener;
    boolean debug = Pipeline.LOG.isLoggable(System.Logger.Level.DEBUG);
    if (listener == null && !debug && !decision.gaveUp) {
      return;
    }
    AttemptListener.Event event = new AttemptListener.Event(request.method, request.displayPath,
        state.attempts, status, subStatus, requestCharge(headers), headers.get("x-ms-activity-id"),
        took, decision.retries() ? Duration.ofMillis(decision.delayMs) : null, failure);
    if (debug) {
      Pipeline.LOG.log(System.Logger.Level.DEBUG, event.toString());
    }
    if (decision.gaveUp) {
      Pipeline.LOG.log(System.Logger.Level.WARNING, "giving up after " + state.attempts
          + " attempts: " + event);
    }
    if (listener != null) {
      try {
        listener.attemptEnded(event);
      } catch (RuntimeException e) {
        Pipeline.LOG.log(System.Logger.Level.WARNING, "attempt listener failed", e);
      }
    }
  }

  private boolean fitsDeadline(long delayMs) {
    return deadlineNanos == Long.MAX_VALUE
        || System.nanoTime() + delayMs * 1_000_000L < deadlineNanos;
  }

  private static void cancel(ScheduledFuture<?> scheduled) {
    if (scheduled != null) {
      scheduled.cancel(false);
    }
  }

  private static String describe(Throwable error) {
    String kind = error instanceof HttpTimeoutException ? "timed out"
        : error instanceof IOException ? "connection failed" : "request failed";
    String detail = error.getMessage() == null ? "" : ": " + error.getMessage();
    return kind + " (" + error.getClass().getSimpleName() + detail + ")";
  }

  private static double requestCharge(Map<String, String> headers) {
    String value = headers.get("x-ms-request-charge");
    try {
      return value == null ? 0 : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Map<String, String> firstValues(HttpResponse<?> response) {
    Map<String, List<String>> all = response.headers().map();
    HeaderMap.Builder out = new HeaderMap.Builder(all.size());
    for (Map.Entry<String, List<String>> header : all.entrySet()) {
      String name = header.getKey();
      if (!header.getValue().isEmpty() && !name.startsWith(":")) {
        out.put(name, header.getValue().get(0));
      }
    }
    return out.build();
  }

  static int intHeader(Map<String, String> headers, String name) {
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

  /** One granted permit, released exactly once. */
  private static final class Permit {
    private final AsyncSemaphore semaphore;
    private boolean released;

    Permit(AsyncSemaphore semaphore) {
      this.semaphore = semaphore;
    }

    synchronized void release() {
      if (!released) {
        released = true;
        semaphore.release();
      }
    }
  }
}
