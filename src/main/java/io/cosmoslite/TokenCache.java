package io.cosmoslite;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code authorization} header of a client that authenticates with Microsoft Entra ID:
 * URL-encoded {@code type=aad&ver=1.0&sig=<token>}, from a {@link TokenCredential}, cached per
 * scope.
 *
 * <p>Contracts the request pipeline relies on:
 * <ul>
 *   <li>{@link #authorizationHeader()} never blocks. With a token that is not near its expiry it
 *       completes at once. From {@link #REFRESH_AHEAD} before expiry (half the lifetime for
 *       shorter tokens) it still completes at once with the cached token and starts one refresh
 *       in the background. Without a usable token the future completes when the refresh does.
 *   <li>One token request at a time per scope, however many callers wait.
 *   <li>No timer: refreshes start from calls, so nothing runs on a library thread of ours. A
 *       future completes on the thread that completes the credential's future.
 *   <li>Scope: the account's own {@code https://<host>[:<port>]/.default} first; when that
 *       request fails with {@code AADSTS500011} (resource principal not found in the tenant),
 *       {@code https://cosmos.azure.com/.default} from then on. {@code
 *       AZURE_COSMOS_AAD_SCOPE_OVERRIDE} replaces both, with no fallback.
 *   <li>After a 401 the pipeline calls {@link #invalidate(String)} with the header it sent, and
 *       retries that request once when it returns true.
 * </ul>
 */
final class TokenCache {
  static final String COSMOS_SCOPE = "https://cosmos.azure.com/.default";
  static final String SCOPE_OVERRIDE_VARIABLE = "AZURE_COSMOS_AAD_SCOPE_OVERRIDE";
  /** Refresh this long before expiry (or at half the lifetime, whichever is later). */
  static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
  /** A token this close to its expiry is not sent any more; callers wait for a new one. */
  static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);
  /** After a failed background refresh, the next one waits this long. */
  static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
  /** A token fetched because of a 401 is not replaced again because of a 401 for this long. */
  static final Duration FORCED_REFRESH_INTERVAL = Duration.ofSeconds(30);

  /** A token with its header and the instants that govern it. Immutable. */
  private static final class Cached {
    final String header;
    final Instant refreshAt;
    final Instant usableUntil;
    final Instant obtainedAt;
    final boolean forced;

    Cached(AccessToken token, Instant obtainedAt, boolean forced) {
      this.header = URLEncoder.encode("type=aad&ver=1.0&sig=" + token.token(),
          StandardCharsets.UTF_8);
      Instant expiresAt = token.expiresAt();
      Duration lifetime = Duration.between(obtainedAt, expiresAt);
      if (lifetime.isNegative()) {
        lifetime = Duration.ZERO;
      }
      Duration ahead = lifetime.dividedBy(2).compareTo(REFRESH_AHEAD) < 0
          ? lifetime.dividedBy(2) : REFRESH_AHEAD;
      Duration margin = lifetime.dividedBy(4).compareTo(EXPIRY_MARGIN) < 0
          ? lifetime.dividedBy(4) : EXPIRY_MARGIN;
      this.refreshAt = expiresAt.minus(ahead);
      this.usableUntil = expiresAt.minus(margin);
      this.obtainedAt = obtainedAt;
      this.forced = forced;
    }
  }

  /** One scope's token and its refresh. Guarded by itself; never held across a call out. */
  private static final class Slot {
    final String scope;
    volatile Cached cached;
    CompletableFuture<Cached> inFlight;
    Instant retryNotBefore = Instant.MIN;
    boolean nextForced;

    Slot(String scope) {
      this.scope = scope;
    }
  }

  private final TokenCredential credential;
  private final Clock clock;
  private final List<Slot> slots;
  private final AtomicInteger active = new AtomicInteger();

  TokenCache(TokenCredential credential, URI accountEndpoint) {
    this(credential, accountEndpoint, System.getenv(), Clock.systemUTC());
  }

  /** {@code env} is injectable so that tests never read the real environment. */
  TokenCache(TokenCredential credential, URI accountEndpoint, Map<String, String> env,
      Clock clock) {
    this.credential = Objects.requireNonNull(credential, "credential == null");
    Objects.requireNonNull(accountEndpoint, "accountEndpoint == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    String override = env.get(SCOPE_OVERRIDE_VARIABLE);
    List<Slot> list = new ArrayList<>();
    if (override != null && !override.isBlank()) {
      list.add(new Slot(override.trim()));
    } else {
      list.add(new Slot(accountScope(accountEndpoint)));
      list.add(new Slot(COSMOS_SCOPE));
    }
    this.slots = List.copyOf(list);
  }

  /** {@code https://host/.default}, with the port when it is not the scheme's default. */
  static String accountScope(URI endpoint) {
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(
        Locale.ROOT);
    if (endpoint.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException("accountEndpoint must be an http(s) URL with a host");
    }
    int port = endpoint.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443)
        || (scheme.equals("http") && port == 80);
    return scheme + "://" + endpoint.getHost().toLowerCase(Locale.ROOT)
        + (defaultPort ? "" : ":" + port) + "/.default";
  }

  /** The scope tokens are requested for now. */
  String scope() {
    return slots.get(active.get()).scope;
  }

  /** The header for the next request; see the class comment for when it waits. */
  CompletableFuture<String> authorizationHeader() {
    int index = active.get();
    Slot slot = slots.get(index);
    Cached cached = slot.cached;
    Instant now = clock.instant();
    if (cached != null && now.isBefore(cached.refreshAt)) {
      return CompletableFuture.completedFuture(cached.header);
    }
    if (cached != null && now.isBefore(cached.usableUntil)) {
      boolean due;
      synchronized (slot) {
        due = slot.inFlight == null && !now.isBefore(slot.retryNotBefore);
      }
      if (due) {
        refresh(slot);
      }
      return CompletableFuture.completedFuture(cached.header);
    }
    return refresh(slot).handle((fresh, failure) -> {
      if (failure == null) {
        return CompletableFuture.completedFuture(fresh.header);
      }
      Throwable cause = Pipeline.unwrap(failure);
      if (index + 1 < slots.size() && mentions(cause, "AADSTS500011")) {
        // The account's own resource is not registered in this tenant: the global one is.
        active.compareAndSet(index, index + 1);
        return authorizationHeader();
      }
      return CompletableFuture.<String>failedFuture(cause);
    }).thenCompose(f -> f);
  }

  /**
   * The service answered 401 to a request sent with {@code headerUsed}. Returns true when a
   * retry with another token is worth it: a newer token is cached already, or this one is
   * dropped so that the next {@link #authorizationHeader()} fetches one. Returns false when the
   * token refused was itself fetched after a 401 within {@link #FORCED_REFRESH_INTERVAL}: a
   * fresh token is refused for another reason, and fetching more would loop.
   */
  boolean invalidate(String headerUsed) {
    Objects.requireNonNull(headerUsed, "headerUsed == null");
    Slot slot = slots.get(active.get());
    synchronized (slot) {
      Cached cached = slot.cached;
      if (cached == null || !cached.header.equals(headerUsed)) {
        // Already replaced (or being replaced) since that request was sent.
        return true;
      }
      if (cached.forced
          && clock.instant().isBefore(cached.obtainedAt.plus(FORCED_REFRESH_INTERVAL))) {
        return false;
      }
      slot.cached = null;
      slot.nextForced = true;
      slot.retryNotBefore = Instant.MIN;
      return true;
    }
  }

  private CompletableFuture<Cached> refresh(Slot slot) {
    CompletableFuture<Cached> mine;
    boolean forced;
    synchronized (slot) {
      if (slot.inFlight != null) {
        return slot.inFlight;
      }
      mine = new CompletableFuture<>();
      slot.inFlight = mine;
      forced = slot.nextForced;
      slot.nextForced = false;
    }
    Instant started = clock.instant();
    CompletableFuture<AccessToken> got;
    try {
      got = Objects.requireNonNull(credential.getToken(List.of(slot.scope)),
          "the credential's getToken returned null");
    } catch (RuntimeException e) {
      got = CompletableFuture.failedFuture(e);
    }
    got.whenComplete((token, failure) -> {
      Throwable error = failure != null ? Pipeline.unwrap(failure)
          : token == null ? new NullPointerException("the credential gave a null AccessToken")
          : null;
      Cached fresh = error == null ? new Cached(token, started, forced) : null;
      synchronized (slot) {
        slot.inFlight = null;
        if (fresh != null) {
          slot.cached = fresh;
          slot.retryNotBefore = Instant.MIN;
        } else {
          slot.retryNotBefore = clock.instant().plus(RETRY_AFTER_FAILURE);
          slot.nextForced |= forced;
        }
      }
      if (fresh != null) {
        mine.complete(fresh);
      } else {
        mine.completeExceptionally(error);
      }
    });
    return mine;
  }

  private static boolean mentions(Throwable t, String code) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(code)) {
        return true;
      }
    }
    return false;
  }

  @Override public String toString() {
    return "TokenCache{scope=" + scope() + ", credential=" + credential + "}";
  }
}
