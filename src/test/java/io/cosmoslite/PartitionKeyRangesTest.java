package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cosmoslite.PartitionKeyRanges.Range;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PartitionKeyRangesTest {
  static final String ONE = "{\"_rid\":\"x\",\"PartitionKeyRanges\":[{\"_rid\":\"x\",\"id\":\"0\","
      + "\"_etag\":\"\\\"e0\\\"\",\"minInclusive\":\"\",\"maxExclusive\":\"FF\",\"ridPrefix\":0,"
      + "\"throughputFraction\":1,\"status\":\"online\",\"parents\":[]}],\"_count\":1}";

  static final String FOUR = "{\"PartitionKeyRanges\":["
      + "{\"id\":\"2\",\"minInclusive\":\"80\",\"maxExclusive\":\"C0\",\"parents\":[]},"
      + "{\"id\":\"0\",\"minInclusive\":\"\",\"maxExclusive\":\"40\",\"parents\":[]},"
      + "{\"id\":\"3\",\"minInclusive\":\"C0\",\"maxExclusive\":\"FF\"},"
      + "{\"id\":\"1\",\"minInclusive\":\"40\",\"maxExclusive\":\"80\",\"parents\":null}]}";

  static Range range(String id, String min, String max, String... parents) {
    return new Range(id, min, max, List.of(parents), null);
  }

  static String ids(List<Range> ranges) {
    return ranges.stream().map(r -> r.id).collect(Collectors.joining(","));
  }

  @Test void aSingleRangeHoldsTheWholeKeySpace() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(ONE, "\"etag-1\"");
    assertEquals("\"etag-1\"", map.etag());
    assertEquals(List.of(new Range("0", "", "FF", List.of(), "\"e0\"")), map.ranges());
    assertEquals("0", map.rangeFor("").id);
    assertEquals("0", map.rangeFor("05C1CF33970FF80800").id);
    assertEquals("0", map.rangeFor("FE").id);
    assertEquals("0", map.rangeFor("FEFFFFFF").id);
    assertEquals("0", map.byId("0").id);
    assertNull(map.byId("1"));
  }

  @Test void fourRangesAreSortedAndLookedUpAtTheirBoundaries() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(FOUR, "\"4\"");
    assertEquals("0,1,2,3", ids(map.ranges()));
    assertEquals(List.of(), map.byId("1").parents);
    assertEquals("0", map.rangeFor("").id);              // "" is inclusive
    assertEquals("0", map.rangeFor("3FFFFFFF").id);
    assertEquals("1", map.rangeFor("40").id);            // a max is exclusive, the next min not
    assertEquals("1", map.rangeFor("7F").id);
    assertEquals("2", map.rangeFor("80").id);
    assertEquals("2", map.rangeFor("800000").id);
    assertEquals("3", map.rangeFor("C0").id);
    assertEquals("3", map.rangeFor("FEFF").id);
    assertEquals("effectivePartitionKey must be below FF, got FF",   // "FF" is exclusive
        assertThrows(IllegalArgumentException.class, () -> map.rangeFor("FF")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> map.rangeFor("FF00"));
    // an EPK computed for a key lands in the range holding it
    String epk = EffectivePartitionKey.of(PartitionKey.of("redmond"),
        EffectivePartitionKey.Definition.of(EffectivePartitionKey.Kind.HASH, 2, List.of("/p")));
    assertEquals("22E342F38A486A088463DFF7838A5963", epk);
    assertEquals("0", map.rangeFor(epk).id);
  }

  @Test void overlappingRangesOfAnInterval() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(FOUR, null);
    assertEquals("0,1,2,3", ids(map.overlapping("", "FF")));
    assertEquals("1", ids(map.overlapping("40", "80")));
    assertEquals("0,1", ids(map.overlapping("3F", "41")));
    assertEquals("1,2", ids(map.overlapping("40", "8000")));
    assertEquals("2", ids(map.overlapping("A0", "A0FF")));   // a hierarchical prefix range
    assertEquals("", ids(map.overlapping("A0", "A0")));       // empty interval
    assertEquals("3", ids(map.overlapping("C0", "C000")));    // one full key: [epk, epk + "00")
    assertEquals("", ids(map.overlapping("FF", "FFFF")));
    assertThrows(IllegalArgumentException.class, () -> map.overlapping("80", "40"));
  }

  @Test void aKeyFindsItsRangeAndAPrefixEveryRangeItSpans() {
    EffectivePartitionKey.Definition ab = EffectivePartitionKey.Definition.of(
        EffectivePartitionKey.Kind.MULTI_HASH, 2, List.of("/a", "/b"));
    String tenant = EffectivePartitionKey.hex(EffectivePartitionKey.v2("redmond"));
    assertEquals("22E342F38A486A088463DFF7838A5963", tenant);
    // ranges split inside the tenant's prefix: the prefix spans both halves
    PartitionKeyRanges map = PartitionKeyRanges.of(List.of(
        range("0", "", tenant), range("1", tenant, tenant + "20"),
        range("2", tenant + "20", "80"), range("3", "80", "FF")), null);
    assertEquals("1,2", ids(map.rangesFor(PartitionKey.of("redmond"), ab)));
    String full = EffectivePartitionKey.of(PartitionKey.of("redmond", 5), ab);
    assertEquals("22E342F38A486A088463DFF7838A596319C08621B135968252FB34B4CF66F811", full);
    assertEquals("1", ids(map.rangesFor(PartitionKey.of("redmond", 5), ab)));
    assertEquals("1", map.rangeFor(full).id);
    // true hashes to 0E711127...: below the tenant, in range 0 alone
    assertEquals("0", ids(map.rangesFor(PartitionKey.of(true), ab)));
  }

  @Test void aSplitReplacesTheParentByItsChildren() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(FOUR, "\"4\"");
    String changes = "{\"PartitionKeyRanges\":["
        + "{\"id\":\"4\",\"minInclusive\":\"40\",\"maxExclusive\":\"60\",\"parents\":[\"1\"]},"
        + "{\"id\":\"5\",\"minInclusive\":\"60\",\"maxExclusive\":\"80\",\"parents\":[\"1\"]}]}";
    PartitionKeyRanges next = map.applyJson(changes, "\"6\"");
    assertEquals("0,4,5,2,3", ids(next.ranges()));
    assertEquals("\"6\"", next.etag());
    assertEquals("4", next.rangeFor("40").id);
    assertEquals("5", next.rangeFor("60").id);
    assertNull(next.byId("1"));
    assertEquals(List.of("1"), next.byId("5").parents);
    assertEquals("0,1,2,3", ids(map.ranges()));  // the old map is unchanged
  }

  @Test void aRangeSplitTwiceBetweenReadsKeepsOnlyTheGrandchildren() {
    PartitionKeyRanges map = PartitionKeyRanges.of(List.of(range("0", "", "FF")), null);
    PartitionKeyRanges next = map.apply(List.of(
        range("1", "", "80", "0"), range("2", "80", "FF", "0"),
        range("3", "", "40", "0", "1"), range("4", "40", "80", "0", "1")), "\"2\"");
    assertEquals("3,4,2", ids(next.ranges()));
  }

  @Test void aMergeDropsEveryParentItNames() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(FOUR, null);
    PartitionKeyRanges next = map.apply(
        List.of(range("6", "40", "C0", "1", "2")), "\"7\"");
    assertEquals("0,6,3", ids(next.ranges()));
    assertEquals("6", next.rangeFor("40").id);
    assertEquals("6", next.rangeFor("BF").id);
    assertEquals("3", next.rangeFor("C0").id);
  }

  @Test void aFullListAsRefreshReplacesRangesOfTheSameId() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(ONE, "\"1\"");
    PartitionKeyRanges next = map.applyJson(ONE.replace("\\\"e0\\\"", "\\\"e1\\\""), "\"2\"");
    assertEquals("\"e1\"", next.byId("0").etag);
    assertEquals(1, next.ranges().size());
  }

  @Test void aListWithAGapOrAnOverlapIsRefused() {
    assertEquals("pkranges list has a gap [40,50) between 0[,40) and 1[50,FF)",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.of(
            List.of(range("0", "", "40"), range("1", "50", "FF")), null)).getMessage());
    assertEquals("pkranges list has a gap [,10) before 0[10,FF)",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.of(
            List.of(range("0", "10", "FF")), null)).getMessage());
    assertEquals("pkranges ranges 0[,50) and 1[40,FF) overlap",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.of(
            List.of(range("0", "", "50"), range("1", "40", "FF")), null)).getMessage());
    assertEquals("pkranges list ends at 80, not FF (last range 0[,80))",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.of(
            List.of(range("0", "", "80")), null)).getMessage());
    assertEquals("pkranges range 1[80,80) is empty or reversed",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.of(
            List.of(range("0", "", "80"), range("1", "80", "80"), range("2", "80", "FF")),
            null)).getMessage());
    assertEquals("pkranges list has range id 0 twice",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.of(
            List.of(range("0", "", "80"), range("0", "80", "FF")), null)).getMessage());
    assertEquals("pkranges list is empty", assertThrows(IllegalArgumentException.class,
        () -> PartitionKeyRanges.of(List.of(), null)).getMessage());
  }

  @Test void aRefreshThatMissedAChangeIsRefused() {
    PartitionKeyRanges map = PartitionKeyRanges.fromJson(FOUR, null);
    // only one child of a split: the other half of range 1 is missing
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> map.apply(List.of(range("4", "40", "60", "1")), "\"5\""));
    assertEquals("pkranges list has a gap [60,80) between 4[40,60) parents=[1] and 2[80,C0)",
        e.getMessage());
    // a child whose parent is not named overlaps it
    assertThrows(IllegalArgumentException.class,
        () -> map.apply(List.of(range("4", "40", "60"), range("5", "60", "80")), null));
  }

  @Test void bodiesOfAnotherShapeAreRefused() {
    assertEquals("pkranges body is not JSON", assertThrows(IllegalArgumentException.class,
        () -> PartitionKeyRanges.fromJson("{", null)).getMessage());
    assertEquals("pkranges body has no PartitionKeyRanges array",
        assertThrows(IllegalArgumentException.class,
            () -> PartitionKeyRanges.fromJson("{\"Documents\":[]}", null)).getMessage());
    assertEquals("pkranges entry 0 has no maxExclusive",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.fromJson(
            "{\"PartitionKeyRanges\":[{\"id\":\"0\",\"minInclusive\":\"\"}]}", null))
            .getMessage());
    assertEquals("pkranges entry 0: id is not a string",
        assertThrows(IllegalArgumentException.class, () -> PartitionKeyRanges.fromJson(
            "{\"PartitionKeyRanges\":[{\"id\":0,\"minInclusive\":\"\",\"maxExclusive\":\"FF\"}]}",
            null)).getMessage());
    assertEquals("pkranges entry 1 is not an object", assertThrows(IllegalArgumentException.class,
        () -> PartitionKeyRanges.parse("{\"PartitionKeyRanges\":[{\"id\":\"0\","
            + "\"minInclusive\":\"\",\"maxExclusive\":\"FF\"},1]}")).getMessage());
  }
}
