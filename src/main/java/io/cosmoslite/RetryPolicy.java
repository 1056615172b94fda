package io.cosmoslite;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which failures are retried, and after how long. One instance per client; the per-call counters
 * live in {@link State}. Every method answers a delay in milliseconds, or -1 to stop.
 *
 * <p>Writes need care: a write whose request may have reached the service without an answer
 * coming back (lost response, a 408 from the service) is <em>ambiguous</em>. It is resent only
 * when its outcome can then be settled ({@link #verifiableWhenAmbiguous}); {@link Exchange}
 * settles it from the resend's answer.
 */
final class RetryPolicy {
  static final int DEFAULT_THROTTLE_RETRIES = 9;
  static final Duration DEFAULT_THROTTLE_WAIT = Duration.ofSeconds(30);
  private static final long RETRY_WITH_BUDGET_MS = 30_000;
  private static final int TRANSIENT_RETRIES = 3;
  private static final int SESSION_RETRIES = 2;
  private static final int GONE_RETRIES = 3;

  final int maxThrottleRetries;
  final long maxThrottleWaitMs;

  RetryPolicy(int maxThrottleRetries, Duration maxThrottleWait) {
    this.maxThrottleRetries = maxThrottleRetries;
    this.maxThrottleWaitMs = maxThrottleWait.toMillis();
  }

  /** Counters of one call over all its attempts. */
  static final class State {
    int retries;
    long waitedMs;
    int throttled;
    long throttleWaitMs;
    int retryWith;
    long retryWithWaitMs;
    int transientFailures;
    int sessionNotAvailable;
    int gone;
    /** Set once an attempt of a write may have reached the service without an answer. */
    boolean writeMaybeApplied;

    /** Counts a resend that is actually made, after waiting {@code delayMs}. */
    void record(long delayMs) {
      retries++;
      waitedMs += delayMs;
    }
  }

  /** Milliseconds to wait before resending after this response, or -1 to stop. */
  long afterResponse(CosmosRequest request, State state, int status, int subStatus,
      long retryAfterMs) {
    switch (status) {
      case 429: {
        // "Request rate is large": nothing was changed, so every operation may be resent.
        long delay = retryAfterMs > 0 ? retryAfterMs : backoff(100, state.throttled, 5_000);
        if (state.throttled >= maxThrottleRetries) {
          return -1; // out of retries
        }
        if (state.throttleWaitMs + delay > maxThrottleWaitMs) {
          return -1; // checked before waiting, so the budget is never overshot
        }
        state.throttled++;
        state.throttleWaitMs += delay;
        return delay;
      }
      case 449: {
        // RetryWith: a transient write conflict inside the service; back off exponentially.
        long delay = backoff(10, state.retryWith, 1_000) + ThreadLocalRandom.current().nextInt(6);
        if (state.retryWithWaitMs + delay > RETRY_WITH_BUDGET_MS) {
          return -1;
        }
        state.retryWith++;
        state.retryWithWaitMs += delay;
        return delay;
      }
      case 503:
        // Service unavailable: the request was not processed, so writes are safe to resend.
        return transientRetry(state);
      case 408:
        if (isSafeToResend(request)) {
          return transientRetry(state);
        }
        // A timeout inside the service may or may not have applied the write.
        return ambiguousWrite(request, state);
      case 500:
        // Unexpected service error: resending a read is harmless, a write is not known to be.
        return isSafeToResend(request) && state.transientFailures < 1
            ? transientRetry(state) : -1;
      case 410:
        // Gone (stale caches, splits): nothing was applied; the gateway normally hides these.
        if (state.gone >= GONE_RETRIES) {
          return -1;
        }
        return backoff(100, state.gone++, 2_000);
      case 404:
        // 1002: the replica has not caught up with our session token yet; give it a moment.
        if (subStatus != 1002 || state.sessionNotAvailable >= SESSION_RETRIES) {
          return -1;
        }
        return backoff(50, state.sessionNotAvailable++, 500);
      default:
        return -1;
    }
  }

  /** Milliseconds to wait before resending after a transport failure, or -1 to stop. */
  long afterFailure(CosmosRequest request, State state, Throwable error) {
    if (!(error instanceof IOException)) {
      return -1; // a bug or a rejected request, not a network problem
    }
    if (neverSent(error) || isSafeToResend(request)) {
      // Nothing reached the service, or resending cannot change anything twice.
      return transientRetry(state);
    }
    // The request may have been applied and only its answer lost (or a pooled connection the
    // server had already closed failed before the request was read: we cannot tell the two apart).
    return ambiguousWrite(request, state);
  }

  private long ambiguousWrite(CosmosRequest request, State state) {
    state.writeMaybeApplied = true;
    if (!verifiableWhenAmbiguous(request)) {
      return -1; // resending could apply it twice, and nothing would tell us
    }
    return transientRetry(state);
  }

  /** Reads, queries and other GETs: resending them changes nothing. */
  static boolean isSafeToResend(CosmosRequest request) {
    return request.isRead() || "GET".equals(request.method);
  }

  /**
   * Writes whose outcome the resend's answer settles after an unanswered attempt: a create (a
   * {@code 409} is checked by reading the document back), a delete (a {@code 404} means the
   * earlier attempt deleted it), and an upsert or replace (the same content twice is the same
   * content; with {@code If-Match} a {@code 412} is checked by reading back). Never with triggers,
   * which would run twice, and never for patch (an increment is not idempotent), batches or
   * database and container writes.
   */
  static boolean verifiableWhenAmbiguous(CosmosRequest request) {
    if (!"docs".equals(request.resourceType)
        || request.headers.containsKey("x-ms-documentdb-pre-trigger-include")
        || request.headers.containsKey("x-ms-documentdb-post-trigger-include")) {
      return false;
    }
    switch (request.kind) {
      case CREATE:
      case UPSERT:
      case REPLACE:
      case DELETE:
        return true;
      default:
        return false;
    }
  }

  /** True when the failure happened before any byte of the request could reach the service. */
  static boolean neverSent(Throwable error) {
    return error instanceof ConnectException || error instanceof HttpConnectTimeoutException;
  }

  private long transientRetry(State state) {
    if (state.transientFailures >= TRANSIENT_RETRIES) {
      return -1;
    }
    return backoff(100, state.transientFailures++, 2_000);
  }

  private static long backoff(long baseMs, int attempt, long capMs) {
    return Math.min(capMs, baseMs << Math.min(attempt, 20));
  }
}
