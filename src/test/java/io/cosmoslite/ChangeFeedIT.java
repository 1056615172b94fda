package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The change feed against cosmos-local with several partition-key ranges
 * ({@code --partitions 4}) and with a split ({@code --partitions 2 --split-after 30}).
 */
class ChangeFeedIT {
  private final List<CosmosClient> clients = new ArrayList<>();
  private final List<String[]> databases = new ArrayList<>();

  @AfterEach void tearDown() {
    for (String[] db : databases) {
      ItSupport.dropDatabase(clients.get(0), db[0]);
    }
    for (CosmosClient client : clients) {
      client.close();
    }
  }

  private CosmosClient client(String endpoint, AttemptListener listener) {
    CosmosClient.Builder b = LocalServers.client(endpoint);
    if (listener != null) {
      b.attemptListener(listener);
    }
    CosmosClient client = b.build();
    clients.add(client);
    return client;
  }

  private String container(CosmosClient client, String what) {
    String db = LocalServers.uniqueName(what);
    databases.add(new String[] {db});
    await(client.createDatabase(db));
    await(client.createContainer(db, "c", "/pk"));
    return db;
  }

  private static void write(CosmosClient client, String db, int from, int to) {
    for (int i = from; i < to; i++) {
      await(client.upsertDocument(db, "c", Map.of("id", "d" + i, "pk", "k" + i, "n", 1),
          "k" + i));
    }
  }

  /** Reads pages until one is caught up; every change's id, in order, into {@code ids}. */
  private static String readUntilCaughtUp(ChangeFeed<Map<String, Object>> feed,
      List<String> ids) {
    ChangeFeedPage<Map<String, Object>> page;
    do {
      page = await(feed.nextPage());
      page.items().forEach(item -> ids.add((String) item.get("id")));
    } while (page.hasMoreChanges());
    return page.continuationToken();
  }

  private static Set<String> range(int from, int to) {
    Set<String> out = new HashSet<>();
    for (int i = from; i < to; i++) {
      out.add("d" + i);
    }
    return out;
  }

  private static void assertEachOnce(Set<String> expected, List<String> ids) {
    Map<String, Integer> counts = new TreeMap<>();
    ids.forEach(id -> counts.merge(id, 1, Integer::sum));
    counts.values().removeIf(n -> n == 1);
    assertEquals(Map.of(), counts, "delivered more than once");
    assertEquals(new TreeMap<>(toMap(expected)), new TreeMap<>(toMap(new HashSet<>(ids))));
  }

  private static Map<String, Boolean> toMap(Set<String> ids) {
    Map<String, Boolean> out = new HashMap<>();
    ids.forEach(id -> out.put(id, true));
    return out;
  }

  @Test void aNewClientResumesFromTheTokenWithExactlyTheNewChanges() {
    String endpoint = LocalServers.partitioned();
    CosmosClient writer = client(endpoint, null);
    String db = container(writer, "cf-resume");
    write(writer, db, 0, 20);

    List<String> first = new ArrayList<>();
    String token = readUntilCaughtUp(writer.changeFeed(db, "c",
        ChangeFeedOptions.builder().maxItemCount(3).build(), DocumentType.MAP), first);
    assertEachOnce(range(0, 20), first);

    write(writer, db, 20, 30);
    write(writer, db, 3, 4); // an old document changed twice appears once, at its last version
    await(writer.upsertDocument(db, "c", Map.of("id", "d3", "pk", "k3", "n", 3), "k3"));

    CosmosClient reader = client(endpoint, null);
    List<String> next = new ArrayList<>();
    List<Object> versions = new ArrayList<>();
    ChangeFeed<Map<String, Object>> resumed = reader.changeFeed(db, "c",
        ChangeFeedOptions.builder().continuationToken(token).build(), DocumentType.MAP);
    ChangeFeedPage<Map<String, Object>> page;
    do {
      page = await(resumed.nextPage());
      for (Map<String, Object> item : page.items()) {
        next.add((String) item.get("id"));
        if ("d3".equals(item.get("id"))) {
          versions.add(item.get("n"));
          assertTrue(item.containsKey("_lsn"), "change feed items carry _lsn");
        }
      }
    } while (page.hasMoreChanges());
    Set<String> expected = range(20, 30);
    expected.add("d3");
    assertEachOnce(expected, next);
    assertEquals(List.of(3), versions);

    // Caught up: asking again is a 304 page, not an error.
    ChangeFeedPage<Map<String, Object>> again = await(resumed.nextPage());
    assertEquals(304, again.result().code());
    assertTrue(again.items().isEmpty());
  }

