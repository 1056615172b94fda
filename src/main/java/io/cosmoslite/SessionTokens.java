package io.cosmoslite;

import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Session tokens per container, merged per partition-key range, never mixed across containers.
 *
 * <p>A compound token is {@code rangeId:token} segments separated by commas. A range's token is
 * either the legacy form, a bare LSN ({@code 0:42}), or the vector form
 * {@code version#globalLsn#regionId=lsn#...} ({@code 0:1#100#1=20#2=5}; version and LSNs may be
 * {@code -1}). Merging keeps, per range, the newer token: the higher version wins as a whole
 * (its LSNs count from a new configuration of the partition); under the same version the global
 * and per-region LSNs are each the maximum; legacy LSNs keep the higher; a vector token
 * supersedes a legacy one. Response segments that do not fit the grammar are ignored; a
 * caller's token is checked with {@link #parse}, which refuses them.
 *
 * <p>A container is known by its name; when a response shows that name now belongs to a
 * container with another resource id ({@code x-ms-content-path}), the container was deleted and
 * recreated (perhaps by another process), and the old tokens, whose LSNs the new container has
 * never reached, are dropped. Reads can ask for one range's token ({@link #get(String, String,
 * List)}): after a split, a child range without a token of its own uses its parents'. Thread-safe.
 */
final class SessionTokens {
  /**
   * The longest compound token accepted, in characters: 64 KiB, far above what one request
   * header can carry to the service (range-scoped tokens are some tens of characters).
   */
  static final int MAX_LENGTH = 64 * 1024;
  /**
   * The most ranges one compound token may hold. A container's whole compound token above this
   * many ranges is refused by {@link #parse}; such containers need range-scoped tokens.
   */
  static final int MAX_RANGES = 1_000;

  private static final Pattern RANGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern LEGACY = Pattern.compile("-?[0-9]{1,19}");
  private static final Pattern VECTOR =
      Pattern.compile("(-?[0-9]{1,19})#(-?[0-9]{1,19})((?:#[0-9]{1,10}=-?[0-9]{1,19})*)");
  private static final Pattern REGION = Pattern.compile("#([0-9]{1,10})=(-?[0-9]{1,19})");

  private final Map<String, Ranges> byContainer = new ConcurrentHashMap<>();

  /**
   * One container's tokens by range, the resource id they were issued by (when known), and the
   * ids the name has moved away from: a late answer of a deleted container is ignored rather
   * than allowed to replace the new one's tokens.
   */
  private static final class Ranges extends TreeMap<String, Token> {
    String resourceId;
    /** The header text {@link #resourceId} was read from: the same text is not decoded again. */
    String resourceIdText;
    final Set<String> retired = new HashSet<>();
  }

