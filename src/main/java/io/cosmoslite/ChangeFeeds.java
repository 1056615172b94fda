package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * The change feed's pieces without I/O: the request of one range's page, the continuation token
 * (every range's position, base64url JSON) and feed-range strings.
 */
final class ChangeFeeds {
  static final String INCREMENTAL = "Incremental feed";
  static final String FULL_FIDELITY = "Full-Fidelity Feed";
  static final String WIRE_FORMAT = "2021-09-15";
  private static final int VERSION = 1;

  private ChangeFeeds() {}

  /**
   * One range's place in the feed: a live or former range id (null for a partition-key scope),
   * the EPK interval it reads (of a key scope: the key's, to pick its session token), and the
   * etag to continue after (null: not read yet, the feed's start applies). Immutable.
   */
  static final class Position {
    final String rangeId;
    final String min;
    final String max;
    final String etag;

    Position(String rangeId, String min, String max, String etag) {
      this.rangeId = rangeId;
      this.min = min;
      this.max = max;
      this.etag = etag;
    }

    Position at(String newEtag) {
      return new Position(rangeId, min, max, newEtag);
    }

    @Override public String toString() {
      return (rangeId == null ? "key" : rangeId + "[" + min + "," + max + ")") + "@" + etag;
    }
  }

  /**
   * Everything a continuation token holds: mode, start (for ranges not read yet), the
   * partition key header of a key scope, every position, the next range of the round and how
   * many ranges in a row answered "nothing new". Immutable.
   */
  static final class State {
    final ChangeFeedOptions.Mode mode;
    final ChangeFeedOptions.Start start;
    final Instant startTime;
    /** The {@code x-ms-documentdb-partitionkey} of a key scope, or null. */
    final String partitionKey;
    final List<Position> positions;
    final int next;
    final int quiet;

    State(ChangeFeedOptions.Mode mode, ChangeFeedOptions.Start start, Instant startTime,
        String partitionKey, List<Position> positions, int next, int quiet) {
      this.mode = mode;
      this.start = start;
      this.startTime = startTime;
      this.partitionKey = partitionKey;
      this.positions = Collections.unmodifiableList(new ArrayList<>(positions));
      this.next = positions.isEmpty() ? 0 : Math.floorMod(next, positions.size());
      this.quiet = quiet;
    }

    State with(List<Position> newPositions, int newNext, int newQuiet) {
      return new State(mode, start, startTime, partitionKey, newPositions, newNext, newQuiet);
    }

    /** The token: URL-safe base64 (no padding) of a small JSON object. */
    String encode() {
      JsonObject o = new JsonObject();
      o.addProperty("v", VERSION);
      o.addProperty("mode", mode == ChangeFeedOptions.Mode.LATEST_VERSION ? "latest" : "all");
      o.addProperty("start", start.name().toLowerCase(java.util.Locale.ROOT));
      if (startTime != null) {
        o.addProperty("time", startTime.getEpochSecond());
      }
      if (partitionKey != null) {
        o.addProperty("pk", partitionKey);
      }
      o.addProperty("next", next);
      o.addProperty("quiet", quiet);
      JsonArray ranges = new JsonArray();
      for (Position p : positions) {
        JsonObject r = new JsonObject();
        if (p.rangeId != null) {
          r.addProperty("id", p.rangeId);
        }
        r.addProperty("min", p.min);
        r.addProperty("max", p.max);
        if (p.etag != null) {
          r.addProperty("etag", p.etag);
        }
        ranges.add(r);
      }
      o.add("ranges", ranges);
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a token; IllegalArgumentException naming the problem, never echoing it whole. */
    static State decode(String token) {
      try {
        JsonObject o = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(token),
            StandardCharsets.UTF_8)).getAsJsonObject();
        if (o.get("v").getAsInt() != VERSION) {
          throw new IllegalArgumentException("version " + o.get("v"));
        }
        String m = o.get("mode").getAsString();
        ChangeFeedOptions.Mode mode = m.equals("latest") ? ChangeFeedOptions.Mode.LATEST_VERSION
            : m.equals("all") ? ChangeFeedOptions.Mode.ALL_VERSIONS_AND_DELETES : null;
        if (mode == null) {
          throw new IllegalArgumentException("mode " + m);
        }
        ChangeFeedOptions.Start start = ChangeFeedOptions.Start.valueOf(
            o.get("start").getAsString().toUpperCase(java.util.Locale.ROOT));
        Instant time = o.has("time") ? Instant.ofEpochSecond(o.get("time").getAsLong()) : null;
        if (start == ChangeFeedOptions.Start.TIME && time == null) {
          throw new IllegalArgumentException("no time");
        }
        String pk = o.has("pk") ? o.get("pk").getAsString() : null;
        List<Position> positions = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("ranges")) {
          JsonObject r = e.getAsJsonObject();
          String etag = r.has("etag") ? r.get("etag").getAsString() : null;
          positions.add(new Position(pk != null ? null : r.get("id").getAsString(),
              r.get("min").getAsString(), r.get("max").getAsString(), etag));
        }
        if (positions.isEmpty() || (pk != null && positions.size() != 1)) {
          throw new IllegalArgumentException(positions.size() + " ranges");
        }
        return new State(mode, start, time, pk, positions, o.get("next").getAsInt(),
            o.get("quiet").getAsInt());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("continuationToken is not a change feed token of this "
            + "client (" + RequestOptions.shorten(token) + "): " + e.getMessage(), e);
      }
    }
  }

  /**
   * The container's feed ranges, one per live partition-key range, in EPK order; completes on
   * the callback executor, exceptionally with {@link CosmosException} when the map cannot be read.
   */
  static java.util.concurrent.CompletableFuture<List<String>> feedRanges(CosmosClient client,
      String database, String container) {
    Containers.link(database, container); // checks the names before anything is sent
    java.util.concurrent.CompletableFuture<List<String>> out =
        new java.util.concurrent.CompletableFuture<>();
    client.containers.ranges(database, container).whenComplete((map, error) ->
        client.pipeline.callback(() -> {
          if (error != null) {
            out.completeExceptionally(Pipeline.unwrap(error));
            return;
          }
          List<String> ranges = new ArrayList<>();
          for (PartitionKeyRanges.Range r : map.ranges()) {
            ranges.add(encodeFeedRange(r.minInclusive, r.maxExclusive));
          }
          out.complete(Collections.unmodifiableList(ranges));
        }));
    return out;
  }

  /** A feed range's public form: URL-safe base64 of {@code {"min":..,"max":..}}. */
  static String encodeFeedRange(String min, String max) {
    JsonObject o = new JsonObject();
    o.addProperty("min", min);
    o.addProperty("max", max);
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** {@code [min, max]} of a feed range; IllegalArgumentException for a malformed one. */
  static String[] decodeFeedRange(String feedRange) {
    try {
      JsonObject o = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(feedRange),
          StandardCharsets.UTF_8)).getAsJsonObject();
      String min = o.get("min").getAsString();
      String max = o.get("max").getAsString();
      if (min.compareTo(max) >= 0 || max.compareTo(EffectivePartitionKey.MAX_EXCLUSIVE) > 0) {
        throw new IllegalArgumentException("empty or outside the key space");
      }
      return new String[] {min, max};
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("feedRange is not one of CosmosClient.feedRanges ("
          + RequestOptions.shorten(feedRange) + "): " + e.getMessage(), e);
    }
  }

  /**
   * GET dbs/{db}/colls/{c}/docs for one position: {@code A-IM} (and the wire format of full
   * fidelity), the start ({@code If-None-Match} etag or {@code *}, {@code If-Modified-Since},
   * or nothing), the scope (range id, with an EPK sub-range when the position is narrower than
   * its range; or the partition key), the page size and the given session token.
   *
   * @param physical the live range of the position's id, or null when unknown
   */
  static CosmosRequest page(CosmosRequest.Link link, State state, Position position,
      PartitionKeyRanges.Range physical, ChangeFeedOptions options, String sessionToken,
      Documents.Reads reads) {
    CosmosRequest.Builder b = CosmosRequest.builder("GET", "docs", link).feed("docs")
        .sessionScope(link.raw).sendsSessionToken(false).callerSessionToken(sessionToken)
        .timeout(options.timeout);
    if (state.mode == ChangeFeedOptions.Mode.LATEST_VERSION) {
      b.header("A-IM", INCREMENTAL);
    } else {
      b.header("A-IM", FULL_FIDELITY);
      b.header("x-ms-cosmos-changefeed-wire-format-version", WIRE_FORMAT);
    }
    if (position.etag != null) {
      b.header("If-None-Match", position.etag);
    } else if (state.start == ChangeFeedOptions.Start.NOW) {
      b.header("If-None-Match", "*");
    } else if (state.start == ChangeFeedOptions.Start.TIME) {
      b.header("If-Modified-Since", Auth.httpDate(state.startTime));
    }
    if (state.partitionKey != null) {
      b.header("x-ms-documentdb-partitionkey", state.partitionKey);
    } else {
      b.header("x-ms-documentdb-partitionkeyrangeid", position.rangeId);
      if (physical == null || !physical.minInclusive.equals(position.min)
          || !physical.maxExclusive.equals(position.max)) {
        b.header("x-ms-start-epk", position.min);
        b.header("x-ms-end-epk", position.max);
      }
    }
    if (options.maxItemCount != null) {
      b.header("x-ms-max-item-count", Integer.toString(options.maxItemCount));
    }
    // Consistency as for any read; the session token is the target range's (set above).
    return Documents.readOptions(b, RequestOptions.NONE, reads).callerSessionToken(sessionToken)
        .timeout(options.timeout).build();
  }
}
