package io.cosmoslite;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which failures are retried, and after how long. One instance per client; the per-call counters
 * live in {@link State}.
 */
final class RetryPolicy {
  static final int DEFAULT_THROTTLE_RETRIES = 9;
  static final Duration DEFAULT_THROTTLE_WAIT = Duration.ofSeconds(30);
  private static final long RETRY_WITH_BUDGET_MS = 30_000;
  private static final int TRANSIENT_RETRIES = 3;
  private static final int SESSION_RETRIES = 2;

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

    long record(long delayMs) {
      retries++;
      waitedMs += delayMs;
      return delayMs;
    }
  }

  /** Milliseconds to wait before resending after this response, or -1 to stop. */
  long afterResponse(CosmosRequest request, State state, int status, int subStatus,
      long retryAfterMs) {
    switch (status) {
      case 429: {
        // "Request rate is large": nothing was changed, so every operation may be resent.
        long delay = retryAfterMs > 0 ? retryAfterMs : backoff(100, state.throttled, 5_000);
        if (state.throttled >= maxThrottleRetries
            || state.throttleWaitMs + delay > maxThrottleWaitMs) {
          return -1;
        }
        state.throttled++;
        state.throttleWaitMs += delay;
        return state.record(delay);
      }
      case 449: {
        // RetryWith: a transient write conflict inside the service; back off exponentially.
        long delay = backoff(10, state.retryWith, 1_000) + ThreadLocalRandom.current().nextInt(6);
        if (state.retryWithWaitMs + delay > RETRY_WITH_BUDGET_MS) {
          return -1;
        }
        state.retryWith++;
        state.retryWithWaitMs += delay;
        return state.record(delay);
      }
      case 503:
        // Service unavailable: the request was not processed, so writes are safe to resend.
        return transientRetry(state);
      case 408:
        // A timeout inside the service may have applied a write; only reads are resent.
        return request.isRead() ? transientRetry(state) : -1;
      case 500:
        // Unexpected service error: resending a read is harmless, a write is not known to be.
        return request.isRead() && state.transientFailures < 1 ? transientRetry(state) : -1;
      case 410:
        // Gone (stale caches, splits): the gateway normally hides these; back off and resend.
        if (state.gone >= TRANSIENT_RETRIES) {
          return -1;
        }
        return state.record(backoff(100, state.gone++, 2_000));
      case 404:
        // 1002: the replica has not caught up with our session token yet; give it a moment.
        if (subStatus != 1002 || state.sessionNotAvailable >= SESSION_RETRIES) {
          return -1;
        }
        return state.record(backoff(50, state.sessionNotAvailable++, 500));
      default:
        return -1;
    }
  }

  /** Milliseconds to wait before resending after a transport failure, or -1 to stop. */
  long afterFailure(CosmosRequest request, State state, Throwable error) {
    if (!(error instanceof IOException)) {
      return -1;
    }
    boolean neverSent = neverSent(error);
    if (!neverSent && !request.isRead()) {
      // The write may have been applied; resending it blindly could apply it twice.
      return -1;
    }
    return transientRetry(state);
  }

  /** True when the failure happened before any byte of the request could reach the service. */
  static boolean neverSent(Throwable error) {
    return error instanceof ConnectException || error instanceof HttpConnectTimeoutException;
  }

  private long transientRetry(State state) {
    if (state.transientFailures >= TRANSIENT_RETRIES) {
      return -1;
    }
    return state.record(backoff(100, state.transientFailures++, 2_000));
  }

  private static long backoff(long baseMs, int attempt, long capMs) {
    return Math.min(capMs, baseMs << Math.min(attempt, 20));
  }
}
