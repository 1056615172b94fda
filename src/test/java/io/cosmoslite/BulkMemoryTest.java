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
    java.util.concurrent.atomic.AtomicLong operations = new java.util.concurrent.atomic.AtomicLong();
    InMemorySender sender = new InMemorySender(request -> {
      String path = request.uri().getPath();
      if (path.endsWith("/pkranges")) {
        return new InMemorySender.Answer(200, Map.of("etag", "\"r1\""), "{\"PartitionKeyRanges\":"
            + "[{\"id\":\"0\",\"minInclusive\":\"\",\"maxExclusive\":\"FF\",\"parents\":[]}]}");
      }
      if (path.endsWith("/colls/orders")) {
        return new InMemorySender.Answer(200, Map.of(), "{\"id\":\"orders\",\"partitionKey\":"
            + "{\"paths\":[\"/pk\"],\"kind\":\"Hash\",\"version\":2}}");
      }
      // A bulk request: one 201 per operation.
      String body = new String(InMemorySender.body(request), java.nio.charset.StandardCharsets.UTF_8);
      int count = body.split("\"operationType\"", -1).length - 1;
      operations.addAndGet(count);
      StringBuilder answer = new StringBuilder("[");
      for (int i = 0; i < count; i++) {
        answer.append(i == 0 ? "" : ",").append("{\"statusCode\":201,\"requestCharge\":1}");
      }
      return new InMemorySender.Answer(200, Map.of(), answer.append(']').toString());
    });
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
      assertEquals(ITEMS, operations.get(), "every item sent once");
      assertTrue(sender.sent.get() <= ITEMS / Batches.MAX_OPERATIONS + 100,
          "packed: about one request per 100 items, not " + sender.sent.get());
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
