package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.cosmoslite.EffectivePartitionKey.Definition;
import io.cosmoslite.EffectivePartitionKey.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EffectivePartitionKeyTest {
  static final Definition HASH_V1 = Definition.of(Kind.HASH, 1, List.of("/pk"));
  static final Definition HASH_V2 = Definition.of(Kind.HASH, 2, List.of("/pk"));

  /** The shared test vectors: {@code ../shared/data} beside the project directory. */
  static List<String[]> rows(String file) throws IOException {
    Path dir = Paths.get(System.getProperty("basedir", ".")).toAbsolutePath()
        .resolve("../shared/data").normalize();
    Path path = dir.resolve(file);
    assertTrue(Files.isRegularFile(path), "test vectors missing: " + path
        + " (a copy of shared/ must sit beside the project directory)");
    List<String[]> rows = new ArrayList<>();
    boolean header = true;
    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      if (header) { // the column names
        header = false;
        continue;
      }
      rows.add(line.split("\t", -1));
    }
    assertTrue(rows.size() > 10, "too few rows in " + path);
    return rows;
  }

  /** A JSON value of the vectors as a key component; {@code UNDEFINED} is the undefined value. */
  static Object component(JsonElement json) {
    if (json.isJsonNull()) {
      return null;
    }
    JsonPrimitive primitive = json.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return primitive.getAsBoolean();
    }
    if (primitive.isString()) {
      return primitive.getAsString();
    }
    String text = primitive.getAsString();
    if (text.equals("-0")) {
      return -0.0d;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notIntegral) {
      return Double.parseDouble(text);
    }
  }

  static List<Object> components(String value) {
    List<Object> out = new ArrayList<>();
    if (value.equals("UNDEFINED")) {
      out.add(PartitionKey.UNDEFINED);
      return out;
    }
    JsonElement json = JsonParser.parseString(value);
    if (json.isJsonArray()) {
      json.getAsJsonArray().forEach(element -> out.add(component(element)));
    } else {
      out.add(component(json));
    }
    return out;
  }

  @Test void everyEffectivePartitionKeyVectorMatches() throws IOException {
    int checked = 0;
    for (String[] row : rows("effective-partition-keys.tsv")) {
      List<Object> values = components(row[1]);
      PartitionKey key = PartitionKey.of(values.toArray());
      Definition definition;
      switch (row[0]) {
        case "1":
          definition = HASH_V1;
          break;
        case "2":
          definition = HASH_V2;
          break;
        case "2-multihash":
          List<String> paths = new ArrayList<>();
          for (int i = 0; i < values.size(); i++) {
            paths.add("/p" + i);
          }
          definition = Definition.of(Kind.MULTI_HASH, 2, paths);
          break;
        default:
          throw new AssertionError("unknown version column: " + row[0]);
      }
      assertEquals(row[2], EffectivePartitionKey.of(key, definition),
          "version " + row[0] + " value " + abbreviate(row[1]));
      checked++;
    }
    assertEquals(33, checked);
  }

  @Test void everyRawHashVectorMatches() throws IOException {
    int checked = 0;
    for (String[] row : rows("partition-key-hashes.tsv")) {
      StringBuilder v1 = new StringBuilder();
      StringBuilder v2 = new StringBuilder();
      for (Object value : components(row[2])) {
        v1.append(String.format("%032X", EffectivePartitionKey.hashV1(number(row, value))));
        v2.append(EffectivePartitionKey.hex(EffectivePartitionKey.hashV2(number(row, value))));
      }
      String what = row[0] + "/" + row[1];
      assertEquals(row[3], v1.toString(), what + " hash_v1");
      assertEquals(row[4], v2.toString(), what + " hash_v2");
      checked++;
    }
    assertEquals(29, checked);
  }

  @Test void murmurHashesGiveTheirKnownAnswers() {
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0x248bfa47, EffectivePartitionKey.murmur3x86x32(hello, 0));
    assertEquals(0, EffectivePartitionKey.murmur3x86x32(new byte[0], 0));
    assertEquals(0x2fa826cd, EffectivePartitionKey.murmur3x86x32(
        "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.US_ASCII),
        0x9747b28c));
    assertArrayEquals(new long[] {0xcbd8a7b341bd9b02L, 0x5b1e906a48ae1d19L},
        EffectivePartitionKey.murmur3x64x128(hello, 0));
    assertArrayEquals(new long[] {0, 0}, EffectivePartitionKey.murmur3x64x128(new byte[0], 0));
  }

  @Test void aHierarchicalContainerTakesFullKeysAndPrefixes() {
    Definition ab = Definition.of(Kind.MULTI_HASH, 2, List.of("/a", "/b"));
    String a = EffectivePartitionKey.hex(EffectivePartitionKey.v2("tenant"));
    String b = EffectivePartitionKey.hex(EffectivePartitionKey.v2(42.0));
    assertEquals(a + b, EffectivePartitionKey.of(PartitionKey.of("tenant", 42), ab));
    assertArrayEquals(new String[] {a + b, a + b + "00"},
        EffectivePartitionKey.range(PartitionKey.of("tenant", 42), ab));
    // a prefix selects every key that starts with it
    String[] prefix = EffectivePartitionKey.range(PartitionKey.of("tenant"), ab);
    assertArrayEquals(new String[] {a, a + "FF"}, prefix);
    assertTrue(prefix[0].compareTo(a + b) <= 0 && (a + b).compareTo(prefix[1]) < 0);
    assertEquals("partitionKey has 1 value(s) but the container's key has 2 path(s)",
        assertThrows(IllegalArgumentException.class,
            () -> EffectivePartitionKey.of(PartitionKey.of("tenant"), ab)).getMessage());
    assertEquals("partitionKey has 3 value(s) but the container's key has 2 path(s)",
        assertThrows(IllegalArgumentException.class,
            () -> EffectivePartitionKey.range(PartitionKey.of("t", 1, true), ab)).getMessage());
  }

  @Test void aHashContainerTakesOneValueOnly() {
    assertThrows(IllegalArgumentException.class,
        () -> EffectivePartitionKey.of(PartitionKey.of("a", "b"), HASH_V2));
    assertThrows(IllegalArgumentException.class,
        () -> EffectivePartitionKey.range(PartitionKey.of("a", "b"), HASH_V1));
    String epk = EffectivePartitionKey.of(PartitionKey.of("a"), HASH_V1);
    assertArrayEquals(new String[] {epk, epk + "00"},
        EffectivePartitionKey.range(PartitionKey.of("a"), HASH_V1));
  }

  @Test void definitionsAreReadFromContainerJsonWithTheServiceDefaults() {
    assertEquals(Definition.of(Kind.MULTI_HASH, 2, List.of("/a", "/b")), Definition.fromJson(
        JsonParser.parseString("{\"paths\":[\"/a\",\"/b\"],\"kind\":\"MultiHash\","
            + "\"version\":2}").getAsJsonObject()));
    assertEquals(HASH_V1, Definition.fromJson(
        JsonParser.parseString("{\"paths\":[\"/pk\"]}").getAsJsonObject()));
    assertEquals(HASH_V2, Definition.fromJson(JsonParser.parseString(
        "{\"paths\":[\"/pk\"],\"kind\":\"Hash\",\"version\":2}").getAsJsonObject()));
    assertEquals("partitionKey definition has no paths array",
        assertThrows(IllegalArgumentException.class, () -> Definition.fromJson(
            JsonParser.parseString("{\"kind\":\"Hash\"}").getAsJsonObject())).getMessage());
    assertEquals("partitionKey kind must be Hash or MultiHash, got Range",
        assertThrows(IllegalArgumentException.class, () -> Definition.fromJson(JsonParser
            .parseString("{\"paths\":[\"/pk\"],\"kind\":\"Range\"}").getAsJsonObject()))
            .getMessage());
    assertEquals("partitionKey kind MultiHash requires version 2",
        assertThrows(IllegalArgumentException.class,
            () -> Definition.of(Kind.MULTI_HASH, 1, List.of("/a"))).getMessage());
    assertEquals("partitionKey kind Hash takes at most 1 path(s), got 2",
        assertThrows(IllegalArgumentException.class,
            () -> Definition.of(Kind.HASH, 2, List.of("/a", "/b"))).getMessage());
    assertEquals("partitionKey version must be 1 or 2, got 3",
        assertThrows(IllegalArgumentException.class,
            () -> Definition.of(Kind.HASH, 3, List.of("/a"))).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Definition.of(Kind.MULTI_HASH, 2, List.of("/a", "/b", "/c", "/d")));
  }

  @Test void numbersHashAsTheHeaderWritesThem() {
    for (Definition definition : List.of(HASH_V1, HASH_V2)) {
      // the header says 0 and 0.1: the service hashes those, not -0.0 or float 0.1's double
      assertEquals(EffectivePartitionKey.of(PartitionKey.of(0), definition),
          EffectivePartitionKey.of(PartitionKey.of(-0.0d), definition));
      assertEquals(EffectivePartitionKey.of(PartitionKey.of(0.1d), definition),
          EffectivePartitionKey.of(PartitionKey.of(0.1f), definition));
      assertEquals(EffectivePartitionKey.of(PartitionKey.of(5.0d), definition),
          EffectivePartitionKey.of(PartitionKey.of(5), definition));
      assertEquals(EffectivePartitionKey.of(PartitionKey.of(5.0d), definition),
          EffectivePartitionKey.of(PartitionKey.of(new java.math.BigDecimal("5.000")), definition));
    }
  }

  @Test void version1TruncatesLongStringsAndVersion2DoesNot() {
    String hundred = "x".repeat(100);
    assertEquals(EffectivePartitionKey.of(PartitionKey.of(hundred), HASH_V1),
        EffectivePartitionKey.of(PartitionKey.of(hundred + "yz"), HASH_V1));
    assertTrue(!EffectivePartitionKey.of(PartitionKey.of(hundred), HASH_V2)
        .equals(EffectivePartitionKey.of(PartitionKey.of(hundred + "yz"), HASH_V2)));
    // every V2 key lies inside the key space; the top two bits are cleared
    for (Object value : List.of("", "a", 1, true, false)) {
      String epk = EffectivePartitionKey.of(PartitionKey.of(value), HASH_V2);
      assertEquals(32, epk.length());
      assertTrue(epk.compareTo("40") < 0, epk);
    }
    String undefined = EffectivePartitionKey.of(PartitionKey.UNDEFINED, HASH_V2);
    assertEquals("11622DAA78F835834610ABE56EFF5CB5", undefined); // hash 51622D... masked
    assertEquals(EffectivePartitionKey.of(PartitionKey.NULL, HASH_V2),
        EffectivePartitionKey.of(PartitionKey.of((Object) null), HASH_V2));
  }

  @Test void unpairedSurrogatesHashAsTheReplacementCharacter() {
    // the header escapes them; the service decodes and encodes them to UTF-8 as U+FFFD
    for (Definition definition : List.of(HASH_V1, HASH_V2)) {
      assertEquals(EffectivePartitionKey.of(PartitionKey.of("a\uFFFDb"), definition),
          EffectivePartitionKey.of(PartitionKey.of("a\uD800b"), definition));
    }
    assertArrayEquals(new byte[] {0x08, 'a', (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xFF},
        EffectivePartitionKey.encodeV2("a\uDC00"));
    assertArrayEquals(new byte[] {0x08, (byte) 0xC3, (byte) 0xA9, 0x00},
        EffectivePartitionKey.encodeV1("\u00e9"));
  }

  /** The vectors write the non-JSON doubles of the "numbers" group as strings. */
  private static Object number(String[] row, Object value) {
    if (row[0].equals("numbers") && value instanceof String) {
      return Double.parseDouble((String) value);
    }
    return value;
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "...(" + text.length() + " chars)" : text;
  }
}
