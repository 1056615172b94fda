package io.cosmoslite;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The results of a multi-document write, immutable: the counts of every item read from the
 * input ({@link #progress()}), and the per-item results the batch was asked to keep
 * ({@link BulkOptions.Builder#results}) — by default one {@link CosmosResult} per item, in input
 * order, so {@code get(i)} is the result of the i-th item. Each kept result names its item:
 * {@link #inputIndex(int)}, {@link #id(int)}, {@link #partitionKey(int)}.
 *
 * <p>Every item read has an outcome: written ({@code status "ok"}), failed with the service's
 * reason and code, failed without a response (code 0; {@link CosmosResult#isUncertain()} tells
 * whether it may nonetheless have been applied), invalid (code 0, an error starting with
 * {@code "invalid item: "}; nothing was sent), or cancelled (code 0, an error starting with
 * {@code "cancelled"}). Results are stored compactly — the code, error, the session token, etag,
 * activity id, substatus and request charge headers, the counters, and the document only with
 * {@link BulkOptions.Builder#keepDocuments(boolean) keepDocuments} — and each {@code get} returns
 * a new but equal {@code CosmosResult}.
 */
public final class BulkResult extends AbstractList<CosmosResult<Map<String, Object>>> {
  private static final String[] KEPT_HEADERS = {"x-ms-session-token", "etag",
      "x-ms-activity-id", "x-ms-substatus", "x-ms-request-charge", "x-ms-retry-after-ms"};

  private final List<Entry> entries;
  private final BulkOperation.Progress counts;
  private final boolean cancelled;
  private final Throwable inputError;

  BulkResult(List<Entry> entries, BulkOperation.Progress counts, boolean cancelled,
      Throwable inputError) {
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
    this.counts = counts;
    this.cancelled = cancelled;
    this.inputError = inputError;
  }

  /** The i-th kept result. */
  @Override public CosmosResult<Map<String, Object>> get(int index) {
    return entries.get(index).expand();
  }

  /** How many results are kept: every item read, unless the batch kept fewer. */
  @Override public int size() {
    return entries.size();
  }

  /** The input position (0-based) of the i-th kept result's item. */
  public long inputIndex(int index) {
    return entries.get(index).index;
  }

  /** The document id of the i-th kept result's item, or null when the item had none. */
  public String id(int index) {
    return entries.get(index).id;
  }

  /** The partition key of the i-th kept result's item, or null when it was never known. */
  public PartitionKey partitionKey(int index) {
    return entries.get(index).key;
  }

  /** The counts of every item read, however few results were kept. */
  public BulkOperation.Progress progress() {
    return counts;
  }

  /** Items read from the input (each has an outcome). */
  public long items() {
    return counts.pulled();
  }

  /** Items written. */
  public long succeeded() {
    return counts.succeeded();
  }

  /** Items that failed (invalid, refused, no response, cancelled). */
  public long failed() {
    return counts.failed();
  }

  /** Failed items that may nonetheless have been applied. */
  public long uncertain() {
    return counts.uncertain();
  }

  /** Resends over all items. */
  public long retries() {
    return counts.retries();
  }

  /** Request units charged over all items. */
  public double requestCharge() {
    return counts.requestCharge();
  }

  /** True when the batch was stopped before every item was written. */
  public boolean isCancelled() {
    return cancelled;
  }

  /** What the input threw while being read, or null. */
  public Throwable inputError() {
    return inputError;
  }

  /** True when every item read succeeded, the batch was not stopped and the input did not fail. */
  public boolean allOk() {
    return counts.failed() == 0 && !cancelled && inputError == null;
  }

  /** The input positions of the failed items among the kept results. */
  public List<Long> failedIndexes() {
    List<Long> out = new ArrayList<>();
    for (Entry entry : entries) {
      if (!entry.isOk()) {
        out.add(entry.index);
      }
    }
    return Collections.unmodifiableList(out);
  }

  @Override public String toString() {
    return "BulkResult{items=" + items() + ", kept=" + size() + ", succeeded=" + succeeded()
        + ", failed=" + failed() + ", uncertain=" + uncertain() + ", retries=" + retries()
        + ", requestCharge=" + requestCharge() + (cancelled ? ", cancelled" : "")
        + (inputError != null ? ", inputError=" + inputError : "") + "}";
  }

  /** One item's result, compact. */
  static final class Entry {
    final long index;
    final String id;
    final PartitionKey key;
    private final int code;
    private final Map<String, Object> data;
    private final String error;
    private final String serviceCode;
    /** The kept headers' values in {@link #KEPT_HEADERS} order, or null when none was sent. */
    private final String[] headers;
    private final int retries;
    private final long waitedMs;
    private final boolean uncertain;
    private final Throwable cause;
    private final String ambiguity;

    Entry(long index, String id, PartitionKey key, CosmosResult<Map<String, Object>> r) {
      this.index = index;
      this.id = id;
      this.key = key;
      this.code = r.code();
      this.data = r.data();
      this.error = r.error();
      this.serviceCode = r.serviceCode();
      String[] kept = null;
      for (int i = 0; i < KEPT_HEADERS.length; i++) {
        String value = r.header(KEPT_HEADERS[i]);
        if (value != null) {
          if (kept == null) {
            kept = new String[KEPT_HEADERS.length];
          }
          kept[i] = value;
        }
      }
      this.headers = kept;
      this.retries = r.retryCount();
      this.waitedMs = r.retryWait().toMillis();
      this.uncertain = r.isUncertain();
      this.cause = r.cause();
      this.ambiguity = r.ambiguity();
    }

    boolean isOk() {
      return code > 0 && code < 400 && error == null; // as CosmosResult.isOk
    }

    CosmosResult<Map<String, Object>> expand() {
      HeaderMap.Builder map = new HeaderMap.Builder(KEPT_HEADERS.length);
      if (headers != null) {
        for (int i = 0; i < KEPT_HEADERS.length; i++) {
          map.put(KEPT_HEADERS[i], headers[i]);
        }
      }
      return Results.restored(code, data, error, serviceCode, map.build(), retries, waitedMs,
          uncertain, cause, ambiguity);
    }
  }
}
