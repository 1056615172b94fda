package io.cosmoslite;

import com.google.gson.JsonElement;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A query or read feed that has not run yet: nothing is sent until a page is asked for, and each
 * page is one request (with its own retries). Made by {@code CosmosClient.queryDocuments} and
 * {@link CosmosClient#readAllDocuments}.
 *
 * <pre>{@code
 * DocumentQuery<Order> query = client.queryDocuments("shop", "orders",
 *     SqlQuery.of("SELECT * FROM c WHERE c.total > @min").withParameter("@min", 10),
 *     RequestOptions.builder().maxItemCount(20).build(), DocumentType.of(Order.class));
 *
 * // one page at a time, e.g. for a web page; hand page.continuationToken() to the browser
 * Page<Order> page = query.nextPage().join();
 *
 * // or every document, fetching pages as they are consumed
 * query.forEach(order -> System.out.println(order.id())).join();
 * }</pre>
 *
 * <p><b>Three ways to read it.</b> {@link #nextPage()} walks one cursor kept by this object.
 * {@link #subscribe} (a {@link Flow.Publisher} of documents), {@link #forEach} and
 * {@link #toList} each run the query afresh from its starting point (the first page, or
 * {@link RequestOptions.Builder#continuationToken}), independently of that cursor and of each
 * other. None of them requests a page before the documents of the previous one are wanted.
 *
 * <p><b>Ending.</b> The query ends at the first page without {@code x-ms-continuation}. A page may
 * be empty and still carry a continuation; paging goes on. A continuation token this run has
 * used in its last 64 pages (the service restarting from an earlier page) fails the run with
 * {@link IllegalStateException} instead of looping forever.
 *
 * <p><b>Failures.</b> A page that fails (after the client's retries) makes {@link #nextPage()}
 * complete exceptionally with {@link CosmosException} when the client raises on failure (the
 * default), or normally with a failed {@link Page} (empty, {@code result().status()} "failed")
 * with {@code raiseOnFailure(false)}; either way the cursor stays where it was, so calling
 * {@code nextPage()} again retries that page. {@code forEach} and {@code toList} follow the
 * switch the same way (a failed result, or {@code CosmosException}). The Publisher always ends in
 * {@code onError(CosmosException)}: Reactive Streams has no other way to say a stream failed.
 *
 * <p><b>Cross-partition queries the gateway refuses.</b> Without a partition key the gateway
 * refuses ORDER BY, TOP, OFFSET/LIMIT, DISTINCT and aggregates (400, substatus 1004) because
 * their results must be merged from every partition. This class then reads the container's
 * partition key ranges once; when there is exactly one, it resends the page for that range
 * ({@code x-ms-documentdb-partitionkeyrangeid}), which the gateway serves, and keeps doing so for
 * later pages. With several ranges the page fails with a message saying what to do instead: give
 * a partition key, or run the query per partition key, or drop the clause. cosmos-lite never
 * merges results across partitions.
 *
 * @param <T> the type each document is mapped to
 */
public final class DocumentQuery<T> implements Flow.Publisher<T> {
  private static final int NOT_SERVABLE_ACROSS_PARTITIONS = 1004;
  private static final int RECENT_TOKENS = 64;

  private final CosmosClient client;
  private final CosmosRequest request;
  private final Pipeline.BodyMapper<List<T>> mapper;
  private final String startToken;
  /** The container whose partition key ranges may rescue a refused query; null: never. */
  private final CosmosRequest.Link rangesOf;
  private final Cursor pager;
  private final AtomicBoolean paging = new AtomicBoolean();

  DocumentQuery(CosmosClient client, CosmosRequest request, String feedKey, Type itemType,
      String startToken, CosmosRequest.Link rangesOf) {
    this.client = client;
    this.request = request;
    this.mapper = body -> Json.feedItems(body, feedKey, itemType);
    this.startToken = startToken;
    this.rangesOf = rangesOf;
    this.pager = new Cursor();
  }

  /**
   * True until {@link #nextPage()} has returned the last page (one without a continuation token).
   * True also before the first page.
   */
  public boolean hasMorePages() {
    return !pager.done;
  }

  /**
   * Sends the request for the next page of this object's cursor and completes with it. The
   * first call sends the query (with the starting continuation token, if any); each later call
   * sends {@code x-ms-continuation} with the previous page's token. Only one page may be on its
   * way at a time. Cancelling the returned future cancels its request and leaves the cursor
   * where it was.
   *
   * @return a future that completes with the page; exceptionally with {@link CosmosException}
   *     when the page failed and the client raises on failure (otherwise with a failed page),
   *     and with {@link IllegalStateException} when the service repeats a continuation token
   * @throws NoSuchElementException when the last page was already returned
   *     ({@link #hasMorePages()} is false)
   * @throws IllegalStateException when the previous page has not arrived yet, or the client is
   *     closed
   */
  public CompletableFuture<Page<T>> nextPage() {
    client.checkOpen();
    if (pager.done) {
      throw new NoSuchElementException("the query has no more pages: the last page had no "
          + "continuation token");
    }
    if (!paging.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "nextPage() called while the previous page is still on its way; wait for it first");
    }
    CompletableFuture<Page<T>> out = new CompletableFuture<>();
    CompletableFuture<Page<T>> fetched;
    try {
      fetched = pager.fetch(() -> !out.isDone());
    } catch (RuntimeException e) {
      paging.set(false);
      throw e;
    }
    fetched.whenComplete((page, error) -> {
      paging.set(false); // before completing, so a dependent stage may ask for the next page
      client.pipeline.callback(() -> {
        if (error != null) {
          out.completeExceptionally(Pipeline.unwrap(error));
        } else if (!page.result().isOk() && client.raisesOnFailure()) {
          out.completeExceptionally(failure(page.result()));
        } else {
          out.complete(page);
        }
      });
    });
    out.whenComplete((page, error) -> {
      if (!fetched.isDone()) {
        // Completed from outside (cancel, orTimeout, complete...): that page is not taken, so
        // the cursor must not move past it.
        pager.cancel();
      }
    });
    return out;
  }

  /**
   * Publishes every document of the query, from its starting point, to one subscriber per call.
   * A page is requested only when the subscriber's outstanding demand is not covered by
   * documents already received, so a subscriber that requests 1 document causes one page
   * request, not a stream of them; empty pages with a continuation are skipped over while there
   * is demand. Follows the Reactive Streams rules: {@code onSubscribe} first, never more
   * {@code onNext} than requested, signals never concurrent, {@code request(n)} with
   * {@code n <= 0} ends in {@code onError(IllegalArgumentException)}. {@code cancel()} stops
   * paging and cancels a page request on its way. A failed page ends in
   * {@code onError(CosmosException)} whatever the client's raise-on-failure switch; a repeated
   * continuation token ends in {@code onError(IllegalStateException)}.
   *
   * @throws NullPointerException when {@code subscriber} is null
   */
  @Override public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber == null");
    new Subscription(subscriber).start();
  }

  /**
   * Runs the query from its starting point and hands every document to {@code action}, page by
   * page: the next page is requested after {@code action} has taken every document of the
   * previous one. Cancelling (or completing) the returned future stops paging.
   *
   * @return a future of a result with no data when the last page is done (its headers the last
   *     page's, the request charge summed); for a failed page, as every call of the client:
   *     exceptionally with {@link CosmosException} when it raises on failure, a failed result
   *     otherwise. Exceptionally with {@link IllegalStateException} for a repeated continuation
   *     token, or with what {@code action} threw (no further document is handed to it).
   * @throws NullPointerException when {@code action} is null
   * @throws IllegalStateException when the client is closed
   */
  public CompletableFuture<CosmosResult<Void>> forEach(Consumer<? super T> action) {
    Objects.requireNonNull(action, "action == null");
    return client.pipeline.deliver(request.operation(), Pipeline.compose(
        collect(page -> page.items().forEach(action)),
        result -> CompletableFuture.completedFuture(Results.<Void>withoutData(result))));
  }

  /**
   * Runs the query from its starting point and collects every document, page after page.
   * Mind the memory: prefer {@link #forEach} or the Publisher for large results.
   *
   * @return a future of a result whose data is every document in the service's order (headers
   *     the last page's, request charge summed); for a failed page, as every call of the client:
   *     exceptionally with {@link CosmosException} when it raises on failure, a failed result
   *     otherwise; exceptionally with {@link IllegalStateException} for a repeated token
   * @throws IllegalStateException when the client is closed
   */
  public CompletableFuture<CosmosResult<List<T>>> toList() {
    return client.pipeline.deliver(request.operation(), allPages());
  }

  /**
   * Every page, quietly, as one result: data is every document, the headers are the last
   * page's with the summed request charge and no continuation. A failed page gives its failed
   * result (the client's switch is applied by the caller).
   */
  CompletableFuture<CosmosResult<List<T>>> allPages() {
    List<T> items = new ArrayList<>();
    return Pipeline.compose(collect(page -> items.addAll(page.items())),
        result -> CompletableFuture.completedFuture(!result.isOk() ? result
            : Results.combined(result.code(),
                // Not List.copyOf: a query may return JSON nulls (SELECT VALUE of a null value).
                java.util.Collections.unmodifiableList(new ArrayList<>(items)), result.headers(),
                result.retryCount(), result.retryWait(), null)));
  }

  /**
   * Every page, quietly, each handed to {@code onPage}: a result with the last page's headers,
   * the summed request charge and item count, and no data; a failed page's own result. What
   * {@code onPage} throws completes the future exceptionally. Cancelling it stops paging.
   */
  private CompletableFuture<CosmosResult<List<T>>> collect(Consumer<Page<T>> onPage) {
    client.checkOpen();
    CompletableFuture<CosmosResult<List<T>>> out = new CompletableFuture<>();
    double[] charge = {0};
    long[] count = {0};
    int[] retries = {0};
    Duration[] waited = {Duration.ZERO};
    AtomicReference<CosmosResult<List<T>>> last = new AtomicReference<>();
    walk(new Cursor(), out, page -> {
      CosmosResult<List<T>> result = page.result();
      if (!result.isOk()) {
        out.complete(result);
        return false;
      }
      onPage.accept(page);
      count[0] += page.items().size();
      charge[0] += result.requestCharge();
      retries[0] += result.retryCount();
      waited[0] = waited[0].plus(result.retryWait());
      last.set(result);
      return true;
    }, () -> {
      CosmosResult<List<T>> result = last.get();
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.putAll(result.headers());
      headers.remove("x-ms-continuation");
      headers.put("x-ms-request-charge", Double.toString(charge[0]));
      headers.put("x-ms-item-count", Long.toString(count[0]));
      out.complete(Results.combined(result.code(), null, headers, retries[0], waited[0], null));
    });
    return out;
  }

  /** The method and path, the starting token (shortened) and whether a page was returned. */
  @Override public String toString() {
    return "DocumentQuery{" + request.method + " " + request.displayPath + ", start="
        + RequestOptions.shorten(startToken) + ", hasMorePages=" + hasMorePages() + "}";
  }

  /**
   * Fetches pages with {@code cursor} until {@code onPage} says stop (it then completed
   * {@code out}) or the last page was handled ({@code onLast}). Cancelling {@code out} stops it.
   */
  private void walk(Cursor cursor, CompletableFuture<?> out, Predicate<Page<T>> onPage,
      Runnable onLast) {
    out.whenComplete((ignored, error) -> {
      if (out.isCancelled()) {
        cursor.cancel();
      }
    });
    step(cursor, out, onPage, onLast);
  }

  private void step(Cursor cursor, CompletableFuture<?> out, Predicate<Page<T>> onPage,
      Runnable onLast) {
    if (out.isDone()) {
      return;
    }
    CompletableFuture<Page<T>> fetched;
    try {
      client.checkOpen();
      fetched = cursor.fetch(() -> !out.isDone());
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
      return;
    }
    fetched.whenComplete((page, error) -> {
      if (out.isDone()) {
        return;
      }
      if (error != null) {
        out.completeExceptionally(Pipeline.unwrap(error));
        return;
      }
      try {
        if (!onPage.test(page)) {
          return;
        }
        if (cursor.done) {
          onLast.run();
          return;
        }
      } catch (RuntimeException | Error e) {
        out.completeExceptionally(e);
        return;
      }
      // Each page arrives on an HTTP thread, so this recursion never deepens the stack.
      step(cursor, out, onPage, onLast);
    });
  }

  private CosmosException failure(CosmosResult<?> result) {
    return Results.exception(request.operation(), result);
  }

  /**
   * A position in the query: the next token to send, the tokens already seen, the partition key
   * range a refused query was pinned to. Used by one consumer at a time; each page's callback
   * happens-after the previous one, so plain fields suffice except where other threads peek.
   */
  private final class Cursor {
    private volatile String continuation;
    private volatile boolean done;
    /** The most recent tokens (a bounded memory: a loop shows up within a few pages). */
    private final Set<String> seen = java.util.Collections.newSetFromMap(
        new java.util.LinkedHashMap<String, Boolean>() {
          @Override protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_TOKENS;
          }
        });
    private String rangeId;
    /** Why the ranges did not help, once they were read; null before. */
    private String rangesNote;
    private int pages;
    private volatile CompletableFuture<?> inFlight;

    Cursor() {
      continuation = startToken;
      if (startToken != null) {
        seen.add(startToken);
      }
    }

    /**
     * One page; a failed page completes normally, a repeated token exceptionally. When
     * {@code wanted} turns false (the caller cancelled) it ends in a CancellationException
     * without moving the cursor, even if the response had already arrived.
     */
    CompletableFuture<Page<T>> fetch(BooleanSupplier wanted) {
      String token = continuation;
      return send(token, wanted).thenApply(result -> {
        if (!wanted.getAsBoolean()) {
          throw new CancellationException("page no longer wanted");
        }
        return advance(result, token);
      });
    }

    void cancel() {
      CompletableFuture<?> current = inFlight;
      if (current != null) {
        current.cancel(true);
      }
    }

    private CompletableFuture<CosmosResult<List<T>>> send(String token, BooleanSupplier wanted) {
      Map<String, String> extra = new LinkedHashMap<>();
      if (token != null) {
        extra.put("x-ms-continuation", token);
      }
      if (rangeId != null) {
        extra.put("x-ms-documentdb-partitionkeyrangeid", rangeId);
      }
      CosmosRequest page = extra.isEmpty() ? request : request.withHeaders(extra);
      CompletableFuture<CosmosResult<List<T>>> sent =
          client.pipeline.execute(page, mapper);
      inFlight = sent;
      return sent.thenCompose(result -> {
        if (rangesOf == null || result.code() != 400
            || result.subStatus() != NOT_SERVABLE_ACROSS_PARTITIONS || !wanted.getAsBoolean()) {
          return CompletableFuture.completedFuture(result);
        }
        if (rangeId != null) {
          return CompletableFuture.completedFuture(notServable(result,
              "it was refused even on the container's only partition key range " + rangeId));
        }
        if (rangesNote != null) {
          return CompletableFuture.completedFuture(notServable(result, rangesNote));
        }
        return readRanges().thenCompose(single -> {
          if (single != null) {
            rangeId = single;
            return wanted.getAsBoolean() ? send(token, wanted) : CompletableFuture.failedFuture(
                new CancellationException("page no longer wanted"));
          }
          return CompletableFuture.completedFuture(notServable(result, rangesNote));
        });
      });
    }

    /** Reads the container's ranges; the id when there is exactly one, else null and a note. */
    private CompletableFuture<String> readRanges() {
      CosmosRequest read = Containers.partitionKeyRanges(rangesOf, null).toBuilder()
          .timeout(request.timeout).build();
      CompletableFuture<CosmosResult<JsonElement>> sent =
          client.pipeline.execute(read, Json::parseOrNull);
      inFlight = sent;
      return sent.thenApply(result -> {
        if (!result.isOk()) {
          rangesNote = "its partition key ranges could not be read to try the query on a single "
              + "range (GET " + read.displayPath + " -> " + result.code()
              + (result.error() == null ? "" : ": " + result.error()) + ")";
          return null;
        }
        List<String> ids = new ArrayList<>();
        List<JsonElement> ranges =
            Json.feedItems(result.data(), "PartitionKeyRanges", JsonElement.class);
        for (JsonElement range : ranges) {
          // Range ids are strings ("0"), but some servers send numbers: take either.
          String id = Json.stringMember(range, "id");
          if (id != null) {
            ids.add(id);
          }
        }
        boolean more = result.continuation() != null && !result.continuation().isBlank();
        if (ids.size() == 1 && !more) {
          return ids.get(0);
        }
        rangesNote = "the container has " + ids.size() + (more ? " or more" : "")
            + " partition key ranges";
        return null;
      });
    }

    private CosmosResult<List<T>> notServable(CosmosResult<List<T>> refused, String why) {
      String message = "the gateway cannot run this query across partitions: ORDER BY, TOP, "
          + "OFFSET/LIMIT, DISTINCT, GROUP BY and aggregates need results merged from every "
          + "partition, which neither the gateway nor cosmos-lite does, and " + why + ". Give a "
          + "partition key (RequestOptions.Builder.partitionKey) to run it in one logical "
          + "partition, or run it once per partition key and combine the results yourself, or "
          + "drop that clause. Service: " + refused.error();
      return Results.withError(refused, message);
    }

    private Page<T> advance(CosmosResult<List<T>> result, String sent) {
      if (!result.isOk()) {
        return new Page<>(List.of(), sent, result);
      }
      String next = result.continuation();
      if (next != null && next.isBlank()) {
        next = null;
      }
      if (next != null && seen.contains(next)) {
        throw new IllegalStateException("the service repeated continuation token "
            + RequestOptions.shorten(next) + " after page " + (pages + 1) + " of "
            + request.method + " " + request.displayPath + ": it restarted from an earlier page;"
            + " stopping instead of looping forever. Run the query again from the start.");
      }
      pages++;
      if (next != null) {
        seen.add(next);
      }
      continuation = next;
      done = next == null;
      return new Page<>(result.data() == null ? List.of() : result.data(), next, result);
    }
  }

  /** One subscriber's run over this query's pages. */
  private final class Subscription extends PagedSubscription<T, Page<T>> {
    private final Cursor cursor = new Cursor();

    Subscription(Flow.Subscriber<? super T> downstream) {
      super(client, downstream);
    }

    @Override CompletableFuture<Page<T>> fetch() {
      return cursor.fetch(() -> !isCancelled());
    }

    @Override Throwable failure(Page<T> page) {
      return page.result().isOk() ? null : DocumentQuery.this.failure(page.result());
    }

    @Override List<T> take(Page<T> page) {
      return page.items();
    }

    @Override boolean exhausted() {
      return cursor.done;
    }

    @Override void stopSource() {
      cursor.cancel();
    }

    @Override String nullItemMessage() {
      return "the query returned a JSON null (e.g. SELECT VALUE of a null property), which a "
          + "Flow.Publisher cannot emit; read it with nextPage() or toList()";
    }
  }
}
