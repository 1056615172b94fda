package io.cosmoslite;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a {@link ChangeFeed} starts, what it covers and how it reads. Immutable; made with
 * {@link #builder()}. Checked when built, so a feed that the service would refuse fails with
 * {@link IllegalArgumentException} before anything is sent.
 *
 * <pre>{@code
 * ChangeFeedOptions fromNow = ChangeFeedOptions.builder().startFromNow().maxItemCount(100).build();
 * ChangeFeedOptions resumed = ChangeFeedOptions.builder().continuationToken(saved).build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Start</b>: from the beginning (the default: no {@code If-None-Match}), from now
 *       ({@code If-None-Match: *}), from a point in time ({@code If-Modified-Since}), or from a
 *       continuation token of an earlier page ({@code If-None-Match: <etag>} per range). The last
 *       one set wins.
 *   <li><b>Scope</b>: the whole container (default), one logical partition
 *       ({@link Builder#partitionKey}), or one feed range from
 *       {@link CosmosClient#feedRanges} ({@link Builder#feedRange}). A continuation token carries
 *       its own scope and mode; giving a scope or a different mode with one is refused.
 *   <li><b>Mode</b>: {@link Mode#LATEST_VERSION} (default) or
 *       {@link Mode#ALL_VERSIONS_AND_DELETES}, which the service (and this class) refuses to start
 *       from the beginning or from a point in time: start it from now or from a token.
 * </ul>
 */
public final class ChangeFeedOptions {
  /** What the feed returns for each change. */
  public enum Mode {
    /**
     * The latest version of each changed document ({@code A-IM: Incremental feed}); a document
     * changed twice since the last page appears once; deletes do not appear.
     */
    LATEST_VERSION,
    /**
     * Every version and every delete ({@code A-IM: Full-Fidelity Feed} with
     * {@code x-ms-cosmos-changefeed-wire-format-version: 2021-09-15}). Each item is a JSON object
     * with the keys {@code current} (the document after the change; absent for a delete),
     * {@code previous} (the document before it; absent for a create) and {@code metadata}
     * ({@code operationType}: {@code "create"}, {@code "replace"} or {@code "delete"};
     * {@code lsn}; {@code crts}, the change's time in seconds; {@code previousImageLSN}; and for
     * deletes {@code id} and {@code timeToLiveExpired}). Read it with {@link DocumentType#MAP} or
     * a record of your own with those fields.
     */
    ALL_VERSIONS_AND_DELETES
  }

  enum Start {
    BEGINNING,
    NOW,
    TIME
  }

  final Start start;
  final Instant startTime;
  final String continuationToken;
  /** The decoded token, or null. */
  final ChangeFeeds.State state;
  final PartitionKey partitionKey;
  final String feedRange;
  final Mode mode;
  final Integer maxItemCount;
  final String sessionToken;
  final Duration timeout;

  private ChangeFeedOptions(Builder b) {
    this.start = b.start;
    this.startTime = b.startTime;
    this.continuationToken = b.continuationToken;
    this.partitionKey = b.partitionKey;
    this.feedRange = b.feedRange;
    this.mode = b.mode != null ? b.mode : Mode.LATEST_VERSION;
    this.maxItemCount = b.maxItemCount;
    this.sessionToken = b.sessionToken;
    this.timeout = b.timeout;
    if (partitionKey != null && feedRange != null) {
      throw new IllegalArgumentException(
          "partitionKey and feedRange are two scopes; give one of them");
    }
    if (continuationToken != null) {
      if (partitionKey != null || feedRange != null) {
        throw new IllegalArgumentException("continuationToken carries its own scope; do not give "
            + "partitionKey or feedRange with it");
      }
      this.state = ChangeFeeds.State.decode(continuationToken);
      if (b.mode != null && b.mode != state.mode) {
        throw new IllegalArgumentException("continuationToken is of a " + state.mode
            + " feed, the options ask for " + b.mode);
      }
    } else {
      this.state = null;
      if (feedRange != null) {
        ChangeFeeds.decodeFeedRange(feedRange); // refuses a malformed one now
      }
      if (mode == Mode.ALL_VERSIONS_AND_DELETES && start != Start.NOW) {
        throw new IllegalArgumentException("the ALL_VERSIONS_AND_DELETES change feed cannot start "
            + (start == Start.TIME ? "from a point in time" : "from the beginning")
            + " (the service refuses it): use startFromNow() or a continuationToken");
      }
    }
  }

  /** A new builder: from the beginning, the whole container, latest version, default page size. */
  public static Builder builder() {
    return new Builder();
  }

  /** The mode (of the token, when starting from one). */
  public Mode mode() {
    return state != null ? state.mode : mode;
  }

  /** The start, scope and mode; a token is shortened, a session token never shown. */
  @Override public String toString() {
    String from = continuationToken != null
        ? "continuationToken=" + RequestOptions.shorten(continuationToken)
        : start == Start.TIME ? "startTime=" + startTime : "start=" + start;
    return "ChangeFeedOptions{" + from + ", mode=" + mode()
        + (partitionKey != null ? ", partitionKey=" + partitionKey : "")
        + (feedRange != null ? ", feedRange=" + feedRange : "")
        + (maxItemCount != null ? ", maxItemCount=" + maxItemCount : "")
        + (timeout != null ? ", timeout=" + timeout : "") + "}";
  }

  /** Builds {@link ChangeFeedOptions}. Not thread-safe; {@link #build()} checks everything. */
  public static final class Builder {
    private Start start = Start.BEGINNING;
    private Instant startTime;
    private String continuationToken;
    private PartitionKey partitionKey;
    private String feedRange;
    private Mode mode;
    private Integer maxItemCount;
    private String sessionToken;
    private Duration timeout;

    private Builder() {}

    /** Every change the container (or the scope) still has: no {@code If-None-Match}. */
    public Builder startFromBeginning() {
      clearStart();
      start = Start.BEGINNING;
      return this;
    }

    /**
     * Only changes made after the first page: {@code If-None-Match: *}. The first page pins
     * every range's position (see {@link ChangeFeed}), so a token taken at any time resumes
     * exactly.
     */
    public Builder startFromNow() {
      clearStart();
      start = Start.NOW;
      return this;
    }

    /**
     * Documents last changed at or after {@code time}: {@code If-Modified-Since}, whole seconds
     * (HTTP dates have no fraction).
     */
    public Builder startFrom(Instant time) {
      Objects.requireNonNull(time, "time == null");
      clearStart();
      start = Start.TIME;
      startTime = time;
      return this;
    }

    /**
     * Resumes where the page that gave {@code token} ended
     * ({@link ChangeFeedPage#continuationToken}), in this or any other process, with the token's
     * scope and mode.
     *
     * @throws NullPointerException when {@code token} is null ({@link #build()} refuses a
     *     malformed one with IllegalArgumentException)
     */
    public Builder continuationToken(String token) {
      Objects.requireNonNull(token, "continuationToken == null");
      clearStart();
      continuationToken = token;
      return this;
    }

    /** Only the changes of one logical partition ({@code x-ms-documentdb-partitionkey}). */
    public Builder partitionKey(PartitionKey key) {
      this.partitionKey = Objects.requireNonNull(key, "partitionKey == null");
      return this;
    }

    /**
     * Only the changes of one feed range, a string from {@link CosmosClient#feedRanges}; the
     * feed follows the range across splits.
     */
    public Builder feedRange(String feedRange) {
      this.feedRange = Objects.requireNonNull(feedRange, "feedRange == null");
      return this;
    }

    /** Latest version (default) or all versions and deletes. */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode == null");
      return this;
    }

    /**
     * At most {@code count} changes per page ({@code x-ms-max-item-count}); the service never
     * splits the writes of one transaction, so a page may hold a few more.
     *
     * @throws IllegalArgumentException when {@code count} is not positive
     */
    public Builder maxItemCount(int count) {
      if (count <= 0) {
        throw new IllegalArgumentException("maxItemCount must be positive, got " + count);
      }
      this.maxItemCount = count;
      return this;
    }

    /**
     * The session token every page request sends instead of the client's own per-range token.
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = Objects.requireNonNull(sessionToken, "sessionToken == null");
      return this;
    }

    /** The time limit of each page's call (retries included); default the client's. */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException for a malformed token or feed range, two scopes, a scope
     *     or other mode with a token, or all versions and deletes from the beginning or a time
     */
    public ChangeFeedOptions build() {
      return new ChangeFeedOptions(this);
    }

    private void clearStart() {
      startTime = null;
      continuationToken = null;
    }
  }
}
