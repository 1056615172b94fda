package io.cosmoslite;

import java.util.Collections;
import java.util.List;

/**
 * One page of a {@link ChangeFeed}: its changes, the token that resumes right after it, and
 * whether the feed has caught up. Immutable.
 *
 * <p>Unlike a query's {@link Page}, a change feed never ends: every page has a continuation
 * token, and a page with no changes is normal. A page answered {@code 304 Not Modified} is such
 * an empty page, not an error.
 *
 * @param <T> the type of the changes
 */
public final class ChangeFeedPage<T> {
  private final List<T> items;
  private final String continuationToken;
  private final boolean caughtUp;
  private final CosmosResult<List<T>> result;

  ChangeFeedPage(List<T> items, String continuationToken, boolean caughtUp,
      CosmosResult<List<T>> result) {
    this.items = Collections.unmodifiableList(items);
    this.continuationToken = continuationToken;
    this.caughtUp = caughtUp;
    this.result = result;
  }

  /** The changes of this page, in the service's order (by LSN within one range). */
  public List<T> items() {
    return items;
  }

  /**
   * The token that resumes right after this page, for the whole scope of the feed (every
   * range's position): hand it to {@link ChangeFeedOptions.Builder#continuationToken} in this or
   * another process. Never null. Opaque and URL-safe. On a failed page (only seen with
   * {@code raiseOnFailure(false)}) it is the position before that page, so resuming retries it.
   */
  public String continuationToken() {
    return continuationToken;
  }

  /**
   * False when the feed has caught up: every range of the scope answered "nothing new"
   * ({@code 304}) in the round this page ended. Asking again later continues; more changes may
   * arrive at any time. True otherwise (other ranges may still have changes).
   */
  public boolean hasMoreChanges() {
    return !caughtUp;
  }

  /** Request units charged for this page. */
  public double requestCharge() {
    return result.requestCharge();
  }

  /** The page's {@code x-ms-session-token} (already merged into the client's), or null. */
  public String sessionToken() {
    return result.sessionToken();
  }

  /**
   * The page's result map: status (200, or 304 for no changes), the changes as data (null on a
   * 304), every response header ({@code etag} is the range's position).
   */
  public CosmosResult<List<T>> result() {
    return result;
  }

  /** The item count, continuation (shortened), caught-up flag, charge and status. */
  @Override public String toString() {
    return "ChangeFeedPage{items=" + items.size() + ", continuationToken="
        + RequestOptions.shorten(continuationToken) + ", hasMoreChanges=" + hasMoreChanges()
        + ", requestCharge=" + requestCharge() + ", status=" + result.status() + "}";
  }
}
