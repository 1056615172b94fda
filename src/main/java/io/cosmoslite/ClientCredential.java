package io.cosmoslite;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code client_credentials} grant at {@code POST {authority}/{tenant}/oauth2/v2.0/token},
 * authenticated by a client secret or by a federated token read from a file (workload identity)
 * as a JWT-bearer client assertion. The secret is kept in this object only; toString() and every
 * message leave it out.
 */
final class ClientCredential implements TokenCredential {
  static final String SECRET_NAME = "ClientSecretCredential";
  static final String WORKLOAD_NAME = "WorkloadIdentityCredential";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final URI tokenEndpoint;
  private final String clientId;
  private final String clientSecret;
  private final Path assertionFile;
  private final HttpClient http;
  private final Clock clock;

  private ClientCredential(String name, URI authority, String tenantId, String clientId,
      String clientSecret, Path assertionFile, HttpClient http, Clock clock) {
    this.name = name;
    // Checked here too, not only in the public factories: a token request carries a secret.
    this.tokenEndpoint = EntraHttp.authority(authority, "authority")
        .resolve(EntraHttp.tenant(tenantId) + "/oauth2/v2.0/token");
    this.clientId = EntraHttp.requireText(clientId, "clientId");
    this.clientSecret = clientSecret;
    this.assertionFile = assertionFile;
    this.http = http;
    this.clock = clock;
  }

  static ClientCredential secret(URI authority, String tenantId, String clientId,
      String clientSecret, HttpClient http) {
    return secret(authority, tenantId, clientId, clientSecret, http, Clock.systemUTC());
  }

  static ClientCredential secret(URI authority, String tenantId, String clientId,
      String clientSecret, HttpClient http, Clock clock) {
    EntraHttp.requireText(clientSecret, "clientSecret");
    return new ClientCredential(SECRET_NAME, authority, tenantId, clientId, clientSecret, null,
        http, clock);
  }

  static ClientCredential assertionFile(URI authority, String tenantId, String clientId,
      Path file, HttpClient http, Clock clock) {
    return new ClientCredential(WORKLOAD_NAME, authority, tenantId, clientId, null, file, http,
        clock);
  }

  /** Workload identity from the variables the platform injects. */
  static ClientCredential workloadIdentity(Map<String, String> env, HttpClient http) {
    return workloadIdentity(env, http, Clock.systemUTC());
  }

  static ClientCredential workloadIdentity(Map<String, String> env, HttpClient http, Clock clock) {
    String missing = DefaultCredentialChain.missing(env, "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
        "AZURE_FEDERATED_TOKEN_FILE");
    if (missing != null) {
      throw new IllegalArgumentException(WORKLOAD_NAME + " needs " + missing);
    }
    return assertionFile(DefaultCredentialChain.authorityHost(env), env.get("AZURE_TENANT_ID"),
        env.get("AZURE_CLIENT_ID"), Path.of(env.get("AZURE_FEDERATED_TOKEN_FILE")), http, clock);
  }

  @Override public CompletableFuture<AccessToken> getToken(List<String> scopes) {
    String scope = EntraHttp.singleScope(scopes);
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "client_credentials");
    form.put("client_id", clientId);
    if (assertionFile != null) {
      String assertion;
      try {
        // Read afresh each time: the platform rotates the file.
        assertion = new String(Files.readAllBytes(assertionFile), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new CredentialException(name + ": cannot read "
            + "AZURE_FEDERATED_TOKEN_FILE " + assertionFile + " (" + e.getClass().getSimpleName()
            + ")", false));
      }
      if (assertion.isEmpty()) {
        return CompletableFuture.failedFuture(new CredentialException(name
            + ": AZURE_FEDERATED_TOKEN_FILE " + assertionFile + " is empty", false));
      }
      form.put("client_assertion", assertion);
      form.put("client_assertion_type", EntraHttp.JWT_BEARER);
    } else {
      form.put("client_secret", clientSecret);
    }
    form.put("scope", scope);
    HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .timeout(TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString(EntraHttp.form(form)))
        .build();
    return EntraHttp.requestToken(http, request, name, clock, false);
  }

  @Override public String toString() {
    return name + "{tokenEndpoint=" + tokenEndpoint + ", clientId=" + clientId
        + (assertionFile != null ? ", tokenFile=" + assertionFile : ", clientSecret=redacted")
        + "}";
  }
}
