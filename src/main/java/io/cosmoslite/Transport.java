package io.cosmoslite;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * What every call of one client shares: the HTTP client, the signer, the session tokens, the
 * in-flight limit, the retry policy and the regions. {@link #execute} is the one path every
 * operation goes through.
 */
final class Transport {
  static final String API_VERSION = "2020-07-15";

  /**
   * Waits between attempts and end-to-end time limits of every client: one daemon thread that
   * only starts the next step (never runs a request's work itself for long), and drops a
   * cancelled wait at once so finished calls are not kept until their limit would have passed.
   */
  static final ScheduledThreadPoolExecutor TIMER = newTimer();

  private static ScheduledThreadPoolExecutor newTimer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "cosmos-lite-timer");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /** Hands requests to the HTTP client; see {@link Sender} for why there are two ways. */
  final Sender sender;
  final Auth auth;
  final SessionTokens sessions = new SessionTokens();
  final AsyncSemaphore inFlight;
  final RetryPolicy retryPolicy;
  final Clock clock;
  final Duration requestTimeout;
  final String userAgent;
  final boolean raiseOnFailure;
  private final String configuredEndpoint;
  private volatile Regions regions;
  private volatile Supplier<CompletableFuture<?>> accountRefresher;

  Transport(Sender sender, Auth auth, int maxConcurrency,
      RetryPolicy retryPolicy, Clock clock, Duration requestTimeout, String userAgent,
      boolean raiseOnFailure, String endpoint) {
    this.sender = sender;
    this.auth = auth;
    this.inFlight = new AsyncSemaphore(maxConcurrency);
    this.retryPolicy = retryPolicy;
    this.clock = clock;
    this.requestTimeout = requestTimeout;
    this.userAgent = userAgent;
    this.raiseOnFailure = raiseOnFailure;
    this.configuredEndpoint = endpoint;
    this.regions = new Regions(endpoint, endpoint, null);
  }

  /**
   * Sends a request (with retries) and maps a successful body with {@code mapper}. A failure
   * completes the future exceptionally with {@link CosmosException} when the client raises on
   * failure, normally with a failed result otherwise.
   */
  <T> CompletableFuture<CosmosResult<T>> execute(CosmosRequest request, BodyMapper<T> mapper) {
    return new Exchange<>(this, request, mapper, raiseOnFailure).start();
  }

  /** Like {@link #execute} but a failure always completes normally, for composite operations. */
  <T> CompletableFuture<CosmosResult<T>> executeQuietly(CosmosRequest request,
      BodyMapper<T> mapper) {
    return new Exchange<>(this, request, mapper, false).start();
  }

  /** Applies the client's raise-on-failure switch to the result of a composite operation. */
  <T> CompletableFuture<CosmosResult<T>> settle(CosmosRequest request, CosmosResult<T> result) {
    if (result.isOk() || !raiseOnFailure) {
      return CompletableFuture.completedFuture(result);
    }
    return CompletableFuture.failedFuture(
        new CosmosException(request.method + " " + request.displayPath, result, result.cause()));
  }

  String configuredEndpoint() {
    return configuredEndpoint;
  }

  Regions regions() {
    return regions;
  }

  void regions(Regions regions) {
    this.regions = regions;
  }

  /** Set by the client: re-reads the account (after a 403 substatus 3). */
  void accountRefresher(Supplier<CompletableFuture<?>> refresher) {
    this.accountRefresher = refresher;
  }

  CompletableFuture<?> refreshAccount() {
    Supplier<CompletableFuture<?>> refresher = accountRefresher;
    return refresher == null ? CompletableFuture.completedFuture(null) : refresher.get();
  }

  /** Turns a successful response body (never empty) into the result's data. */
  interface BodyMapper<T> {
    T map(byte[] body);
  }

  /** Where writes and reads go; learned from the account by {@code connect()}. */
  static final class Regions {
    final String write;
    final String read;
    /** The account's default consistency level, when known. */
    final ConsistencyLevel accountConsistency;

    Regions(String write, String read, ConsistencyLevel accountConsistency) {
      this.write = write;
      this.read = read;
      this.accountConsistency = accountConsistency;
    }

    static String firstEndpoint(List<String> endpoints, String fallback) {
      return endpoints.isEmpty() ? fallback : endpoints.get(0);
    }
  }
}
