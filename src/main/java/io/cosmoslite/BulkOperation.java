package io.cosmoslite;

import java.util.concurrent.CompletableFuture;

/**
 * A running multi-document write. It <em>is</em> the future of the batch's {@link BulkResult}:
 * it completes when every item read from the input has finished — normally, or, when the client
 * raises on failure and any item failed, exceptionally with one {@link CosmosBulkException} that
 * still carries every item's result.
 *
 * <p><b>Stopping.</b> {@link #cancel(boolean) cancel} (or completing this future in any other
 * way, e.g. {@code orTimeout}) stops the batch: no further item is read from the input, items
 * waiting for a permit or for a retry are given up, and requests in flight are abandoned so their
 * permits are released at once. This future then reports cancellation as usual, and
 * {@link #outcome()} still completes with the results of every item read so far: written ones as
 * written, the others failed with code 0 and an error starting with {@code "cancelled"} —
 * {@link CosmosResult#isUncertain() uncertain} when the write was already on its way to the
 * service. Items never read are left in the input: an {@code Iterator} is positioned right after
 * the last item read ({@link BulkResult#size()} items).
 *
 * <pre>{@code
 * BulkOperation op = client.createDocuments("shop", "orders", documents.iterator(), options);
 * ...
 * op.cancel(true);
 * BulkResult sofar = op.outcome().join();   // written, failed and cancelled items, in order
 * }</pre>
 */
public final class BulkOperation extends CompletableFuture<BulkResult> {
  private final CompletableFuture<BulkResult> outcome = new CompletableFuture<>();
  private volatile BulkWriter writer;

  BulkOperation() {}

  void attach(BulkWriter writer) {
    this.writer = writer;
    // Any completion from outside (cancel, complete, orTimeout) stops the batch.
    whenComplete((result, error) -> writer.stop());
  }

  /**
   * The results of every item read from the input, once each has finished or been given up;
   * it always completes normally, whether the batch had failures, was cancelled, or raised.
   *
   * @return a future of the batch's results
   */
  public CompletableFuture<BulkResult> outcome() {
    return outcome;
  }

  /**
   * The counters as they are now.
   *
   * @return a snapshot of the batch's progress
   */
  public Progress progress() {
    BulkWriter current = writer;
    return current == null ? new Progress(0, 0, 0, 0, 0, 0, 0) : current.progress();
  }

  /** A snapshot of a batch's counters, immutable. */
  public static final class Progress {
    private final long pulled;
    private final long done;
    private final long succeeded;
    private final long failed;
    private final long uncertain;
    private final long retries;
    private final double requestCharge;

    Progress(long pulled, long done, long succeeded, long failed, long uncertain, long retries,
        double requestCharge) {
      this.pulled = pulled;
      this.done = done;
      this.succeeded = succeeded;
      this.failed = failed;
      this.uncertain = uncertain;
      this.retries = retries;
      this.requestCharge = requestCharge;
    }

    /**
     * Items read from the input so far.
     *
     * @return the number of items read
     */
    public long pulled() {
      return pulled;
    }

    /**
     * Items finished (succeeded or failed).
     *
     * @return the number of finished items
     */
    public long done() {
      return done;
    }

    /**
     * Items written (or deleted) successfully.
     *
     * @return the number of successful items
     */
    public long succeeded() {
      return succeeded;
    }

    /**
     * Items that failed, the uncertain ones included.
     *
     * @return the number of failed items
     */
    public long failed() {
      return failed;
    }

    /**
     * Failed items that may nonetheless have been applied ({@link CosmosResult#isUncertain()}).
     *
     * @return the number of uncertain items
     */
    public long uncertain() {
      return uncertain;
    }

    /**
     * Resends over all finished items (throttling, transient failures).
     *
     * @return the number of retries
     */
    public long retries() {
      return retries;
    }

    /**
     * Request units charged for the finished items (the last attempt of each).
     *
     * @return the request charge so far
     */
    public double requestCharge() {
      return requestCharge;
    }

    @Override public String toString() {
      return "Progress{pulled=" + pulled + ", done=" + done + ", succeeded=" + succeeded
          + ", failed=" + failed + ", uncertain=" + uncertain + ", retries=" + retries
          + ", requestCharge=" + requestCharge + "}";
    }
  }
}
