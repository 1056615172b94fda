package io.cosmoslite;

import static io.cosmoslite.MockCosmos.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuilderTest {
  static final String KEY = MockCosmos.KEY;

  @Test void connectionStringSplitsOnTheFirstEqualsSignOfEachPart() {
    CosmosClient client = CosmosClient.builder()
        .connectionString("AccountEndpoint=https://acct.documents.azure.com:443/;AccountKey="
            + KEY + ";;extra=1")
        .build();
    assertEquals("https://acct.documents.azure.com:443/", client.writeEndpoint());
    CosmosClient lower = CosmosClient.builder()
        .connectionString("accountendpoint=http://127.0.0.1:8081;accountkey=" + KEY).build();
    assertEquals("http://127.0.0.1:8081/", lower.readEndpoint());
  }

  @Test void malformedConnectionStringNamesThePartButNeverTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().connectionString("AccountKey=" + KEY));
    assertEquals("connectionString has no AccountEndpoint part", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().connectionString("AccountEndpoint=https://a/;"));
    assertEquals("connectionString has no AccountKey part", e.getMessage());
  }

  @Test void environmentPrefersTheConnectionStringThenEndpointAndKey() {
    CosmosClient.Builder fromString = CosmosClient.builder().fromEnvironment(Map.of(
        "COSMOS_CONNECTION_STRING", "AccountEndpoint=https://a.example/;AccountKey=" + KEY,
        "COSMOS_ENDPOINT", "https://ignored.example/"));
    assertEquals("https://a.example/", fromString.build().writeEndpoint());
    CosmosClient.Builder fromPair = CosmosClient.builder().fromEnvironment(Map.of(
        "COSMOS_ENDPOINT", "https://b.example", "COSMOS_KEY", KEY));
    assertEquals("https://b.example/", fromPair.build().writeEndpoint());
  }

  @Test void missingOrMalformedEnvironmentIsAClearErrorNamingTheVariable() {
    IllegalStateException none = assertThrows(IllegalStateException.class,
        () -> CosmosClient.builder().fromEnvironment(Map.of()));
    assertTrue(none.getMessage().contains("COSMOS_CONNECTION_STRING"), none.getMessage());
    assertTrue(none.getMessage().contains("missing: COSMOS_ENDPOINT"), none.getMessage());
    IllegalStateException noKey = assertThrows(IllegalStateException.class,
        () -> CosmosClient.builder().fromEnvironment(Map.of("COSMOS_KEY", KEY)));
    assertTrue(noKey.getMessage().contains("missing: COSMOS_ENDPOINT"), noKey.getMessage());
    // An endpoint without a key: Entra ID through the default credential chain.
    assertTrue(CosmosClient.builder().fromEnvironment(Map.of("COSMOS_ENDPOINT", "https://a/"))
        .toString().contains("credential=Entra ID"));
    IllegalStateException bad = assertThrows(IllegalStateException.class,
        () -> CosmosClient.builder().fromEnvironment(Map.of("COSMOS_ENDPOINT", "ftp://x",
            "COSMOS_KEY", KEY)));
    assertTrue(bad.getMessage().startsWith("COSMOS_ENDPOINT is malformed"), bad.getMessage());
    IllegalStateException badString = assertThrows(IllegalStateException.class,
        () -> CosmosClient.builder().fromEnvironment(Map.of("COSMOS_CONNECTION_STRING",
            "AccountKey=" + KEY)));
    assertFalse(badString.getMessage().contains(KEY));
  }

  @Test void buildFailsFastOnMissingOrConflictingSettings() {
    assertEquals("endpoint required (or connectionString)", assertThrows(
        IllegalStateException.class, () -> CosmosClient.builder().key(KEY).build()).getMessage());
    assertEquals("key, resourceToken or credential required", assertThrows(IllegalStateException.class,
        () -> CosmosClient.builder().endpoint("https://a/").build()).getMessage());
    assertThrows(IllegalArgumentException.class, () -> CosmosClient.builder().endpoint("a b"));
    assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().endpoint("mailto:x@y"));
    assertThrows(IllegalArgumentException.class, () -> CosmosClient.builder().maxConcurrency(0));
    assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().userAgentSuffix("bad\nvalue"));
    HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName("localhost")
        .build();
    assertThrows(IllegalStateException.class, () -> CosmosClient.builder().endpoint("https://a/")
        .key(KEY).httpClient(HttpClient.newHttpClient())
        .trustedCertificatePem(cert.certificatePem()).build());
  }

  @Test void builderAndClientNeverShowTheKey() {
    CosmosClient.Builder builder = CosmosClient.builder().endpoint("https://a/").key(KEY);
    assertFalse(builder.toString().contains(KEY));
    assertTrue(builder.toString().contains("redacted"));
    assertFalse(builder.build().toString().contains(KEY));
    assertFalse(CosmosClient.builder().resourceToken("type=resource&ver=1.0&sig=SECRET")
        .toString().contains("SECRET"));
  }

  @Test void tlsIsVerifiedByDefaultAndAPemCanBeTrustedExplicitly(@TempDir Path dir)
      throws Exception {
    HeldCertificate serverCert = new HeldCertificate.Builder()
        .addSubjectAlternativeName("localhost").addSubjectAlternativeName("127.0.0.1").build();
    HandshakeCertificates handshake = new HandshakeCertificates.Builder()
        .heldCertificate(serverCert).build();
    try (MockWebServer server = new MockWebServer()) {
      server.useHttps(handshake.sslSocketFactory(), false);
      server.start();
      String endpoint = "https://localhost:" + server.getPort() + "/";

      CosmosClient untrusting = CosmosClient.builder().endpoint(endpoint).key(KEY)
          .raiseOnFailure(false).build();
      CosmosResult<Map<String, Object>> refused =
          untrusting.getDatabase("db").get(10, TimeUnit.SECONDS);
      assertEquals(0, refused.code());
      assertInstanceOf(SSLHandshakeException.class, refused.cause());

      Path pem = dir.resolve("server.pem");
      Files.writeString(pem, serverCert.certificatePem());
      server.enqueue(json(200, "{\"id\":\"db\"}"));
      CosmosClient trusting = CosmosClient.builder().endpoint(endpoint).key(KEY)
          .trustedCertificate(pem).build();
      assertEquals("db", trusting.getDatabase("db").get(10, TimeUnit.SECONDS).data().get("id"));
      assertEquals("/dbs/db", server.takeRequest(5, TimeUnit.SECONDS).getPath());
    }
  }

  @Test void unreadableOrInvalidCertificateIsAClearError(@TempDir Path dir) throws Exception {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CosmosClient.builder()
        .trustedCertificate(dir.resolve("missing.pem"))).getMessage()
        .startsWith("trustedCertificate cannot be read"));
    Path junk = dir.resolve("junk.pem");
    Files.writeString(junk, "not a certificate");
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().trustedCertificate(junk)).getMessage()
        .startsWith("trustedCertificate"));
  }

  @Test void anEndpointThatHoldsAKeyOrMoreThanTheAccountIsRefusedWithoutEchoingIt() {
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().endpoint("AccountEndpoint=https://a.example/;AccountKey="
            + KEY + ";"));
    assertFalse(key.getMessage().contains(KEY), key.getMessage());
    assertFalse(key.getMessage().contains(KEY.substring(0, 12)), key.getMessage());
    assertTrue(key.getMessage().contains("connectionString"), key.getMessage());
    for (String bad : new String[] {"https://user:secret@a.example/", "https://a.example/?sig=x",
        "https://a.example/#frag"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CosmosClient.builder().endpoint(bad));
      assertFalse(e.getMessage().contains("secret") || e.getMessage().contains("sig=x"),
          e.getMessage());
    }
    IllegalArgumentException plain = assertThrows(IllegalArgumentException.class,
        () -> CosmosClient.builder().endpoint("http://a.example/"));
    assertTrue(plain.getMessage().contains("must use https"), plain.getMessage());
    // Plain HTTP is for a local server on a loopback address only.
    CosmosClient.builder().endpoint("http://127.0.0.1:8081/");
    CosmosClient.builder().endpoint("http://localhost:8081/");
    CosmosClient.builder().endpoint("http://[::1]:8081/");
  }
}
