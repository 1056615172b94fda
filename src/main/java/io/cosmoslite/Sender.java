package io.cosmoslite;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  /**
   * Blocking sends on daemon threads of this client's own.
   *
   * <p>An answer's continuation (the pipeline's steps, releasing its permit, callers' stages)
   * runs on the I/O thread that received it, and often starts the next request — the one that
   * waited for that permit, or the next batch of a bulk write. Handed to the pool, that send
   * would find no idle thread (this one is still finishing) and make one more: the count would
   * creep past the in-flight limit. So a send started by a finishing thread, when no other
   * thread is waiting for work (the pool's queue takes no offer), is handed off to that thread,
   * which makes it as soon as its continuation returns (two such sends: one after the other).
   * Should the continuation not return soon (a caller's stage that
   * blocks, waiting for that very request, say), the send is rescued after {@link #RESCUE_MS} by
   * another thread: waiting callers never deadlock, and only then is there a thread more than
   * requests in flight (which later sends find idle, so long continuations cost that delay once).
   */
  static final class Threaded extends Sender {
    /** How long a handed-off send waits for its thread before another one takes it. */
    static final long RESCUE_MS = 1;
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** Set while an I/O thread runs an answer's continuation: where it takes a send over. */
    private static final ThreadLocal<Finishing> FINISHING = new ThreadLocal<>();

    private final HttpClient http;
    private final ThreadPoolExecutor threads;
    /** Handed-off sends not yet claimed by their thread (the rescue looks at these). */
    private final Queue<Task> handedOff = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean rescueArmed = new AtomicBoolean();
    private final long rescueNanos;

    Threaded(HttpClient http, int maxConcurrency) {
      this(http, maxConcurrency, RESCUE_MS);
    }

    /** With another rescue delay: tests that count threads make it longer than any pause. */
    Threaded(HttpClient http, int maxConcurrency, long rescueMs) {
      this.http = http;
      this.threads = Threads.ioPool("cosmos-lite-io-" + POOLS.incrementAndGet());
      this.rescueNanos = TimeUnit.MILLISECONDS.toNanos(rescueMs);
    }

    /** Threads alive now (busy or idle). */
    int threads() {
      return threads.getPoolSize();
    }

    /** The most threads this sender ever had at once. */
    int largestThreads() {
      return threads.getLargestPoolSize();
    }

    /** Threads inside {@code HttpClient.send} right now. */
    int busy() {
      return threads.getActiveCount();
    }

    @Override void close() {
      threads.shutdown();
    }

    @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
      Task task = new Task(request);
      task.response.whenComplete((r, e) -> {
        if (task.response.isCancelled()) {
          task.cancel();
        }
      });
      Finishing finishing = FINISHING.get();
      if (finishing == null || finishing.sender != this) {
        execute(task);
      } else if (!threads.getQueue().offer(() -> run(task))) {
        // No thread is waiting for work this instant (a thread between two tasks does not
        // count, as it would in the pool's active count): this one takes the send over.
        finishing.next.add(task);
        task.handedOffAt = System.nanoTime();
        handedOff.add(task);
        armRescue();
      }
      return task.response;
    }

    private void execute(Task task) {
      try {
        threads.execute(() -> run(task));
      } catch (RejectedExecutionException e) {
        // Nothing left: the request provably never went out.
        if (task.claim()) {
          task.response.completeExceptionally(new java.net.ConnectException("client is closed"));
        }
      }
    }

    /** On an I/O thread: this send, then each one handed off to this thread meanwhile. */
    private void run(Task first) {
      Deque<Task> mine = new ArrayDeque<>();
      mine.add(first);
      for (Task task; (task = mine.poll()) != null; ) {
        if (task != first) {
          handedOff.remove(task);
        }
        if (!task.claim()) {
          continue; // cancelled, or a rescue took it
        }
        if (task != first && threads.isShutdown()) {
          // Closed meanwhile: as a send started after close(), provably never sent.
          task.response.completeExceptionally(new java.net.ConnectException("client is closed"));
          continue;
        }
        HttpResponse<byte[]> response = null;
        Throwable failure = null;
        try {
          response = task.sendOn(http);
        } catch (InterruptedException e) {
          // Cancelled by the caller: HttpClient.send has cancelled the exchange.
          failure = new IOException("request cancelled", e);
        } catch (Throwable e) {
          failure = e;
        }
        Finishing finishing = new Finishing(this);
        FINISHING.set(finishing);
        try {
          if (failure == null) {
            task.response.complete(response);
          } else {
            task.response.completeExceptionally(failure);
          }
        } finally {
          FINISHING.remove();
        }
        mine.addAll(finishing.next);
      }
    }

    private void armRescue() {
      if (rescueArmed.compareAndSet(false, true)) {
        // On a worker, not the timer: a send refused after close() completes its caller there.
        Threads.schedule(this::rescue, TimeUnit.NANOSECONDS.toMillis(rescueNanos),
            Threads.WORKERS);
      }
    }

    /** Sends handed off longer than the rescue delay ago go to a thread of their own. */
    private void rescue() {
      rescueArmed.set(false);
      long now = System.nanoTime();
      for (Task task : handedOff) {
        if (task.isClaimed()) {
          handedOff.remove(task);
        } else if (now - task.handedOffAt >= rescueNanos) {
          handedOff.remove(task);
          execute(task); // whoever claims it first sends it: its thread or the new one
        }
      }
      if (!handedOff.isEmpty()) {
        armRescue();
      }
    }

    /** The continuation an I/O thread is running, and the send handed off to it. */
    private static final class Finishing {
      final Threaded sender;
      /** In order; all but the first wait for the one before, unless a rescue takes them. */
      final List<Task> next = new ArrayList<>(1);

      Finishing(Threaded sender) {
        this.sender = sender;
      }
    }

    /** One send: claimed once (by its thread or a rescue), interruptible only while sending. */
    private static final class Task {
      final HttpRequest request;
      final CompletableFuture<HttpResponse<byte[]>> response = new CompletableFuture<>();
      private final AtomicBoolean claimed = new AtomicBoolean();
      private Thread sending; // guarded by this
      long handedOffAt;

      Task(HttpRequest request) {
        this.request = request;
      }

      boolean claim() {
        return !response.isDone() && claimed.compareAndSet(false, true);
      }

      boolean isClaimed() {
        return claimed.get();
      }

      HttpResponse<byte[]> sendOn(HttpClient http) throws IOException, InterruptedException {
        synchronized (this) {
          if (response.isCancelled()) {
            throw new InterruptedException("cancelled before it was sent");
          }
          sending = Thread.currentThread();
        }
        try {
          return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } finally {
          synchronized (this) {
            sending = null;
          }
          Thread.interrupted(); // a cancel that landed while sending ends here, not later
        }
      }

      /** The caller cancelled: never sent if not started, else its exchange interrupted. */
      void cancel() {
        if (claimed.compareAndSet(false, true)) {
          return;
        }
        synchronized (this) {
          if (sending != null) {
            sending.interrupt();
          }
        }
      }
    }
  }
}
