package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test void documentsReadBackEqualToTheOnesWritten() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", "1");
    doc.put("n", 42);
    doc.put("big", 9007199254740993L);
    doc.put("huge", new BigInteger("123456789012345678901234567890"));
    doc.put("x", 1.5);
    doc.put("none", null);
    doc.put("list", Arrays.asList(1, "two", true, null));
    doc.put("nested", Map.of("k", 7));
    Map<String, Object> back = Json.fromBytes(Json.toBytes(doc), Json.MAP);
    assertEquals(doc, back);
  }

  @Test void stringsAreNotHtmlEscaped() {
    assertEquals("{\"q\":\"<a href='x'>&</a>\"}",
        new String(Json.toBytes(Map.of("q", "<a href='x'>&</a>")), StandardCharsets.UTF_8));
  }

  @Test void bodiesAreDecodedAsUtf8IncludingCharactersOutsideTheBasicPlane() {
    String text = "{\"id\":\"\u00e9\u4e2d\ud83d\ude00\"}";
    Map<String, Object> back = Json.fromBytes(text.getBytes(StandardCharsets.UTF_8), Json.MAP);
    assertEquals("\u00e9\u4e2d\ud83d\ude00", back.get("id"));
  }

  @Test void warmingUpStartsAtMostOnceAndLeavesJsonWorking() {
    Json.warmUpInBackground(); // may or may not be the first call of this JVM
    boolean second = Json.warmUpInBackground();
    assertEquals(false, second, "a second call never starts another warm-up");
    assertEquals(false, Json.warmUpInBackground());
    assertEquals(Map.of("id", "a"),
        Json.fromBytes("{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8), Json.MAP));
  }

  /** Strings with every character class Gson treats apart, and some it does not. */
  private static final String[] AWKWARD = {
    "", "plain", "q\"uote", "back\\slash", "tab\tnl\ncr\rbs\bff\f", "\u0000\u0001\u001f\u007f",
    "<html>&amp;'=", "\u2028line\u2029para", "\u00e9\u4e2d\ud83d\ude00", "lone \ud800 surrogate",
    "end\\", "\"", "/slash/"
  };

  @Test void plainDocumentsAreWrittenExactlyAsGsonWritesThem() {
    Random random = new Random(11);
    for (int round = 0; round < 2_000; round++) {
      Object value = randomPlain(random, 0);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("id", "d" + round);
      doc.put("v", value);
      JsonBytes out = new JsonBytes(1); // grows from the smallest buffer
      assertTrue(Json.writePlain(doc, out, 0), "plain: " + doc);
      byte[] gson = Json.GSON.toJson(doc).getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(gson, out.toByteArray(), "round " + round);
      assertArrayEquals(gson, Json.callerBytes(doc, "document"), "round " + round);
    }
  }

  @Test void stringsOfAnyCharactersAreTheBytesGsonAndUtf8Make() {
    Random random = new Random(5);
    char[] pool = {'a', 'Z', '"', '\\', '\t', '\n', '\r', '\b', '\f', '\u0000', '\u001f', '\u007f',
        '\u0080', '\u00e9', '\u07ff', '\u0800', '\u4e2d', '\u2028', '\u2029', '\uffff', '\ud83d',
        '\ude00', '<', '&'};
    for (int round = 0; round < 5_000; round++) {
      StringBuilder text = new StringBuilder();
      int n = random.nextInt(round % 10 == 0 ? 300 : 12);
      for (int i = 0; i < n; i++) {
        text.append(pool[random.nextInt(pool.length)]);
      }
      String value = text.toString();
      JsonBytes out = new JsonBytes(random.nextInt(4));
      out.string(value);
      assertArrayEquals(Json.GSON.toJson(value).getBytes(StandardCharsets.UTF_8),
          out.toByteArray(), value);
    }
  }

  private static Object randomPlain(Random r, int depth) {
    switch (r.nextInt(depth > 3 ? 9 : 11)) {
      case 0: return null;
      case 1: return AWKWARD[r.nextInt(AWKWARD.length)] + r.nextInt(100);
      case 2: return r.nextInt();
      case 3: return r.nextLong();
      case 4: {
        double[] specials = {0.0, -0.0, 1e-7, 1e21, 123456789.125, Double.MIN_VALUE,
            Double.MAX_VALUE, 0.1 + 0.2};
        return r.nextBoolean() ? r.nextGaussian() * 1e6 : specials[r.nextInt(specials.length)];
      }
      case 5: return r.nextBoolean();
      case 6: return (short) r.nextInt();
      case 7: return r.nextBoolean() ? new BigInteger(90, r) : new BigDecimal("-1.50E+3");
      case 8: return (byte) r.nextInt();
      case 9: {
        Map<String, Object> m = r.nextBoolean() ? new LinkedHashMap<>() : new HashMap<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          m.put(AWKWARD[r.nextInt(AWKWARD.length)] + i, randomPlain(r, depth + 1));
        }
        return m;
      }
      default: {
        List<Object> l = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          l.add(randomPlain(r, depth + 1));
        }
        return r.nextBoolean() ? l : new LinkedHashSet<>(l);
      }
    }
  }

  /** A value the plain writer does not know: Gson writes the whole document, as it always has. */
  record Point(int x, float y) {}

  @Test void valuesThatAreNotPlainLeaveTheWholeDocumentToGson() {
    Map<Object, Object> numberKeys = new LinkedHashMap<>();
    numberKeys.put(1, "one");
    List<Map<String, Object>> docs = List.of(
        Map.of("id", "a", "p", new Point(1, 2.5f)),
        Map.of("id", "a", "f", 0.1f),
        Map.of("id", "a", "nested", List.of(Map.of("k", numberKeys))),
        Map.of("id", "a", "chars", new int[] {1, 2}),
        Map.of("id", "a", "c", 'x'),
        Map.of("id", "a", "sub", new BigDecimal("1.5") {
          @Override public String toString() {
            return "not a number";
          }
        }));
    for (Map<String, Object> doc : docs) {
      assertFalse(Json.writePlain(doc, new JsonBytes(16), 0), doc.toString());
      String gson;
      try {
        gson = Json.GSON.toJson(doc);
      } catch (RuntimeException refusedByGson) { // a BigDecimal subclass: Gson cannot reach it
        assertThrows(IllegalArgumentException.class, () -> Json.callerBytes(doc, "document"));
        continue;
      }
      assertEquals(gson, new String(Json.callerBytes(doc, "document"), StandardCharsets.UTF_8));
    }
  }

  @Test void notANumberIsStillRefusedWithTheLibrarysMessage() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", "a");
    doc.put("x", List.of(1, Double.NaN));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.callerBytes(doc, "document"));
    assertTrue(e.getMessage().startsWith("document (java.util.LinkedHashMap) cannot be written "
        + "as JSON: it holds NaN or Infinity"), e.getMessage());
  }

  @Test void aDocumentNestedDeeperThanThePlainWriterGoesIsWrittenByGson() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", "deep");
    Map<String, Object> at = doc;
    for (int i = 0; i < 100; i++) {
      Map<String, Object> next = new LinkedHashMap<>();
      at.put("n", next);
      at = next;
    }
    assertFalse(Json.writePlain(doc, new JsonBytes(16), 0));
    assertEquals(Json.GSON.toJson(doc), new String(Json.callerBytes(doc, "document"),
        StandardCharsets.UTF_8));
  }

  record Item(String id, int n) {}

  @Test void feedItemsReadInOnePassEqualTheItemsReadThroughATree() {
    String[] bodies = {
      "{\"_rid\":\"x\",\"Documents\":[{\"id\":\"a\",\"n\":1,\"big\":9007199254740993,"
          + "\"x\":1.5,\"e\":1e400,\"z\":null,\"l\":[1,\"s\",{\"k\":[]}]},null,{}],\"_count\":3}",
      "{\"_count\":0,\"Documents\":[]}",
      "{\"Other\":[{\"id\":\"a\"}]}",
      "{\"Documents\":{\"id\":\"not an array\"}}",
      "{\"Documents\":[{\"id\":\"first\"}],\"Documents\":[{\"id\":\"last\"}]}",
      "{\"Documents\":[{\"id\":\"first\"}],\"Documents\":7}",
      "{\"Documents\":[{\"id\":\"dup\",\"id\":\"dup2\"}]}",
      "{\"Documents\":[{\"id\":\"a\"}]} trailing",
      "{\"Documents\":[{\"id\":\"a\"",
      "[{\"id\":\"a\"}]",
      "not json",
      "{Documents:[{id:'lenient', n:2}]}",
      "{\"Documents\":[{\"id\":\"a\"}]} //x",
      "{\"Documents\":[{\"id\":\"a\"}]} /*x*/",
      "{\"Documents\":[{\"id\":\"a\"}]} #x",
      ""
    };
    for (String text : bodies) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      assertEquals(Json.feedItems(Json.parseOrNull(body), "Documents", Json.MAP),
          Json.feedItems(body, "Documents", Json.MAP), text);
    }
    byte[] typed = "{\"Documents\":[{\"id\":\"a\",\"n\":2,\"extra\":true}]}"
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(List.of(new Item("a", 2)), Json.feedItems(typed, "Documents", Item.class));
    // Typed items are read through the tree: a reader would take "1.0" or " 7" for an int.
    for (String loose : new String[] {"\"1.0\"", "\" 7\"", "\"1e3\"", "\"5d\""}) {
      byte[] body = ("{\"Documents\":[{\"id\":\"a\",\"n\":" + loose + "}]}")
          .getBytes(StandardCharsets.UTF_8);
      assertThrows(com.google.gson.JsonSyntaxException.class,
          () -> Json.feedItems(body, "Documents", Item.class), loose);
    }
    byte[] refused = "{\"Documents\":[{\"id\":\"a\",\"n\":\"two\"}]}".getBytes(StandardCharsets.UTF_8);
    RuntimeException viaTree = assertThrows(RuntimeException.class,
        () -> Json.feedItems(Json.parseOrNull(refused), "Documents", Item.class));
    RuntimeException viaText = assertThrows(RuntimeException.class,
        () -> Json.feedItems(refused, "Documents", Item.class));
    assertEquals(viaTree.getClass(), viaText.getClass());
    assertEquals(viaTree.getMessage(), viaText.getMessage());
  }
}
