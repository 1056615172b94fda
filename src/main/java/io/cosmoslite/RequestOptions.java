package io.cosmoslite;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-call options of every operation (single documents, queries, feeds), immutable. Start from
 * {@link #builder()}; every option is unset by default, and an option that does not apply to an
 * operation is ignored by it (its javadoc says where it applies).
 *
 * <pre>{@code
 * RequestOptions options = RequestOptions.builder()
 *     .sessionToken(tokenFromCookie)
 *     .ifMatch(etag)
 *     .timeout(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 *
 * <p>{@link Builder#timeout} means one thing everywhere: the end-to-end limit of one call over
 * all its attempts — for a query or feed, of one page's call.
 */
public final class RequestOptions {
  /** No options. */
  public static final RequestOptions NONE = builder().build();

  /** Whether a written document is indexed ({@code x-ms-indexing-directive}). */
  public enum IndexingDirective {
    /** Index the document. */
    INCLUDE("Include"),
    /** Do not index the document. */
    EXCLUDE("Exclude");

    final String header;

    IndexingDirective(String header) {
      this.header = header;
    }
  }

  final String sessionToken;
  final String ifMatch;
  final String ifNoneMatch;
  final IndexingDirective indexingDirective;
  final String preTrigger;
  final String postTrigger;
  final ConsistencyLevel consistencyLevel;
  final Duration timeout;
  final PartitionKey partitionKey;
  final Integer maxItemCount;
  final String continuationToken;
  final boolean returnDocument;
  final String patchCondition;
  final PriorityLevel priorityLevel;
  final Integer throughputBucket;

  private RequestOptions(Builder b) {
    this.sessionToken = b.sessionToken;
    this.ifMatch = b.ifMatch;
    this.ifNoneMatch = b.ifNoneMatch;
    this.indexingDirective = b.indexingDirective;
    this.preTrigger = b.preTrigger;
    this.postTrigger = b.postTrigger;
    this.consistencyLevel = b.consistencyLevel;
    this.timeout = b.timeout;
    this.partitionKey = b.partitionKey;
    this.maxItemCount = b.maxItemCount;
    this.continuationToken = b.continuationToken;
    this.returnDocument = b.returnDocument;
    this.patchCondition = b.patchCondition;
    this.priorityLevel = b.priorityLevel;
    this.throughputBucket = b.throughputBucket;
  }

  /** A builder with every option unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this object's options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.sessionToken = sessionToken;
    b.ifMatch = ifMatch;
    b.ifNoneMatch = ifNoneMatch;
    b.indexingDirective = indexingDirective;
    b.preTrigger = preTrigger;
    b.postTrigger = postTrigger;
    b.consistencyLevel = consistencyLevel;
    b.timeout = timeout;
    b.partitionKey = partitionKey;
    b.maxItemCount = maxItemCount;
    b.continuationToken = continuationToken;
    b.returnDocument = returnDocument;
    b.patchCondition = patchCondition;
    b.priorityLevel = priorityLevel;
    b.throughputBucket = throughputBucket;
    return b;
  }

  /** The per-call session token, or null. */
  public String sessionToken() {
    return sessionToken;
  }

  /** The end-to-end time limit of one call, or null for none. */
  public Duration timeout() {
    return timeout;
  }

  /** The partition key a query or feed is scoped to, or null for the whole container. */
  public PartitionKey partitionKey() {
    return partitionKey;
  }

  /** The page size of a query or feed, or null for the service's default. */
  public Integer maxItemCount() {
    return maxItemCount;
  }

  /** The continuation token a query or feed starts from, or null for its beginning. */
  public String continuationToken() {
    return continuationToken;
  }

  /** Whether a write's answer carries the stored document (true unless turned off). */
  public boolean returnDocument() {
    return returnDocument;
  }

  /** Shows the options; tokens are shortened, never shown whole. */
  @Override public String toString() {
    return "RequestOptions{sessionToken=" + redact(sessionToken) + ", ifMatch=" + ifMatch
        + ", ifNoneMatch=" + ifNoneMatch + ", indexingDirective=" + indexingDirective
        + ", preTrigger=" + preTrigger + ", postTrigger=" + postTrigger
        + ", consistencyLevel=" + consistencyLevel + ", timeout=" + timeout
        + ", partitionKey=" + partitionKey + ", maxItemCount=" + maxItemCount
        + ", continuationToken=" + shorten(continuationToken) + ", returnDocument="
        + returnDocument + ", patchCondition=" + patchCondition + ", priorityLevel="
        + priorityLevel + ", throughputBucket=" + throughputBucket + "}";
  }

  static String shorten(String token) {
    return token == null || token.length() <= 40 ? token : token.substring(0, 40) + "...";
  }

  /** A session token may come from an end user's cookie: only its length is shown. */
  private static String redact(String token) {
    return token == null ? null : "[" + token.length() + " chars]";
  }

  /** Builds {@link RequestOptions}. */
  public static final class Builder {
    private String sessionToken;
    private String ifMatch;
    private String ifNoneMatch;
    private IndexingDirective indexingDirective;
    private String preTrigger;
    private String postTrigger;
    private ConsistencyLevel consistencyLevel;
    private Duration timeout;
    private PartitionKey partitionKey;
    private Integer maxItemCount;
    private String continuationToken;
    private boolean returnDocument = true;
    private String patchCondition;
    private PriorityLevel priorityLevel;
    private Integer throughputBucket;

    private Builder() {}

    /**
     * A session token for this call only ({@code x-ms-session-token}), e.g. from an end user's
     * cookie: sent instead of the client's own for that container, and never merged into the
     * client's state, so a forged cookie affects only the call that carries it. It must parse as
     * a session token ({@code range:version#lsn...} items, at most 1,000 ranges and 16 KB).
     *
     * @throws IllegalArgumentException when it does not parse (the value is not echoed)
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = Names.sessionToken(sessionToken, "sessionToken");
      return this;
    }

    /** Only if the document's etag is this ({@code If-Match}); writes and deletes. 412 if not. */
    public Builder ifMatch(String etag) {
      this.ifMatch = Names.headerValue(etag, "ifMatch");
      return this;
    }

    /**
     * {@code If-None-Match} on a point read: an unchanged document answers 304 with no data.
     */
    public Builder ifNoneMatch(String etag) {
      this.ifNoneMatch = Names.headerValue(etag, "ifNoneMatch");
      return this;
    }

    /** Whether a written document is indexed. Default: the container's policy. */
    public Builder indexingDirective(IndexingDirective directive) {
      this.indexingDirective = Objects.requireNonNull(directive, "indexingDirective == null");
      return this;
    }

    /** A pre-trigger to run on a write ({@code x-ms-documentdb-pre-trigger-include}). */
    public Builder preTrigger(String triggerId) {
      this.preTrigger = Names.headerValue(Names.id(triggerId, "preTrigger"), "preTrigger");
      return this;
    }

    /** A post-trigger to run on a write ({@code x-ms-documentdb-post-trigger-include}). */
    public Builder postTrigger(String triggerId) {
      this.postTrigger = Names.headerValue(Names.id(triggerId, "postTrigger"), "postTrigger");
      return this;
    }

    /**
     * Consistency of a read, query or feed ({@code x-ms-consistency-level}); it may only weaken
     * the account default. At Eventual or Consistent Prefix no session token is sent.
     */
    public Builder consistencyLevel(ConsistencyLevel level) {
      this.consistencyLevel = Objects.requireNonNull(level, "consistencyLevel == null");
      return this;
    }

    /**
     * End-to-end time limit of the call over all its attempts and waits (of one page, for a
     * query or feed); when it passes the call ends with code 0, "timed out". Default: none
     * (each attempt is still bounded by the client's request timeout).
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Names.positive(timeout, "timeout");
      return this;
    }

    /**
     * Scopes a query or read feed to one logical partition (a {@link PartitionKey} or a String,
     * Number or Boolean). Default: across every partition.
     */
    public Builder partitionKey(Object partitionKey) {
      this.partitionKey = PartitionKey.from(partitionKey);
      return this;
    }

    /** Page size of a query or feed ({@code x-ms-max-item-count}): positive, or -1 (dynamic). */
    public Builder maxItemCount(int maxItemCount) {
      if (maxItemCount < 1 && maxItemCount != -1) {
        throw new IllegalArgumentException(
            "maxItemCount must be positive or -1, got " + maxItemCount);
      }
      this.maxItemCount = maxItemCount;
      return this;
    }

    /** Starts a query or feed where the page that returned this token ended. */
    public Builder continuationToken(String continuationToken) {
      this.continuationToken = Names.headerValue(continuationToken, "continuationToken");
      return this;
    }

    /**
     * Whether a create, upsert, replace or patch answers with the stored document. False sends
     * {@code Prefer: return=minimal}: less to transfer and parse, and the result's data is null.
     * Default true.
     */
    public Builder returnDocument(boolean returnDocument) {
      this.returnDocument = returnDocument;
      return this;
    }

    /**
     * Patches only if this filter holds (e.g. {@code from c where c.status = 'open'}); 412 when
     * it does not. Patch only.
     */
    public Builder patchCondition(String condition) {
      Objects.requireNonNull(condition, "patchCondition == null");
      if (condition.isBlank()) {
        throw new IllegalArgumentException("patchCondition is blank");
      }
      this.patchCondition = condition;
      return this;
    }

    /**
     * Priority of the call when the account throttles by priority
     * ({@code x-ms-cosmos-priority-level: High|Low}): under pressure low-priority requests are
     * throttled first. Every document operation, query and feed. Default: the account's.
     */
    public Builder priorityLevel(PriorityLevel priorityLevel) {
      this.priorityLevel = Objects.requireNonNull(priorityLevel, "priorityLevel == null");
      return this;
    }

    /**
     * The throughput bucket (1 to 5) the call draws from ({@code x-ms-cosmos-throughput-bucket})
     * when the container has buckets configured. Every document operation, query and feed.
     *
     * @throws IllegalArgumentException outside 1..5
     */
    public Builder throughputBucket(int bucket) {
      if (bucket < 1 || bucket > 5) {
        throw new IllegalArgumentException("throughputBucket must be 1 to 5, got " + bucket);
      }
      this.throughputBucket = bucket;
      return this;
    }

    /** The options. */
    public RequestOptions build() {
      return new RequestOptions(this);
    }
  }
}
