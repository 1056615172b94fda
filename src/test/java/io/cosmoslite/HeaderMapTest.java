package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Results' header maps: what a case-insensitive, unmodifiable TreeMap promised, kept. */
class HeaderMapTest {
  private static final String[] NAMES = {"etag", "ETag", "x-ms-session-token",
      "X-Ms-Session-Token", "x-ms-activity-id", "x-ms-request-charge", "content-type",
      "Content-Length", "date", "x-ms-substatus", "a", "B", "x-ms-a", "x-ms-b"};

  @Test void behavesAsACaseInsensitiveTreeMapForAnyOrderOfPuts() {
    Random random = new Random(11);
    for (int round = 0; round < 500; round++) {
      TreeMap<String, String> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      HeaderMap.Builder builder = new HeaderMap.Builder(random.nextInt(3));
      int puts = random.nextInt(20);
      for (int i = 0; i < puts; i++) {
        String name = NAMES[random.nextInt(NAMES.length)];
        String value = "v" + random.nextInt(5);
        expected.put(name, value);
        builder.put(name, value);
      }
      HeaderMap actual = builder.build();
      assertEquals(expected, actual);
      assertEquals(expected.hashCode(), actual.hashCode());
      assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()),
          "the same spellings, in the same order");
      assertEquals(new ArrayList<>(expected.values()), new ArrayList<>(actual.values()));
      for (String name : NAMES) {
        assertEquals(expected.get(name), actual.get(name), name);
        assertEquals(expected.get(name.toUpperCase()), actual.get(name.toUpperCase()), name);
        assertEquals(expected.containsKey(name), actual.containsKey(name), name);
      }
      assertEquals(expected.toString(), actual.toString());
    }
  }

  @Test void aNamePutAgainKeepsItsFirstSpellingAndTakesTheNewValue() {
    HeaderMap map = new HeaderMap.Builder(2).put("ETag", "1").put("etag", "2").build();
    assertEquals(Map.of("ETag", "2"), map);
    assertEquals("ETag", map.keySet().iterator().next());
    assertEquals("2", map.get("ETAG"));
  }

  @Test void aNullValueLeavesTheHeaderAbsent() {
    HeaderMap map = new HeaderMap.Builder(2).put("etag", null).put("date", "d").build();
    assertEquals(Map.of("date", "d"), map);
    assertFalse(map.containsKey("etag"));
    assertNull(map.get("etag"));
    assertSame(HeaderMap.EMPTY, new HeaderMap.Builder(1).put("a", null).build());
  }

  @Test void lookupsOfNonStringsOrNullFindNothing() {
    HeaderMap map = new HeaderMap.Builder(1).put("a", "1").build();
    assertNull(map.get(null));
    assertNull(map.get(1));
    assertFalse(map.containsKey(null));
  }

  @Test void aNullNameIsRefusedWhenPutAndWhenAResultIsAskedForIt() {
    NullPointerException put = assertThrows(NullPointerException.class,
        () -> new HeaderMap.Builder(1).put(null, "v"));
    assertEquals("name == null", put.getMessage());
    CosmosResult<Object> result = Results.success(200, null, Map.of("etag", "e"), null, null);
    NullPointerException asked = assertThrows(NullPointerException.class,
        () -> result.header(null));
    assertEquals("name == null", asked.getMessage());
  }

  @Test void everyMutatorThrows() {
    HeaderMap map = new HeaderMap.Builder(2).put("a", "1").put("b", "2").build();
    assertThrows(UnsupportedOperationException.class, () -> map.put("c", "3"));
    assertThrows(UnsupportedOperationException.class, () -> map.remove("a"));
    assertThrows(UnsupportedOperationException.class, map::clear);
    assertThrows(UnsupportedOperationException.class, () -> map.putAll(Map.of("c", "3")));
    Iterator<Map.Entry<String, String>> entries = map.entrySet().iterator();
    Map.Entry<String, String> first = entries.next();
    assertThrows(UnsupportedOperationException.class, () -> first.setValue("x"));
    assertThrows(UnsupportedOperationException.class, entries::remove);
    assertThrows(UnsupportedOperationException.class, () -> map.keySet().remove("b"));
    assertThrows(UnsupportedOperationException.class, () -> map.values().clear());
    entries.next();
    assertThrows(java.util.NoSuchElementException.class, entries::next);
    assertEquals(Map.of("a", "1", "b", "2"), map, "unchanged");
  }

  @Test void ofKeepsAHeaderMapAndCopiesAnyOtherMap() {
    HeaderMap map = new HeaderMap.Builder(1).put("a", "1").build();
    assertSame(map, HeaderMap.of(map));
    TreeMap<String, String> tree = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    tree.put("B", "2");
    tree.put("a", "1");
    HeaderMap copy = HeaderMap.of(tree);
    tree.put("c", "3");
    assertEquals(Map.of("a", "1", "B", "2"), copy, "a copy, not a view");
    assertEquals(List.of("a", "B"), new ArrayList<>(copy.keySet()));
    assertSame(HeaderMap.EMPTY, HeaderMap.of(Map.of()));
  }

  @Test void aSpentBuilderCannotChangeTheMapItBuilt() {
    HeaderMap.Builder builder = new HeaderMap.Builder(1).put("a", "1");
    HeaderMap map = builder.build();
    assertThrows(NullPointerException.class, () -> builder.put("b", "2"));
    assertEquals(Map.of("a", "1"), map);
  }

  @Test void aResultKeepsItsHeaderMapAndCopiesOtherMaps() {
    HeaderMap map = new HeaderMap.Builder(1).put("etag", "\"e\"").build();
    CosmosResult<Object> kept = Results.success(200, null, map, null, null);
    assertSame(map, kept.headers());
    TreeMap<String, String> tree = new TreeMap<>();
    tree.put("ETag", "\"e\"");
    CosmosResult<Object> copied = Results.success(200, null, tree, null, null);
    tree.put("ETag", "changed");
    assertEquals("\"e\"", copied.etag(), "case-insensitive, and a copy");
    assertThrows(UnsupportedOperationException.class, () -> copied.headers().put("a", "b"));
  }
}
