package io.cosmoslite;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Options of one multi-document write, immutable. Start from {@link #builder()};
 * {@link #DEFAULT} has every option at its default.
 *
 * <pre>{@code
 * BulkOptions options = BulkOptions.builder()
 *     .maxConcurrency(20)
 *     .progressListener(p -> log.info("{} of {} done, {} failed", p.done(), p.pulled(), p.failed()))
 *     .requestOptions(RequestOptions.builder().timeout(Duration.ofSeconds(30)).build())
 *     .build();
 * }</pre>
 */
public final class BulkOptions {
  /** Which results a finished batch keeps; its counts are always complete. */
  public enum ResultMode {
    /** One result per item, in input order (the default). */
    EVERY_ITEM,
    /** Only the failed items' results (with their input index, id and key). */
    FAILURES,
    /** No per-item result: counts only, so memory does not grow with the input at all. */
    COUNTS
  }

  /** Every option at its default. */
  public static final BulkOptions DEFAULT = builder().build();

  final int maxConcurrency;
  final RequestOptions requestOptions;
  final Consumer<BulkOperation.Progress> progressListener;
  final boolean keepDocuments;
  final ResultMode resultMode;
  final boolean batching;
  final long lingerMs;

  private BulkOptions(Builder b) {
    this.maxConcurrency = b.maxConcurrency;
    this.requestOptions = b.requestOptions;
    this.progressListener = b.progressListener;
    this.keepDocuments = b.keepDocuments;
    this.resultMode = b.resultMode;
    this.batching = b.batching;
    this.lingerMs = b.lingerMs;
  }

  /** A builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  @Override public String toString() {
    return "BulkOptions{maxConcurrency=" + (maxConcurrency == 0 ? "client's" : maxConcurrency)
        + ", requestOptions=" + requestOptions + ", progressListener="
        + (progressListener != null) + ", keepDocuments=" + keepDocuments + ", results="
        + resultMode + ", batching=" + batching + ", linger=" + lingerMs + "ms}";
  }

  /** Builds {@link BulkOptions}. */
  public static final class Builder {
    private int maxConcurrency;
    private RequestOptions requestOptions = RequestOptions.NONE;
    private Consumer<BulkOperation.Progress> progressListener;
    private boolean keepDocuments;
    private ResultMode resultMode = ResultMode.EVERY_ITEM;
    private boolean batching = true;
    private long lingerMs = 10;

    private Builder() {}

    /**
     * Most requests of this batch on their way at once (each waiting for, or holding, one of
     * the client's in-flight permits, or waiting to retry): with packing on (the default) each
     * carries up to 100 items, so up to 100 times as many items are read ahead; with
     * {@link #batching batching(false)} one item each. It is capped at the client's
     * {@link CosmosClient.Builder#maxConcurrency}, which bounds every request of the client
     * together. Default: the client's maximum.
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder maxConcurrency(int maxConcurrency) {
      this.maxConcurrency = Names.atLeastOne(maxConcurrency, "maxConcurrency");
      return this;
    }

    /**
     * Options applied to every item's request (timeout per item, indexing directive, triggers,
     * session token, If-Match). Default: {@link RequestOptions#NONE}.
     */
    public Builder requestOptions(RequestOptions options) {
      this.requestOptions = Objects.requireNonNull(options, "requestOptions == null");
      return this;
    }

    /**
     * Called with a snapshot of the counters after items finish: never concurrently with itself,
     * never while the batch holds a lock, on the thread that finished an item (an HTTP client
     * thread, or the caller's at the start). Calls are coalesced when items finish faster than
     * the listener returns; the last call reports every item and comes before the batch's future
     * completes. Keep it short. An exception it throws is ignored. Default: none.
     */
    public Builder progressListener(Consumer<BulkOperation.Progress> listener) {
      this.progressListener = Objects.requireNonNull(listener, "progressListener == null");
      return this;
    }

    /**
     * Whether each successful result keeps the stored document as its {@code data}. Default
     * false: the batch asks the service not to echo documents ({@code Prefer: return=minimal})
     * and results hold only the status, code, session token, etag and request charge, so a
     * large batch's results stay small.
     */
    public Builder keepDocuments(boolean keep) {
      this.keepDocuments = keep;
      return this;
    }

    /**
     * Which per-item results the {@link BulkResult} keeps: every item (default, about 300
     * bytes each), only failures, or none (counts only). A million-document load from a file
     * with {@link ResultMode#COUNTS} or {@link ResultMode#FAILURES} needs memory for the pool,
     * not for the file.
     */
    public Builder results(ResultMode mode) {
      this.resultMode = Objects.requireNonNull(mode, "results == null");
      return this;
    }

    /**
     * Whether documents are packed into bulk requests (default true): grouped by partition key
     * range, up to 100 operations or about 220 KB per request, so one request carries many
     * documents. False sends one request per document, for servers without batch support.
     */
    public Builder batching(boolean batching) {
      this.batching = batching;
      return this;
    }

    /**
     * How long a partial bulk request may wait for more documents while others are in flight
     * (default 10 ms). A request is never held when nothing else is on its way or the input
     * has nothing more, so a slow trickle of documents is not held back.
     */
    public Builder linger(java.time.Duration linger) {
      Objects.requireNonNull(linger, "linger == null");
      if (linger.isNegative()) {
        throw new IllegalArgumentException("linger is negative: " + linger);
      }
      this.lingerMs = linger.toMillis();
      return this;
    }

    /** The options. */
    public BulkOptions build() {
      return new BulkOptions(this);
    }
  }
}
