package io.cosmoslite;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * calls), which has no such hop. Callers are never blocked either way, and results complete
 * (and callers' dependent stages run) on those I/O threads, or on the common pool with
 * sendAsync. There are at most as many I/O threads as the client's in-flight limit; idle ones
 * end after 30 seconds.
 */
abstract class Sender {
  abstract CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request);

  /** The cheaper way for this JVM. */
  static Sender forJvm(HttpClient http) {
    return forParallelism(http, ForkJoinPool.getCommonPoolParallelism());
  }

  /** True when {@link #forJvm} sends on the client's own I/O threads. */
  static boolean prefersThreaded() {
    return ForkJoinPool.getCommonPoolParallelism() <= 1;
  }

  /** The executor of the client's own {@code HttpClient} when requests go out with sendAsync. */
  static ExecutorService httpExecutor() {
    AtomicInteger count = new AtomicInteger();
    return java.util.concurrent.Executors.newFixedThreadPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()), runnable -> {
          Thread thread = new Thread(runnable, "cosmos-lite-http-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  static Sender forParallelism(HttpClient http, int commonPoolParallelism) {
    return commonPoolParallelism > 1 ? async(http) : threaded(http);
  }

  static Sender async(HttpClient http) {
    return new Sender() {
      @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
      }
    };
  }

  static Sender threaded(HttpClient http) {
    return new Threaded(http);
  }

  /**
   * Blocking sends on daemon threads made on demand and kept 30 s when idle. Their number is
   * bounded by the client's in-flight limit, since a request is sent only with a permit.
   */
  static final class Threaded extends Sender {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private final HttpClient http;
    private final ExecutorService threads;

    Threaded(HttpClient http) {
      this.http = http;
      int pool = POOLS.incrementAndGet();
      AtomicInteger count = new AtomicInteger();
      this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
          new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(runnable,
                "cosmos-lite-io-" + pool + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });
    }

    /** Threads inside {@code HttpClient.send} right now. */
    int busy() {
      return ((ThreadPoolExecutor) threads).getActiveCount();
    }

    @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
      CompletableFuture<HttpResponse<byte[]>> response = new CompletableFuture<>();
      Future<?> task = threads.submit(() -> {
        try {
          response.complete(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
        } catch (InterruptedException e) {
          // Cancelled by the caller: HttpClient.send has cancelled the exchange.
          response.completeExceptionally(new IOException("request cancelled", e));
        } catch (Throwable e) {
          response.completeExceptionally(e);
        }
      });
      response.whenComplete((r, e) -> {
        if (response.isCancelled()) {
          task.cancel(true);
        }
      });
      return response;
    }
  }
}
