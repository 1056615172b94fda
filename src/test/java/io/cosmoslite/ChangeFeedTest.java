package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertNoHeader;
import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class ChangeFeedTest extends MockServerTest {
  static final String DOCS = "/dbs/shop/colls/orders/docs";
  static final String PKRANGES = "/dbs/shop/colls/orders/pkranges";
  static final String LINK = "dbs/shop/colls/orders";
  static final long QUIET_MS = 300;

  static final String ONE_RANGE = "{\"PartitionKeyRanges\":[{\"id\":\"0\",\"minInclusive\":\"\","
      + "\"maxExclusive\":\"FF\",\"parents\":[]}],\"_count\":1}";
  static final String TWO_RANGES = "{\"PartitionKeyRanges\":["
      + "{\"id\":\"0\",\"minInclusive\":\"\",\"maxExclusive\":\"80\",\"parents\":[]},"
      + "{\"id\":\"1\",\"minInclusive\":\"80\",\"maxExclusive\":\"FF\",\"parents\":[]}],"
      + "\"_count\":2}";
  static final String SPLIT_CHILDREN = "{\"PartitionKeyRanges\":["
      + "{\"id\":\"1\",\"minInclusive\":\"\",\"maxExclusive\":\"80\",\"parents\":[\"0\"]},"
      + "{\"id\":\"2\",\"minInclusive\":\"80\",\"maxExclusive\":\"FF\",\"parents\":[\"0\"]}],"
      + "\"_count\":2}";

  record Order(String id, int total) {}

  // --- fixtures --------------------------------------------------------------------------------

  static MockResponse ranges(String body, String etag) {
    return json(200, body).setHeader("etag", etag);
  }

  /** A change feed page of {"id": id, "total": 1} documents with an etag. */
  static MockResponse changes(String etag, String... ids) {
    StringBuilder docs = new StringBuilder();
    for (String id : ids) {
      docs.append(docs.length() == 0 ? "" : ",").append("{\"id\":\"").append(id)
          .append("\",\"total\":1}");
    }
    return json(200, "{\"_rid\":\"r1\",\"Documents\":[" + docs + "],\"_count\":" + ids.length
        + "}").setHeader("etag", etag).setHeader("x-ms-item-count", ids.length);
  }

  static MockResponse notModified(String etag) {
    return new MockResponse().setResponseCode(304).setHeader("etag", etag)
        .setHeader("x-ms-activity-id", "act-304");
  }

  static Throwable failure(CompletableFuture<?> future) {
    return assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS))
        .getCause();
  }

  static List<String> ids(ChangeFeedPage<Order> page) {
    List<String> ids = new ArrayList<>();
    page.items().forEach(o -> ids.add(o.id()));
    return ids;
  }

  ChangeFeed<Order> feed(ChangeFeedOptions options) {
    return client.changeFeed("shop", "orders", options, DocumentType.of(Order.class));
  }

  RecordedRequest takePkranges(String ifNoneMatch) throws InterruptedException {
    RecordedRequest r = assertRequest(take(server), "GET", PKRANGES, "pkranges", LINK, null);
    assertEquals(ifNoneMatch, r.getHeader("If-None-Match"));
    return r;
  }

  RecordedRequest takeChanges(String rangeId) throws InterruptedException {
    return takeChanges(rangeId, null);
  }

  RecordedRequest takeChanges(String rangeId, String sessionToken) throws InterruptedException {
    RecordedRequest r = assertRequest(take(server), "GET", DOCS, "docs", LINK, sessionToken);
    assertEquals("Incremental feed", r.getHeader("A-IM"));
    assertEquals(rangeId, r.getHeader("x-ms-documentdb-partitionkeyrangeid"));
    assertNoHeader(r, "x-ms-cosmos-changefeed-wire-format-version", "x-ms-documentdb-isquery",
        "x-ms-continuation", "x-ms-documentdb-query-enablecrosspartition");
    return r;
  }

  // --- start -------------------------------------------------------------------------------------

  @Test void nothingIsSentBeforeTheFirstPage() {
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    assertNull(feed.continuationToken());
    assertEquals(0, server.getRequestCount());
  }

  @Test void fromTheBeginningSendsNoStartThenContinuesFromTheEtag() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"5\"", "a", "b"));
    server.enqueue(notModified("\"5\""));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().maxItemCount(10).build());

    ChangeFeedPage<Order> first = await(feed.nextPage());
    takePkranges(null);
    RecordedRequest r = takeChanges("0");
    assertNoHeader(r, "If-None-Match", "If-Modified-Since", "x-ms-start-epk", "x-ms-end-epk");
    assertEquals("10", r.getHeader("x-ms-max-item-count"));
    assertEquals(List.of("a", "b"), ids(first));
    assertTrue(first.hasMoreChanges());
    assertEquals(first.continuationToken(), feed.continuationToken());

    ChangeFeedPage<Order> second = await(feed.nextPage());
    assertEquals("\"5\"", takeChanges("0").getHeader("If-None-Match"));
    assertEquals(304, second.result().code());
    assertTrue(second.items().isEmpty());
    assertFalse(second.hasMoreChanges(), "a 304 on the only range: caught up");
    assertEquals(3, server.getRequestCount(), "pkranges read once");
  }

  @Test void fromNowSendsStarAndTheFirstPageIsCaughtUp() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(notModified("\"9\""));
    server.enqueue(changes("\"10\"", "c"));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().startFromNow().build());

    ChangeFeedPage<Order> first = await(feed.nextPage());
    takePkranges(null);
    assertEquals("*", takeChanges("0").getHeader("If-None-Match"));
    assertFalse(first.hasMoreChanges());
    ChangeFeedPage<Order> second = await(feed.nextPage());
    assertEquals("\"9\"", takeChanges("0").getHeader("If-None-Match"));
    assertEquals(List.of("c"), ids(second));
  }

  @Test void fromNowPinsEveryRangeAtOnce() throws Exception {
    server.enqueue(ranges(TWO_RANGES, "\"m1\""));
    server.enqueue(notModified("\"3\""));
    server.enqueue(notModified("\"3\""));
    ChangeFeedPage<Order> first =
        await(feed(ChangeFeedOptions.builder().startFromNow().build()).nextPage());
    takePkranges(null);
    List<String> ranges = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      RecordedRequest r = assertRequest(take(server), "GET", DOCS, "docs", LINK, null);
      assertEquals("*", r.getHeader("If-None-Match"));
      ranges.add(r.getHeader("x-ms-documentdb-partitionkeyrangeid"));
    }
    ranges.sort(null);
    assertEquals(List.of("0", "1"), ranges);
    assertFalse(first.hasMoreChanges());
    // Both positions are in the token: resuming anywhere continues from "3" on both ranges.
    String json = new String(Base64.getUrlDecoder().decode(first.continuationToken()));
    assertTrue(json.contains("{\"id\":\"0\",\"min\":\"\",\"max\":\"80\",\"etag\":\"\\\"3\\\"\"}"),
        json);
    assertTrue(json.contains("{\"id\":\"1\",\"min\":\"80\",\"max\":\"FF\",\"etag\":\"\\\"3\\\"\"}"),
        json);
  }

  @Test void fromAPointInTimeSendsIfModifiedSince() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"4\"", "a"));
    await(feed(ChangeFeedOptions.builder().startFrom(Instant.parse("2017-04-27T00:51:12.750Z"))
        .build()).nextPage());
    takePkranges(null);
    RecordedRequest r = takeChanges("0");
    assertEquals("Thu, 27 Apr 2017 00:51:12 GMT", r.getHeader("If-Modified-Since"));
    assertNoHeader(r, "If-None-Match");
  }

  @Test void aTokenResumesInANewClientFromEveryRangesEtag() throws Exception {
    server.enqueue(ranges(TWO_RANGES, "\"m1\""));
    server.enqueue(changes("\"7\"", "a"));
    ChangeFeedPage<Order> first = await(feed(ChangeFeedOptions.builder().build()).nextPage());
    takePkranges(null);
    takeChanges("0");

    server.enqueue(ranges(TWO_RANGES, "\"m1\""));
    server.enqueue(notModified("\"2\""));
    server.enqueue(notModified("\"7\""));
    try (CosmosClient other = MockCosmos.client(server).build()) {
      ChangeFeed<Order> resumed = other.changeFeed("shop", "orders",
          ChangeFeedOptions.builder().continuationToken(first.continuationToken()).build(),
          DocumentType.of(Order.class));
      ChangeFeedPage<Order> a = await(resumed.nextPage());
      takePkranges(null);
      RecordedRequest r = takeChanges("1");
      assertNoHeader(r, "If-None-Match", "If-Modified-Since"); // range 1 not read yet
      assertTrue(a.hasMoreChanges(), "range 0 has not answered in this round");
      ChangeFeedPage<Order> b = await(resumed.nextPage());
      assertEquals("\"7\"", takeChanges("0").getHeader("If-None-Match"));
      assertFalse(b.hasMoreChanges(), "both ranges answered 304 in a row");
    }
  }

  // --- scope -------------------------------------------------------------------------------------

  @Test void aPartitionKeyScopeSendsTheKeyAndThatRangesSessionTokenOnly() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#5,1:-1#8");
    server.enqueue(ranges(TWO_RANGES, "\"m1\""));
    server.enqueue(json(200, "{\"id\":\"orders\",\"_rid\":\"r1\",\"partitionKey\":"
        + "{\"paths\":[\"/id\"],\"kind\":\"Hash\",\"version\":2}}"));
    server.enqueue(changes("\"3\"", "a"));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder()
        .partitionKey(PartitionKey.of("a")).build());
    await(feed.nextPage());
    takePkranges(null);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders", "colls", LINK, null);
    String[] epk = EffectivePartitionKey.range(PartitionKey.of("a"),
        EffectivePartitionKey.Definition.fromJson(com.google.gson.JsonParser.parseString(
            "{\"paths\":[\"/id\"],\"kind\":\"Hash\",\"version\":2}").getAsJsonObject()));
    String expected = epk[0].compareTo("80") < 0 ? "0:-1#5" : "1:-1#8";
    RecordedRequest r = assertRequest(take(server), "GET", DOCS, "docs", LINK, expected);
    assertEquals("[\"a\"]", r.getHeader("x-ms-documentdb-partitionkey"));
    assertEquals("Incremental feed", r.getHeader("A-IM"));
    assertNoHeader(r, "x-ms-documentdb-partitionkeyrangeid", "If-None-Match", "x-ms-start-epk");
  }

  @Test void aRangeScopedPageSendsOnlyItsRangesSessionToken() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#5,1:-1#8");
    server.enqueue(ranges(TWO_RANGES, "\"m1\""));
    server.enqueue(notModified("\"5\"").setHeader("x-ms-session-token", "0:-1#6"));
    server.enqueue(notModified("\"8\""));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    await(feed.nextPage());
    takePkranges(null);
    takeChanges("0", "0:-1#5");
    await(feed.nextPage());
    takeChanges("1", "1:-1#8");
    assertTrue(client.sessionToken("shop", "orders").contains("0:-1#6"), "response merged");
  }

  @Test void feedRangesAreOpaqueAndScopeTheFeedToOneRange() throws Exception {
    server.enqueue(ranges(TWO_RANGES, "\"m1\""));
    List<String> feedRanges = await(client.feedRanges("shop", "orders"));
    takePkranges(null);
    assertEquals(2, feedRanges.size());
    for (String range : feedRanges) {
      assertTrue(range.matches("[A-Za-z0-9_-]+"), range);
    }
    server.enqueue(changes("\"4\"", "z"));
    server.enqueue(notModified("\"4\""));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().feedRange(feedRanges.get(1))
        .build());
    await(feed.nextPage()); // the map is cached: no second pkranges read
    assertNoHeader(takeChanges("1"), "x-ms-start-epk", "x-ms-end-epk");
    assertFalse(await(feed.nextPage()).hasMoreChanges(), "one range in scope");
    assertEquals("\"4\"", takeChanges("1").getHeader("If-None-Match"));
  }

  @Test void aFeedRangeNarrowerThanItsRangeSendsTheEpkSubRange() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(notModified("\"1\""));
    String half = ChangeFeeds.encodeFeedRange("", "80");
    await(feed(ChangeFeedOptions.builder().feedRange(half).build()).nextPage());
    takePkranges(null);
    RecordedRequest r = takeChanges("0");
    assertEquals("", r.getHeader("x-ms-start-epk"));
    assertEquals("80", r.getHeader("x-ms-end-epk"));
  }

  // --- mode --------------------------------------------------------------------------------------

  @Test void allVersionsAndDeletesSendsTheFullFidelityHeaders() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(notModified("\"6\""));
    server.enqueue(json(200, "{\"Documents\":[{\"previous\":{\"id\":\"a\"},\"metadata\":"
        + "{\"operationType\":\"delete\",\"lsn\":7,\"id\":\"a\"}}],\"_count\":1}")
        .setHeader("etag", "\"7\""));
    ChangeFeed<Map<String, Object>> feed = client.changeFeed("shop", "orders",
        ChangeFeedOptions.builder().startFromNow()
            .mode(ChangeFeedOptions.Mode.ALL_VERSIONS_AND_DELETES).build(), DocumentType.MAP);
    await(feed.nextPage());
    takePkranges(null);
    RecordedRequest r = assertRequest(take(server), "GET", DOCS, "docs", LINK, null);
    assertEquals("Full-Fidelity Feed", r.getHeader("A-IM"));
    assertEquals("2021-09-15", r.getHeader("x-ms-cosmos-changefeed-wire-format-version"));
    assertEquals("*", r.getHeader("If-None-Match"));
    ChangeFeedPage<Map<String, Object>> page = await(feed.nextPage());
    take(server);
    Map<?, ?> metadata = (Map<?, ?>) page.items().get(0).get("metadata");
    assertEquals("delete", metadata.get("operationType"));
    assertEquals(Map.of("id", "a"), page.items().get(0).get("previous"));
  }

  @Test void allVersionsFromTheBeginningOrATimeIsRefusedBeforeSending() {
    IllegalArgumentException beginning = assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder()
            .mode(ChangeFeedOptions.Mode.ALL_VERSIONS_AND_DELETES).build());
    assertTrue(beginning.getMessage().contains("from the beginning"), beginning.getMessage());
    IllegalArgumentException time = assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder().startFrom(Instant.EPOCH)
            .mode(ChangeFeedOptions.Mode.ALL_VERSIONS_AND_DELETES).build());
    assertTrue(time.getMessage().contains("point in time"), time.getMessage());
    assertEquals(0, server.getRequestCount());
  }

  @Test void badOptionsAreRefusedNamingTheArgument() {
    assertEquals("continuationToken == null", assertThrows(NullPointerException.class,
        () -> ChangeFeedOptions.builder().continuationToken(null)).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder().continuationToken("not-a-token").build())
        .getMessage().startsWith("continuationToken is not a change feed token"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder().feedRange("xyz").build())
        .getMessage().startsWith("feedRange is not one of CosmosClient.feedRanges"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder().partitionKey(PartitionKey.of("a"))
            .feedRange(ChangeFeeds.encodeFeedRange("", "FF")).build())
        .getMessage().contains("two scopes"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder().maxItemCount(0)).getMessage().contains("maxItemCount"));
    String latest = new ChangeFeeds.State(ChangeFeedOptions.Mode.LATEST_VERSION,
        ChangeFeedOptions.Start.NOW, null, null,
        List.of(new ChangeFeeds.Position("0", "", "FF", "\"1\"")), 0, 0).encode();
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ChangeFeedOptions.builder().continuationToken(latest)
            .mode(ChangeFeedOptions.Mode.ALL_VERSIONS_AND_DELETES).build())
        .getMessage().contains("LATEST_VERSION"));
    assertThrows(IllegalArgumentException.class, () -> client.changeFeed("", "orders"));
    assertEquals(0, server.getRequestCount());
  }

  // --- failures and splits -----------------------------------------------------------------------

  @Test void aFailedPageKeepsThePositionAndRaises() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"5\"", "a"));
    server.enqueue(error(400, 0, "BadRequest", "nope"));
    server.enqueue(notModified("\"5\""));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    await(feed.nextPage());
    String before = feed.continuationToken();
    CosmosException e = (CosmosException) failure(feed.nextPage());
    assertEquals(400, e.code());
    assertEquals(before, feed.continuationToken());
    await(feed.nextPage());
    takePkranges(null);
    takeChanges("0");
    assertEquals("\"5\"", takeChanges("0").getHeader("If-None-Match"));
    assertEquals("\"5\"", takeChanges("0").getHeader("If-None-Match"), "the same page again");
  }

  @Test void aSplitReplacesTheParentByItsChildrenFromTheParentsEtag() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"5\"", "a"));
    server.enqueue(error(410, 1002, "Gone", "PartitionKeyRange with id '0' doesn't exist"));
    server.enqueue(ranges(SPLIT_CHILDREN, "\"m2\""));
    server.enqueue(changes("\"6\"", "b"));
    server.enqueue(changes("\"7\"", "c"));
    server.enqueue(notModified("\"6\""));
    server.enqueue(notModified("\"7\""));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    List<String> seen = new ArrayList<>(ids(await(feed.nextPage())));
    takePkranges(null);
    takeChanges("0");

    seen.addAll(ids(await(feed.nextPage())));
    assertEquals("\"5\"", takeChanges("0").getHeader("If-None-Match"));
    RecordedRequest refresh = takePkranges("\"m1\""); // at once: a gone range id is not resent
    assertEquals("Incremental feed", refresh.getHeader("A-IM"));
    RecordedRequest left = takeChanges("1");
    assertEquals("\"5\"", left.getHeader("If-None-Match"));
    assertNoHeader(left, "x-ms-start-epk");

    seen.addAll(ids(await(feed.nextPage())));
    assertEquals("\"5\"", takeChanges("2").getHeader("If-None-Match"));
    assertTrue(await(feed.nextPage()).hasMoreChanges());
    assertEquals("\"6\"", takeChanges("1").getHeader("If-None-Match"));
    assertFalse(await(feed.nextPage()).hasMoreChanges());
    assertEquals("\"7\"", takeChanges("2").getHeader("If-None-Match"));
    assertEquals(List.of("a", "b", "c"), seen);
    assertEquals(8, server.getRequestCount(), "one refresh, no resend of the gone range");
  }

  @Test void onePageAtATimeAndACancelledPageDoesNotMoveTheCursor() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"5\"", "a").setHeadersDelay(500, TimeUnit.MILLISECONDS));
    server.enqueue(changes("\"5\"", "a"));
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    CompletableFuture<ChangeFeedPage<Order>> first = feed.nextPage();
    assertTrue(assertThrows(IllegalStateException.class, feed::nextPage).getMessage()
        .contains("still on its way"));
    takePkranges(null);
    assertNoHeader(takeChanges("0"), "If-None-Match");
    first.cancel(true);
    assertNull(feed.continuationToken(), "the cancelled page was not taken");
    ChangeFeedPage<Order> again = null;
    for (int i = 0; i < 1_000 && again == null; i++) {
      try {
        again = await(feed.nextPage());
      } catch (IllegalStateException stillCancelling) {
        Thread.sleep(10); // the cancelled call is still releasing the cursor
      }
    }
    assertNoHeader(takeChanges("0"), "If-None-Match");
    assertEquals(List.of("a"), ids(again));
  }

  // --- publisher and polling ---------------------------------------------------------------------

  @Test void thePublisherFetchesOnlyOnDemandAndCompletesWhenCaughtUp() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"2\"", "a", "b"));
    server.enqueue(notModified("\"2\""));
    LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    feed.subscribe(new Flow.Subscriber<Order>() {
      @Override public void onSubscribe(Flow.Subscription s) {
        subscription[0] = s;
      }

      @Override public void onNext(Order item) {
        signals.add(item.id());
      }

      @Override public void onError(Throwable t) {
        signals.add(t);
      }

      @Override public void onComplete() {
        signals.add("complete");
      }
    });
    assertEquals(0, server.getRequestCount(), "no demand, no request");
    subscription[0].request(1);
    assertEquals("a", signals.poll(10, TimeUnit.SECONDS));
    takePkranges(null);
    takeChanges("0");
    subscription[0].request(1);
    assertEquals("b", signals.poll(10, TimeUnit.SECONDS));
    assertNull(server.takeRequest(QUIET_MS, TimeUnit.MILLISECONDS), "b was already received");
    subscription[0].request(1);
    assertEquals("complete", signals.poll(10, TimeUnit.SECONDS));
    assertEquals("\"2\"", takeChanges("0").getHeader("If-None-Match"));
    assertNull(feed.continuationToken(), "the subscription has its own cursor");
  }

  @Test void pollingHandlesEachPageCheckpointsAndWaitsWhileCaughtUp() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(changes("\"2\"", "a"));
    server.enqueue(notModified("\"2\""));
    server.enqueue(changes("\"3\"", "b"));
    LinkedBlockingQueue<String> handled = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> checkpoints = new LinkedBlockingQueue<>();
    List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    ChangeFeed<Order> feed = feed(ChangeFeedOptions.builder().build());
    ChangeFeed<Order>.Polling polling = feed.poll(page -> {
      threads.add(Thread.currentThread().getName());
      handled.add(page.items().isEmpty() ? "none" : page.items().get(0).id());
    }, Duration.ofMillis(50), checkpoints::add);
    assertEquals("a", handled.poll(10, TimeUnit.SECONDS));
    assertEquals("none", handled.poll(10, TimeUnit.SECONDS));
    assertEquals("b", handled.poll(10, TimeUnit.SECONDS));
    String first = checkpoints.poll(10, TimeUnit.SECONDS);
    checkpoints.poll(10, TimeUnit.SECONDS);
    String third = checkpoints.poll(10, TimeUnit.SECONDS);
    assertTrue(first != null && third != null && !first.equals(third));
    polling.stop();
    await(polling.done());
    takePkranges(null);
    takeChanges("0");
    takeChanges("0");
    assertEquals("\"2\"", takeChanges("0").getHeader("If-None-Match"));
    assertTrue(threads.stream().noneMatch(name -> name.contains("timer")), threads.toString());
  }

  @Test void pollingEndsWithTheFailureOfAPage() throws Exception {
    server.enqueue(ranges(ONE_RANGE, "\"m1\""));
    server.enqueue(error(403, 0, "Forbidden", "no"));
    ChangeFeed<Order>.Polling polling = feed(ChangeFeedOptions.builder().build())
        .poll(page -> { }, Duration.ofMillis(10), token -> { });
    CosmosException e = (CosmosException) failure(polling.done());
    assertEquals(403, e.code());
  }
}
