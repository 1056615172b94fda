package io.cosmoslite;

import com.google.gson.JsonElement;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * What every call of one client shares, and the one path every operation goes through. A call is
 * a {@link Call}: a short list of named steps per attempt — permit, authorize (asynchronous),
 * send, capture session, decide, map — that never raises. The facade turns its result into the
 * caller's future with {@link #deliver}, which applies the raise-on-failure switch once for
 * every entry point.
 */
final class Pipeline {
  static final String API_VERSION = "2020-07-15";
  static final System.Logger LOG = System.getLogger("io.cosmoslite");
  /** Capability bits: 1 = partition merge. */
  static final String SUPPORTED_CAPABILITIES = "1";

  final Sender sender;
  final Auth auth;
  final SessionTokens sessions = new SessionTokens();
  final AsyncSemaphore permits;
  final RetryPolicy retryPolicy;
  final Clock clock;
  final Duration attemptTimeout;
  final String userAgent;
  final boolean raiseOnFailure;
  /** Runs callers' dependent stages; null: the library thread that finished the call. */
  final Executor callbackExecutor;
  final AttemptListener listener;
  /** The configured endpoint: account reads go here, and everything until regions are known. */
  final String globalEndpoint;
  private volatile Regions regions;
  private volatile Supplier<CompletableFuture<?>> accountRefresher;
  /** The partition map, once the client has one: scopes session tokens to one range. */
  volatile ContainerCache containers;

  Pipeline(Sender sender, Auth auth, int maxConcurrency, RetryPolicy retryPolicy, Clock clock,
      Duration attemptTimeout, String userAgent, boolean raiseOnFailure,
      Executor callbackExecutor, AttemptListener listener, String endpoint) {
    this.sender = sender;
    this.auth = auth;
    this.permits = new AsyncSemaphore(maxConcurrency);
    this.retryPolicy = retryPolicy;
    this.clock = clock;
    this.attemptTimeout = attemptTimeout;
    this.userAgent = userAgent;
    this.raiseOnFailure = raiseOnFailure;
    this.callbackExecutor = callbackExecutor;
    this.listener = listener;
    this.globalEndpoint = endpoint;
    this.regions = new Regions(endpoint, endpoint, null);
  }

  /**
   * Starts a call. Its future never completes exceptionally (a failure is a failed result);
   * cancelling or completing it from outside stops the call and frees its permit.
   */
  <T> CompletableFuture<CosmosResult<T>> execute(CosmosRequest request, BodyMapper<T> mapper) {
    return start(request, mapper).result();
  }

  /** Like {@link #execute}, keeping the {@link Call} (multi-document writes stop calls). */
  <T> Call<T> start(CosmosRequest request, BodyMapper<T> mapper) {
    Call<T> call = new Call<>(this, request, mapper);
    call.start();
    return call;
  }

  /**
   * A write resent after an earlier attempt (inside a bulk request) got no answer: settled
   * from this resend's answer like any write whose answer was lost, never guessed.
   */
  <T> Call<T> startAfterLostAnswer(CosmosRequest request, BodyMapper<T> mapper) {
    Call<T> call = new Call<>(this, request, mapper);
    call.earlierAttemptUnanswered();
    call.start();
    return call;
  }

  /**
   * The caller's future of a quiet result: completed on the callback executor when one is set,
   * exceptionally with {@link CosmosException} for a failed result when the client raises on
   * failure. Completing or cancelling the returned future from outside ({@code orTimeout},
   * {@code cancel}, {@code complete}) stops the work behind it and frees its permit.
   */
  <T> CompletableFuture<CosmosResult<T>> deliver(String operation,
      CompletableFuture<CosmosResult<T>> quiet) {
    CompletableFuture<CosmosResult<T>> out = new CompletableFuture<>();
    quiet.whenComplete((result, error) -> callback(() -> {
      if (error != null) {
        out.completeExceptionally(unwrap(error));
      } else if (!result.isOk() && raiseOnFailure) {
        out.completeExceptionally(Results.exception(operation, result));
      } else {
        out.complete(result);
      }
    }));
    out.whenComplete((result, error) -> {
      if (!quiet.isDone()) {
        quiet.cancel(true); // completed by the caller: stop what runs for it
      }
    });
    return out;
  }

