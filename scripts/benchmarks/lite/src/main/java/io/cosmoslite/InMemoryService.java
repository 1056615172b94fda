package io.cosmoslite;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLSession;

/**
 * The M1P benchmark's service: a client whose requests are answered in memory, with no socket,
 * no TLS and no server, so what a packed write costs the library itself (serialising, the key's
 * hash, routing, the bulk body, reading the answer, the results) can be measured apart from
 * {@code java.net.http} and the local server. It lives in the library's package (in the bench
 * program, not the library) to reach the package-private {@link Sender} the client's builder
 * takes in tests.
 *
 * <p>It answers what a packed write sends: database and container creation (201), container
 * reads (a {@code /pk} container, hash version 2), container deletion (204), the partition key
 * ranges (one range), and bulk requests (200, each operation 201 with a charge and an etag, as
 * {@code Prefer: return=minimal} answers look). Answers and their headers are built once and
 * reused, and a bulk body is only scanned to count its operations, so the service itself costs
 * little next to the client.
 */
public final class InMemoryService {
  private static final String ETAG = "\"00000000-0000-0000-0000-000000000000\"";
  private static final byte[] OPERATION = "\"operationType\"".getBytes(StandardCharsets.US_ASCII);

  private final Map<Integer, byte[]> bulkAnswers = new ConcurrentHashMap<>();
  private final HttpHeaders headers = HttpHeaders.of(Map.of(
      "content-type", List.of("application/json"),
      "x-ms-activity-id", List.of("00000000-0000-0000-0000-000000000001"),
      "x-ms-request-charge", List.of("1"),
      "x-ms-session-token", List.of("0:-1#1")), (name, value) -> true);

  private InMemoryService() {}

  /** A client builder on a new in-memory service; set the rest as for any client. */
  public static CosmosClient.Builder clientBuilder() {
    InMemoryService service = new InMemoryService();
    Sender sender = new Sender() {
      @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
        return CompletableFuture.completedFuture(service.answer(request));
      }
    };
    return CosmosClient.builder().endpoint("https://in-memory.invalid/")
        .key("C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==")
        .sender((http, maxConcurrency) -> sender);
  }

  private HttpResponse<byte[]> answer(HttpRequest request) {
    String method = request.method();
    String[] path = request.uri().getPath().substring(1).split("/");
    if (method.equals("DELETE")) {
      return new Answer(request, 204, new byte[0]);
    }
    if (path.length == 5 && path[4].equals("docs") && method.equals("POST")) {
      int count = operations(request);
      if (count == 0) { // the body was not delivered during subscribe: the count would be wrong
        throw new IllegalStateException("no operations read from a bulk body");
      }
      return new Answer(request, 200, bulkAnswers.computeIfAbsent(count, InMemoryService::bulk));
    }
    if (path.length == 5 && path[4].equals("pkranges")) {
      return new Answer(request, 200, utf8("{\"PartitionKeyRanges\":[{\"id\":\"0\","
          + "\"minInclusive\":\"\",\"maxExclusive\":\"FF\",\"parents\":[]}],\"_count\":1}"));
    }
    if (path.length == 1 || path.length == 2) { // dbs, dbs/{db}
      String id = path.length == 2 ? path[1] : "db";
      return new Answer(request, method.equals("POST") ? 201 : 200, utf8("{\"id\":\"" + id + "\"}"));
    }
    // dbs/{db}/colls (create) or dbs/{db}/colls/{c} (read): a /pk container.
    String id = path.length == 4 ? path[3] : "c";
    return new Answer(request, method.equals("POST") ? 201 : 200, utf8("{\"id\":\"" + id
        + "\",\"partitionKey\":{\"paths\":[\"/pk\"],\"kind\":\"Hash\",\"version\":2}}"));
  }

  private static byte[] bulk(int count) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      out.append(i == 0 ? "" : ",").append("{\"statusCode\":201,\"requestCharge\":6.29,"
          + "\"eTag\":\"\\\"0000d21a-0000-0700-0000-6571b1c30000\\\"\"}");
    }
    return utf8(out.append(']').toString());
  }

  /** How many operations a bulk body holds: its {@code "operationType"} members, counted. */
  private static int operations(HttpRequest request) {
    int[] state = {0, 0}; // matched so far, operations
    request.bodyPublisher().ifPresent(body -> body.subscribe(new Flow.Subscriber<ByteBuffer>() {
      @Override public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override public void onNext(ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
          byte b = buffer.get();
          // The pattern's only '"' are its first and last bytes: on a mismatch, restart.
          state[0] = b == OPERATION[state[0]] ? state[0] + 1 : b == '"' ? 1 : 0;
          if (state[0] == OPERATION.length) {
            state[1]++;
            state[0] = 0;
          }
        }
      }

      @Override public void onError(Throwable error) {}

      @Override public void onComplete() {}
    }));
    return state[1];
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private final class Answer implements HttpResponse<byte[]> {
    private final HttpRequest request;
    private final int status;
    private final byte[] body;

    Answer(HttpRequest request, int status, byte[] body) {
      this.request = request;
      this.status = status;
      this.body = body;
    }

    @Override public int statusCode() {
      return status;
    }

    @Override public HttpRequest request() {
      return request;
    }

    @Override public Optional<HttpResponse<byte[]>> previousResponse() {
      return Optional.empty();
    }

    @Override public HttpHeaders headers() {
      return headers;
    }

    @Override public byte[] body() {
      return body;
    }

    @Override public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override public URI uri() {
      return request.uri();
    }

    @Override public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
