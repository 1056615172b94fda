package io.cosmoslite;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands one request to the JDK {@code HttpClient} and returns a future of its response.
 *
 * <p>{@code HttpClient.sendAsync} completes every response future through
 * {@code CompletableFuture}'s default async executor. That is the common pool when it has at
 * least two threads, but on a machine with one or two CPUs (common-pool parallelism below 2) it
 * is a new thread per task: one thread created and destroyed per response, which measured here
 * doubles the CPU cost of a request. There, requests are sent with the blocking
 * {@code HttpClient.send} on the client's own I/O threads instead (as OkHttp's dispatcher runs
 * calls), which has no such hop. Callers are never blocked either way. I/O threads are made on
 * demand (see {@link Threads#ioPool}); idle ones end after 60 seconds, and {@link #close()} ends
 * them once idle.
 */
abstract class Sender {
  abstract CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request);

  /** Releases the threads this sender owns; requests already sent still complete. */
  void close() {}

  /** The cheaper way for this JVM. */
  static Sender forJvm(HttpClient http, int maxConcurrency) {
    return forParallelism(http, ForkJoinPool.getCommonPoolParallelism(), maxConcurrency);
  }

  static Sender forParallelism(HttpClient http, int commonPoolParallelism, int maxConcurrency) {
    return commonPoolParallelism <= 1 ? threaded(http, maxConcurrency) : async(http);
  }

  /** True when {@link #forJvm} sends on the client's own I/O threads. */
  static boolean prefersThreaded() {
    return ForkJoinPool.getCommonPoolParallelism() <= 1;
  }

  static Sender async(HttpClient http) {
    return new Sender() {
      @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
      }
    };
  }

  static Sender threaded(HttpClient http, int maxConcurrency) {
    return new Threaded(http, maxConcurrency);
  }

  /** Blocking sends on daemon threads of this client's own. */
  static final class Threaded extends Sender {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private final HttpClient http;
    private final ThreadPoolExecutor threads;

    Threaded(HttpClient http, int maxConcurrency) {
      this.http = http;
      this.threads = Threads.ioPool("cosmos-lite-io-" + POOLS.incrementAndGet());
    }

    /** Threads alive now (busy or idle). */
    int threads() {
      return threads.getPoolSize();
    }

    /** Threads inside {@code HttpClient.send} right now. */
    int busy() {
      return threads.getActiveCount();
    }

    @Override void close() {
      threads.shutdown();
    }

    @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
      CompletableFuture<HttpResponse<byte[]>> response = new CompletableFuture<>();
      Future<?> task;
      try {
        task = threads.submit(() -> {
          try {
            response.complete(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
          } catch (InterruptedException e) {
            // Cancelled by the caller: HttpClient.send has cancelled the exchange.
            response.completeExceptionally(new IOException("request cancelled", e));
          } catch (Throwable e) {
            response.completeExceptionally(e);
          }
        });
      } catch (RejectedExecutionException e) {
        // Nothing left: the request provably never went out.
        response.completeExceptionally(new java.net.ConnectException("client is closed"));
        return response;
      }
      response.whenComplete((r, e) -> {
        if (response.isCancelled()) {
          task.cancel(true);
        }
      });
      return response;
    }
  }
}
