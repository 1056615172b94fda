package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A container's partition map: its partition-key ranges, which together cover the effective
 * partition key space {@code [""}, {@code "FF")} without gaps or overlaps, and the {@code etag}
 * of the {@code pkranges} answer they came from (sent as {@code If-None-Match} to read only the
 * changes since). Immutable and free of I/O: a refresh makes a new map.
 *
 * <p>Ranges are ordered by {@code minInclusive}; EPKs compare with {@link String#compareTo}, as
 * the service's upper-case hex boundaries do.
 */
final class PartitionKeyRanges {
  /** One partition-key range; immutable. */
  static final class Range {
    final String id;
    final String minInclusive;
    final String maxExclusive;
    /** The ids of the ranges this one was split or merged from (all ancestors), maybe empty. */
    final List<String> parents;
    /** The range's own {@code _etag}, or null. */
    final String etag;

    Range(String id, String minInclusive, String maxExclusive, List<String> parents,
        String etag) {
      this.id = Objects.requireNonNull(id, "id == null");
      this.minInclusive = Objects.requireNonNull(minInclusive, "minInclusive == null");
      this.maxExclusive = Objects.requireNonNull(maxExclusive, "maxExclusive == null");
      this.parents = parents == null
          ? Collections.emptyList() : Collections.unmodifiableList(new ArrayList<>(parents));
      this.etag = etag;
    }

    /** Whether {@code minInclusive <= epk < maxExclusive}. */
    boolean contains(String epk) {
      return minInclusive.compareTo(epk) <= 0 && epk.compareTo(maxExclusive) < 0;
    }

    @Override public boolean equals(Object other) {
      if (!(other instanceof Range)) {
        return false;
      }
      Range that = (Range) other;
      return id.equals(that.id) && minInclusive.equals(that.minInclusive)
          && maxExclusive.equals(that.maxExclusive) && parents.equals(that.parents)
          && Objects.equals(etag, that.etag);
    }

    @Override public int hashCode() {
      return Objects.hash(id, minInclusive, maxExclusive, parents, etag);
    }

    @Override public String toString() {
      return id + "[" + minInclusive + "," + maxExclusive + ")"
          + (parents.isEmpty() ? "" : " parents=" + parents);
    }
  }

  private static final Comparator<Range> BY_MIN =
      Comparator.comparing((Range r) -> r.minInclusive);

  private final List<Range> ranges;
  private final Map<String, Range> byId;
  private final String etag;

  /** Every id a range of this map lists among its parents (its whole lineage). */
  private final Set<String> ancestors = new HashSet<>();

  private PartitionKeyRanges(List<Range> sorted, Map<String, Range> byId, String etag) {
    this.ranges = sorted;
    this.byId = byId;
    this.etag = etag;
    for (Range range : sorted) {
      ancestors.addAll(range.parents);
    }
  }

  /**
   * Whether this map accounts for a range id: one of its ranges, or a parent of one (the range
   * it was split or merged from). An id it does not account for is newer than the map.
   */
  boolean accountsFor(String rangeId) {
    return byId.containsKey(rangeId) || ancestors.contains(rangeId);
  }

  /**
   * A map of exactly these ranges.
   *
   * @param etag the {@code etag} header of the answer, or null
   * @throws IllegalArgumentException when the ranges do not tile {@code ["", "FF")}: a gap, an
   *     overlap, an empty or reversed range, or a repeated id
   */
  static PartitionKeyRanges of(Collection<Range> ranges, String etag) {
    Objects.requireNonNull(ranges, "ranges == null");
    List<Range> sorted = new ArrayList<>(ranges);
    for (Range range : sorted) {
      Objects.requireNonNull(range, "range == null");
    }
    sorted.sort(BY_MIN);
    Map<String, Range> byId = new LinkedHashMap<>();
    for (Range range : sorted) {
      if (byId.put(range.id, range) != null) {
        throw new IllegalArgumentException("pkranges list has range id " + range.id + " twice");
      }
    }
    check(sorted);
    return new PartitionKeyRanges(Collections.unmodifiableList(sorted),
        Collections.unmodifiableMap(byId), etag);
  }

  /**
   * The map of a {@code GET .../pkranges} answer ({@code {"PartitionKeyRanges":[{"id",
   * "minInclusive","maxExclusive","parents","_etag"},...]}}).
   *
   * @throws IllegalArgumentException for a body of another shape or ranges that do not tile the
   *     key space (see {@link #of})
   */
  static PartitionKeyRanges fromJson(String body, String etag) {
    return of(parse(body), etag);
  }

  /**
   * The ranges listed in a {@code pkranges} answer, in the order given, without checking that
   * they tile the key space (an incremental answer lists only what changed).
   *
   * @throws IllegalArgumentException for a body of another shape
   */
  static List<Range> parse(String body) {
    Objects.requireNonNull(body, "body == null");
    JsonArray array;
    try {
      JsonElement root = JsonParser.parseString(body);
      JsonElement list = root.isJsonObject()
          ? root.getAsJsonObject().get("PartitionKeyRanges") : null;
      if (list == null || !list.isJsonArray()) {
        throw new IllegalArgumentException("pkranges body has no PartitionKeyRanges array");
      }
      array = list.getAsJsonArray();
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("pkranges body is not JSON", e);
    }
    List<Range> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!array.get(i).isJsonObject()) {
        throw new IllegalArgumentException("pkranges entry " + i + " is not an object");
      }
      JsonObject item = array.get(i).getAsJsonObject();
      List<String> parents = new ArrayList<>();
      JsonElement parentList = item.get("parents");
      if (parentList != null && !parentList.isJsonNull()) {
        if (!parentList.isJsonArray()) {
          throw new IllegalArgumentException("pkranges entry " + i + ": parents is not an array");
        }
        for (JsonElement parent : parentList.getAsJsonArray()) {
          parents.add(text(parent, i, "parents"));
        }
      }
      JsonElement rangeEtag = item.get("_etag");
      out.add(new Range(required(item, "id", i), required(item, "minInclusive", i),
          required(item, "maxExclusive", i), parents,
          rangeEtag == null || rangeEtag.isJsonNull() ? null : text(rangeEtag, i, "_etag")));
    }
    return out;
  }

  private static String required(JsonObject item, String field, int index) {
    JsonElement value = item.get(field);
    if (value == null || value.isJsonNull()) {
      throw new IllegalArgumentException("pkranges entry " + index + " has no " + field);
    }
    return text(value, index, field);
  }

  private static String text(JsonElement value, int index, String field) {
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException("pkranges entry " + index + ": " + field
          + " is not a string");
    }
    return value.getAsString();
  }

  /** The {@code etag} of the answer this map came from, or null. */
  String etag() {
    return etag;
  }

  /** The ranges, ordered by {@code minInclusive}. */
  List<Range> ranges() {
    return ranges;
  }

  /** The range with this id, or null. */
  Range byId(String id) {
    return byId.get(Objects.requireNonNull(id, "id == null"));
  }

  /**
   * The range holding an effective partition key: {@code minInclusive <= epk < maxExclusive}.
   *
   * @throws IllegalArgumentException for an EPK at or above {@code "FF"}, outside the key space
   */
  Range rangeFor(String epk) {
    Objects.requireNonNull(epk, "effectivePartitionKey == null");
    if (epk.compareTo(EffectivePartitionKey.MAX_EXCLUSIVE) >= 0) {
      throw new IllegalArgumentException("effectivePartitionKey must be below "
          + EffectivePartitionKey.MAX_EXCLUSIVE + ", got " + epk);
    }
    return ranges.get(indexOf(epk));
  }

  /**
   * The ranges that share at least one EPK with {@code [minInclusive, maxExclusive)}, in order;
   * empty when the interval is.
   *
   * @throws IllegalArgumentException when {@code minInclusive > maxExclusive}
   */
  List<Range> overlapping(String minInclusive, String maxExclusive) {
    Objects.requireNonNull(minInclusive, "minInclusive == null");
    Objects.requireNonNull(maxExclusive, "maxExclusive == null");
    int order = minInclusive.compareTo(maxExclusive);
    if (order > 0) {
      throw new IllegalArgumentException("minInclusive " + minInclusive
          + " is above maxExclusive " + maxExclusive);
    }
    if (order == 0 || minInclusive.compareTo(EffectivePartitionKey.MAX_EXCLUSIVE) >= 0) {
      return Collections.emptyList();
    }
    List<Range> out = new ArrayList<>();
    for (int i = indexOf(minInclusive); i < ranges.size(); i++) {
      Range range = ranges.get(i);
      if (range.minInclusive.compareTo(maxExclusive) >= 0) {
        break;
      }
      out.add(range);
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The ranges holding the documents of a key: the one range of a complete key, or every range
   * a prefix of a hierarchical key overlaps (see {@link EffectivePartitionKey#range}).
   *
   * @throws IllegalArgumentException when the key does not fit the definition
   */
  List<Range> rangesFor(PartitionKey key, EffectivePartitionKey.Definition definition) {
    String[] interval = EffectivePartitionKey.range(key, definition);
    return overlapping(interval[0], interval[1]);
  }

  /**
   * This map after a refresh: the ranges of {@code changes} (an incremental {@code pkranges}
   * answer, or a full one) replace those of the same id, and every range a changed range names
   * among its {@code parents} is dropped: a split's parent gives way to its children, and a
   * merge's several parents to the one merged range. A listed range that a later listed range
   * names as parent (split twice between reads) is dropped too.
   *
   * @param etag the {@code etag} header of the refresh answer
   * @throws IllegalArgumentException when the result does not tile the key space (a change was
   *     missed: read the whole list again)
   */
  PartitionKeyRanges apply(Collection<Range> changes, String etag) {
    Objects.requireNonNull(changes, "changes == null");
    Set<String> gone = new HashSet<>();
    for (Range change : changes) {
      gone.addAll(Objects.requireNonNull(change, "range == null").parents);
    }
    Map<String, Range> next = new LinkedHashMap<>();
    for (Range range : ranges) {
      if (!gone.contains(range.id)) {
        next.put(range.id, range);
      }
    }
    for (Range change : changes) {
      if (!gone.contains(change.id)) {
        next.put(change.id, change);
      }
    }
    return of(next.values(), etag);
  }

  /** {@link #apply} with the ranges of a {@code pkranges} answer body. */
  PartitionKeyRanges applyJson(String body, String etag) {
    return apply(parse(body), etag);
  }

  /** The index of the last range whose {@code minInclusive <= epk}; the first is {@code ""}. */
  private int indexOf(String epk) {
    int low = 0;
    int high = ranges.size() - 1;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (ranges.get(mid).minInclusive.compareTo(epk) <= 0) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  private static void check(List<Range> sorted) {
    if (sorted.isEmpty()) {
      throw new IllegalArgumentException("pkranges list is empty");
    }
    String expected = EffectivePartitionKey.MIN_INCLUSIVE;
    Range previous = null;
    for (Range range : sorted) {
      if (range.minInclusive.compareTo(range.maxExclusive) >= 0) {
        throw new IllegalArgumentException("pkranges range " + range + " is empty or reversed");
      }
      int order = range.minInclusive.compareTo(expected);
      if (order > 0) {
        throw new IllegalArgumentException("pkranges list has a gap ["
            + expected + "," + range.minInclusive + ") "
            + (previous == null ? "before " + range : "between " + previous + " and " + range));
      }
      if (order < 0) {
        throw new IllegalArgumentException("pkranges ranges " + previous + " and " + range
            + " overlap");
      }
      expected = range.maxExclusive;
      previous = range;
    }
    if (!expected.equals(EffectivePartitionKey.MAX_EXCLUSIVE)) {
      throw new IllegalArgumentException("pkranges list ends at " + expected + ", not "
          + EffectivePartitionKey.MAX_EXCLUSIVE + " (last range " + previous + ")");
    }
  }

  @Override public boolean equals(Object other) {
    return other instanceof PartitionKeyRanges
        && ((PartitionKeyRanges) other).ranges.equals(ranges)
        && Objects.equals(((PartitionKeyRanges) other).etag, etag);
  }

  @Override public int hashCode() {
    return Objects.hash(ranges, etag);
  }

  @Override public String toString() {
    return "PartitionKeyRanges" + ranges + (etag == null ? "" : " etag=" + etag);
  }
}
