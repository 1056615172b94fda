package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
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
}
