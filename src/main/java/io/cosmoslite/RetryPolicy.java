package io.cosmoslite;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which failures are retried, and after how long. One instance per client; the per-call counters
 * live in {@link State}. Each method returns a {@link Decision}; it never sends anything itself.
 *
 * <p>Writes need care: a write whose request may have reached the service without a definite
 * answer (a lost response, 408, 503, 410) is <em>ambiguous</em>. It is resent only when the
 * resend's answer can settle it ({@link CosmosRequest.Settlement}); {@link Call} then settles
 * it. Patches, batches, scripts and management writes are never resent in that state.
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

  /** What to do after one attempt. */
  static final class Decision {
    enum Action { FINISH, RETRY, REFRESH_ACCOUNT_AND_RETRY }

    static final Decision FINISH = new Decision(Action.FINISH, -1, false);
    /** Finish, but a retryable condition ran out of budget: worth a warning. */
    static final Decision GIVE_UP = new Decision(Action.FINISH, -1, true);

    final Action action;
    final long delayMs;
    final boolean gaveUp;

    private Decision(Action action, long delayMs, boolean gaveUp) {
      this.action = action;
      this.delayMs = delayMs;
      this.gaveUp = gaveUp;
    }

    static Decision retry(long delayMs) {
      return new Decision(Action.RETRY, delayMs, false);
    }

    boolean retries() {
      return action != Action.FINISH;
    }
  }

  /** Counters of one call over all its attempts. */
  static final class State {
    int attempts;
    int retries;
    long waitedMs;
    int throttled;
    long throttleWaitMs;
    int retryWith;
    long retryWithWaitMs;
    int transientFailures;
    int sessionNotAvailable;
    int gone;
    boolean accountRefreshed;
    boolean credentialRefreshed;
    /** Later attempts go to the write region (after 404/1002: the token came from there). */
    boolean writeRegion;
    /** Set once an attempt of a write may have reached the service without an answer. */
    volatile boolean writeMaybeApplied; // read by a time limit's worker, set on an I/O thread

    /** Counts a resend that is actually made, after waiting {@code delayMs}. */
    void record(long delayMs) {
      retries++;
      waitedMs += delayMs;
    }
  }

  /** After an answer with this status. */
  Decision afterResponse(CosmosRequest request, State state, int status, int subStatus,
      long retryAfterMs) {
    switch (status) {
      case 429: {
        // "Request rate is large": nothing was changed, so every operation may be resent.
        long delay = retryAfterMs > 0 ? retryAfterMs : backoff(100, state.throttled, 5_000);
        if (state.throttled >= maxThrottleRetries
            || state.throttleWaitMs + delay > maxThrottleWaitMs) {
          return Decision.GIVE_UP; // checked before waiting, so the budget is never overshot
        }
        state.throttled++;
        state.throttleWaitMs += delay;
        return Decision.retry(delay);
      }
      case 449: {
        // RetryWith: a transient write conflict inside the service; nothing was applied.
        long delay = backoff(10, state.retryWith, 1_000) + ThreadLocalRandom.current().nextInt(6);
        if (state.retryWithWaitMs + delay > RETRY_WITH_BUDGET_MS) {
          return Decision.GIVE_UP;
        }
        state.retryWith++;
        state.retryWithWaitMs += delay;
        return Decision.retry(delay);
      }
      case 403:
        // Write forbidden (substatus 3): the write region moved. Learn the new one, resend once.
        if (subStatus == 3 && !state.accountRefreshed) {
          state.accountRefreshed = true;
          return new Decision(Decision.Action.REFRESH_ACCOUNT_AND_RETRY, 0, false);
        }
        return Decision.FINISH;
      case 408:
      case 503:
        // A timeout inside the service, or unavailable: a write may or may not have applied.
        return request.idempotent() ? transientRetry(state) : ambiguousWrite(request, state);
      case 500:
        // Unexpected service error: resending a read is harmless, a write is not known to be.
        return request.idempotent() && state.transientFailures < 1
            ? transientRetry(state) : Decision.FINISH;
      case 410: {
        // Gone (stale caches, splits). The gateway normally hides these.
        boolean rangeGone = subStatus == 1002 || subStatus == 1007 || subStatus == 1008;
        boolean toRange = request.headers.containsKey("x-ms-documentdb-partitionkeyrangeid");
        if (toRange && (subStatus == 1002 || (rangeGone && !request.idempotent()))) {
          // The named range was split, merged or is moving: the request was refused, not
          // applied, and resending the same id cannot succeed. The caller re-reads the
          // partition map and goes to the new ranges.
          return Decision.FINISH;
        }
        if (!rangeGone && !request.idempotent()) {
          return ambiguousWrite(request, state);
        }
        if (state.gone >= GONE_RETRIES) {
          return Decision.GIVE_UP;
        }
        return Decision.retry(backoff(100, state.gone++, 2_000));
      }
      case 404:
        // 1002: the replica has not caught up with our session token. The token came from the
        // write region, which has it: resend there, after a moment.
        if (subStatus != 1002) {
          return Decision.FINISH;
        }
        if (state.sessionNotAvailable >= SESSION_RETRIES) {
          return Decision.GIVE_UP;
        }
        state.writeRegion = true;
        return Decision.retry(backoff(50, state.sessionNotAvailable++, 500));
      default:
        return Decision.FINISH;
    }
  }

  /** After a transport failure (no answer). */
  Decision afterFailure(CosmosRequest request, State state, Throwable error) {
    if (!(error instanceof IOException)) {
      return Decision.FINISH; // a bug or a rejected request, not a network problem
    }
    if (neverSent(error) || request.idempotent()) {
      // Nothing reached the service, or resending cannot change anything twice.
      return transientRetry(state);
    }
    // The request may have been applied and only its answer lost.
    return ambiguousWrite(request, state);
  }

  private Decision ambiguousWrite(CosmosRequest request, State state) {
    state.writeMaybeApplied = true;
    if (request.settlement == CosmosRequest.Settlement.NEVER_RESEND) {
      return Decision.FINISH; // resending could apply it twice, and nothing would tell us
    }
    return transientRetry(state);
  }

  /** True when the failure happened before any byte of the request could reach the service. */
  static boolean neverSent(Throwable error) {
    return error instanceof ConnectException || error instanceof HttpConnectTimeoutException;
  }

  private Decision transientRetry(State state) {
    if (state.transientFailures >= TRANSIENT_RETRIES) {
      return Decision.GIVE_UP;
    }
    return Decision.retry(backoff(100, state.transientFailures++, 2_000));
  }

  private static long backoff(long baseMs, int attempt, long capMs) {
    return Math.min(capMs, baseMs << Math.min(attempt, 20));
  }
}
