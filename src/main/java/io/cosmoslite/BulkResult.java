package io.cosmoslite;

import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The results of a multi-document write: one {@link CosmosResult} per item read from the input,
 * in input order ({@code get(i)} is the result of the i-th item), plus counts. Immutable.
 *
 * <p>Every item read has a result: written ({@code status "ok"}), failed with the service's
 * reason and code, failed without a response (code 0; {@link CosmosResult#isUncertain()} tells
 * whether it may nonetheless have been applied), invalid (code 0, an error starting with
 * {@code "invalid item: "}; nothing was sent), or cancelled (code 0, an error starting with
 * {@code "cancelled"}). Results are stored compactly — the status, code, error, the session
 * token, etag, activity id, substatus and request charge headers, the counters, and the document
 * only with {@link BulkOptions.Builder#keepDocuments(boolean) keepDocuments} — and each
 * {@code get} returns a new but equal {@code CosmosResult}.
 */
public final class BulkResult extends AbstractList<CosmosResult<Map<String, Object>>> {
  private static final String[] KEPT_HEADERS = {"x-ms-session-token", "etag",
      "x-ms-activity-id", "x-ms-substatus", "x-ms-request-charge", "x-ms-retry-after-ms"};

  private final List<Entry> entries;
  private final long succeeded;
  private final long failed;
  private final long uncertain;
  private final long retries;
  private final double requestCharge;
  private final boolean cancelled;
  private final Throwable inputError;

  BulkResult(List<Entry> entries, boolean cancelled, Throwable inputError) {
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
    long ok = 0;
    long bad = 0;
    long maybe = 0;
    long resent = 0;
    double charge = 0;
    for (Entry e : this.entries) {
      if (e.isOk()) {
        ok++;
      } else {
        bad++;
      }
      if (e.uncertain) {
        maybe++;
      }
      resent += e.retries;
      charge += e.requestCharge();
    }
    this.succeeded = ok;
    this.failed = bad;
    this.uncertain = maybe;
    this.retries = resent;
    this.requestCharge = charge;
    this.cancelled = cancelled;
    this.inputError = inputError;
  }

  /**
   * The result of the item at {@code index} in input order.
   *
   * @param index the item's position in the input
   * @return its result
   */
  @Override public CosmosResult<Map<String, Object>> get(int index) {
    return entries.get(index).expand();
  }

  /**
   * How many items were read from the input (all of them, unless the batch was cancelled or the
   * input failed).
   *
   * @return the number of results
   */
  @Override public int size() {
    return entries.size();
  }

  /**
   * Items written (or deleted) successfully.
   *
   * @return the number of results with status "ok"
   */
  public long succeeded() {
    return succeeded;
  }

  /**
   * Items that failed, for whatever reason (uncertain, invalid and cancelled ones included).
   *
   * @return the number of results with status "failed"
   */
  public long failed() {
    return failed;
  }

  /**
   * Failed items that may nonetheless have been applied ({@link CosmosResult#isUncertain()}).
   *
   * @return the number of uncertain results
   */
  public long uncertain() {
    return uncertain;
  }

  /**
   * Resends over all items.
   *
   * @return the sum of every result's {@link CosmosResult#retryCount()}
   */
  public long retries() {
    return retries;
  }

  /**
   * Request units charged (the last attempt of each item).
   *
   * @return the sum of every result's request charge
   */
  public double requestCharge() {
    return requestCharge;
  }

  /**
   * True when the batch was stopped (cancelled) before every item of the input had been read
   * and finished.
   *
   * @return whether the batch was cancelled
   */
  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * The exception the input threw (its {@code hasNext} or {@code next}), which ended the batch
   * early; null when the input was read to its end or the batch was cancelled.
   *
   * @return the input's exception, or null
   */
  public Throwable inputError() {
    return inputError;
  }

  /**
   * True when the whole input was read and every item succeeded.
   *
   * @return whether nothing failed and nothing was left unread
   */
  public boolean allOk() {
    return failed == 0 && !cancelled && inputError == null;
  }

  /**
   * The positions of the failed items, ascending, for retrying or reporting them.
   *
   * @return the failed items' indexes
   */
  public List<Integer> failedIndexes() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (!entries.get(i).isOk()) {
        out.add(i);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * A summary with the counts, not every result.
   *
   * @return the summary
   */
  @Override public String toString() {
    return "BulkResult{items=" + size() + ", succeeded=" + succeeded + ", failed=" + failed
        + ", uncertain=" + uncertain + ", retries=" + retries + ", requestCharge="
        + requestCharge + (cancelled ? ", cancelled" : "")
        + (inputError != null ? ", inputError=" + inputError : "") + "}";
  }

  /** One item's result, stored compactly. */
  static final class Entry {
    private final int code;
    private final Map<String, Object> data;
    private final String error;
    private final String serviceCode;
    private final String[] headers;
    private final int retries;
    private final long waitedMs;
    private final boolean uncertain;
    private final Throwable cause;
    private final String ambiguity;

    private Entry(CosmosResult<Map<String, Object>> r) {
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

    static Entry of(CosmosResult<Map<String, Object>> result) {
      return new Entry(result);
    }

    boolean isOk() {
      return code > 0 && code < 400 && error == null; // as CosmosResult.isOk
    }

    double requestCharge() {
      String value = headers == null ? null : headers[4];
      try {
        return value == null ? 0 : Double.parseDouble(value);
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    CosmosResult<Map<String, Object>> expand() {
      Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      if (headers != null) {
        for (int i = 0; i < KEPT_HEADERS.length; i++) {
          if (headers[i] != null) {
            map.put(KEPT_HEADERS[i], headers[i]);
          }
        }
      }
      return new CosmosResult<>(code, data, error, serviceCode, map, retries,
          Duration.ofMillis(waitedMs), uncertain, cause, ambiguity);
    }
  }
}
