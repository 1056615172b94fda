package io.cosmoslite;

import java.util.Collections;
import java.util.List;

/**
 * One page of a query or feed: its documents, the token of the next page, and the response it
 * came from. Immutable.
 *
 * <p>A page may hold no documents and still not be the last one; only a null
 * {@link #continuationToken()} ends the query.
 *
 * @param <T> the type of the documents
 */
public final class Page<T> {
  private final List<T> items;
  private final String continuationToken;
  private final CosmosResult<List<T>> result;

  Page(List<T> items, String continuationToken, CosmosResult<List<T>> result) {
    this.items = Collections.unmodifiableList(items);
    this.continuationToken = continuationToken;
    this.result = result;
  }

  /** The documents of this page, in the service's order; empty for an empty or failed page. */
  public List<T> items() {
    return items;
  }

  /**
   * The token that continues after this page ({@code x-ms-continuation}), or null when this is
   * the last page. Hand it to a later query with {@link RequestOptions.Builder#continuationToken}
   * to resume here, in this or another process. It is opaque: store and send it back verbatim
   * (URL-encode it when it travels in a link; it may contain JSON). On a failed page (only seen
   * with {@code raiseOnFailure(false)}) it is the token the page was requested with, so resuming
   * from it retries that page; null when that was the first page.
   */
  public String continuationToken() {
    return continuationToken;
  }

  /** Request units charged for the response that produced this page. */
  public double requestCharge() {
    return result.requestCharge();
  }

  /** The page's {@code x-ms-session-token} (already merged into the client's), or null. */
  public String sessionToken() {
    return result.sessionToken();
  }

  /**
   * The page's result map: status, code, session token, error, the documents as data, and every
   * response header. Its status is {@code "failed"} only for a failed page.
   */
  public CosmosResult<List<T>> result() {
    return result;
  }

  /** The item count, continuation (shortened), charge and status. */
  @Override public String toString() {
    return "Page{items=" + items.size() + ", continuationToken="
        + RequestOptions.shorten(continuationToken) + ", requestCharge=" + requestCharge()
        + ", status=" + result.status() + "}";
  }
}
