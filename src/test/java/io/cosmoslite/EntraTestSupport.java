package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** Shared by the Entra ID tests: an HTTPS MockWebServer, a settable clock, form parsing. */
final class EntraTestSupport {
  static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");

  private static final HeldCertificate CERT = new HeldCertificate.Builder()
      .addSubjectAlternativeName("localhost").build();

  private EntraTestSupport() {}

  /** A started MockWebServer speaking TLS with a certificate for localhost. */
  static MockWebServer httpsServer() throws IOException {
    MockWebServer server = new MockWebServer();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(CERT).build()
        .sslSocketFactory(), false);
    server.start();
    return server;
  }

  /** The authority of an HTTPS server, as {@code https://localhost:<port>/}. */
  static String authority(MockWebServer server) {
    return "https://localhost:" + server.getPort() + "/";
  }

  /** An HTTP client that trusts {@link #httpsServer()}'s certificate (and only it). */
  static HttpClient trustingClient() {
    return HttpClient.newBuilder()
        .sslContext(new HandshakeCertificates.Builder().addTrustedCertificate(CERT.certificate())
            .build().sslContext())
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  static MockResponse json(int status, String body) {
    return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  static MockResponse tokenResponse(String token, long expiresIn) {
    return json(200, "{\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn
        + ",\"ext_expires_in\":" + expiresIn + ",\"access_token\":\"" + token + "\"}");
  }

  /** The fields of an application/x-www-form-urlencoded body, in order. */
  static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : body.split("&")) {
      int eq = part.indexOf('=');
      out.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Waits (bounded, only so that a bug fails instead of hanging) for a future's value. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("expected success, got " + e.getCause(), e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      throw new AssertionError("future did not complete", e);
    }
  }

  /** Waits for a future that must fail, and returns its cause. */
  static Throwable failure(CompletableFuture<?> future) {
    try {
      Object value = future.get(30, TimeUnit.SECONDS);
      return fail("expected a failure, got " + value);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof java.util.concurrent.CompletionException
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause;
    } catch (TimeoutException | InterruptedException e) {
      throw new AssertionError("future did not complete", e);
    }
  }

  static CredentialException credentialFailure(CompletableFuture<?> future) {
    return assertInstanceOf(CredentialException.class, failure(future));
  }

  /** A clock the test sets. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override public Instant instant() {
      return now;
    }
  }
}
