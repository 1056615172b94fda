package io.cosmoslite;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One subscriber's run over a source read page by page (a query, a change feed): a drain loop
 * serialises every signal to the subscriber, a page is fetched only when the demand is not
 * covered by items already received, and the Reactive Streams rules hold (checked by the TCK
 * against both publishers). What differs per source is the hooks.
 *
 * @param <T> the items
 * @param <P> what one fetch brings
 */
abstract class PagedSubscription<T, P> implements Flow.Subscription {
  private final CosmosClient client;
  private final Flow.Subscriber<? super T> downstream;
  private final AtomicLong requested = new AtomicLong();
  /** Work in progress; starts at 1 so nothing is signalled while onSubscribe runs. */
  private final AtomicInteger wip = new AtomicInteger(1);
  private final AtomicReference<Throwable> error = new AtomicReference<>();
  /** Items received but not yet requested; touched only inside the drain loop. */
  private final ArrayDeque<T> buffer = new ArrayDeque<>();
  private volatile boolean cancelled;
  private volatile boolean fetching;
  private volatile P arrived;
  private boolean terminated;

  PagedSubscription(CosmosClient client, Flow.Subscriber<? super T> downstream) {
    this.client = client;
    this.downstream = downstream;
  }

  /** Fetches the next page; {@link #isCancelled()} says whether it is still wanted. */
  abstract CompletableFuture<P> fetch();

  /** The failure a page reports (a failed result), or null when it can be taken. */
  abstract Throwable failure(P page);

  /** Takes a page in (advancing the source's position): its items. */
  abstract List<T> take(P page);

  /** Nothing more to fetch: the query's last page, or the change feed caught up. */
  abstract boolean exhausted();

  /** Stops the source: a page on its way is no longer wanted. */
  abstract void stopSource();

  /** What the subscriber is told when a page holds a JSON null (onNext(null) is forbidden). */
  abstract String nullItemMessage();

  final boolean isCancelled() {
    return cancelled;
  }

  final void start() {
    try {
      client.checkOpen();
    } catch (IllegalStateException closed) {
      // Rule 1.9: a publisher that cannot serve says so after onSubscribe, without demand.
      error.compareAndSet(null, closed);
    }
    try {
      downstream.onSubscribe(this);
    } catch (RuntimeException e) {
      cancelled = true; // rule 2.13: a throwing subscriber is treated as cancelled
    }
    drainLoop(1);
  }

  @Override public final void request(long n) {
    if (n <= 0) {
      error.compareAndSet(null, new IllegalArgumentException(
          "request(n) needs n > 0 (Reactive Streams rule 3.9), got " + n));
    } else {
      requested.getAndUpdate(r -> r + n < 0 ? Long.MAX_VALUE : r + n);
    }
    drain();
  }

  @Override public final void cancel() {
    cancelled = true;
    stopSource();
    drain();
  }

  private void drain() {
    if (wip.getAndIncrement() == 0) {
      drainLoop(1);
    }
  }

  private void drainLoop(int missed) {
    while (true) {
      if (!terminated) {
        step();
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void step() {
    if (cancelled) {
      finish();
      return;
    }
    Throwable failed = error.get();
    if (failed != null) {
      finish();
      downstream.onError(failed);
      return;
    }
    P page = arrived;
    if (page != null) {
      arrived = null;
      fetching = false;
      List<T> items = take(page);
      if (items.stream().anyMatch(Objects::isNull)) {
        // Reactive Streams forbids onNext(null); say so rather than drop items.
        finish();
        downstream.onError(new IllegalStateException(nullItemMessage()));
        return;
      }
      buffer.addAll(items);
    }
    long demand = requested.get();
    long emitted = 0;
    while (emitted != demand && !buffer.isEmpty()) {
      if (cancelled) {
        finish();
        return;
      }
      try {
        downstream.onNext(buffer.poll());
      } catch (RuntimeException e) {
        cancel(); // rule 2.13
        return;
      }
      emitted++;
    }
    if (emitted > 0 && demand != Long.MAX_VALUE) {
      requested.addAndGet(-emitted);
    }
    if (cancelled || !buffer.isEmpty() || fetching) {
      return;
    }
    if (exhausted()) {
      finish();
      downstream.onComplete();
    } else if (requested.get() > 0) {
      fetchNext();
    }
  }

  private void fetchNext() {
    fetching = true;
    CompletableFuture<P> fetched;
    try {
      client.checkOpen();
      fetched = fetch();
    } catch (RuntimeException e) {
      fetched = CompletableFuture.failedFuture(e);
    }
    fetched.whenComplete((page, problem) -> {
      Throwable failure = problem != null ? Pipeline.unwrap(problem) : failure(page);
      if (failure != null) {
        error.compareAndSet(null, failure);
      } else {
        arrived = page;
      }
      drain();
    });
  }

  private void finish() {
    terminated = true;
    cancelled = true;
    buffer.clear();
    stopSource();
  }
}
