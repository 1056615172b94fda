package io.cosmoslite;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Configuration parsing for {@link CosmosClient.Builder}: endpoints, connection strings, the
 * environment, trusted certificates and the default {@code HttpClient}. Nothing here echoes a
 * value that may hold a secret.
 */
final class Config {
  private Config() {}

  /** An endpoint and a key (null: Entra ID), as a connection string or the environment has them. */
  static final class Account {
    final String endpoint;
    final String key;

    Account(String endpoint, String key) {
      this.endpoint = endpoint;
      this.key = key;
    }
  }

  /**
   * The account endpoint, normalised to end with {@code /}. HTTPS, or plain HTTP to a loopback
   * address only; no user info, query or fragment.
   */
  static String endpoint(String endpoint) {
    if (endpoint.contains(";") || endpoint.toLowerCase(Locale.ROOT).contains("accountkey")) {
      // Looks like a connection string: it would hold the key, so it is not echoed.
      throw new IllegalArgumentException("endpoint looks like a connection string; use "
          + "connectionString(...) for AccountEndpoint=...;AccountKey=...;");
    }
    URI uri;
    try {
      uri = URI.create(endpoint.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("endpoint is not a valid URI: " + shown(endpoint));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "endpoint must be an https URL with a host, got " + shown(endpoint));
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("endpoint must not have user info, a query or a "
          + "fragment: give the account URL alone, e.g. https://myaccount.documents.azure.com/");
    }
    if (scheme.equals("http") && !isLoopback(uri.getHost())) {
      throw new IllegalArgumentException("endpoint must use https; plain http is allowed only "
          + "for a loopback address (a local emulator), got host " + uri.getHost());
    }
    String text = uri.toString();
    return text.endsWith("/") ? text : text + "/";
  }

  static boolean isLoopback(String host) {
    String bare = host.startsWith("[") && host.endsWith("]")
        ? host.substring(1, host.length() - 1) : host;
    if (bare.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!bare.matches("[0-9.]+") && !bare.contains(":")) {
      return false; // a name other than localhost: no lookup here
    }
    try {
      return InetAddress.getByName(bare).isLoopbackAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** An endpoint from the caller, shown in a message only without anything after the host. */
  private static String shown(String endpoint) {
    String text = endpoint.trim();
    int cut = text.indexOf('?');
    return (cut >= 0 ? text.substring(0, cut) : text).replaceAll("//[^/@]*@", "//[user info]@");
  }

  /**
   * {@code AccountEndpoint=https://...;AccountKey=...;}: parts split on their first {@code =},
   * names case-insensitive, other parts ignored.
   */
  static Account connectionString(String connectionString) {
    String accountEndpoint = null;
    String accountKey = null;
    for (String part : connectionString.split(";")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String name = part.substring(0, eq).trim();
      String value = part.substring(eq + 1).trim();
      if (name.equalsIgnoreCase("AccountEndpoint")) {
        accountEndpoint = value;
      } else if (name.equalsIgnoreCase("AccountKey")) {
        accountKey = value;
      }
    }
    // The connection string holds the key: never echo it.
    if (accountEndpoint == null || accountEndpoint.isEmpty()) {
      throw new IllegalArgumentException("connectionString has no AccountEndpoint part");
    }
    if (accountKey == null || accountKey.isEmpty()) {
      throw new IllegalArgumentException("connectionString has no AccountKey part");
    }
    return new Account(endpoint(accountEndpoint), accountKey);
  }

  /**
   * {@code COSMOS_CONNECTION_STRING}, else {@code COSMOS_ENDPOINT} and {@code COSMOS_KEY}.
   *
   * @throws IllegalStateException naming what is missing or malformed
   */
  static Account environment(Map<String, String> env) {
    String connection = env.get("COSMOS_CONNECTION_STRING");
    if (connection != null && !connection.isBlank()) {
      try {
        return connectionString(connection);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("COSMOS_CONNECTION_STRING is malformed: "
            + e.getMessage(), e);
      }
    }
    String endpoint = env.get("COSMOS_ENDPOINT");
    String key = env.get("COSMOS_KEY");
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalStateException("set COSMOS_CONNECTION_STRING, or COSMOS_ENDPOINT (with "
          + "COSMOS_KEY, or without it for Entra ID) (missing: COSMOS_ENDPOINT)");
    }
    try {
      // Without a key: Entra ID through the default credential chain (key stays null).
      return new Account(endpoint(endpoint), key == null || key.isBlank() ? null : key);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("COSMOS_ENDPOINT is malformed: " + e.getMessage(), e);
    }
  }

  static List<Certificate> certificates(Path pemFile) {
    try (InputStream in = Files.newInputStream(pemFile)) {
      return certificates(in, pemFile.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("trustedCertificate cannot be read: " + pemFile, e);
    }
  }

  static List<Certificate> certificates(String pem) {
    return certificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)),
        "PEM text");
  }

  private static List<Certificate> certificates(InputStream in, String source) {
    try {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new IllegalArgumentException("trustedCertificate holds no certificate: " + source);
      }
      return new ArrayList<>(certs);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("trustedCertificate is not a PEM certificate: "
          + source, e);
    }
  }

  /** The builder's own {@code HttpClient}: HTTP/1.1 with keep-alive. */
  static HttpClient httpClient(Duration connectTimeout, List<Certificate> trusted) {
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .executor(Sender.prefersThreaded()
            // Requests start on our own I/O threads (Sender.Threaded), so the client's steps
            // can run where they are triggered instead of being handed to a pool: a hand-off
            // per step of every exchange was a large share of the CPU per request.
            ? Runnable::run
            // sendAsync starts an exchange on this executor (address lookup, connection): the
            // shared, idle-expiring workers keep that off the caller's thread.
            : Threads.WORKERS);
    if (trusted != null) {
      b.sslContext(sslContext(trusted));
    }
    return b.build();
  }

  private static SSLContext sslContext(List<Certificate> certificates) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < certificates.size(); i++) {
        store.setCertificateEntry("trusted-" + i, certificates.get(i));
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS with the trusted certificate", e);
    }
  }
}
