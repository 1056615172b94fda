package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Effective partition keys (EPKs): the upper-case hex strings the service orders documents by and
 * that a partition-key range's {@code minInclusive}/{@code maxExclusive} bound. The whole space
 * is {@link #MIN_INCLUSIVE} ({@code ""}) to {@link #MAX_EXCLUSIVE} ({@code "FF"}); EPKs compare
 * with {@link String#compareTo}.
 *
 * <ul>
 *   <li>Hash, version 1: MurmurHash3 x86 32-bit over the V1 encoding of the value (strings
 *       truncated to 100 UTF-16 units), then the hash (as a double) and the truncated value
 *       written in the order-preserving binary encoding.
 *   <li>Hash, version 2: MurmurHash3 x64 128-bit over the V2 encoding, its 16 bytes in reverse
 *       order with the top two bits of the first cleared.
 *   <li>MultiHash (version 2 only): one V2 hash per component, concatenated; a key with fewer
 *       components than paths stands for the range {@link #range} of every key it is a prefix of.
 * </ul>
 *
 * <p>All methods are pure.
 */
final class EffectivePartitionKey {
  /** The lowest effective partition key; the first range's {@code minInclusive}. */
  static final String MIN_INCLUSIVE = "";
  /** Above every effective partition key; the last range's {@code maxExclusive}. */
  static final String MAX_EXCLUSIVE = "FF";

  /** V1 truncates string values to this many UTF-16 units before hashing. */
  static final int V1_MAX_STRING_CHARS = 100;
  /** V1's binary encoding appends at most this many bytes of a string (101 if longer). */
  static final int V1_MAX_STRING_BYTES = 100;

  // Type markers that start each encoded component (the service's component type codes).
  private static final int UNDEFINED = 0x00;
  private static final int NULL = 0x01;
  private static final int FALSE = 0x02;
  private static final int TRUE = 0x03;
  private static final int NUMBER = 0x05;
  private static final int STRING = 0x08;
  private static final long DOTNET_NAN = 0xFFF8000000000000L;

  private EffectivePartitionKey() {}

  /** How a container spreads keys: {@code "Hash"} (one path) or {@code "MultiHash"} (1-3). */
  enum Kind {
    HASH("Hash"), MULTI_HASH("MultiHash");

    final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    /** The kind named by a container's {@code partitionKey.kind}; null means Hash. */
    static Kind parse(String text) {
      if (text == null || text.equalsIgnoreCase("Hash")) {
        return HASH;
      }
      if (text.equalsIgnoreCase("MultiHash")) {
        return MULTI_HASH;
      }
      throw new IllegalArgumentException("partitionKey kind must be Hash or MultiHash, got "
          + text);
    }
  }

  /**
   * The parts of a container's partition key definition that decide its EPKs: paths, kind and
   * hash version. Immutable.
   */
  static final class Definition {
    final List<String> paths;
    final Kind kind;
    final int version;

    private Definition(List<String> paths, Kind kind, int version) {
      this.paths = paths;
      this.kind = kind;
      this.version = version;
    }

    /**
     * @throws IllegalArgumentException for no paths, more than one path under Hash or three under
     *     MultiHash, a version other than 1 or 2, or MultiHash with version 1
     */
    static Definition of(Kind kind, int version, List<String> paths) {
      Objects.requireNonNull(kind, "kind == null");
      Objects.requireNonNull(paths, "paths == null");
      if (paths.isEmpty()) {
        throw new IllegalArgumentException("partitionKey paths must not be empty");
      }
      int max = kind == Kind.HASH ? 1 : 3;
      if (paths.size() > max) {
        throw new IllegalArgumentException("partitionKey kind " + kind.wire + " takes at most "
            + max + " path(s), got " + paths.size());
      }
      if (version != 1 && version != 2) {
        throw new IllegalArgumentException("partitionKey version must be 1 or 2, got " + version);
      }
      if (kind == Kind.MULTI_HASH && version != 2) {
        throw new IllegalArgumentException("partitionKey kind MultiHash requires version 2");
      }
      for (String path : paths) {
        Objects.requireNonNull(path, "partitionKey path == null");
      }
      return new Definition(Collections.unmodifiableList(new ArrayList<>(paths)), kind, version);
    }

    /**
     * Reads a container's {@code partitionKey} object ({@code {"paths":[...],"kind":"Hash",
     * "version":2}}); an absent kind is Hash and an absent version is 1, as the service does for
     * containers created without them.
     *
     * @throws IllegalArgumentException when the object does not have that shape
     */
    static Definition fromJson(JsonObject partitionKey) {
      Objects.requireNonNull(partitionKey, "partitionKey == null");
      try {
        JsonElement pathsElement = partitionKey.get("paths");
        if (pathsElement == null || !pathsElement.isJsonArray()) {
          throw new IllegalArgumentException("partitionKey definition has no paths array");
        }
        JsonArray array = pathsElement.getAsJsonArray();
        List<String> paths = new ArrayList<>(array.size());
        for (JsonElement path : array) {
          paths.add(path.getAsString());
        }
        JsonElement kind = partitionKey.get("kind");
        JsonElement version = partitionKey.get("version");
        return of(Kind.parse(kind == null || kind.isJsonNull() ? null : kind.getAsString()),
            version == null || version.isJsonNull() ? 1 : version.getAsInt(), paths);
      } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
        throw new IllegalArgumentException("partitionKey definition is malformed: "
            + e.getMessage(), e);
      }
    }

    @Override public boolean equals(Object other) {
      return other instanceof Definition && ((Definition) other).paths.equals(paths)
          && ((Definition) other).kind == kind && ((Definition) other).version == version;
    }

    @Override public int hashCode() {
      return Objects.hash(paths, kind, version);
    }

    @Override public String toString() {
      return "{paths=" + paths + ", kind=" + kind.wire + ", version=" + version + "}";
    }
  }

  /**
   * The EPK of a complete key: as many values as the definition has paths.
   *
   * @throws IllegalArgumentException when the key has another number of values (use
   *     {@link #range} for a prefix of a hierarchical key)
   */
  static String of(PartitionKey key, Definition definition) {
    Objects.requireNonNull(key, "partitionKey == null");
    Objects.requireNonNull(definition, "definition == null");
    List<Object> values = components(key);
    if (values.size() != definition.paths.size()) {
      throw new IllegalArgumentException("partitionKey has " + values.size()
          + " value(s) but the container's key has " + definition.paths.size() + " path(s)");
    }
    return hashOf(values, definition);
  }

  /**
   * The EPK interval {@code [minInclusive, maxExclusive)} holding every document a key selects.
   * A complete key gives {@code [epk, epk + "00")}, which holds that EPK alone among EPKs (they
   * have whole bytes); a prefix of a hierarchical key gives {@code [epk(prefix), epk(prefix) +
   * "FF")}, as the SDKs do for prefix queries.
   *
   * @return a two-element array {@code {minInclusive, maxExclusive}}
   * @throws IllegalArgumentException for more values than paths, or a prefix under Hash
   */
  static String[] range(PartitionKey key, Definition definition) {
    Objects.requireNonNull(key, "partitionKey == null");
    Objects.requireNonNull(definition, "definition == null");
    List<Object> values = components(key);
    int paths = definition.paths.size();
    if (values.size() > paths || values.size() < paths && definition.kind != Kind.MULTI_HASH) {
      throw new IllegalArgumentException("partitionKey has " + values.size()
          + " value(s) but the container's key has " + paths + " path(s)");
    }
    String epk = hashOf(values, definition);
    return new String[] {epk, epk + (values.size() == paths ? "00" : "FF")};
  }

  /**
   * The key's values as the service reads them from the header: numbers as the double its JSON
   * text parses to (so {@code 0.1f} is 0.1 and {@code -0.0}, written {@code 0}, is 0).
   */
  static List<Object> components(PartitionKey key) {
    List<Object> values = key.values();
    boolean numbers = false;
    for (Object value : values) {
      numbers |= value instanceof Number;
    }
    if (!numbers) {
      return values; // strings, booleans, null, undefined: as they are (no header to parse)
    }
    JsonArray header = JsonParser.parseString(key.header()).getAsJsonArray();
    List<Object> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      Object value = values.get(i);
      out.add(value instanceof Number
          ? Double.parseDouble(header.get(i).getAsString()) : value);
    }
    return out;
  }

  private static String hashOf(List<Object> values, Definition definition) {
    if (definition.kind == Kind.MULTI_HASH) {
      StringBuilder out = new StringBuilder(32 * values.size());
      for (Object value : values) {
        out.append(hex(v2(value)));
      }
      return out.toString();
    }
    return definition.version == 1 ? hex(v1(values.get(0))) : hex(v2(values.get(0)));
  }

  /** The version 1 EPK bytes of one value. */
  static byte[] v1(Object value) {
    Object truncated = value instanceof String && ((String) value).length() > V1_MAX_STRING_CHARS
        ? ((String) value).substring(0, V1_MAX_STRING_CHARS) : value;
    int hash = murmur3x86x32(encodeV1(truncated), 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeBinary(out, (double) Integer.toUnsignedLong(hash));
    writeBinary(out, truncated);
    return out.toByteArray();
  }

  /** The version 2 EPK bytes of one value: {@link #hashV2} with its top two bits cleared. */
  static byte[] v2(Object value) {
    byte[] hash = hashV2(value);
    hash[0] &= 0x3F;
    return hash;
  }

  /** The raw V1 hash: MurmurHash3 x86 32-bit (seed 0) over {@link #encodeV1}, no truncation. */
  static int hashV1(Object value) {
    return murmur3x86x32(encodeV1(value), 0);
  }

  /**
   * The raw V2 hash: MurmurHash3 x64 128-bit (seed 0) over {@link #encodeV2}, as 16 bytes in
   * the SDKs' order (the 128-bit value's little-endian bytes reversed: h2 then h1, big-endian).
   */
  static byte[] hashV2(Object value) {
    long[] h = murmur3x64x128(encodeV2(value), 0);
    return ByteBuffer.allocate(16).putLong(h[1]).putLong(h[0]).array();
  }

  /**
   * V1 hashing encoding: type marker; numbers as 8 little-endian bytes of the double; strings as
   * UTF-8 followed by 0x00.
   */
  static byte[] encodeV1(Object value) {
    return encodeForHash(value, 0x00);
  }

  /** V2 hashing encoding: as {@link #encodeV1} except that strings end with 0xFF. */
  static byte[] encodeV2(Object value) {
    return encodeForHash(value, 0xFF);
  }

  private static byte[] encodeForHash(Object value, int stringEnd) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (value instanceof String) {
      out.write(STRING);
      out.writeBytes(utf8((String) value));
      out.write(stringEnd);
    } else if (value instanceof Number) {
      out.write(NUMBER);
      double number = ((Number) value).doubleValue();
      // .NET's double.NaN has the sign bit set; Java's Double.NaN does not.
      long bits = Double.isNaN(number) ? DOTNET_NAN : Double.doubleToRawLongBits(number);
      for (int i = 0; i < 8; i++) {
        out.write((int) (bits >>> (8 * i)));
      }
    } else {
      out.write(marker(value));
    }
    return out.toByteArray();
  }

  /**
   * V1's order-preserving binary encoding of a component: numbers as a marker, the first byte of
   * the sign-flipped double, then 7 bits per byte with a continuation bit; strings as a marker
   * and each byte plus one (at most {@link #V1_MAX_STRING_BYTES}, then 0x00, or 101 bytes and no
   * end when longer).
   */
  private static void writeBinary(ByteArrayOutputStream out, Object value) {
    if (value instanceof String) {
      out.write(STRING);
      byte[] bytes = utf8((String) value);
      boolean fits = bytes.length <= V1_MAX_STRING_BYTES;
      int count = fits ? bytes.length : V1_MAX_STRING_BYTES + 1;
      for (int i = 0; i < count; i++) {
        int b = bytes[i] & 0xFF;
        out.write(b < 0xFF ? b + 1 : b);
      }
      if (fits) {
        out.write(0x00);
      }
    } else if (value instanceof Number) {
      out.write(NUMBER);
      long bits = Double.doubleToRawLongBits(((Number) value).doubleValue());
      // Flip so that unsigned order follows numeric order: sign bit for positives, all for others.
      long payload = bits >= 0 ? bits ^ Long.MIN_VALUE : ~bits + 1;
      out.write((int) (payload >>> 56));
      payload <<= 8;
      int pending = -1;
      do {
        if (pending >= 0) {
          out.write(pending);
        }
        pending = (int) ((payload >>> 56) | 0x01) & 0xFF;
        payload <<= 7;
      } while (payload != 0);
      out.write(pending & 0xFE); // the last chunk ends with a 0 bit
    } else {
      out.write(marker(value));
    }
  }

  private static int marker(Object value) {
    if (value == null) {
      return NULL;
    }
    if (value == PartitionKey.UNDEFINED) {
      return UNDEFINED;
    }
    if (value instanceof Boolean) {
      return (Boolean) value ? TRUE : FALSE;
    }
    throw new IllegalArgumentException("partitionKey value must be a String, Number, Boolean, "
        + "null or PartitionKey.UNDEFINED, got " + value.getClass().getName());
  }

  /** UTF-8 with U+FFFD for unpaired surrogates (as .NET encodes them), not {@code ?}. */
  private static byte[] utf8(String text) {
    boolean surrogates = false;
    for (int i = 0; i < text.length() && !surrogates; i++) {
      surrogates = Character.isSurrogate(text.charAt(i));
    }
    if (!surrogates) {
      return text.getBytes(StandardCharsets.UTF_8); // the same bytes: nothing to replace
    }
    CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE)
        .replaceWith(new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD});
    try {
      ByteBuffer buffer = encoder.encode(CharBuffer.wrap(text));
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (CharacterCodingException cannotHappen) {
      throw new IllegalStateException(cannotHappen);
    }
  }

  /** Upper-case hex, two digits per byte. */
  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX_DIGITS[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX_DIGITS[bytes[i] & 0xF];
    }
    return new String(out);
  }

  private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

  /** MurmurHash3 x86 32-bit. */
  static int murmur3x86x32(byte[] data, int seed) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = seed;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k = littleEndianInt(data, i * 4);
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int tail = blocks * 4;
    int k = 0;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xFF) << 16;
        // fall through
      case 2:
        k ^= (data[tail + 1] & 0xFF) << 8;
        // fall through
      case 1:
        k ^= data[tail] & 0xFF;
        k *= c1;
        k = Integer.rotateLeft(k, 15);
        k *= c2;
        h ^= k;
        break;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  /** MurmurHash3 x64 128-bit: {@code {h1, h2}}, the low and high halves. */
  static long[] murmur3x64x128(byte[] data, long seed) {
    final long c1 = 0x87c37b91114253d5L;
    final long c2 = 0x4cf5ad432745937fL;
    long h1 = seed;
    long h2 = seed;
    int blocks = data.length / 16;
    for (int i = 0; i < blocks; i++) {
      long k1 = littleEndianLong(data, i * 16, 8);
      long k2 = littleEndianLong(data, i * 16 + 8, 8);
      h1 ^= mixK1(k1);
      h1 = Long.rotateLeft(h1, 27);
      h1 += h2;
      h1 = h1 * 5 + 0x52dce729;
      h2 ^= mixK2(k2);
      h2 = Long.rotateLeft(h2, 31);
      h2 += h1;
      h2 = h2 * 5 + 0x38495ab5;
    }
    int tail = blocks * 16;
    int rest = data.length & 15;
    if (rest > 8) {
      h2 ^= mixK2(littleEndianLong(data, tail + 8, rest - 8));
    }
    if (rest > 0) {
      h1 ^= mixK1(littleEndianLong(data, tail, Math.min(rest, 8)));
    }
    h1 ^= data.length;
    h2 ^= data.length;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    return new long[] {h1, h2};
  }

  private static long mixK1(long k1) {
    k1 *= 0x87c37b91114253d5L;
    k1 = Long.rotateLeft(k1, 31);
    return k1 * 0x4cf5ad432745937fL;
  }

  private static long mixK2(long k2) {
    k2 *= 0x4cf5ad432745937fL;
    k2 = Long.rotateLeft(k2, 33);
    return k2 * 0x87c37b91114253d5L;
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  private static int littleEndianInt(byte[] data, int offset) {
    return (data[offset] & 0xFF) | (data[offset + 1] & 0xFF) << 8
        | (data[offset + 2] & 0xFF) << 16 | (data[offset + 3] & 0xFF) << 24;
  }

  /** {@code count} (1-8) bytes from {@code offset} as a little-endian number. */
  private static long littleEndianLong(byte[] data, int offset, int count) {
    long value = 0;
    for (int i = count - 1; i >= 0; i--) {
      value = value << 8 | (data[offset + i] & 0xFF);
    }
    return value;
  }
}
