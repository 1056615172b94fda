package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A query cursor remembers a bounded number of continuation tokens, however long it runs. */
class QueryMemoryTest {
  /** Pages of one item; page n answers token n+1, except that page {@code repeatAt} repeats. */
  private static InMemorySender pages(int total, int repeatAt, int repeated) {
    return new InMemorySender(request -> {
      int page = Integer.parseInt(request.headers().firstValue("x-ms-continuation").orElse("0"));
      int next = page == repeatAt ? repeated : page + 1;
      Map<String, String> headers = page + 1 < total
          ? Map.of("x-ms-continuation", Integer.toString(next)) : Map.of();
      return new InMemorySender.Answer(200, headers, "{\"Documents\":[" + page + "]}");
    });
  }

  @Test void twoHundredPagesAreWalkedWithARecentTokenMemoryOnly() throws Exception {
    InMemorySender sender = pages(200, -1, 0);
    try (CosmosClient client = sender.client().build()) {
      CosmosResult<java.util.List<Object>> all = client.queryDocuments("d", "c",
          "SELECT VALUE c.n FROM c").toList().get(60, TimeUnit.SECONDS);
      assertEquals(200, all.data().size());
      assertEquals(200, sender.sent.get());
    }
  }

  @Test void aTokenRepeatedWithinTheLast64PagesStillStopsTheLoop() throws Exception {
    try (CosmosClient client = pages(150, 100, 60).client().build()) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> client.queryDocuments("d", "c", "SELECT * FROM c")
              .toList().get(60, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("repeated continuation token 60"),
          e.getCause().getMessage());
    }
  }
}
