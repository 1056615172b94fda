package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;



import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

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
 * The credential side end to end, without the client's pipeline: the client-secret credential
 * gets real RS256 tokens from cosmos-local's test issuer ({@code --aad-issuer}), the TokenCache
 * turns them into headers, and cosmos-local's independent JWT check (Node crypto) accepts them
 * for document reads and writes, and refuses expired and wrong-audience ones with 401.
 *
 * <p>Needs {@code COSMOS_IT_AAD_ENDPOINT}: a cosmos-local started with {@code --aad-issuer} and
 * the default client ({@code cosmos-local-client} / {@code cosmos-local-secret}).
 */
class AadTokenIT {
  static final String CLIENT_ID = "cosmos-local-client";
  static final String CLIENT_SECRET = "cosmos-local-secret";

  static String endpoint;
  static HttpClient http;
  static CosmosClient keyClient;
  static String db;

  static String aadEndpoint() {
    return LocalServers.endpoint("cosmos.it.aadEndpoint", "COSMOS_IT_AAD_ENDPOINT");
  }

  /** An HTTP client that trusts the local servers' certificate (or any JDK default). */
  static HttpClient trustingHttpClient() {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    Path cert = LocalServers.cert();
    if (cert != null) {
      b.sslContext(LocalServers.sslContext(cert));
    }
    return b.build();
  }

  /** The local issuer's authority: {@code <endpoint>_local/aad/}. */
  static String authority(String endpoint) {
    return URI.create(endpoint).resolve("/_local/aad/").toString();
  }

  @BeforeAll static void setUp() {
    endpoint = aadEndpoint();
    http = trustingHttpClient();
    keyClient = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("aadtoken");
    await(keyClient.createDatabase(db));
    await(keyClient.createContainer(db, "c", "/pk"));
  }

  @AfterAll static void tearDown() {
    if (keyClient != null) {
      ItSupport.dropDatabase(keyClient, db);
      keyClient.close();
    }
  }

  TokenCache cache(String tenant) {
    TokenCredential credential = TokenCredential.clientSecret(authority(endpoint), tenant,
        CLIENT_ID, CLIENT_SECRET, http);
    return new TokenCache(credential, URI.create(endpoint), Map.of(), java.time.Clock.systemUTC());
  }

  HttpResponse<String> send(String method, String path, String authorization, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint).resolve(path))
        .header("x-ms-date", Auth.httpDate(Instant.now()))
        .header("x-ms-version", "2018-12-31")
        .header("authorization", authorization)
        .header("x-ms-documentdb-partitionkey", "[\"p\"]")
        .timeout(Duration.ofSeconds(30));
    if (body != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return await(http.sendAsync(b.build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
  }

  String mint(String json) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint).resolve("/_local/aad/mint"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    HttpResponse<String> r = await(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    assertEquals(200, r.statusCode(), r.body());
    return com.google.gson.JsonParser.parseString(r.body()).getAsJsonObject()
        .get("access_token").getAsString();
  }

  static String header(String token) {
    return java.net.URLEncoder.encode("type=aad&ver=1.0&sig=" + token, StandardCharsets.UTF_8);
  }

  @Test void clientSecretTokensForTheAccountScopeWriteAndReadDocuments() {
    TokenCache cache = cache("tenant-it");
    String id = "doc-" + UUID.randomUUID();

    HttpResponse<String> created = send("POST", "/dbs/" + db + "/colls/c/docs",
        await(cache.authorizationHeader()), "{\"id\":\"" + id + "\",\"pk\":\"p\"}");
    HttpResponse<String> read = send("GET", "/dbs/" + db + "/colls/c/docs/" + id,
        await(cache.authorizationHeader()), null);

    assertEquals(201, created.statusCode(), created.body());
    assertEquals(200, read.statusCode(), read.body());
    assertTrue(read.body().contains("\"id\":\"" + id + "\""), read.body());
    assertEquals(TokenCache.accountScope(URI.create(endpoint)), cache.scope());
  }

  @Test void aTenantWithoutTheAccountResourceFallsBackToCosmosAzureCom() {
    TokenCache cache = cache("global-only");
    String header = await(cache.authorizationHeader());
    assertEquals("https://cosmos.azure.com/.default", cache.scope());
    assertEquals(200, send("GET", "/dbs/" + db, header, null).statusCode());
  }

  @Test void anExpiredTokenIsRefusedAndOneInvalidationRecovers() {
    String expired = mint("{\"aud\":\"" + URI.create(endpoint).resolve("/").toString()
        .replaceAll("/$", "") + "\",\"expiresInSeconds\":-60}");
    TokenCredential real = TokenCredential.clientSecret(authority(endpoint), "tenant-it",
        CLIENT_ID, CLIENT_SECRET, http);
    AtomicInteger calls = new AtomicInteger();
    // First answer: a token the credential believes valid for an hour, which the server finds
    // expired (a clock that is off, a revoked token); then the real flow.
    TokenCredential credential = scopes -> calls.getAndIncrement() == 0
        ? CompletableFuture.completedFuture(
            new AccessToken(expired, Instant.now().plus(Duration.ofHours(1))))
        : real.getToken(scopes);
    TokenCache cache = new TokenCache(credential, URI.create(endpoint), Map.of(),
        java.time.Clock.systemUTC());

    String first = await(cache.authorizationHeader());
    HttpResponse<String> refused = send("GET", "/dbs/" + db, first, null);
    assertEquals(401, refused.statusCode());
    assertTrue(refused.body().contains("Provided AAD token has been expired since"),
        refused.body());
    assertFalse(refused.body().contains(expired), "the server does not echo the token");

    assertTrue(cache.invalidate(first));
    String second = await(cache.authorizationHeader());
    assertEquals(200, send("GET", "/dbs/" + db, second, null).statusCode());
    assertEquals(2, calls.get());
  }

  @Test void aTokenForAnotherAudienceIsRefused() {
    String other = mint("{\"aud\":\"https://acct.documents.azure.com\"}");
    HttpResponse<String> refused = send("GET", "/dbs/" + db, header(other), null);
    assertEquals(401, refused.statusCode());
    assertTrue(refused.body().contains(
        "Provided AAD token is intended for [https://acct.documents.azure.com]"), refused.body());
  }

  @Test void aWrongClientSecretFailsWithEntrasErrorAndNoSecret() {
    TokenCredential wrong = TokenCredential.clientSecret(authority(endpoint), "tenant-it",
        CLIENT_ID, "not-the-secret", http);
    Throwable t = EntraTestSupport.failure(wrong.getToken(
        java.util.List.of(TokenCache.accountScope(URI.create(endpoint)))));
    assertTrue(t.getMessage().startsWith("ClientSecretCredential: HTTP 401 (invalid_client: "
        + "AADSTS7000215: Invalid client secret provided."), t.getMessage());
    assertFalse(t.getMessage().contains("not-the-secret"));
  }
}
