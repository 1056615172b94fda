package io.cosmoslite;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * The settings of {@link CosmosClient.Builder} and what turns them into a client's pipeline;
 * kept out of {@code CosmosClient} so that the client class holds operations only. Every public
 * method here is documented as a method of {@link CosmosClient.Builder}.
 */
abstract class ClientSettings {
  private static final String VERSION = "0.1.0";

  /** The builder itself, for chaining. */
  abstract CosmosClient.Builder self();

  private String endpoint;
  private String key;
  private String resourceToken;
  private Map<String, String> resourceTokens;
  private TokenCredential credential;
  private boolean raiseOnFailure = true;
  private int maxConcurrency = 100;
  ConsistencyLevel consistencyLevel;
  private Duration requestTimeout = Duration.ofSeconds(60);
  private Duration connectTimeout = Duration.ofSeconds(10);
  private Clock clock = Clock.systemUTC();
  private HttpClient httpClient;
  private List<Certificate> trustedCertificates;
  private String userAgentSuffix;
  private int maxThrottleRetries = RetryPolicy.DEFAULT_THROTTLE_RETRIES;
  private Duration maxThrottleWait = RetryPolicy.DEFAULT_THROTTLE_WAIT;
  private Executor callbackExecutor;
  private AttemptListener attemptListener;
  private BiFunction<HttpClient, Integer, Sender> senderFactory = Sender::forJvm;

  /** Tests choose how requests are handed to the HTTP client; see {@link Sender}. */
  CosmosClient.Builder sender(BiFunction<HttpClient, Integer, Sender> factory) {
    this.senderFactory = Objects.requireNonNull(factory, "factory == null");
    return self();
  }

  /**
   * The account endpoint, e.g. {@code https://myaccount.documents.azure.com:443/}: HTTPS, or
   * plain HTTP to a loopback address (a local emulator); no user info, query or fragment.
   */
  public CosmosClient.Builder endpoint(String endpoint) {
    this.endpoint = Config.endpoint(Objects.requireNonNull(endpoint, "endpoint == null"));
    return self();
  }

  /** The account's master key (base64), used to sign every request. */
  public CosmosClient.Builder key(String key) {
    Objects.requireNonNull(key, "key == null");
    if (key.isBlank()) {
      throw new IllegalArgumentException("key is blank");
    }
    this.key = key;
    this.resourceToken = null;
    this.resourceTokens = null;
    this.credential = null;
    return self();
  }

  /**
   * A resource token (a permission's {@code _token}) instead of a master key. It grants only
   * what its permission does: no database or container management.
   */
  public CosmosClient.Builder resourceToken(String token) {
    Objects.requireNonNull(token, "resourceToken == null");
    if (token.isBlank()) {
      throw new IllegalArgumentException("resourceToken is blank");
    }
    this.resourceToken = token;
    this.resourceTokens = null;
    this.key = null;
    this.credential = null;
    return self();
  }

