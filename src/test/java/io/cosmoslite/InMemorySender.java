package io.cosmoslite;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.net.ssl.SSLSession;

/**
 * A Sender that answers in memory, with no socket: for tests that push many requests through the
 * pipeline (the Reactive Streams TCK, a million-item write) where a MockWebServer would be the
 * bottleneck. It counts what it was sent.
 */
final class InMemorySender extends Sender {
  /** What the handler answers. */
  static final class Answer {
    final int status;
    final Map<String, String> headers;
    final byte[] body;

    Answer(int status, Map<String, String> headers, String body) {
      this.status = status;
      this.headers = headers;
      this.body = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    }
  }

  final AtomicLong sent = new AtomicLong();
  private final Function<HttpRequest, Answer> handler;

  InMemorySender(Function<HttpRequest, Answer> handler) {
    this.handler = handler;
  }

  /** A client on this sender (the endpoint is never dialled). */
  CosmosClient.Builder client() {
    return CosmosClient.builder().endpoint("https://in-memory.example/").key(MockCosmos.KEY)
        .sender((http, max) -> this);
  }

  /** The bytes of a request's body (the client's publishers deliver them at once). */
  static byte[] body(HttpRequest request) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    request.bodyPublisher().ifPresent(publisher -> publisher.subscribe(
        new java.util.concurrent.Flow.Subscriber<java.nio.ByteBuffer>() {
          @Override public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override public void onNext(java.nio.ByteBuffer item) {
            byte[] bytes = new byte[item.remaining()];
            item.get(bytes);
            out.writeBytes(bytes);
          }

          @Override public void onError(Throwable throwable) {}

          @Override public void onComplete() {}
        }));
    return out.toByteArray();
  }

  @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
    sent.incrementAndGet();
    Answer answer;
    try {
      answer = handler.apply(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(new Response(request, answer));
  }

  private static final class Response implements HttpResponse<byte[]> {
    private final HttpRequest request;
    private final Answer answer;

    Response(HttpRequest request, Answer answer) {
      this.request = request;
      this.answer = answer;
    }

    @Override public int statusCode() {
      return answer.status;
    }

    @Override public HttpRequest request() {
      return request;
    }

    @Override public Optional<HttpResponse<byte[]>> previousResponse() {
      return Optional.empty();
    }

    @Override public HttpHeaders headers() {
      Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      answer.headers.forEach((name, value) -> map.put(name, List.of(value)));
      return HttpHeaders.of(map, (name, value) -> true);
    }

    @Override public byte[] body() {
      return answer.body;
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
