package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SessionTokensTest {
  static final String A = "dbs/d/colls/a";
  static final String B = "dbs/d/colls/b";

  @Test void tokensAreMergedPerRangeKeepingTheHighestLsn() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "0:-1#10");
    tokens.merge(A, "0:-1#7");
    tokens.merge(A, "1:-1#3");
    assertEquals("0:-1#10,1:-1#3", tokens.get(A));
    tokens.merge(A, "0:-1#12,1:-1#2");
    assertEquals("0:-1#12,1:-1#3", tokens.get(A));
  }

  @Test void regionLsnsMergeByMaximumAndAHigherVersionWins() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "0:1#100#1=20#2=5");
    tokens.merge(A, "0:1#90#1=25#3=1");
    assertEquals("0:1#100#1=25#2=5#3=1", tokens.get(A));
    tokens.merge(A, "0:2#50#1=1");
    assertEquals("0:2#50#1=1", tokens.get(A));
    tokens.merge(A, "0:1#500#1=99");
    assertEquals("0:2#50#1=1", tokens.get(A));
  }

  @Test void aNewResourceIdForTheSameNameDropsTheOldTokens() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "rid1", "0:-1#90,1:-1#40");
    tokens.merge(A, null, "0:-1#91");          // no resource id said: same container assumed
    tokens.merge(B, "rid9", "0:-1#7");
    assertEquals("0:-1#91,1:-1#40", tokens.get(A));
    tokens.merge(A, "rid2", "0:-1#3");         // recreated: its LSNs start again
    assertEquals("0:-1#3", tokens.get(A));
    tokens.merge(A, "rid2", null);             // an answer without a token keeps what is known
    assertEquals("0:-1#3", tokens.get(A));
    assertEquals("0:-1#7", tokens.get(B));      // other containers untouched
  }

  @Test void aResourceIdAloneAlreadyDropsTokensOfAnEarlierContainer() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "rid1", "0:-1#90");
    tokens.merge(A, "rid2", null);             // e.g. an error answer of the new container
    assertNull(tokens.get(A));
  }

  @Test void aLateAnswerFromTheDeletedContainerIsIgnored() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "gAABAIAAAAE=", "0:-1#90");
    tokens.merge(A, "gAABAIAAAAI=", "0:-1#3");    // recreated
    tokens.merge(A, "gAABAIAAAAE=", "0:-1#95");   // a late answer of the old one
    assertEquals("0:-1#3", tokens.get(A));
    tokens.merge(A, "gAABAIAAAAI=", "0:-1#4");
    assertEquals("0:-1#4", tokens.get(A));
  }

  @Test void onlyTheContainerPartOfAResourceIdCountsAndBlankOnesAreIgnored() {
    assertEquals("gAABAIAAAAE=", SessionTokens.containerId("gAABAIAAAAE="));
    // a document id under the same container: the same container
    assertEquals("gAABAIAAAAE=", SessionTokens.containerId("gAABAIAAAAEBAAAAAAAAAA=="));
    assertEquals(SessionTokens.containerId("ab//AAAAAAA="), SessionTokens.containerId("ab-/AAAAAAA="));
    assertEquals("not base64!", SessionTokens.containerId("not base64!"));
    assertNull(SessionTokens.containerId(" "));
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "gAABAIAAAAE=", "0:-1#9");
    tokens.merge(A, "gAABAIAAAAEBAAAAAAAAAA==", "0:-1#10");
    assertEquals("0:-1#10", tokens.get(A));
    tokens.merge(B, "", null);
    tokens.merge(B, null, "0:-1#1");
    tokens.merge(B, "", "0:-1#2");
    assertEquals("0:-1#2", tokens.get(B));
  }

  @Test void legacyTokensKeepTheHigherLsn() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "0:15");
    tokens.merge(A, "0:9");
    assertEquals("0:15", tokens.get(A));
  }

  @Test void containersNeverShareTokens() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "0:-1#10");
    assertNull(tokens.get(B));
    tokens.merge(B, "0:-1#2");
    assertEquals("0:-1#10", tokens.get(A));
    assertEquals("0:-1#2", tokens.get(B));
    tokens.clearContainer(A);
    assertNull(tokens.get(A));
    tokens.merge(A, "0:-1#1");
    tokens.clearDatabase("dbs/d");
    assertNull(tokens.get(A));
    assertNull(tokens.get(B));
  }

  @Test void blankAndUnplaceableSegmentsAreIgnored() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, null);
    tokens.merge(A, " ");
    tokens.merge(A, "noRange,:x,0:");
    assertNull(tokens.get(A));
  }

  @Test void concurrentMergesLoseNothing() {
    SessionTokens tokens = new SessionTokens();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 1; i <= 200; i++) {
      int lsn = i;
      all.add(CompletableFuture.runAsync(() -> tokens.merge(A, "0:-1#" + lsn + ",1:-1#" + lsn)));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    assertEquals("0:-1#200,1:-1#200", tokens.get(A));
  }

  @Test void theGrammarAcceptsLegacyAndVectorTokens() {
    Map<String, SessionTokens.Token> parsed =
        SessionTokens.parse("0:42, 1:-1#10 ,2:1#100#1=20#0=-1,M:5,0:40");
    assertEquals(List.of("0", "1", "2", "M"), new ArrayList<>(parsed.keySet()));
    SessionTokens.Token legacy = parsed.get("0");
    assertEquals("42", legacy.text);             // a range given twice is merged: 42 > 40
    assertFalse(legacy.vector);
    assertEquals(42, legacy.globalLsn);
    SessionTokens.Token vector = parsed.get("2");
    assertTrue(vector.vector);
    assertEquals(1, vector.version);
    assertEquals(100, vector.globalLsn);
    assertEquals(Map.of(0, -1L, 1, 20L), vector.regions);
    assertEquals(-1, parsed.get("1").version);
    assertEquals(Map.of(), parsed.get("1").regions);
  }

  @Test void theGrammarRefusesOtherTextWithoutEchoingIt() {
    String[] refused = {"", " ", "0", ":5", "0:", "0:abc", "0:1#", "0:1#2#3", "0:1#2#x=3",
        "0:1#2#1=", "0:#2", "a b:1", "0:1,", ",0:1", "0:1,,1:2", "0:+5", "0:1.5",
        "0:99999999999999999999", "0:1#2#99999999999=1", "0:1#2#-1=3", "0:1#2 #1=3",
        "0:1:2", "r\u00e9:1", "x".repeat(65) + ":1"};
    for (String token : refused) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SessionTokens.parse(token), token);
      assertTrue(e.getMessage().startsWith("sessionToken "), e.getMessage());
    }
    String secretish = "0:1#2,1:not-a-token-Zq9";
    assertEquals("sessionToken segment 2 of 2 is not rangeId:lsn or "
        + "rangeId:version#globalLsn#region=lsn...", assertThrows(IllegalArgumentException.class,
            () -> SessionTokens.parse(secretish)).getMessage());
    assertEquals("sessionToken is blank", assertThrows(IllegalArgumentException.class,
        () -> SessionTokens.parse(" ")).getMessage());
    assertEquals("sessionToken == null", assertThrows(NullPointerException.class,
        () -> SessionTokens.parse(null)).getMessage());
  }

  @Test void theGrammarCapsLengthAndRanges() {
    StringBuilder most = new StringBuilder();
    for (int i = 0; i < SessionTokens.MAX_RANGES; i++) {
      most.append(i == 0 ? "" : ",").append(i).append(":-1#").append(i);
    }
    assertEquals(1000, SessionTokens.parse(most.toString()).size());
    String tooMany = most + ",1000:-1#1";
    assertEquals("sessionToken has more than 1000 ranges (1001)",
        assertThrows(IllegalArgumentException.class, () -> SessionTokens.parse(tooMany))
            .getMessage());
    String longest = "0:1#1#1=" + "1".repeat(SessionTokens.MAX_LENGTH - 8);
    assertEquals(65536, longest.length());
    // within the length cap, but the LSN has more digits than a long
    assertEquals("sessionToken segment 1 of 1 is not rangeId:lsn or "
        + "rangeId:version#globalLsn#region=lsn...", assertThrows(IllegalArgumentException.class,
            () -> SessionTokens.parse(longest)).getMessage());
    String tooLong = "0:" + "1".repeat(SessionTokens.MAX_LENGTH - 1);
    assertEquals("sessionToken is longer than 65536 characters (65537)",
        assertThrows(IllegalArgumentException.class, () -> SessionTokens.parse(tooLong))
            .getMessage());
    // a response above the caps is not stored
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, tooMany);
    tokens.merge(A, tooLong);
    assertNull(tokens.get(A));
    tokens.merge(A, most.toString());
    assertEquals(1000, SessionTokens.parse(tokens.get(A)).size());
  }

  @Test void responseSegmentsOutsideTheGrammarAreSkippedAndTheRestMerged() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "0:-1#5,1:garbage,2:7,3:1#x,bad id:1#1");
    assertEquals("0:-1#5,2:7", tokens.get(A));
  }

  @Test void mergeKeepsTheNewerTokenPerRange() {
    SessionTokens tokens = new SessionTokens();
    // a higher version wins as a whole, whichever arrives first
    tokens.merge(A, "0:3#10#1=10");
    tokens.merge(A, "0:2#99#1=99#2=99");
    tokens.merge(B, "0:2#99#1=99#2=99");
    tokens.merge(B, "0:3#10#1=10");
    assertEquals("0:3#10#1=10", tokens.get(A));
    assertEquals("0:3#10#1=10", tokens.get(B));
    // the same version: global and per-region maxima; a token at least as new keeps its text
    tokens.merge(A, "0:3#12#1=9#2=4");
    assertEquals("0:3#12#1=10#2=4", tokens.get(A));
    tokens.merge(A, "0:3#12#2=4#1=11");
    assertEquals("0:3#12#2=4#1=11", tokens.get(A));
    tokens.merge(A, "0:3#11#1=11");
    assertEquals("0:3#12#2=4#1=11", tokens.get(A));
    // a vector token supersedes a legacy one, in either order
    tokens.merge(A, "1:500");
    tokens.merge(A, "1:-1#1");
    tokens.merge(A, "1:900");
    assertEquals("1:-1#1", tokens.get(A, "1"));
  }

  @Test void aReadCanAskForOneRangesTokenOnly() {
    SessionTokens tokens = new SessionTokens();
    assertNull(tokens.get(A, "0"));
    tokens.merge(A, "0:-1#10,1:-1#20,2:-1#30");
    assertEquals("1:-1#20", tokens.get(A, "1"));
    assertEquals("0:-1#10", tokens.get(A, "0", List.of()));
    assertNull(tokens.get(A, "7"));
    assertNull(tokens.get(B, "1"));
    PartitionKeyRanges map = PartitionKeyRanges.of(List.of(
        new PartitionKeyRanges.Range("0", "", "40", List.of(), null),
        new PartitionKeyRanges.Range("1", "40", "80", List.of(), null),
        new PartitionKeyRanges.Range("2", "80", "C0", List.of(), null),
        new PartitionKeyRanges.Range("3", "C0", "FF", List.of(), null)), null);
    assertEquals("1:-1#20,2:-1#30", tokens.get(A, map.overlapping("50", "A0")));
    assertEquals("2:-1#30", tokens.get(A, map.overlapping("90", "9000")));
    assertNull(tokens.get(A, map.overlapping("C0", "FF")));    // range 3 has no token
    assertNull(tokens.get(B, map.ranges()));
  }

  @Test void aChildRangeWithoutATokenUsesItsParents() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "1:-1#20,2:-1#30#0=5,3:-1#31#0=4");
    // split of 1 into 4 and 5: the children start from the parent's token
    assertEquals("4:-1#20", tokens.get(A, "4", List.of("1")));
    assertNull(tokens.get(A, "4"));                      // without parents, nothing is known
    tokens.merge(A, "4:-1#2");                           // a child's own token wins
    assertEquals("4:-1#2", tokens.get(A, "4", List.of("1")));
    // a merge of 2 and 3 into 6: both parents' tokens merged, under the child's id
    assertEquals("6:-1#31#0=5", tokens.get(A, "6", List.of("2", "3")));
    // grandchildren of 1 (through 5) name every ancestor
    assertEquals("7:-1#20", tokens.get(A, "7", List.of("1", "5")));
    assertNull(tokens.get(A, "8", List.of("9")));
    List<PartitionKeyRanges.Range> children = List.of(
        new PartitionKeyRanges.Range("4", "40", "60", List.of("1"), null),
        new PartitionKeyRanges.Range("5", "60", "80", List.of("1"), null));
    assertEquals("4:-1#2,5:-1#20", tokens.get(A, children));
  }

  @Test void retainingAPartitionMapDropsGoneRangesAndKeepsWhatChildrenInherit() {
    SessionTokens tokens = new SessionTokens();
    tokens.merge(A, "0:-1#10,1:-1#20");
    tokens.retain(A, PartitionKeyRanges.of(List.of(
        new PartitionKeyRanges.Range("0", "", "80", List.of(), null),
        new PartitionKeyRanges.Range("2", "80", "C0", List.of("1"), null),
        new PartitionKeyRanges.Range("3", "C0", "FF", List.of("1"), null)), null));
    assertEquals("0:-1#10,2:-1#20,3:-1#20", tokens.get(A));
    tokens.retain(B, PartitionKeyRanges.of(List.of(
        new PartitionKeyRanges.Range("0", "", "FF", List.of(), null)), null));
    assertNull(tokens.get(B));
  }
}
