package io.cosmoslite;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A non-blocking, first-come-first-served semaphore: {@link #acquire()} returns a future that
 * completes when a permit is granted. A waiter whose future was cancelled is skipped and its
 * permit handed on, so cancellation never leaks permits.
 */
final class AsyncSemaphore {
  private final int permits;
  private final AtomicInteger available;
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> waiters =
      new ConcurrentLinkedQueue<>();

  AsyncSemaphore(int permits) {
    this.permits = permits;
    this.available = new AtomicInteger(permits);
  }

  CompletableFuture<Void> acquire() {
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    waiters.add(waiter);
    drain();
    return waiter;
  }

  void release() {
    available.incrementAndGet();
    drain();
  }

  int permits() {
    return permits;
  }

  private void drain() {
    while (true) {
      int now = available.get();
      if (now <= 0 || waiters.isEmpty()) {
        return;
      }
      if (!available.compareAndSet(now, now - 1)) {
        continue;
      }
      CompletableFuture<Void> next = waiters.poll();
      if (next == null || !next.complete(null)) {
        // Nobody to give it to (queue raced empty) or the waiter was cancelled: put it back.
        available.incrementAndGet();
      }
    }
  }
}
