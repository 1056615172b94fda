package io.cosmoslite;

import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Session tokens per container, merged per partition-key range (highest LSN wins), never mixed
 * across containers. A container is known by its name; when a response shows that name now
 * belongs to a container with another resource id ({@code x-ms-content-path}), the container was
 * deleted and recreated (perhaps by another process), and the old tokens, whose LSNs the new
 * container has never reached, are dropped. Thread-safe.
 */
final class SessionTokens {
  private final Map<String, Ranges> byContainer = new ConcurrentHashMap<>();

  /**
   * One container's tokens by range, the resource id they were issued by (when known), and the
   * ids the name has moved away from: a late answer of a deleted container is ignored rather
   * than allowed to replace the new one's tokens.
   */
  private static final class Ranges extends TreeMap<String, Token> {
    String resourceId;
    /** The header text {@link #resourceId} was last read from: the same text is not decoded again. */
    String resourceIdText;
    final Set<String> retired = new HashSet<>();
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
   * Merges every {@code range:token} segment of a (possibly compound) token into the container's
   * map. Segments without a range id are ignored: they cannot be placed.
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
    boolean hasToken = compoundToken != null && !compoundToken.isBlank();
    boolean hasId = resourceId != null && !resourceId.isBlank();
    if (!hasToken && !hasId) {
      return;
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
      if (!hasToken) {
        return;
      }
      for (String segment : compoundToken.split(",")) {
        int colon = segment.indexOf(':');
        if (colon <= 0 || colon == segment.length() - 1) {
          continue;
        }
        String range = segment.substring(0, colon).trim();
        Token incoming = Token.parse(segment.substring(colon + 1).trim());
        ranges.merge(range, incoming, Token::merge);
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
   * One range's token: V1 is a bare LSN; V2 is {@code version#globalLsn#region=lsn#...}. Anything
   * else is kept as opaque text and replaced by whatever comes later.
   */
  static final class Token {
    final String text;
    final long version;
    final long globalLsn;
    final Map<Integer, Long> regions;
    final boolean parsed;

    private Token(String text, long version, long globalLsn, Map<Integer, Long> regions,
        boolean parsed) {
      this.text = text;
      this.version = version;
      this.globalLsn = globalLsn;
      this.regions = regions;
      this.parsed = parsed;
    }

    static Token parse(String text) {
      try {
        if (text.indexOf('#') < 0) {
          return new Token(text, Long.MIN_VALUE, Long.parseLong(text), Map.of(), true);
        }
        String[] parts = text.split("#");
        long version = Long.parseLong(parts[0]);
        long global = Long.parseLong(parts[1]);
        Map<Integer, Long> regions = new TreeMap<>();
        for (int i = 2; i < parts.length; i++) {
          int eq = parts[i].indexOf('=');
          regions.put(Integer.parseInt(parts[i].substring(0, eq)),
              Long.parseLong(parts[i].substring(eq + 1)));
        }
        return new Token(text, version, global, regions, true);
      } catch (RuntimeException unparseable) {
        return new Token(text, 0, 0, Map.of(), false);
      }
    }

    /** Same version: maximum global and per-region LSNs; otherwise the higher version wins. */
    static Token merge(Token a, Token b) {
      if (!a.parsed || !b.parsed) {
        return b;
      }
      if (a.version != b.version) {
        return a.version > b.version ? a : b;
      }
      if (a.version == Long.MIN_VALUE) {
        return a.globalLsn >= b.globalLsn ? a : b;
      }
      Map<Integer, Long> regions = new TreeMap<>(a.regions);
      b.regions.forEach((region, lsn) -> regions.merge(region, lsn, Math::max));
      long global = Math.max(a.globalLsn, b.globalLsn);
      StringBuilder text = new StringBuilder().append(a.version).append('#').append(global);
      regions.forEach((region, lsn) -> text.append('#').append(region).append('=').append(lsn));
      return new Token(text.toString(), a.version, global, regions, true);
    }
  }
}
