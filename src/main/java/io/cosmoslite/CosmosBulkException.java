package io.cosmoslite;

/**
 * A multi-document write with failures, when the client raises on failure (the default): one
 * exception for the whole batch that carries every item's result. It reads like
 * {@code bulk create in dbs/shop/colls/orders: 2 of 1000 items failed (0 uncertain); first,
 * item 17 -> 409 Conflict: ...}; {@link #result()} and the
 * status accessors describe that first failed item, {@link #results()} all of them.
 */
public final class CosmosBulkException extends CosmosException {
  private static final long serialVersionUID = 1L;

  private final transient BulkResult results;

  CosmosBulkException(String summary, CosmosResult<?> firstFailure, BulkResult results,
      Throwable cause) {
    super(summary, firstFailure, cause);
    this.results = results;
  }

  /**
   * Every item's result in input order, the successful ones included.
   *
   * @return the batch's results
   */
  public BulkResult results() {
    return results;
  }
}
