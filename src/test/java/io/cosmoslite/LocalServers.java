package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the end-to-end ({@code *IT}) tests find the local cosmos-local servers that
 * {@code scripts/test} starts. Each setting is a system property or, failing that, an environment
 * variable:
 *
 * <pre>
 *   cosmos.it.endpoint            COSMOS_IT_ENDPOINT            plain server
 *   cosmos.it.throttledEndpoint   COSMOS_IT_THROTTLED_ENDPOINT  --ru-per-second
 *   cosmos.it.slowEndpoint        COSMOS_IT_SLOW_ENDPOINT       --delay-ms (in-flight counting)
 *   cosmos.it.flakyEndpoint       COSMOS_IT_FLAKY_ENDPOINT      --drop-rate (lost connections)
 *   cosmos.it.partitionedEndpoint COSMOS_IT_PARTITIONED_ENDPOINT --partitions 4 (change feed)
 *   cosmos.it.splittingEndpoint   COSMOS_IT_SPLITTING_ENDPOINT  --partitions 2 --split-after 30
 *   cosmos.it.cert                COSMOS_IT_CERT                the servers' PEM certificate
 *   cosmos.it.key                 COSMOS_IT_KEY                 default: the emulator key
 *   cosmos.it.required            COSMOS_IT_REQUIRED            "true": fail instead of skipping
 * </pre>
 *
 * Without an endpoint the tests are skipped (JUnit assumptions), so a bare {@code mvn verify} stays
 * offline; {@code scripts/test} sets {@code COSMOS_IT_REQUIRED=true} so that a missing server is a
 * failure there, never a silent skip.
 */
final class LocalServers {
  /** The well-known emulator key, which cosmos-local checks signatures against by default. */
  static final String EMULATOR_KEY =
      "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

  private LocalServers() {}

  static String setting(String property, String variable) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(variable);
    }
    return value == null || value.isBlank() ? null : value.trim();
  }

  static boolean required() {
    String value = setting("cosmos.it.required", "COSMOS_IT_REQUIRED");
    return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
  }

  /** The endpoint, or skips the calling test (fails it under scripts/test) when it is not set. */
  static String endpoint(String property, String variable) {
    String value = setting(property, variable);
    if (value == null && required()) {
      fail(variable + " (or -D" + property + ") is not set, but COSMOS_IT_REQUIRED is");
    }
    Assumptions.assumeTrue(value != null,
        variable + " is not set: end-to-end tests skipped (scripts/test starts the servers)");
    return value;
  }

  static String plain() {
    return endpoint("cosmos.it.endpoint", "COSMOS_IT_ENDPOINT");
  }

  static String throttled() {
    return endpoint("cosmos.it.throttledEndpoint", "COSMOS_IT_THROTTLED_ENDPOINT");
  }

  static String slow() {
    return endpoint("cosmos.it.slowEndpoint", "COSMOS_IT_SLOW_ENDPOINT");
  }

  static String flaky() {
    return endpoint("cosmos.it.flakyEndpoint", "COSMOS_IT_FLAKY_ENDPOINT");
  }

  /** {@code --partitions 4}: four partition key ranges. */
  static String partitioned() {
    return endpoint("cosmos.it.partitionedEndpoint", "COSMOS_IT_PARTITIONED_ENDPOINT");
  }

  /** {@code --partitions 2 --split-after 30}: a range splits after 30 writes. */
  static String splitting() {
    return endpoint("cosmos.it.splittingEndpoint", "COSMOS_IT_SPLITTING_ENDPOINT");
  }

  /** {@code --partitions 2 --split-after 3000}: a range splits in the middle of a load. */
  static String splittingLoad() {
    return endpoint("cosmos.it.splittingLoadEndpoint", "COSMOS_IT_SPLITTING_LOAD_ENDPOINT");
  }

  static String key() {
    String key = setting("cosmos.it.key", "COSMOS_IT_KEY");
    return key != null ? key : EMULATOR_KEY;
  }

  /** The PEM certificate of the HTTPS servers, or null (plain HTTP). */
  static Path cert() {
    String cert = setting("cosmos.it.cert", "COSMOS_IT_CERT");
    return cert == null ? null : Path.of(cert);
  }

  /** A builder for {@code endpoint} with the right key and the servers' certificate. */
  static CosmosClient.Builder client(String endpoint) {
    CosmosClient.Builder b = CosmosClient.builder().endpoint(endpoint).key(key());
    Path cert = cert();
    if (cert != null && endpoint.toLowerCase(Locale.ROOT).startsWith("https:")) {
      b.trustedCertificate(cert);
    }
    return b;
  }

  /** A database name no other test run uses: {@code it-<what>-<random>}. */
  static String uniqueName(String what) {
    return "it-" + what.toLowerCase(Locale.ROOT) + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  // ---------------------------------------------------------------------------------------------
  // GET /_local/stats (no auth): what the server saw, counted independently of the client.

  /** The server's counters as parsed JSON. */
  static Map<String, Object> stats(String endpoint) {
    return Json.fromBytes(send(endpoint, "GET", "_local/stats"), Json.MAP);
  }

  /** Zeroes the server's counters ({@code maxInFlight} restarts from the current in-flight). */
  static void resetStats(String endpoint) {
    send(endpoint, "POST", "_local/stats/reset");
  }

  /** A top-level counter of the stats, e.g. {@code throttled}. */
  static long counter(Map<String, Object> stats, String name) {
    Object value = stats.get(name);
    return value instanceof Number ? ((Number) value).longValue() : 0;
  }

  /** How many responses had this status, from {@code byStatus}. */
  static long byStatus(Map<String, Object> stats, int status) {
    Object map = stats.get("byStatus");
    if (!(map instanceof Map)) {
      return 0;
    }
    Object value = ((Map<?, ?>) map).get(Integer.toString(status));
    return value instanceof Number ? ((Number) value).longValue() : 0;
  }

  private static byte[] send(String endpoint, String method, String path) {
    try {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
      Path cert = cert();
      if (cert != null && endpoint.startsWith("https:")) {
        b.sslContext(sslContext(cert));
      }
      HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint).resolve("/" + path))
          .method(method, HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(10)).build();
      HttpResponse<byte[]> response =
          b.build().send(request, HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, response.statusCode(), method + " /" + path);
      return response.body();
    } catch (IOException e) {
      throw new AssertionError(method + " /" + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** An SSLContext trusting the local servers' certificate (for raw HTTP clients in tests). */
  static SSLContext sslContext(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("local-" + i++, c);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("cannot load " + pem + ": " + e, e);
    }
  }
}