  /**
   * Several resource tokens, each for the resource link its permission names (e.g.
   * {@code dbs/app/colls/orders} → that permission's {@code _token}): every request is signed
   * with the token whose link is the longest prefix, by whole segments, of the request's
   * resource link (a document's {@code dbs/app/colls/orders/docs/o1} takes the token of
   * {@code dbs/app/colls/orders}); the account read takes any. A request that no token covers
   * is not sent: it fails with code 0, "no resource token covers ...". Replaces a key, token or
   * credential set before.
   *
   * @throws IllegalArgumentException when the map is empty, or a link or token is blank
   */
  public CosmosClient.Builder resourceTokens(Map<String, String> tokensByResourceLink) {
    Objects.requireNonNull(tokensByResourceLink, "resourceTokens == null");
    if (tokensByResourceLink.isEmpty()) {
      throw new IllegalArgumentException("resourceTokens is empty");
    }
    Map<String, String> copy = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> e : tokensByResourceLink.entrySet()) {
      String link = Objects.requireNonNull(e.getKey(), "resourceTokens has a null link");
      String token = Objects.requireNonNull(e.getValue(), "resourceTokens has a null token");
      if (Auth.ResourceTokens.trimLink(link).isEmpty()) {
        throw new IllegalArgumentException("resourceTokens has a blank resource link");
      }
      if (token.isBlank()) {
        // The link is not secret; the token is never echoed.
        throw new IllegalArgumentException("resourceTokens has a blank token for " + link);
      }
      copy.put(link, token);
    }
    this.resourceTokens = Map.copyOf(copy);
    this.resourceToken = null;
    this.key = null;
    this.credential = null;
    return self();
  }

  /**
   * Microsoft Entra ID tokens instead of a key (required where the account disables local
   * auth). The token is asked for the account's own scope ({@code https://<host>/.default}),
   * falling back to {@code https://cosmos.azure.com/.default} when Entra ID answers
   * {@code AADSTS500011}; {@code AZURE_COSMOS_AAD_SCOPE_OVERRIDE} pins a scope. Tokens are
   * cached, refreshed ahead of expiry by one call at a time, and never block a thread; a 401
   * is resent once with a fresh token. {@link TokenCredential#defaultChain()} covers the
   * environment, managed identity and the Azure CLI; azure-identity users pass a lambda over
   * theirs (see {@link TokenCredential}).
   */
  public CosmosClient.Builder credential(TokenCredential credential) {
    this.credential = Objects.requireNonNull(credential, "credential == null");
    this.key = null;
    this.resourceToken = null;
    this.resourceTokens = null;
    return self();
  }

  /**
   * Endpoint and key from a connection string
   * ({@code AccountEndpoint=https://...;AccountKey=...;}). Parts are split on their first
   * {@code =}; names are case-insensitive; other parts are ignored. Never echoed in messages.
   */
  public CosmosClient.Builder connectionString(String connectionString) {
    Config.Account account = Config.connectionString(
        Objects.requireNonNull(connectionString, "connectionString == null"));
    this.endpoint = account.endpoint;
    return key(account.key);
  }

  /**
   * Reads {@code COSMOS_CONNECTION_STRING}, else {@code COSMOS_ENDPOINT} and
   * {@code COSMOS_KEY}, from the environment; with {@code COSMOS_ENDPOINT} alone, Entra ID
   * through {@link TokenCredential#defaultChain()}.
   *
   * @throws IllegalStateException when they are missing, naming them
   */
  public CosmosClient.Builder fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  CosmosClient.Builder fromEnvironment(Map<String, String> env) {
    Config.Account account = Config.environment(env);
    this.endpoint = account.endpoint;
    return account.key == null ? credential(TokenCredential.defaultChain())
        : key(account.key);
  }

  /**
   * Whether a failed call completes exceptionally with {@link CosmosException} (true, the
   * default) or normally with a result whose status is {@code "failed"} (false).
   */
  public CosmosClient.Builder raiseOnFailure(boolean raiseOnFailure) {
    this.raiseOnFailure = raiseOnFailure;
    return self();
  }

  /** Most requests in flight at once for the whole client. Default 100. */
  public CosmosClient.Builder maxConcurrency(int maxConcurrency) {
    this.maxConcurrency = Names.atLeastOne(maxConcurrency, "maxConcurrency");
    return self();
  }

  /**
   * Consistency for reads and queries ({@code x-ms-consistency-level}); it may only weaken the
   * account default. Default: unset, the account default applies.
   */
  public CosmosClient.Builder consistencyLevel(ConsistencyLevel level) {
    this.consistencyLevel = Objects.requireNonNull(level, "consistencyLevel == null");
    return self();
  }

  /** Time limit of each attempt, until its response arrives. Default 60 seconds. */
  public CosmosClient.Builder requestTimeout(Duration timeout) {
    this.requestTimeout = Names.positive(timeout, "requestTimeout");
    return self();
  }

  /** Time limit to open a connection (ignored with {@link #httpClient}). Default 10 s. */
  public CosmosClient.Builder connectTimeout(Duration timeout) {
    this.connectTimeout = Names.positive(timeout, "connectTimeout");
    return self();
  }

  /** The clock that dates requests ({@code x-ms-date}). Default: the system UTC clock. */
  public CosmosClient.Builder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock == null");
    return self();
  }

  /**
   * Uses this {@code HttpClient} (proxy, executor, TLS of your own); it keeps the executor you
   * gave it. Default: an HTTP/1.1 client with keep-alive made by the builder.
   */
  public CosmosClient.Builder httpClient(HttpClient httpClient) {
    this.httpClient = Objects.requireNonNull(httpClient, "httpClient == null");
    return self();
  }

  /**
   * Trusts the certificates in this PEM file <em>instead of</em> the JDK's trusted
   * authorities, e.g. a local server's self-signed certificate. Hostnames are still verified.
   * Default: the JDK's trust store; verification is never turned off.
   */
  public CosmosClient.Builder trustedCertificate(Path pemFile) {
    this.trustedCertificates = Config.certificates(
        Objects.requireNonNull(pemFile, "trustedCertificate == null"));
    return self();
  }

  /** Like {@link #trustedCertificate(Path)}, from PEM text. */
  public CosmosClient.Builder trustedCertificatePem(String pem) {
    this.trustedCertificates = Config.certificates(
        Objects.requireNonNull(pem, "trustedCertificatePem == null"));
    return self();
  }

  /** Text appended to the {@code User-Agent} ({@code cosmos-lite/VERSION suffix}). */
  public CosmosClient.Builder userAgentSuffix(String suffix) {
    Objects.requireNonNull(suffix, "userAgentSuffix == null");
    if (suffix.chars().anyMatch(c -> c < 0x20 || c > 0x7e) || suffix.length() > 200) {
      throw new IllegalArgumentException(
          "userAgentSuffix must be printable ASCII of at most 200 characters");
    }
    this.userAgentSuffix = suffix;
    return self();
  }

  /** Most resends of one call after 429 (throttling). Default 9. */
  public CosmosClient.Builder maxRetriesOnThrottle(int retries) {
    if (retries < 0) {
      throw new IllegalArgumentException("maxRetriesOnThrottle must be >= 0, got " + retries);
    }
    this.maxThrottleRetries = retries;
    return self();
  }

  /** Most total waiting of one call after 429s. Default 30 seconds. */
  public CosmosClient.Builder maxRetryWaitOnThrottle(Duration wait) {
    Objects.requireNonNull(wait, "maxRetryWaitOnThrottle == null");
    if (wait.isNegative()) {
      throw new IllegalArgumentException("maxRetryWaitOnThrottle is negative: " + wait);
    }
    this.maxThrottleWait = wait;
    return self();
  }

  /**
   * Where the futures this client returns are completed, and so where callers' dependent
   * stages ({@code thenApply}, ...) run. Default: none — they run on the library thread that
   * finished the call (an I/O thread, or the shared worker that handles time limits), so keep
   * them short or give an executor of your own (as Retrofit's {@code callbackExecutor}).
   */
  public CosmosClient.Builder callbackExecutor(Executor executor) {
    this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor == null");
    return self();
  }

  /** Told about every attempt (status, charge, timing), for metrics. Default: none. */
  public CosmosClient.Builder attemptListener(AttemptListener listener) {
    this.attemptListener = Objects.requireNonNull(listener, "attemptListener == null");
    return self();
  }

  /** The pipeline of a client built from these settings. */
  Pipeline pipeline() {
    if (endpoint == null) {
      throw new IllegalStateException("endpoint required (or connectionString)");
    }
    if (key == null && resourceToken == null && resourceTokens == null && credential == null) {
      throw new IllegalStateException("key, resourceToken or credential required");
    }
    if (httpClient != null && trustedCertificates != null) {
      throw new IllegalStateException("trustedCertificate cannot be combined with httpClient: "
          + "configure the SSLContext of your HttpClient instead");
    }
    // Gson's set-up is a tenth of a second of a cold start; it happens on another thread
    // while this one builds the TLS context and HTTP client.
    Json.warmUpInBackground();
    Auth auth = key != null ? Auth.masterKey(key) : resourceToken != null
        ? Auth.resourceToken(resourceToken)
        : resourceTokens != null ? Auth.resourceTokens(resourceTokens)
        : Auth.entraId(new TokenCache(credential, java.net.URI.create(endpoint)));
    HttpClient http = httpClient != null ? httpClient
        : Config.httpClient(connectTimeout, trustedCertificates);
    String userAgent = "cosmos-lite/" + VERSION
        + (userAgentSuffix == null ? "" : " " + userAgentSuffix);
    Pipeline pipeline = new Pipeline(senderFactory.apply(http, maxConcurrency), auth,
        maxConcurrency, new RetryPolicy(maxThrottleRetries, maxThrottleWait), clock,
        requestTimeout, userAgent, raiseOnFailure, callbackExecutor, attemptListener,
        endpoint);
    return pipeline;
  }

  /** Shows the configuration without the key or token. */
  @Override public String toString() {
    return "CosmosClient.Builder{endpoint=" + endpoint + ", credential="
        + (key != null ? "master key [redacted]" : resourceToken != null
        ? "resource token [redacted]" : resourceTokens != null
        ? resourceTokens.size() + " resource tokens [redacted]"
        : credential != null ? "Entra ID" : "none")
        + ", maxConcurrency=" + maxConcurrency
        + ", raiseOnFailure=" + raiseOnFailure + "}";
  }
}
