package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Memory of multi-document writes and waiting calls does not grow with the work. */
class BulkMemoryTest {
  private static final int ITEMS = 1_000_000;

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
  }

  /** A million generated documents, never held by anyone but the pool. */
  private static Iterator<Object> documents(int count) {
    return new Iterator<>() {
      private int next;

      @Override public boolean hasNext() {
        return next < count;
      }

      @Override public Object next() {
        int i = next++;
        return BulkItem.of(Map.of("id", "d" + i, "pk", "p" + (i % 64)), "p" + (i % 64));
      }
    };
  }

  @Test @Timeout(300)
  void aMillionItemWriteKeepingCountsOnlyNeedsMemoryForThePoolNotTheInput() throws Exception {
    InMemorySender sender = new InMemorySender(request ->
        new InMemorySender.Answer(201, Map.of("x-ms-request-charge", "1"), null));
    try (CosmosClient client = sender.client().build()) {
      long before = usedHeapAfterGc();
      long[] peak = {0};
      BulkResult result = client.createDocuments("shop", "orders", documents(ITEMS),
          BulkOptions.builder().results(BulkOptions.ResultMode.COUNTS)
              .progressListener(p -> {
                if (p.done() % 100_000 == 0) {
                  peak[0] = Math.max(peak[0],
                      Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
                }
              }).build()).get(280, TimeUnit.SECONDS);
      long after = usedHeapAfterGc();
      assertEquals(ITEMS, result.items());
      assertEquals(ITEMS, result.succeeded());
      assertEquals(ITEMS, sender.sent.get(), "one request per item, each counted");
      assertEquals(0, result.size(), "no per-item result kept");
      assertEquals((double) ITEMS, result.requestCharge());
      // Every result kept would be ~300 MB for a million items; counts only keep nothing.
      long grown = after - before;
      assertTrue(grown < 32L * 1024 * 1024, "heap grew by " + grown + " bytes");
    }
  }

  @Test void cancelledWaitersLeaveTheSemaphoreAtOnce() {
    AsyncSemaphore semaphore = new AsyncSemaphore(1);
    CompletableFuture<Void> held = semaphore.acquire();
    assertTrue(held.isDone());
    for (int i = 0; i < 10_000; i++) {
      semaphore.acquire().cancel(false);
    }
    assertEquals(0, semaphore.waiting(), "no cancelled waiter is kept until the queue drains");
    CompletableFuture<Void> next = semaphore.acquire();
    semaphore.release();
    assertTrue(next.isDone(), "the permit goes to the live waiter, not a cancelled one");
    assertEquals(1, semaphore.inUse());
  }
}