  /** Runs a step that completes a caller's future: on the callback executor when set. */
  void callback(Runnable completion) {
    if (callbackExecutor == null) {
      completion.run();
      return;
    }
    try {
      callbackExecutor.execute(completion);
    } catch (RuntimeException rejected) {
      // A shut-down executor must not leave the caller's future incomplete for ever.
      LOG.log(System.Logger.Level.WARNING, "callbackExecutor refused a completion; "
          + "completing on the library thread", rejected);
      completion.run();
    }
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

  /** Where this attempt goes. */
  String endpointFor(CosmosRequest request, RetryPolicy.State state) {
    Regions now = regions;
    if (request.route == CosmosRequest.Route.GLOBAL) {
      return globalEndpoint;
    }
    return request.route == CosmosRequest.Route.WRITE_REGION || state.writeRegion
        ? now.write : now.read;
  }

  /**
   * The session token this request carries, or null: the caller's for this call, else the
   * container's on reads. None when the read's effective consistency is Eventual or Consistent
   * Prefix, where a token only costs header bytes (the SDKs strip it too).
   */
  String sessionTokenFor(CosmosRequest request) {
    if (request.sessionScope == null || weakRead(request)) {
      return null;
    }
    if (request.callerSessionToken != null) {
      return request.callerSessionToken;
    }
    if (!request.sendsSessionToken) {
      return null;
    }
    PartitionKeyRanges.Range range = targetRange(request);
    if (range != null) {
      PartitionKeyRanges map = containers.knownRanges(request.sessionScope);
      if (map != null && sessions.onlyRangesOf(request.sessionScope, map)) {
        // Only the target range's token (resolved through the map when it is known), not
        // every range's: a compound token grows with partitions × regions toward "headers too
        // long".
        return sessions.get(request.sessionScope, range.id, range.parents);
      }
      // A token of a range the map does not know (a split the gateway routed around, so no
      // 410 told us): the range's own token may be too old. Send them all; refresh the map.
      if (map != null) {
        containers.refreshStale(request.sessionScope, map);
      }
    }
    return sessions.get(request.sessionScope);
  }

  /**
   * The one range a request goes to, from the cached map (never a request): by its partition
   * key, or by the range it names ({@code x-ms-documentdb-partitionkeyrangeid}); null when the
   * map is not known yet, or the request spans ranges.
   */
  private PartitionKeyRanges.Range targetRange(CosmosRequest request) {
    ContainerCache map = containers;
    if (map == null) {
      return null;
    }
    if (request.partitionKey != null) {
      return map.cachedRange(request.sessionScope, request.partitionKey);
    }
    String rangeId = request.headers.get("x-ms-documentdb-partitionkeyrangeid");
    PartitionKeyRanges ranges = rangeId == null ? null : map.knownRanges(request.sessionScope);
    return ranges == null ? null : ranges.byId(rangeId);
  }

  /**
   * Whether a request should wait for its container's partition map before it is sent: it would
   * carry the container's session token, the client holds tokens of more than one of its ranges,
   * and the map that would pick its range's token alone is not known yet (nor did reading it
   * fail in the last {@link ContainerCache#MAP_RETRY_MS}). The SDKs resolve the range the same
   * way; a container whose tokens name a single range never waits.
   */
  boolean wantsMapFirst(CosmosRequest request) {
    ContainerCache map = containers;
    if (map == null || request.partitionKey == null || request.sessionScope == null
        || request.callerSessionToken != null || !request.sendsSessionToken
        || sessions.rangeCount(request.sessionScope) < 2 || weakRead(request)) {
      return false;
    }
    return targetRange(request) == null && !map.mapRecentlyFailed(request.sessionScope);
  }

  private boolean weakRead(CosmosRequest request) {
    String level = request.headers.get("x-ms-consistency-level");
    ConsistencyLevel effective = level != null ? ConsistencyLevel.fromAccount(level)
        : regions.accountConsistency;
    return "GET".equals(request.method) || request.headers.containsKey("x-ms-documentdb-isquery")
        ? effective == ConsistencyLevel.EVENTUAL || effective == ConsistencyLevel.CONSISTENT_PREFIX
        : false;
  }

  /** One attempt's HTTP request: signed now, with this attempt's date. */
  HttpRequest httpRequest(CosmosRequest request, String endpoint, String date,
      String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + request.path))
        .timeout(attemptTimeout)
        .header("authorization", authorization)
        .header("x-ms-date", date)
        .header("x-ms-version", API_VERSION)
        // The client retries 449 itself; without this the gateway would retry it too.
        .header("x-ms-noretry-449", "true")
        // The partition map handles merges as well as splits: say so, as the SDKs do (accounts
        // with partition merge refuse clients that do not).
        .header("x-ms-cosmos-sdk-supportedcapabilities", SUPPORTED_CAPABILITIES)
        .header("Accept", "application/json")
        .header("User-Agent", userAgent);
    for (Map.Entry<String, String> header : request.headers.entrySet()) {
      b.header(header.getKey(), header.getValue());
    }
    String session = sessionTokenFor(request);
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

