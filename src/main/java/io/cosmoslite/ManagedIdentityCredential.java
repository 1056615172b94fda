package io.cosmoslite;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Managed identity: the App Service / Functions endpoint ({@code IDENTITY_ENDPOINT} with the
 * {@code X-IDENTITY-HEADER} secret, api-version 2019-08-01) when the platform sets it, otherwise
 * IMDS ({@code GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...} with
 * {@code Metadata: true}). Both are plain HTTP to a link-local or loopback address, as the
 * platform defines them. A user-assigned identity adds {@code client_id}.
 */
final class ManagedIdentityCredential implements TokenCredential {
  static final URI IMDS = URI.create("http://169.254.169.254/metadata/identity/oauth2/token");
  /** IMDS answers in milliseconds on Azure; off Azure the address is a black hole. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  static final String NAME = "ManagedIdentityCredential";

  private final HttpClient http;
  private final String clientId;
  private final URI imds;
  private final Duration timeout;
  private final URI appServiceEndpoint;
  private final String appServiceHeader;
  private final Clock clock;

  /** {@code env} and {@code imds} are injectable so that tests never reach the real ones. */
  ManagedIdentityCredential(Map<String, String> env, HttpClient http, String clientId, URI imds,
      Duration timeout) {
    this(env, http, clientId, imds, timeout, Clock.systemUTC());
  }

  ManagedIdentityCredential(Map<String, String> env, HttpClient http, String clientId, URI imds,
      Duration timeout, Clock clock) {
    this.http = http;
    this.clientId = clientId;
    this.imds = imds;
    this.timeout = timeout;
    this.clock = clock;
    String endpoint = blankToNull(env.get("IDENTITY_ENDPOINT"));
    String header = blankToNull(env.get("IDENTITY_HEADER"));
    if (endpoint != null && header != null) {
      URI uri = URI.create(endpoint.trim());
      if (uri.getScheme() == null || uri.getHost() == null
          || !(uri.getScheme().equalsIgnoreCase("http")
          || uri.getScheme().equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException("IDENTITY_ENDPOINT must be an http(s) URL");
      }
      this.appServiceEndpoint = uri;
      this.appServiceHeader = header;
    } else {
      this.appServiceEndpoint = null;
      this.appServiceHeader = null;
    }
  }

  @Override public CompletableFuture<AccessToken> getToken(List<String> scopes) {
    String resource = EntraHttp.resource(EntraHttp.singleScope(scopes));
    String query = "resource=" + EntraHttp.encode(resource)
        + (clientId == null ? "" : "&client_id=" + EntraHttp.encode(clientId));
    HttpRequest request;
    String what;
    if (appServiceEndpoint != null) {
      what = NAME + " (App Service)";
      request = HttpRequest.newBuilder(withQuery(appServiceEndpoint, "api-version=2019-08-01&"
              + query))
          .header("X-IDENTITY-HEADER", appServiceHeader)
          .timeout(timeout)
          .GET().build();
      // An App Service endpoint that is configured answers; an error from it is real.
      return EntraHttp.requestToken(http, request, what, clock, true);
    }
    what = NAME + " (IMDS)";
    request = HttpRequest.newBuilder(withQuery(imds, "api-version=2018-02-01&" + query))
        .header("Metadata", "true")
        .timeout(timeout)
        .GET().build();
    // IMDS without an identity assigned answers 400; unreachable or 400 means "not here".
    return EntraHttp.requestToken(http, request, what, clock, true, 400);
  }

  private static URI withQuery(URI base, String query) {
    String text = base.toString();
    return URI.create(text + (base.getRawQuery() == null ? "?" : "&") + query);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  @Override public String toString() {
    return NAME + "{" + (appServiceEndpoint != null ? "App Service" : "IMDS")
        + (clientId == null ? ", system-assigned" : ", clientId=" + clientId) + "}";
  }
}
