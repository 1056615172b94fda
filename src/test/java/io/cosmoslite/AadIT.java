package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client built with {@code credential(TokenCredential)} reads and writes documents on a
 * cosmos-local that checks RS256 tokens ({@code --aad-issuer}); an expired token is replaced
 * once after the 401; a token for another audience fails with 401 without looping.
 *
 * <p>ASSUMES (to be adapted when the pipeline is wired): {@code CosmosClient.Builder
 * credential(TokenCredential)}; with it the client authorizes through a {@link TokenCache} for
 * the endpoint, calls {@link TokenCache#invalidate(String)} on a 401 and retries that request
 * once when it returns true; the second 401 completes with a {@link CosmosException} of status
 * 401. Databases and containers are created with the key (data-plane RBAC does not allow it
 * with a token on Azure).
 */
class AadIT {
  static String endpoint;
  static HttpClient http;
  static CosmosClient keyClient;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = AadTokenIT.aadEndpoint();
    http = AadTokenIT.trustingHttpClient();
    keyClient = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("aad");
    await(keyClient.createDatabase(db));
    await(keyClient.createContainer(db, "c", "/pk"));
  }

  @AfterAll static void tearDown() {
    if (keyClient != null) {
      ItSupport.dropDatabase(keyClient, db);
      keyClient.close();
    }
  }

  static CosmosClient client(TokenCredential credential) {
    CosmosClient.Builder b = CosmosClient.builder().endpoint(endpoint).credential(credential);
    Path cert = LocalServers.cert();
    if (cert != null) {
      b.trustedCertificate(cert);
    }
    return b.build();
  }

  static TokenCredential clientSecret(String tenant) {
    return TokenCredential.clientSecret(AadTokenIT.authority(endpoint), tenant,
        AadTokenIT.CLIENT_ID, AadTokenIT.CLIENT_SECRET, http);
  }

  @Test void aClientSecretCredentialWritesAndReadsDocuments() {
    try (CosmosClient client = client(clientSecret("tenant-it"))) {
      String id = "doc-" + UUID.randomUUID();
      CosmosResult<Map<String, Object>> created =
          await(client.createDocument(db, "c", Map.of("id", id, "pk", "p"), "p"));
      CosmosResult<Map<String, Object>> read = await(client.getDocument(db, "c", id, "p"));

      assertEquals(201, created.code());
      assertEquals(200, read.code());
      assertEquals(id, read.data().get("id"));
      assertFalse(client.toString().contains(AadTokenIT.CLIENT_SECRET), client.toString());
    }
  }

  @Test void aTenantWithoutTheAccountResourceFallsBackToTheGlobalScope() {
    try (CosmosClient client = client(clientSecret("global-only"))) {
      // An authorized read of a missing document is a 404, not a 401.
      assertEquals(404, failure(client.getDocument(db, "c", "absent", "p")).code());
    }
  }

  @Test void anExpiredTokenIsReplacedOnceAfterThe401() {
    String expired = mint("{\"aud\":\"" + ownAudience() + "\",\"expiresInSeconds\":-60}");
    TokenCredential real = clientSecret("tenant-it");
    AtomicInteger calls = new AtomicInteger();
    TokenCredential credential = scopes -> calls.getAndIncrement() == 0
        ? CompletableFuture.completedFuture(
            new AccessToken(expired, Instant.now().plus(Duration.ofHours(1))))
        : real.getToken(scopes);
    try (CosmosClient client = client(credential)) {
      String id = "doc-" + UUID.randomUUID();
      assertEquals(201, await(client.createDocument(db, "c", Map.of("id", id, "pk", "p"), "p"))
          .code());
      assertEquals(2, calls.get(), "one refused token, one fresh token");
    }
  }

  @Test void aTokenForAnotherAudienceFailsWith401WithoutLooping() {
    String other = mint("{\"aud\":\"https://acct.documents.azure.com\"}");
    AtomicInteger calls = new AtomicInteger();
    TokenCredential credential = scopes -> {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture(
          new AccessToken(other, Instant.now().plus(Duration.ofHours(1))));
    };
    try (CosmosClient client = client(credential)) {
      CosmosException e = failure(client.getDocument(db, "c", "x", "p"));
      assertEquals(401, e.code());
      assertTrue(String.valueOf(e.getMessage()).contains("Provided AAD token is intended for"),
          e.getMessage());
      assertFalse(String.valueOf(e.getMessage()).contains(other), "no token in the message");
      assertEquals(2, calls.get(), "the first token and one forced refresh, then no more");
    }
  }

  static String ownAudience() {
    return URI.create(endpoint).resolve("/").toString().replaceAll("/$", "");
  }

  static String mint(String json) {
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
            URI.create(endpoint).resolve("/_local/aad/mint"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build();
    java.net.http.HttpResponse<String> r = await(http.sendAsync(request,
        java.net.http.HttpResponse.BodyHandlers.ofString()));
    assertEquals(200, r.statusCode(), r.body());
    return com.google.gson.JsonParser.parseString(r.body()).getAsJsonObject()
        .get("access_token").getAsString();
  }
}
