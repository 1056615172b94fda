package io.cosmoslite;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A container's change feed (pull model) that has not been read yet: nothing is sent until a
 * page is asked for. Made by {@link CosmosClient#changeFeed}.
 *
 * <pre>{@code
 * ChangeFeed<Order> feed = client.changeFeed("shop", "orders",
 *     ChangeFeedOptions.builder().startFromBeginning().build(), DocumentType.of(Order.class));
 * ChangeFeedPage<Order> page = feed.nextPage().join();
 * store(page.continuationToken()); // resumes exactly after this page, in any process
 * }</pre>
 *
 * <p><b>Pages and ranges.</b> The feed keeps a position (an etag) for each partition-key range
 * of its scope. Each page is <em>one</em> request, to the next range in turn (round-robin), so
 * a busy range cannot starve the others: {@code GET .../docs} with {@code A-IM},
 * {@code x-ms-documentdb-partitionkeyrangeid} (and {@code x-ms-start-epk}/{@code x-ms-end-epk}
 * when the scope is narrower than the range), the range's etag as {@code If-None-Match} (or the
 * start: nothing, {@code *}, {@code If-Modified-Since}), {@code x-ms-max-item-count}, and only
 * that range's session token. A partition-key scope is one position, sent with
 * {@code x-ms-documentdb-partitionkey}. A range with nothing new answers 304: an empty page.
 * A page is <em>caught up</em> ({@link ChangeFeedPage#hasMoreChanges()} false) when every
 * range answered nothing new in a row, the round ending at that page; the next round starts
 * afresh. Starting from now, the first page sends {@code If-None-Match: *} to every range at
 * once (one request per range) to pin each range's "now", so that a token taken later resumes
 * exactly; it is caught up when they all answer 304.
 *
 * <p><b>Continuation tokens</b> hold every range's id, EPK interval and etag, the round's
 * place, the mode and the start: {@link ChangeFeedPage#continuationToken()} resumes in a new
 * client exactly after that page.
 *
 * <p><b>Splits.</b> A range that answers 410 with substatus 1002 was split: the feed re-reads
 * the partition map ({@code pkranges}) and puts the children in the parent's place, each
 * resuming from the parent's etag (the service's children continue the parent's LSNs), then
 * sends the page to the first child. No change is delivered twice or skipped. A token naming a
 * range that no longer exists is handled the same way.
 *
 * <p><b>Failures.</b> As {@link DocumentQuery}: a failed page (after the client's retries)
 * completes {@link #nextPage()} exceptionally with {@link CosmosException} when the client raises
 * on failure, else with a failed page; the position stays, so asking again retries it.
 *
 * <p><b>Reading it.</b> {@link #nextPage()} walks this object's cursor. {@link #subscribe}
 * publishes changes from the feed's start until it has caught up, then completes (a change feed
 * never ends; {@link #poll} keeps following it). Each subscription has its own cursor and never
 * requests a page before the items of the previous one are wanted.
 *
 * @param <T> the type each change is mapped to (in
 *     {@link ChangeFeedOptions.Mode#ALL_VERSIONS_AND_DELETES}, the change object with
 *     {@code current}, {@code previous} and {@code metadata})
 */
public final class ChangeFeed<T> implements Flow.Publisher<T> {
  private static final int SPLIT_REFRESHES = 3;

  private final CosmosClient client;
  private final String database;
  private final String container;
  private final CosmosRequest.Link link;
  private final ChangeFeedOptions options;
  private final Pipeline.BodyMapper<List<T>> mapper;
  private final Documents.Reads reads;
  private final Cursor pager;
  private final AtomicBoolean paging = new AtomicBoolean();

  ChangeFeed(CosmosClient client, String database, String container, ChangeFeedOptions options,
      Type itemType, Documents.Reads reads) {
    this.client = client;
    this.database = database;
    this.container = container;
    this.link = Containers.link(database, container);
    this.options = Objects.requireNonNull(options, "options == null");
    this.mapper = body -> Json.feedItems(body, "Documents", itemType);
    this.reads = reads;
    this.pager = new Cursor();
  }

  /**
   * The token of the position the next page starts from: the options' token, or after the
   * last page taken; null before the first page of a feed started without a token.
   */
  public String continuationToken() {
    ChangeFeeds.State state = pager.state;
    return state == null ? null : state.encode();
  }

  /**
   * Sends the request for the next page of this object's cursor (see the class description)
   * and completes with it. Only one page may be on its way at a time. Cancelling the returned
   * future cancels its request and leaves the cursor where it was.
   *
   * @return a future of the page; exceptionally with {@link CosmosException} when it failed and
   *     the client raises on failure (otherwise a failed page), or when the partition map
   *     could not be read
   * @throws IllegalStateException when the previous page has not arrived yet, or the client is
   *     closed
   */
  public CompletableFuture<ChangeFeedPage<T>> nextPage() {
    client.checkOpen();
    if (!paging.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "nextPage() called while the previous page is still on its way; wait for it first");
    }
    CompletableFuture<ChangeFeedPage<T>> out = new CompletableFuture<>();
    CompletableFuture<Step> fetched;
    try {
      fetched = pager.fetch();
    } catch (RuntimeException e) {
      paging.set(false);
      throw e;
    }
    fetched.whenComplete((step, error) -> {
      if (error == null && !out.isDone() && step.page.result().isOk()) {
        pager.state = step.state; // the page is taken: the cursor moves past it
      }
      paging.set(false); // before completing, so a dependent stage may ask for the next page
      client.pipeline.callback(() -> {
        if (error != null) {
          out.completeExceptionally(Pipeline.unwrap(error));
        } else if (!step.page.result().isOk() && client.raisesOnFailure()) {
          out.completeExceptionally(
              Results.exception("GET " + link.display + "/docs", step.page.result()));
        } else {
          out.complete(step.page);
        }
      });
    });
    out.whenComplete((page, error) -> {
      if (!fetched.isDone()) {
        pager.cancel(); // not taken: the cursor stays
      }
    });
    return out;
  }

  /**
   * Follows the feed with this object's cursor: asks for a page, hands it to {@code handler},
   * then gives {@code checkpoint} the page's continuation token; asks at once for the next
   * page while there are more changes, and after {@code interval} (scheduled, no thread waits)
   * once caught up. Handlers run on the thread that completed the page (the client's callback
   * executor when set) or a cosmos-lite worker, never on the timer thread, one page at a time.
   * Do not call {@link #nextPage()} while polling.
   *
   * @return the handle: {@link Polling#stop()} ends it
   * @throws NullPointerException for a null argument
   * @throws IllegalArgumentException when {@code interval} is negative
   * @throws IllegalStateException when the client is closed
   */
  public Polling poll(Consumer<? super ChangeFeedPage<T>> handler, Duration interval,
      Consumer<? super String> checkpoint) {
    Objects.requireNonNull(handler, "handler == null");
    Objects.requireNonNull(interval, "interval == null");
    Objects.requireNonNull(checkpoint, "checkpoint == null");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must not be negative, got " + interval);
    }
    client.checkOpen();
    Polling polling = new Polling(handler, interval.toMillis(), checkpoint);
    Threads.WORKERS.execute(polling::next);
    return polling;
  }

  /**
   * Publishes the changes from the feed's start until the feed has caught up (a page with
   * {@link ChangeFeedPage#hasMoreChanges()} false), then completes. A page is requested only
   * when the subscriber's outstanding demand is not covered by changes already received.
   * Follows the Reactive Streams rules (signals serialised, never more {@code onNext} than
   * requested, {@code request(n <= 0)} ends in {@code onError(IllegalArgumentException)});
   * {@code cancel()} stops and cancels a page on its way; a failed page ends in
   * {@code onError(CosmosException)}.
   *
   * @throws NullPointerException when {@code subscriber} is null
   */
  @Override public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber == null");
    new Subscription(subscriber).start();
  }

  /** The container and the options (tokens shortened). */
  @Override public String toString() {
    return "ChangeFeed{" + link.display + ", " + options + "}";
  }

  /** A page and the position after it. */
  private final class Step {
    final ChangeFeedPage<T> page;
    final ChangeFeeds.State state;

    Step(ChangeFeedPage<T> page, ChangeFeeds.State state) {
      this.page = page;
      this.state = state;
    }
  }

  /** A position in the feed and the requests that move it. */
  private final class Cursor {
    /** Null until the first page resolves the scope into positions. */
    volatile ChangeFeeds.State state = options.state;
    private volatile CompletableFuture<?> inFlight;
    private volatile boolean cancelled;

    CompletableFuture<Step> fetch() {
      cancelled = false;
      return client.containers.ranges(database, container)
          .thenCompose(map -> initial(map).thenCompose(start -> fetch(start, map, 0)));
    }

    void cancel() {
      cancelled = true;
      CompletableFuture<?> current = inFlight;
      if (current != null) {
        current.cancel(true);
      }
    }

    /** The cursor's state; at the first page, the positions of the options' scope. */
    private CompletableFuture<ChangeFeeds.State> initial(PartitionKeyRanges map) {
      ChangeFeeds.State known = state;
      if (known != null) {
        return CompletableFuture.completedFuture(known);
      }
      if (options.partitionKey != null) {
        return client.containers.container(database, container).thenApply(c -> {
          String[] epk = EffectivePartitionKey.range(options.partitionKey, c.definition);
          return new ChangeFeeds.State(options.mode, options.start, options.startTime,
              options.partitionKey.header(),
              List.of(new ChangeFeeds.Position(null, epk[0], epk[1], null)), 0, 0);
        });
      }
      String[] bounds = options.feedRange != null
          ? ChangeFeeds.decodeFeedRange(options.feedRange)
          : new String[] {"", EffectivePartitionKey.MAX_EXCLUSIVE};
      return CompletableFuture.completedFuture(new ChangeFeeds.State(options.mode, options.start,
          options.startTime, null, positions(map, bounds[0], bounds[1], null), 0, 0));
    }

    private CompletableFuture<Step> fetch(ChangeFeeds.State s, PartitionKeyRanges map,
        int refreshes) {
      if (cancelled) {
        return CompletableFuture.failedFuture(
            new java.util.concurrent.CancellationException("page no longer wanted"));
      }
      if (s.start == ChangeFeedOptions.Start.NOW && s.positions.stream()
          .anyMatch(p -> p.etag == null)) {
        return pin(s, map, refreshes);
      }
      ChangeFeeds.Position p = s.positions.get(s.next);
      CompletableFuture<CosmosResult<List<T>>> sent = send(s, p, map);
      return sent.thenCompose(result -> {
        if (isSplit(result, p)) {
          return split(s, List.of(s.next), map, refreshes, result);
        }
        if (!result.isOk()) {
          return CompletableFuture.completedFuture(failed(s, result));
        }
        List<T> items = result.data() == null ? List.of() : result.data();
        List<ChangeFeeds.Position> positions = new ArrayList<>(s.positions);
        positions.set(s.next, p.at(result.etag() != null ? result.etag() : p.etag));
        int quiet = items.isEmpty() ? s.quiet + 1 : 0;
        boolean caughtUp = quiet >= positions.size();
        ChangeFeeds.State after = s.with(positions, s.next + 1, caughtUp ? 0 : quiet);
        return CompletableFuture.completedFuture(
            new Step(new ChangeFeedPage<>(items, after.encode(), caughtUp, result), after));
      });
    }

    /** From now: {@code If-None-Match: *} to every range not pinned yet, at once. */
    private CompletableFuture<Step> pin(ChangeFeeds.State s, PartitionKeyRanges map,
        int refreshes) {
      List<Integer> open = new ArrayList<>();
      List<CompletableFuture<CosmosResult<List<T>>>> sent = new ArrayList<>();
      for (int i = 0; i < s.positions.size(); i++) {
        if (s.positions.get(i).etag == null) {
          open.add(i);
          sent.add(send(s, s.positions.get(i), map));
        }
      }
      CompletableFuture<Void> all = CompletableFuture.allOf(sent.toArray(new CompletableFuture[0]));
      inFlight = all;
      return all.thenCompose(ignored -> {
        List<ChangeFeeds.Position> positions = new ArrayList<>(s.positions);
        List<Integer> splits = new ArrayList<>();
        List<T> items = new ArrayList<>();
        CosmosResult<List<T>> last = null;
        boolean quiet = true;
        for (int k = 0; k < open.size(); k++) {
          int i = open.get(k);
          CosmosResult<List<T>> result = sent.get(k).getNow(null); // all are done here
          if (isSplit(result, s.positions.get(i))) {
            splits.add(i);
            last = result;
            continue;
          }
          if (!result.isOk()) {
            return CompletableFuture.completedFuture(failed(s, result));
          }
          if (result.data() != null && !result.data().isEmpty()) {
            items.addAll(result.data());
            quiet = false;
          }
          positions.set(i, s.positions.get(i).at(result.etag()));
          last = result;
        }
        ChangeFeeds.State after = s.with(positions, 0, 0);
        if (!splits.isEmpty()) {
          return split(after, splits, map, refreshes, last);
        }
        return CompletableFuture.completedFuture(new Step(
            new ChangeFeedPage<>(items, after.encode(), quiet, last), after));
      });
    }

    /** Re-reads the map and puts each split range's children in its place, then goes on. */
    private CompletableFuture<Step> split(ChangeFeeds.State s, List<Integer> gone,
        PartitionKeyRanges stale, int refreshes, CosmosResult<List<T>> goneResult) {
      if (refreshes >= SPLIT_REFRESHES) {
        return CompletableFuture.completedFuture(failed(s, Results.withError(goneResult,
            "range still gone after " + refreshes + " partition map refreshes: "
                + goneResult.error())));
      }
      CompletableFuture<PartitionKeyRanges> refreshed =
          client.containers.refreshRanges(database, container, stale);
      inFlight = refreshed;
      return refreshed.thenCompose(map -> {
        List<ChangeFeeds.Position> positions = new ArrayList<>();
        int next = s.next;
        for (int i = 0; i < s.positions.size(); i++) {
          ChangeFeeds.Position p = s.positions.get(i);
          if (!gone.contains(i)) {
            positions.add(p);
            continue;
          }
          List<ChangeFeeds.Position> children = positions(map, p.min, p.max, p.etag);
          if (i < s.next) {
            next += children.size() - 1;
          }
          positions.addAll(children);
        }
        return fetch(s.with(positions, next, s.quiet), map, refreshes + 1);
      });
    }

    private CompletableFuture<CosmosResult<List<T>>> send(ChangeFeeds.State s,
        ChangeFeeds.Position p, PartitionKeyRanges map) {
      PartitionKeyRanges.Range physical = p.rangeId == null ? null : map.byId(p.rangeId);
      CosmosRequest request = ChangeFeeds.page(link, s, p, physical, options,
          sessionToken(p, physical, map), reads);
      CompletableFuture<CosmosResult<List<T>>> sent = client.pipeline.execute(request, mapper);
      inFlight = sent;
      return sent;
    }

    /** The options' session token, else only the target range's own (or its parents'). */
    private String sessionToken(ChangeFeeds.Position p, PartitionKeyRanges.Range physical,
        PartitionKeyRanges map) {
      if (options.sessionToken != null) {
        return options.sessionToken;
      }
      SessionTokens sessions = client.pipeline.sessions;
      if (p.rangeId == null) {
        return sessions.get(link.raw, map.overlapping(p.min, p.max));
      }
      return physical != null ? sessions.get(link.raw, p.rangeId, physical.parents)
          : sessions.get(link.raw, p.rangeId);
    }

    private Step failed(ChangeFeeds.State s, CosmosResult<List<T>> result) {
      return new Step(new ChangeFeedPage<>(List.of(), s.encode(), false, result), s);
    }
  }

  private static boolean isSplit(CosmosResult<?> result, ChangeFeeds.Position p) {
    return p.rangeId != null && result.code() == 410 && result.subStatus() == 1002;
  }

  /** Positions for the live ranges overlapping {@code [min, max)}, clipped to it. */
  private static List<ChangeFeeds.Position> positions(PartitionKeyRanges map, String min,
      String max, String etag) {
    List<ChangeFeeds.Position> out = new ArrayList<>();
    for (PartitionKeyRanges.Range r : map.overlapping(min, max)) {
      String lo = r.minInclusive.compareTo(min) > 0 ? r.minInclusive : min;
      String hi = r.maxExclusive.compareTo(max) < 0 ? r.maxExclusive : max;
      out.add(new ChangeFeeds.Position(r.id, lo, hi, etag));
    }
    return out;
  }

  /**
   * A running {@link #poll}: stops on demand, and says when it ended (stopped, a failed page,
   * or a handler or checkpoint that threw).
   */
  public final class Polling {
    private final Consumer<? super ChangeFeedPage<T>> handler;
    private final long intervalMs;
    private final Consumer<? super String> checkpoint;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile ScheduledFuture<?> timer;
    private volatile CompletableFuture<ChangeFeedPage<T>> current;

    private Polling(Consumer<? super ChangeFeedPage<T>> handler, long intervalMs,
        Consumer<? super String> checkpoint) {
      this.handler = handler;
      this.intervalMs = intervalMs;
      this.checkpoint = checkpoint;
    }

    /**
     * Stops polling: no handler is called after a running one returns, a page on its way is
     * cancelled, a scheduled wait ends.
     *
     * @return {@link #done()}
     */
    public CompletableFuture<Void> stop() {
      done.complete(null);
      ScheduledFuture<?> waiting = timer;
      if (waiting != null) {
        waiting.cancel(false);
      }
      CompletableFuture<ChangeFeedPage<T>> page = current;
      if (page != null) {
        page.cancel(true);
      }
      return done;
    }

    /**
     * Completes normally when stopped; exceptionally with the {@link CosmosException} of a
     * failed page (whatever the client's raise switch) or what the handler or checkpoint threw.
     */
    public CompletableFuture<Void> done() {
      return done;
    }

    private void next() {
      if (done.isDone()) {
        return;
      }
      CompletableFuture<ChangeFeedPage<T>> page;
      try {
        page = nextPage();
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
        return;
      }
      current = page;
      page.whenComplete((p, error) -> {
        if (done.isDone()) {
          return;
        }
        if (error != null) {
          done.completeExceptionally(Pipeline.unwrap(error));
          return;
        }
        if (!p.result().isOk()) {
          done.completeExceptionally(Results.exception("GET " + link.display + "/docs",
              p.result()));
          return;
        }
        try {
          handler.accept(p);
          checkpoint.accept(p.continuationToken());
        } catch (RuntimeException e) {
          done.completeExceptionally(e);
          return;
        }
        if (done.isDone()) {
          return;
        }
        if (p.hasMoreChanges()) {
          Threads.WORKERS.execute(this::next);
        } else {
          timer = Threads.schedule(this::next, intervalMs, Threads.WORKERS);
          if (done.isDone()) {
            timer.cancel(false);
          }
        }
      });
    }

    @Override public String toString() {
      return "ChangeFeed.Polling{" + link.display + ", intervalMs=" + intervalMs + ", done="
          + done.isDone() + "}";
    }
  }

  /** One subscriber's run over this feed's pages, until it has caught up. */
  private final class Subscription extends PagedSubscription<T, Step> {
    private final Cursor cursor = new Cursor();
    private boolean caughtUp;

    Subscription(Flow.Subscriber<? super T> downstream) {
      super(client, downstream);
    }

    @Override CompletableFuture<Step> fetch() {
      return cursor.fetch();
    }

    @Override Throwable failure(Step step) {
      return step.page.result().isOk() ? null
          : Results.exception("GET " + link.display + "/docs", step.page.result());
    }

    @Override List<T> take(Step step) {
      cursor.state = step.state;
      caughtUp = !step.page.hasMoreChanges();
      return step.page.items();
    }

    @Override boolean exhausted() {
      return caughtUp;
    }

    @Override void stopSource() {
      cursor.cancel();
    }

    @Override String nullItemMessage() {
      return "the change feed returned a JSON null, which a Flow.Publisher cannot emit; read it "
          + "with nextPage()";
    }
  }
}
