package io.cosmoslite;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of a query or read feed, immutable. Start from {@link #builder()}; every option is unset
 * by default, which means: across all partitions, the service's page size, from the first page,
 * the session token the client keeps for the container, the client's consistency level, no
 * per-page time limit.
 *
 * <pre>{@code
 * QueryOptions options = QueryOptions.builder()
 *     .partitionKey("ada")
 *     .maxItemCount(50)
 *     .continuationToken(tokenFromTheWebClient)
 *     .build();
 * }</pre>
 */
public final class QueryOptions {
  /** No options: cross-partition, service page size, first page. */
  public static final QueryOptions NONE = builder().build();

  final PartitionKey partitionKey;
  final Integer maxItemCount;
  final String continuationToken;
  final String sessionToken;
  final ConsistencyLevel consistencyLevel;
  final Duration timeout;

  private QueryOptions(Builder b) {
    this.partitionKey = b.partitionKey;
    this.maxItemCount = b.maxItemCount;
    this.continuationToken = b.continuationToken;
    this.sessionToken = b.sessionToken;
    this.consistencyLevel = b.consistencyLevel;
    this.timeout = b.timeout;
  }

  /** A builder with every option unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this object's options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.partitionKey = partitionKey;
    b.maxItemCount = maxItemCount;
    b.continuationToken = continuationToken;
    b.sessionToken = sessionToken;
    b.consistencyLevel = consistencyLevel;
    b.timeout = timeout;
    return b;
  }

  /** The partition key the query is confined to, or null for a cross-partition query. */
  public PartitionKey partitionKey() {
    return partitionKey;
  }

  /** The most documents per page, -1 for "the service decides", or null when unset. */
  public Integer maxItemCount() {
    return maxItemCount;
  }

  /** The continuation token the query starts from, or null for the first page. */
  public String continuationToken() {
    return continuationToken;
  }

  /** The session token sent with every page instead of the client's, or null. */
  public String sessionToken() {
    return sessionToken;
  }

  /** The consistency level of every page, or null for the client's. */
  public ConsistencyLevel consistencyLevel() {
    return consistencyLevel;
  }

  /** The time limit of each page request, or null. */
  public Duration timeout() {
    return timeout;
  }

  /** The options in words; the continuation and session tokens are shortened. */
  @Override public String toString() {
    return "QueryOptions{partitionKey=" + partitionKey + ", maxItemCount=" + maxItemCount
        + ", continuationToken=" + shorten(continuationToken) + ", sessionToken="
        + shorten(sessionToken) + ", consistencyLevel=" + consistencyLevel + ", timeout="
        + timeout + "}";
  }

  static String shorten(String token) {
    return token == null || token.length() <= 40 ? token : token.substring(0, 40) + "...";
  }

  /** Builds {@link QueryOptions}. */
  public static final class Builder {
    private PartitionKey partitionKey;
    private Integer maxItemCount;
    private String continuationToken;
    private String sessionToken;
    private ConsistencyLevel consistencyLevel;
    private Duration timeout;

    private Builder() {}

    /**
     * Confines the query to one logical partition ({@code x-ms-documentdb-partitionkey}); the
     * service then runs any SQL there, ORDER BY, TOP and aggregates included. Without it the
     * query runs across partitions ({@code x-ms-documentdb-query-enablecrosspartition: True}).
     *
     * @param partitionKey a {@link PartitionKey}, or a String, Number or Boolean value
     * @throws NullPointerException for null (use {@link PartitionKey#NULL} for a JSON null key)
     * @throws IllegalArgumentException for a value of another type
     */
    public Builder partitionKey(Object partitionKey) {
      this.partitionKey = PartitionKey.from(partitionKey);
      return this;
    }

    /**
     * The most documents per page ({@code x-ms-max-item-count}); -1 lets the service decide.
     * Unset: the header is not sent and the service's default applies (100 to 1000 documents).
     * A page may hold fewer documents, even none, and still not be the last.
     *
     * @throws IllegalArgumentException unless the count is positive or -1
     */
    public Builder maxItemCount(int maxItemCount) {
      if (maxItemCount < 1 && maxItemCount != -1) {
        throw new IllegalArgumentException(
            "maxItemCount must be positive or -1, got " + maxItemCount);
      }
      this.maxItemCount = maxItemCount;
      return this;
    }

    /**
     * Starts at the page after the one that returned this token ({@link Page#continuationToken()}),
     * for example from a web client's "next page" link, in another process or much later. The
     * token is opaque: pass it back verbatim, with the same query text, parameters, container and
     * partition key it came from; the service rejects (400) a token it cannot use.
     *
     * @throws NullPointerException for null
     * @throws IllegalArgumentException for a blank token
     */
    public Builder continuationToken(String continuationToken) {
      this.continuationToken = Names.headerValue(continuationToken, "continuationToken");
      return this;
    }

    /**
     * Sends this session token ({@code x-ms-session-token}) with every page instead of the one
     * the client keeps for the container, to read writes made through another client instance.
     * Each page's response token is still merged into the client's token for the container.
     *
     * @throws NullPointerException for null
     * @throws IllegalArgumentException for a blank token
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = Names.headerValue(sessionToken, "sessionToken");
      return this;
    }

    /**
     * Queries with this consistency level ({@code x-ms-consistency-level}); it may only weaken
     * the account's default. Unset: the client's level, if any.
     *
     * @throws NullPointerException for null
     */
    public Builder consistencyLevel(ConsistencyLevel level) {
      this.consistencyLevel = Objects.requireNonNull(level, "consistencyLevel == null");
      return this;
    }

    /**
     * Bounds each page request, retries and waits included; when it passes, that page fails
     * with code 0. It does not bound the whole query. Unset by default.
     *
     * @throws NullPointerException for null
     * @throws IllegalArgumentException unless positive
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Names.positive(timeout, "timeout");
      return this;
    }

    /** The options. */
    public QueryOptions build() {
      return new QueryOptions(this);
    }
  }
}