  /** Stops new work: waiting calls fail, the client's own threads end. */
  void close() {
    permits.close(new IllegalStateException("client is closed"));
    sender.close();
  }

  /**
   * {@code first.thenCompose(next)}, except that completing or cancelling the returned future
   * from outside also cancels the step still running ({@code first}, or what {@code next}
   * returned), so a composite call stops as a single one does.
   */
  static <A, B> CompletableFuture<B> compose(CompletableFuture<A> first,
      java.util.function.Function<A, CompletableFuture<B>> next) {
    CompletableFuture<B> out = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicReference<CompletableFuture<?>> running =
        new java.util.concurrent.atomic.AtomicReference<>(first);
    first.whenComplete((value, error) -> {
      if (error != null) {
        out.completeExceptionally(unwrap(error));
        return;
      }
      CompletableFuture<B> second;
      try {
        second = next.apply(value);
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
        return;
      }
      running.set(second);
      second.whenComplete((result, failure) -> {
        if (failure != null) {
          out.completeExceptionally(unwrap(failure));
        } else {
          out.complete(result);
        }
      });
      if (out.isDone()) {
        second.cancel(true);
      }
    });
    out.whenComplete((r, e) -> {
      CompletableFuture<?> step = running.get();
      if (!step.isDone()) {
        step.cancel(true);
      }
    });
    return out;
  }

  static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException)
        && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  /** Turns a successful response body (never empty) into the result's data. */
  interface BodyMapper<T> {
    T map(byte[] body);
  }

  /** Where writes and reads go; learned from the account by {@code readAccount()}. */
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

    /**
     * What an account document says: writes to the first writable location, reads to the
     * first readable one (else the write one), and the default consistency.
     */
    static Regions ofAccount(Map<String, Object> account, String globalEndpoint) {
      JsonElement tree = Json.GSON.toJsonTree(account);
      String write = firstEndpoint(locations(tree, "writableLocations"), globalEndpoint);
      String read = firstEndpoint(locations(tree, "readableLocations"), write);
      JsonElement policy = tree.getAsJsonObject().get("userConsistencyPolicy");
      ConsistencyLevel level = policy != null && policy.isJsonObject()
          ? ConsistencyLevel.fromAccount(Json.stringMember(policy, "defaultConsistencyLevel"))
          : null;
      return new Regions(write, read, level);
    }

    private static List<String> locations(JsonElement account, String key) {
      List<String> out = new ArrayList<>();
      JsonElement list = account.isJsonObject() ? account.getAsJsonObject().get(key) : null;
      if (list != null && list.isJsonArray()) {
        for (JsonElement location : list.getAsJsonArray()) {
          String endpoint = Json.stringMember(location, "databaseAccountEndpoint");
          if (endpoint != null && !endpoint.isBlank()) {
            out.add(endpoint.endsWith("/") ? endpoint : endpoint + "/");
          }
        }
      }
      return out;
    }
  }
}