  @Test void aSplitBetweenTwoPagesLosesAndRepeatsNothing() {
    String endpoint = LocalServers.splitting();
    AtomicInteger gone = new AtomicInteger();
    CosmosClient client = client(endpoint, event -> {
      if (event.status() == 410 && event.subStatus() == 1002) {
        gone.incrementAndGet();
      }
    });
    String db = container(client, "cf-split");
    assertEquals(2, await(client.feedRanges(db, "c")).size());
    write(client, db, 0, 20);

    ChangeFeed<Map<String, Object>> feed = client.changeFeed(db, "c",
        ChangeFeedOptions.builder().maxItemCount(4).build(), DocumentType.MAP);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      await(feed.nextPage()).items().forEach(item -> ids.add((String) item.get("id")));
    }
    String beforeSplit = feed.continuationToken();
    List<String> firstPages = new ArrayList<>(ids);
    write(client, db, 20, 45); // the 30th write splits a range
    readUntilCaughtUp(feed, ids);
    assertTrue(gone.get() >= 1, "the feed met the split parent (410/1002)");
    assertEachOnce(range(0, 45), ids);

    // The token from before the split resumes in a new client: exactly the rest, once each.
    CosmosClient other = client(endpoint, null);
    List<String> resumed = new ArrayList<>();
    readUntilCaughtUp(other.changeFeed(db, "c",
        ChangeFeedOptions.builder().continuationToken(beforeSplit).build(), DocumentType.MAP),
        resumed);
    Set<String> rest = range(0, 45);
    rest.removeAll(firstPages);
    assertEachOnce(rest, resumed);
    assertEquals(3, await(other.feedRanges(db, "c")).size(), "the split happened");
  }

  @Test void thePublisherNeverFetchesAPageNobodyAskedFor() throws Exception {
    String endpoint = LocalServers.partitioned();
    AtomicInteger feedRequests = new AtomicInteger();
    CosmosClient client = client(endpoint, event -> {
      if (event.method().equals("GET") && event.path().endsWith("/docs")) {
        feedRequests.incrementAndGet();
      }
    });
    String db = container(client, "cf-demand");
    write(client, db, 0, 12);
    ChangeFeedOptions options = ChangeFeedOptions.builder().maxItemCount(2).build();
    // The same feed walked with nextPage(): which page (1-based) brings the k-th change.
    List<Integer> pageOfItem = new ArrayList<>();
    ChangeFeed<Map<String, Object>> walk = client.changeFeed(db, "c", options, DocumentType.MAP);
    int pages = 0;
    ChangeFeedPage<Map<String, Object>> walked;
    do {
      walked = await(walk.nextPage());
      pages++;
      for (int i = 0; i < walked.items().size(); i++) {
        pageOfItem.add(pages);
      }
    } while (walked.hasMoreChanges());
    assertEquals(12, pageOfItem.size());
    feedRequests.set(0);

    ChangeFeed<Map<String, Object>> feed = client.changeFeed(db, "c", options, DocumentType.MAP);
    LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    feed.subscribe(new Flow.Subscriber<>() {
      @Override public void onSubscribe(Flow.Subscription s) {
        subscription[0] = s;
      }

      @Override public void onNext(Map<String, Object> item) {
        signals.add(item.get("id"));
      }

      @Override public void onError(Throwable t) {
        signals.add(t);
      }

      @Override public void onComplete() {
        signals.add("complete");
      }
    });
    // A round trip of the same client: no page was fetched without demand.
    await(client.getContainer(db, "c"));
    assertEquals(0, feedRequests.get());

    List<Object> got = new ArrayList<>();
    while (true) {
      subscription[0].request(1);
      Object signal = signals.poll(60, TimeUnit.SECONDS);
      if ("complete".equals(signal)) {
        break;
      }
      assertTrue(signal instanceof String, "signal " + signal);
      got.add(signal);
      await(client.getContainer(db, "c"));
      // Exactly the pages needed for the changes asked for so far: none fetched ahead.
      assertEquals(pageOfItem.get(got.size() - 1).intValue(), feedRequests.get(),
          "page requests after change " + got.size());
    }
    assertEquals(pages, feedRequests.get(), "and the caught-up page only when asked");
    assertEachOnce(range(0, 12), toStrings(got));
  }

  private static List<String> toStrings(List<Object> values) {
    List<String> out = new ArrayList<>();
    values.forEach(v -> out.add((String) v));
    return out;
  }

  @Test void fullFidelityShowsDeletesAndPreviousImages() {
    String endpoint = LocalServers.partitioned();
    CosmosClient client = client(endpoint, null);
    String db = container(client, "cf-full");
    write(client, db, 0, 3);
    ChangeFeed<Map<String, Object>> feed = client.changeFeed(db, "c",
        ChangeFeedOptions.builder().startFromNow()
            .mode(ChangeFeedOptions.Mode.ALL_VERSIONS_AND_DELETES).build(), DocumentType.MAP);
    assertFalse(await(feed.nextPage()).hasMoreChanges(), "from now: nothing yet");

    await(client.createDocument(db, "c", Map.of("id", "x", "pk", "kx", "n", 1), "kx"));
    await(client.replaceDocument(db, "c", Map.of("id", "x", "pk", "kx", "n", 2), "kx"));
    await(client.deleteDocument(db, "c", "x", "kx"));

    List<Map<String, Object>> changes = new ArrayList<>();
    ChangeFeedPage<Map<String, Object>> page;
    do {
      page = await(feed.nextPage());
      changes.addAll(page.items());
    } while (page.hasMoreChanges());
    assertEquals(3, changes.size(), changes.toString());
    List<Object> ops = new ArrayList<>();
    for (Map<String, Object> change : changes) {
      ops.add(((Map<?, ?>) change.get("metadata")).get("operationType"));
    }
    assertEquals(List.of("create", "replace", "delete"), ops);
    assertEquals(1, ((Map<?, ?>) changes.get(0).get("current")).get("n"));
    assertFalse(changes.get(0).containsKey("previous"));
    assertEquals(2, ((Map<?, ?>) changes.get(1).get("current")).get("n"));
    assertEquals(1, ((Map<?, ?>) changes.get(1).get("previous")).get("n"));
    assertFalse(changes.get(2).containsKey("current"));
    assertEquals(2, ((Map<?, ?>) changes.get(2).get("previous")).get("n"));
    assertEquals("x", ((Map<?, ?>) changes.get(2).get("metadata")).get("id"));
  }

  @Test void feedRangesSplitTheWorkAndAKeyScopeSeesOnlyItsPartition() {
    String endpoint = LocalServers.partitioned();
    CosmosClient client = client(endpoint, null);
    String db = container(client, "cf-ranges");
    write(client, db, 0, 24);
    List<String> ranges = await(client.feedRanges(db, "c"));
    assertEquals(4, ranges.size());
    List<String> all = new ArrayList<>();
    for (String range : ranges) {
      List<String> ids = new ArrayList<>();
      readUntilCaughtUp(client.changeFeed(db, "c",
          ChangeFeedOptions.builder().feedRange(range).build(), DocumentType.MAP), ids);
      assertFalse(ids.isEmpty(), "24 keys hash into every quarter");
      all.addAll(ids);
    }
    assertEachOnce(range(0, 24), all);

    List<String> one = new ArrayList<>();
    readUntilCaughtUp(client.changeFeed(db, "c",
        ChangeFeedOptions.builder().partitionKey(PartitionKey.of("k7")).build(),
        DocumentType.MAP), one);
    assertEquals(List.of("d7"), one);
  }
}
