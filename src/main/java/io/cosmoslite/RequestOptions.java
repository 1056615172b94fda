package io.cosmoslite;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-call options, immutable. Start from {@link #builder()}; every option is unset by default.
 *
 * <pre>{@code
 * RequestOptions options = RequestOptions.builder()
 *     .sessionToken(tokenFromCookie)
 *     .ifMatch(etag)
 *     .timeout(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
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

  private RequestOptions(Builder b) {
    this.sessionToken = b.sessionToken;
    this.ifMatch = b.ifMatch;
    this.ifNoneMatch = b.ifNoneMatch;
    this.indexingDirective = b.indexingDirective;
    this.preTrigger = b.preTrigger;
    this.postTrigger = b.postTrigger;
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
    b.sessionToken = sessionToken;
    b.ifMatch = ifMatch;
    b.ifNoneMatch = ifNoneMatch;
    b.indexingDirective = indexingDirective;
    b.preTrigger = preTrigger;
    b.postTrigger = postTrigger;
    b.consistencyLevel = consistencyLevel;
    b.timeout = timeout;
    return b;
  }

  /** The session token sent with this call, or null. */
  public String sessionToken() {
    return sessionToken;
  }

  /** The end-to-end time limit, or null. */
  public Duration timeout() {
    return timeout;
  }

  @Override public String toString() {
    return "RequestOptions{sessionToken=" + sessionToken + ", ifMatch=" + ifMatch
        + ", ifNoneMatch=" + ifNoneMatch + ", indexingDirective=" + indexingDirective
        + ", preTrigger=" + preTrigger + ", postTrigger=" + postTrigger
        + ", consistencyLevel=" + consistencyLevel + ", timeout=" + timeout + "}";
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

    private Builder() {}

    /**
     * Sends this session token ({@code x-ms-session-token}) instead of the one the client keeps
     * for the container; use it to read your own writes made through another client instance.
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = Names.headerValue(sessionToken, "sessionToken");
      return this;
    }

    /** Applies a write only if the document's etag still equals this one ({@code If-Match}). */
    public Builder ifMatch(String etag) {
      this.ifMatch = Names.headerValue(etag, "ifMatch");
      return this;
    }

    /**
     * On a read, answers 304 with no body when the document's etag still equals this one
     * ({@code If-None-Match}); a 304 is a successful result with null data.
     */
    public Builder ifNoneMatch(String etag) {
      this.ifNoneMatch = Names.headerValue(etag, "ifNoneMatch");
      return this;
    }

    /** Includes or excludes the written document from the index. */
    public Builder indexingDirective(IndexingDirective directive) {
      this.indexingDirective = Objects.requireNonNull(directive, "indexingDirective == null");
      return this;
    }

    /** Runs this pre-trigger with a write. */
    public Builder preTrigger(String triggerId) {
      this.preTrigger = Names.id(triggerId, "preTrigger");
      return this;
    }

    /** Runs this post-trigger with a write. */
    public Builder postTrigger(String triggerId) {
      this.postTrigger = Names.id(triggerId, "postTrigger");
      return this;
    }

    /** Reads with this consistency level; it may only weaken the account's default. */
    public Builder consistencyLevel(ConsistencyLevel level) {
      this.consistencyLevel = Objects.requireNonNull(level, "consistencyLevel == null");
      return this;
    }

    /**
     * Bounds the whole call, retries and waits included; when it passes, the call fails with
     * code 0. Unset by default (each attempt is still bounded by the client's request timeout).
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Names.positive(timeout, "timeout");
      return this;
    }

    /** The options. */
    public RequestOptions build() {
      return new RequestOptions(this);
    }

  }
}
