package io.cosmoslite.bench;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * cosmos-local's request counters ({@code POST /_local/stats/reset}, {@code GET /_local/stats};
 * the admin paths are not counted themselves): how many requests a run cost the server, so
 * requests per document can be compared across clients, the SDK's bulk included. Best effort:
 * against another server, or when anything fails, the run simply has no such fields. The HTTP
 * client is built on first use, so W4's cold start does not pay for it.
 */
final class ServerStats {
    private static final Pattern REQUESTS = Pattern.compile("\"requests\":(\\d+)");
    private static final Pattern BY_STATUS = Pattern.compile("\"byStatus\":\\{([^}]*)\\}");
    private static final Pattern ENTRY = Pattern.compile("\"(\\w+)\":(\\d+)");

    private final String endpoint;
    private final String cert;
    private HttpClient http;
    private boolean broken;

    ServerStats(String endpoint, String cert) {
        this.endpoint = endpoint;
        this.cert = cert;
    }

    /** Zeroes the server's counters; false when that is not possible (then skip {@link #read}). */
    boolean reset() {
        String body = send("POST", "/_local/stats/reset");
        return body != null && body.contains("\"requests\":0");
    }

    /** The counters since the last reset, or null. */
    Map<String, Object> read() {
        String body = send("GET", "/_local/stats");
        if (body == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Matcher m = REQUESTS.matcher(body);
        if (!m.find()) {
            return null;
        }
        out.put("requests", Long.parseLong(m.group(1)));
        m = BY_STATUS.matcher(body);
        if (m.find()) {
            Map<String, Object> byStatus = new LinkedHashMap<>();
            Matcher e = ENTRY.matcher(m.group(1));
            while (e.find()) {
                byStatus.put(e.group(1), Long.parseLong(e.group(2)));
            }
            out.put("byStatus", byStatus);
        }
        return out;
    }

    private String send(String method, String path) {
        if (broken) {
            return null;
        }
        try {
            if (http == null) {
                http = client();
            }
            HttpRequest req = HttpRequest.newBuilder(URI.create(endpoint).resolve(path))
                    .timeout(Duration.ofSeconds(10))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            return res.statusCode() == 200 ? res.body() : null;
        } catch (Exception e) {
            System.err.println("server stats unavailable: " + e);
            broken = true;
            return null;
        }
    }

    private HttpClient client() throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (cert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            try (InputStream in = Files.newInputStream(Path.of(cert))) {
                int i = 0;
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("local-" + i++, (X509Certificate) c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            b.sslContext(ssl);
        }
        return b.build();
    }
}
