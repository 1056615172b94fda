package io.cosmoslite;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A non-blocking, first-come-first-served semaphore: {@link #acquire()} returns a future that
 * completes when a permit is granted. A waiter whose future is cancelled leaves the queue at once
 * (it holds no memory until the queue drains) and never takes a permit; {@link #close} fails
 * every waiter.
 */
final class AsyncSemaphore {
  private final int permits;
  private final AtomicInteger available;
  private final AtomicInteger waiting = new AtomicInteger();
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> waiters =
      new ConcurrentLinkedQueue<>();
  private volatile RuntimeException closed;

  AsyncSemaphore(int permits) {
    this.permits = permits;
    this.available = new AtomicInteger(permits);
  }

  CompletableFuture<Void> acquire() {
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    RuntimeException refusal = closed;
    if (refusal != null) {
      waiter.completeExceptionally(refusal);
      return waiter;
    }
    waiters.add(waiter);
    waiting.incrementAndGet();
    waiter.whenComplete((ignored, error) -> {
      waiting.decrementAndGet();
      if (error != null) {
        waiters.remove(waiter); // cancelled or failed: gone now, not when the queue drains
      }
    });
    drain();
    if (closed != null) {
      waiter.completeExceptionally(closed); // closed while it was being queued
    }
    return waiter;
  }

  void release() {
    available.incrementAndGet();
    drain();
  }

  int permits() {
    return permits;
  }

  /** Permits held now (requests in flight). */
  int inUse() {
    return permits - Math.max(0, available.get());
  }

  /** Callers waiting for a permit now. */
  int waiting() {
    return waiting.get();
  }

  /** Fails every waiter, and every later acquire, with {@code why}. */
  void close(RuntimeException why) {
    closed = why;
    CompletableFuture<Void> next;
    while ((next = waiters.poll()) != null) {
      next.completeExceptionally(why);
    }
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