  /**
   * Checks a caller's compound token against the grammar and the caps.
   *
   * @return its tokens by range id, in the order given (a range given twice is merged)
   * @throws NullPointerException for null
   * @throws IllegalArgumentException naming {@code sessionToken} and the offending segment's
   *     position (never the token itself) when it is blank, longer than {@link #MAX_LENGTH},
   *     has more than {@link #MAX_RANGES} segments, or a segment is not {@code rangeId:token}
   */
  static Map<String, Token> parse(String sessionToken) {
    Objects.requireNonNull(sessionToken, "sessionToken == null");
    if (sessionToken.isBlank()) {
      throw new IllegalArgumentException("sessionToken is blank");
    }
    if (sessionToken.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("sessionToken is longer than " + MAX_LENGTH
          + " characters (" + sessionToken.length() + ")");
    }
    String[] segments = sessionToken.split(",", -1);
    if (segments.length > MAX_RANGES) {
      throw new IllegalArgumentException("sessionToken has more than " + MAX_RANGES
          + " ranges (" + segments.length + ")");
    }
    Map<String, Token> out = new LinkedHashMap<>();
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i].trim();
      int colon = segment.indexOf(':');
      String range = colon < 0 ? "" : segment.substring(0, colon);
      Token token = colon < 0 ? null : Token.parse(segment.substring(colon + 1));
      if (!RANGE_ID.matcher(range).matches() || token == null) {
        throw new IllegalArgumentException("sessionToken segment " + (i + 1) + " of "
            + segments.length + " is not rangeId:lsn or rangeId:version#globalLsn#region=lsn...");
      }
      out.merge(range, token, Token::merge);
    }
    return Collections.unmodifiableMap(out);
  }

  /** The compound token of a container ({@code 0:...,1:...}), or null when none is known. */
  String get(String containerLink) {
    Ranges ranges = byContainer.get(containerLink);
    if (ranges == null) {
      return null;
    }
    synchronized (ranges) {
      if (ranges.isEmpty()) {
        return null;
      }
      StringBuilder out = new StringBuilder();
      for (Map.Entry<String, Token> entry : ranges.entrySet()) {
        if (out.length() > 0) {
          out.append(',');
        }
        out.append(entry.getKey()).append(':').append(entry.getValue().text);
      }
      return out.toString();
    }
  }

  /**
   * Whether every range the container has a token of is one {@code map} accounts for (its own
   * or a parent of one); false means a token is newer than the map, which is stale.
   */
  boolean onlyRangesOf(String containerLink, PartitionKeyRanges map) {
    Ranges ranges = byContainer.get(containerLink);
    if (ranges == null) {
      return true;
    }
    synchronized (ranges) {
      for (String rangeId : ranges.keySet()) {
        if (!map.accountsFor(rangeId)) {
          return false;
        }
      }
      return true;
    }
  }

  /** How many ranges of the container have a token. */
  int rangeCount(String containerLink) {
    Ranges ranges = byContainer.get(containerLink);
    if (ranges == null) {
      return 0;
    }
    synchronized (ranges) {
      return ranges.size();
    }
  }

  /** One range's token ({@code rangeId:token}), or null when that range has none. */
  String get(String containerLink, String rangeId) {
    return get(containerLink, rangeId, Collections.emptyList());
  }

  /**
   * One range's token as {@code rangeId:token}; when the range has none of its own (it was split
   * or merged from others since), the merge of its parents' tokens under its own id; null when
   * neither is known.
   *
   * @param parentIds the range's {@code parents} from the partition map, maybe empty
   */
  String get(String containerLink, String rangeId, List<String> parentIds) {
    Objects.requireNonNull(rangeId, "rangeId == null");
    Objects.requireNonNull(parentIds, "parentIds == null");
    Ranges ranges = byContainer.get(containerLink);
    if (ranges == null) {
      return null;
    }
    synchronized (ranges) {
      Token token = resolve(ranges, rangeId, parentIds);
      return token == null ? null : rangeId + ':' + token.text;
    }
  }

  /**
   * The compound token of these ranges (for a request that spans them), each resolved as
   * {@link #get(String, String, List)} does; null when none has a token.
   */
  String get(String containerLink, Collection<PartitionKeyRanges.Range> targets) {
    Objects.requireNonNull(targets, "ranges == null");
    Ranges ranges = byContainer.get(containerLink);
    if (ranges == null) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    synchronized (ranges) {
      for (PartitionKeyRanges.Range target : targets) {
        Token token = resolve(ranges, target.id, target.parents);
        if (token != null) {
          out.append(out.length() > 0 ? "," : "").append(target.id).append(':')
              .append(token.text);
        }
      }
    }
    return out.length() == 0 ? null : out.toString();
  }

  private static Token resolve(Ranges ranges, String rangeId, List<String> parentIds) {
    Token own = ranges.get(rangeId);
    if (own != null) {
      return own;
    }
    Token inherited = null;
    for (String parent : parentIds) {
      Token token = ranges.get(parent);
      if (token != null) {
        inherited = inherited == null ? token : Token.merge(inherited, token);
      }
    }
    return inherited;
  }

  /**
   * Brings a container's tokens in line with its partition map: a range without a token of its
   * own takes its parents' (as {@link #get(String, String, List)} would), and tokens of ranges no
   * longer in the map are dropped, so that the compound token does not grow with every split.
   */
  void retain(String containerLink, PartitionKeyRanges map) {
    Objects.requireNonNull(map, "map == null");
    Ranges ranges = byContainer.get(containerLink);
    if (ranges == null) {
      return;
    }
    synchronized (ranges) {
      Map<String, Token> kept = new TreeMap<>();
      for (PartitionKeyRanges.Range range : map.ranges()) {
        Token token = resolve(ranges, range.id, range.parents);
        if (token != null) {
          kept.put(range.id, token);
        }
      }
      ranges.clear();
      ranges.putAll(kept);
    }
  }

  /**
   * Merges every {@code range:token} segment of a (possibly compound) token into the container's
   * map. Segments that do not fit the grammar (no range id, an unknown token form) are ignored:
   * they cannot be placed or compared; so is a whole token above the caps of {@link #parse}.
   */
  void merge(String containerLink, String compoundToken) {
    merge(containerLink, null, compoundToken);
  }

  /**
   * Like {@link #merge(String, String)}, from a response of the container whose resource id is
   * {@code resourceId} (null when the response did not say): a resource id other than the one
   * the stored tokens came from means the container was recreated, so those are dropped first.
   */
  void merge(String containerLink, String resourceId, String compoundToken) {
    boolean hasToken = compoundToken != null && !compoundToken.isBlank()
        && compoundToken.length() <= MAX_LENGTH;
    boolean hasId = resourceId != null && !resourceId.isBlank();
    if (!hasToken && !hasId) {
      return;
    }
    String[] segments = hasToken ? compoundToken.split(",", -1) : new String[0];
    if (segments.length > MAX_RANGES) {
      segments = new String[0];
    }
    Ranges ranges = byContainer.computeIfAbsent(containerLink, k -> new Ranges());
    synchronized (ranges) {
      // Every answer of a container repeats its id: decode only when the text changes.
      if (hasId && !resourceId.equals(ranges.resourceIdText)) {
        String owner = containerId(resourceId);
        if (ranges.retired.contains(owner)) {
          return; // an answer from the container this name used to be
        }
        if (ranges.resourceId != null && !ranges.resourceId.equals(owner)) {
          ranges.retired.add(ranges.resourceId);
          ranges.clear();
        }
        ranges.resourceId = owner;
        ranges.resourceIdText = resourceId;
      }
      for (String segment : segments) {
        String trimmed = segment.trim();
        int colon = trimmed.indexOf(':');
        if (colon < 0 || !RANGE_ID.matcher(trimmed.substring(0, colon)).matches()) {
          continue;
        }
        Token incoming = Token.parse(trimmed.substring(colon + 1));
        if (incoming != null) {
          ranges.merge(trimmed.substring(0, colon), incoming, Token::merge);
        }
      }
    }
  }

  /**
   * The container part of an {@code x-ms-content-path} resource id: its first 8 bytes (database
   * and collection) when it decodes as one (service ids use {@code -} for {@code /}), else the
   * text as given; null when absent.
   */
  static String containerId(String resourceId) {
    if (resourceId == null || resourceId.isBlank()) {
      return null;
    }
    String text = resourceId.trim();
    try {
      byte[] bytes = Base64.getDecoder().decode(text.replace('-', '/'));
      if (bytes.length > 0) {
        return Base64.getEncoder().encodeToString(Arrays.copyOf(bytes, Math.min(8, bytes.length)));
      }
    } catch (IllegalArgumentException notBase64) {
      // compared as text
    }
    return text;
  }

  /** Forgets one container's tokens (it was deleted). */
  void clearContainer(String containerLink) {
    byContainer.remove(containerLink);
  }

  /** Forgets the tokens of every container of a database (it was deleted). */
  void clearDatabase(String databaseLink) {
    String prefix = databaseLink + "/";
    byContainer.keySet().removeIf(link -> link.startsWith(prefix));
  }

  /**
   * One range's token, immutable: legacy (a bare LSN, {@link #vector} false, {@link #version}
   * unused) or vector ({@code version#globalLsn#region=lsn#...}).
   */
  static final class Token {
    /** The token as received, or as rebuilt by a merge (regions by ascending id). */
    final String text;
    final boolean vector;
    final long version;
    /** The global LSN of a vector token; the LSN of a legacy one. */
    final long globalLsn;
    /** LSN by region id; empty for legacy tokens. */
    final Map<Integer, Long> regions;

    private Token(String text, boolean vector, long version, long globalLsn,
        Map<Integer, Long> regions) {
      this.text = text;
      this.vector = vector;
      this.version = version;
      this.globalLsn = globalLsn;
      this.regions = regions;
    }

    /** The token of one segment (after {@code rangeId:}), or null when it fits neither form. */
    static Token parse(String text) {
      try {
        if (LEGACY.matcher(text).matches()) {
          return new Token(text, false, 0, Long.parseLong(text), Collections.emptyMap());
        }
        Matcher vector = VECTOR.matcher(text);
        if (!vector.matches()) {
          return null;
        }
        Map<Integer, Long> regions = new TreeMap<>();
        Matcher region = REGION.matcher(vector.group(3));
        while (region.find()) {
          regions.merge(Integer.parseInt(region.group(1)), Long.parseLong(region.group(2)),
              Math::max);
        }
        return new Token(text, true, Long.parseLong(vector.group(1)),
            Long.parseLong(vector.group(2)), Collections.unmodifiableMap(regions));
      } catch (NumberFormatException outOfRange) {
        return null; // more digits than a long or an int holds
      }
    }

    /**
     * The newer of two tokens of one range. Vector tokens: the higher version wins as a whole;
     * the same version gives the maximum global LSN and, per region, the maximum LSN. Legacy
     * tokens: the higher LSN. A vector token wins over a legacy one.
     */
    static Token merge(Token a, Token b) {
      if (a.vector != b.vector) {
        return a.vector ? a : b;
      }
      if (!a.vector) {
        return a.globalLsn >= b.globalLsn ? a : b;
      }
      if (a.version != b.version) {
        return a.version > b.version ? a : b;
      }
      if (dominates(a, b)) {
        return a;
      }
      if (dominates(b, a)) {
        return b;
      }
      Map<Integer, Long> regions = new TreeMap<>(a.regions);
      b.regions.forEach((region, lsn) -> regions.merge(region, lsn, Math::max));
      long global = Math.max(a.globalLsn, b.globalLsn);
      StringBuilder text = new StringBuilder().append(a.version).append('#').append(global);
      regions.forEach((region, lsn) -> text.append('#').append(region).append('=').append(lsn));
      return new Token(text.toString(), true, a.version, global,
          Collections.unmodifiableMap(regions));
    }

    /** Whether {@code a} is at least {@code b} everywhere (same version): keep {@code a}'s text. */
    private static boolean dominates(Token a, Token b) {
      if (a.globalLsn < b.globalLsn) {
        return false;
      }
      for (Map.Entry<Integer, Long> region : b.regions.entrySet()) {
        Long lsn = a.regions.get(region.getKey());
        if (lsn == null || lsn < region.getValue()) {
          return false;
        }
      }
      return true;
    }

    @Override public boolean equals(Object other) {
      return other instanceof Token && ((Token) other).vector == vector
          && ((Token) other).version == version && ((Token) other).globalLsn == globalLsn
          && ((Token) other).regions.equals(regions);
    }

    @Override public int hashCode() {
      return Objects.hash(vector, version, globalLsn, regions);
    }

    @Override public String toString() {
      return text;
    }
  }
}
