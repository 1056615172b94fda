package io.cosmoslite;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of every client in the JVM: one timer that only hands work on, and an
 * idle-expiring worker pool (no core threads, 60 s keep-alive, as OkHttp's dispatcher), so a JVM
 * with no client busy has no cosmos-lite thread but the timer. Nothing here runs a caller's code
 * on the timer thread.
 */
final class Threads {
  private static final long KEEP_ALIVE_SECONDS = 60;

  /** Library steps started by the timer (retries, time limits) and exchange start-ups. */
  static final ExecutorService WORKERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), factory("cosmos-lite-worker"));

  private static final ScheduledThreadPoolExecutor TIMER = newTimer();

  private Threads() {}

  private static ScheduledThreadPoolExecutor newTimer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, factory("cosmos-lite-timer"));
    timer.setRemoveOnCancelPolicy(true); // a cancelled wait frees its call at once
    timer.setKeepAliveTime(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    return timer;
  }

  /** Runs {@code task} on {@code executor} after {@code delayMs}; the timer only hands it on. */
  static ScheduledFuture<?> schedule(Runnable task, long delayMs, Executor executor) {
    return TIMER.schedule(() -> executor.execute(task), delayMs, TimeUnit.MILLISECONDS);
  }

  /**
   * A client's own I/O threads for blocking sends, made on demand; idle ones end after 60 s.
   * Sends never queue behind a busy thread: a caller's stage that blocks on an I/O thread (it
   * waits for another call) must not stall the send it waits for. {@link Sender.Threaded} hands
   * the next send to the thread that finishes, so the count stays at the requests in flight.
   */
  static ThreadPoolExecutor ioPool(String name) {
    return new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
        new SynchronousQueue<>(), factory(name));
  }

  static ThreadFactory factory(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
