package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class QueryTest extends MockServerTest {
  static final String DOCS = "/dbs/shop/colls/orders/docs";
  static final String LINK = "dbs/shop/colls/orders";
  /** How long to watch for a request that must not come (prefetch). */
  static final long QUIET_MS = 300;

  record Order(String id, int total) {}

  record Address(String city, List<String> lines) {}

  // --- fixtures --------------------------------------------------------------------------------

  /** A query page of documents {"id": id}, with a continuation unless null. */
  static MockResponse page(String continuation, String... ids) {
    StringBuilder docs = new StringBuilder();
    for (String id : ids) {
      docs.append(docs.length() == 0 ? "" : ",").append("{\"id\":\"").append(id).append("\"}");
    }
    MockResponse response = json(200, "{\"_rid\":\"r1\",\"Documents\":[" + docs + "],\"_count\":"
        + ids.length + "}").setHeader("x-ms-item-count", Integer.toString(ids.length));
    return continuation == null ? response : response.setHeader("x-ms-continuation", continuation);
  }

  static Throwable failure(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> future.get(10, TimeUnit.SECONDS));
    return e.getCause();
  }

  /** Every x-ms-* request header but those assertRequest checks. */
  static Map<String, String> xms(RecordedRequest request) {
    Map<String, String> out = new TreeMap<>();
    for (String name : request.getHeaders().names()) {
      String lower = name.toLowerCase(java.util.Locale.ROOT);
      // Date, version, no-retry-449 and session token are checked by assertRequest.
      if (lower.startsWith("x-ms-") && !lower.equals("x-ms-date") && !lower.equals("x-ms-version")
          && !lower.equals("x-ms-session-token") && !lower.equals("x-ms-noretry-449")
          && !lower.equals("x-ms-cosmos-sdk-supportedcapabilities")) {
        out.put(lower, request.getHeader(name));
      }
    }
    return out;
  }

  static Map<String, String> headers(String... pairs) {
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put(pairs[i], pairs[i + 1]);
    }
    return out;
  }

  /** Asserts a query page request: signed POST to the docs feed with the exact query headers. */
  static RecordedRequest assertQuery(RecordedRequest request, String session, String body,
      Map<String, String> xmsHeaders) {
    assertRequest(request, "POST", DOCS, "docs", LINK, session);
    assertEquals("application/query+json", request.getHeader("Content-Type"));
    assertEquals(xmsHeaders, xms(request));
    assertEquals(body, request.getBody().readUtf8());
    return request;
  }

  static List<String> ids(List<Map<String, Object>> docs) {
    List<String> out = new ArrayList<>();
    docs.forEach(doc -> out.add((String) doc.get("id")));
    return out;
  }

  /** Waits a moment and asserts the server saw exactly {@code expected} requests. */
  void assertRequestCount(int expected) throws InterruptedException {
    Thread.sleep(QUIET_MS);
    assertEquals(expected, server.getRequestCount(), "requests sent so far");
  }

  static final String SELECT = "{\"query\":\"SELECT * FROM c\",\"parameters\":[]}";
  static final Map<String, String> CROSS = headers("x-ms-documentdb-isquery", "True",
      "x-ms-documentdb-query-enablecrosspartition", "True");

  static Map<String, String> cross(String continuation) {
    Map<String, String> out = new TreeMap<>(CROSS);
    out.put("x-ms-continuation", continuation);
    return out;
  }

  // --- SqlQuery --------------------------------------------------------------------------------

  @Test void parametersOfEveryJsonKindAreSentAsJsonValues() throws Exception {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("a", 1);
    object.put("b", null);
    SqlQuery query = SqlQuery.of("SELECT * FROM c WHERE c.name = @s")
        .withParameter("@s", "Ada \"the\" Countess \u00e9")
        .withParameter("@int", 42)
        .withParameter("@long", 9_007_199_254_740_993L)
        .withParameter("@double", 1.5)
        .withParameter("@true", true)
        .withParameter("@null", null)
        .withParameter("@list", List.of("x", 2, false))
        .withParameter("@array", new int[] {1, 2})
        .withParameter("@object", object)
        .withParameter("@record", new Address("Paris", List.of("1 rue", "<b>")));
    server.enqueue(page(null));
    await(client.queryDocuments("shop", "orders", query, RequestOptions.NONE, DocumentType.MAP).nextPage());
    String expected = "{\"query\":\"SELECT * FROM c WHERE c.name = @s\",\"parameters\":["
        + "{\"name\":\"@s\",\"value\":\"Ada \\\"the\\\" Countess \u00e9\"},"
        + "{\"name\":\"@int\",\"value\":42},"
        + "{\"name\":\"@long\",\"value\":9007199254740993},"
        + "{\"name\":\"@double\",\"value\":1.5},"
        + "{\"name\":\"@true\",\"value\":true},"
        + "{\"name\":\"@null\",\"value\":null},"
        + "{\"name\":\"@list\",\"value\":[\"x\",2,false]},"
        + "{\"name\":\"@array\",\"value\":[1,2]},"
        + "{\"name\":\"@object\",\"value\":{\"a\":1,\"b\":null}},"
        + "{\"name\":\"@record\",\"value\":{\"city\":\"Paris\",\"lines\":[\"1 rue\",\"<b>\"]}}]}";
    assertQuery(take(server), null, expected, CROSS);
    assertEquals(expected, new String(query.toBody(), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test void badParameterNamesAndValuesAreRefusedNamingTheParameter() {
    SqlQuery query = SqlQuery.of("SELECT * FROM c WHERE c.a = @a").withParameter("@a", 1);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> query.withParameter("a", 1)).getMessage().contains("\"a\""));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> query.withParameter("@", 1)).getMessage().contains("'@'"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> query.withParameter("@a b", 1)).getMessage().contains("@a b"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> query.withParameter("@a", 2)).getMessage().contains("duplicate parameter @a"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> query.withParameter("@nan", Double.NaN)).getMessage().contains("@nan"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> query.withParameter("@inf", List.of(Double.POSITIVE_INFINITY)))
        .getMessage().contains("@inf"));
    assertThrows(NullPointerException.class, () -> query.withParameter(null, 1));
    assertThrows(IllegalArgumentException.class, () -> SqlQuery.of(" "));
    assertThrows(NullPointerException.class, () -> SqlQuery.of(null));
    Map<String, Object> both = new LinkedHashMap<>();
    both.put("@ok", 1);
    both.put("bad", 2);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> SqlQuery.of("SELECT 1", both)).getMessage().contains("\"bad\""));
  }

  @Test void sqlQueryIsImmutableAndEqualByValue() {
    List<Object> values = new ArrayList<>(List.of(1, 2));
    SqlQuery base = SqlQuery.of("SELECT * FROM c WHERE ARRAY_CONTAINS(@v, c.n)");
    SqlQuery withValues = base.withParameter("@v", values);
    values.add(3); // later changes to the list do not reach the query
    assertEquals(Map.of(), base.parameters());
    assertEquals(Map.of("@v", List.of(1, 2)), withValues.parameters());
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("@v", List.of(1, 2));
    assertEquals(withValues, SqlQuery.of(base.text(), map));
    assertEquals(withValues.hashCode(), SqlQuery.of(base.text(), map).hashCode());
    assertNotEquals(base, withValues);
    assertNotEquals(SqlQuery.of("q").withParameter("@a", 1).withParameter("@b", 2),
        SqlQuery.of("q").withParameter("@b", 2).withParameter("@a", 1));
  }

  // --- one page at a time ------------------------------------------------------------------------

  @Test void nothingIsSentUntilAPageIsAskedForAndEachPageIsOneRequest() throws Exception {
    server.enqueue(page("c1", "a", "b"));
    server.enqueue(page(null, "c"));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    assertRequestCount(0);
    assertTrue(query.hasMorePages());

    Page<Map<String, Object>> first = await(query.nextPage());
    assertRequestCount(1);
    assertEquals(List.of("a", "b"), ids(first.items()));
    assertEquals("c1", first.continuationToken());
    assertEquals(1.5, first.requestCharge());
    assertEquals(200, first.result().code());
    assertEquals(first.items(), first.result().data());
    assertTrue(query.hasMorePages());

    Page<Map<String, Object>> last = await(query.nextPage());
    assertRequestCount(2);
    assertEquals(List.of("c"), ids(last.items()));
    assertNull(last.continuationToken());
    assertFalse(query.hasMorePages());
    assertThrows(NoSuchElementException.class, query::nextPage);

    assertQuery(take(server), null, SELECT, CROSS);
    assertQuery(take(server), null, SELECT, cross("c1"));
  }

  @Test void everyPageSendsTheContainersMergedSessionTokenAndMergesItsOwn() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#10");
    server.enqueue(page("c1", "a").setHeader("x-ms-session-token", "0:-1#12"));
    server.enqueue(page(null, "b").setHeader("x-ms-session-token", "0:-1#15,1:-1#3"));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    Page<Map<String, Object>> first = await(query.nextPage());
    assertEquals("0:-1#12", first.sessionToken());
    assertEquals("0:-1#12", client.sessionToken("shop", "orders"));
    Page<Map<String, Object>> second = await(query.nextPage());
    assertEquals("0:-1#15,1:-1#3", second.sessionToken());
    assertEquals("0:-1#15,1:-1#3", client.sessionToken("shop", "orders"));
    assertQuery(take(server), "0:-1#10", SELECT, CROSS);
    assertQuery(take(server), "0:-1#12", SELECT, cross("c1"));
  }

  @Test void singlePartitionOptionsAreSentOnEveryPage() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#10");
    server.enqueue(page("c1", "a").setHeader("x-ms-session-token", "0:-1#20"));
    server.enqueue(page(null));
    RequestOptions options = RequestOptions.builder().partitionKey("ada").maxItemCount(2)
        .sessionToken("0:-1#5").consistencyLevel(ConsistencyLevel.SESSION).build();
    SqlQuery query = SqlQuery.of("SELECT TOP 3 * FROM c ORDER BY c.total");
    List<Map<String, Object>> all = await(
        client.queryDocuments("shop", "orders", query, options, DocumentType.MAP).toList()).data();
    assertEquals(List.of("a"), ids(all));
    String body = "{\"query\":\"SELECT TOP 3 * FROM c ORDER BY c.total\",\"parameters\":[]}";
    Map<String, String> single = headers("x-ms-documentdb-isquery", "True",
        "x-ms-documentdb-partitionkey", "[\"ada\"]", "x-ms-max-item-count", "2",
        "x-ms-consistency-level", "Session");
    // The caller's token wins on every page; the pages' tokens are still merged.
    assertQuery(take(server), "0:-1#5", body, single);
    Map<String, String> second = new TreeMap<>(single);
    second.put("x-ms-continuation", "c1");
    assertQuery(take(server), "0:-1#5", body, second);
    assertEquals("0:-1#20", client.sessionToken("shop", "orders"));
  }

  @Test void emptyPageWithAContinuationIsNotTheLastPage() throws Exception {
    server.enqueue(page("c1"));
    server.enqueue(page("c2"));
    server.enqueue(page(null, "a"));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    Page<Map<String, Object>> empty = await(query.nextPage());
    assertEquals(List.of(), empty.items());
    assertEquals("c1", empty.continuationToken());
    assertTrue(query.hasMorePages());
    assertEquals(List.of("a"), ids(await(client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c"), RequestOptions.builder().continuationToken("c1").build(), DocumentType.MAP)
        .toList()).data()));
    take(server);
    assertQuery(take(server), null, SELECT, cross("c1"));
    assertQuery(take(server), null, SELECT, cross("c2"));
  }

  @Test void aNewQueryResumesFromAPageTokenExactlyThere() throws Exception {
    String token = "{\"token\":\"+RID:~abc==#RT:1#TRC:2\",\"range\":{\"min\":\"\",\"max\":\"FF\"}}";
    SqlQuery query = SqlQuery.of("SELECT * FROM c WHERE c.total > @min").withParameter("@min", 5);
    String body = "{\"query\":\"SELECT * FROM c WHERE c.total > @min\",\"parameters\":["
        + "{\"name\":\"@min\",\"value\":5}]}";
    server.enqueue(page(token, "a", "b"));
    Page<Map<String, Object>> first =
        await(client.queryDocuments("shop", "orders", query, RequestOptions.NONE, DocumentType.MAP).nextPage());
    assertEquals(token, first.continuationToken());
    assertQuery(take(server), null, body, CROSS);

    // Another process, later: a fresh client and query, given only the token.
    CosmosClient other = track(MockCosmos.client(server));
    server.enqueue(page("next", "c"));
    DocumentQuery<Order> resumed = other.queryDocuments("shop", "orders", query,
        RequestOptions.builder().continuationToken(token).build(), DocumentType.of(Order.class));
    Page<Order> second = await(resumed.nextPage());
    assertEquals(List.of(new Order("c", 0)), second.items());
    assertEquals("next", second.continuationToken());
    assertQuery(take(server), null, body, cross(token));
  }

  @Test void aPageIsRefusedWhileThePreviousOneIsOnItsWay() throws Exception {
    server.enqueue(page("c1", "a").setHeadersDelay(400, TimeUnit.MILLISECONDS));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    CompletableFuture<Page<Map<String, Object>>> first = query.nextPage();
    assertThrows(IllegalStateException.class, query::nextPage);
    assertEquals("c1", await(first).continuationToken());
    assertEquals(1, server.getRequestCount());
  }

  @Test void cancellingAPageLeavesTheCursorWhereItWas() throws Exception {
    server.enqueue(page("c1", "a").setHeadersDelay(300, TimeUnit.MILLISECONDS));
    server.enqueue(page("c9", "a"));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    CompletableFuture<Page<Map<String, Object>>> cancelled = query.nextPage();
    take(server);
    assertTrue(cancelled.cancel(true));
    Thread.sleep(500); // the late response must not move the cursor
    Page<Map<String, Object>> again = await(query.nextPage());
    assertEquals("c9", again.continuationToken());
    assertQuery(take(server), null, SELECT, CROSS); // the first page again, no continuation
  }

  @Test void typedQueryMapsDocumentsThroughGson() throws Exception {
    server.enqueue(json(200, "{\"Documents\":[{\"id\":\"1\",\"total\":7,\"_etag\":\"e\"}]}"));
    List<Order> orders = await(client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.of(Order.class)).toList()).data();
    assertEquals(List.of(new Order("1", 7)), orders);
  }

  // --- failures ----------------------------------------------------------------------------------

  @Test void aFailedPageRaisesAndLeavesTheCursorWhereItWas() throws Exception {
    server.enqueue(page("c1", "a"));
    server.enqueue(error(400, 0, "BadRequest", "bad token"));
    server.enqueue(page(null, "b"));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    await(query.nextPage());
    CosmosException e = assertInstanceOf(CosmosException.class, failure(query.nextPage()));
    assertEquals(400, e.code());
    assertTrue(e.getMessage().startsWith("POST dbs/shop/colls/orders/docs -> 400"),
        e.getMessage());
    assertTrue(query.hasMorePages());
    assertEquals(List.of("b"), ids(await(query.nextPage()).items()));
    take(server);
    assertEquals("c1", take(server).getHeader("x-ms-continuation"));
    assertEquals("c1", take(server).getHeader("x-ms-continuation"));
  }

  @Test void withoutRaisingAFailedPageIsReturnedWithItsResult() throws Exception {
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(page("c1", "a"));
    server.enqueue(error(404, 0, "NotFound", "gone"));
    DocumentQuery<Map<String, Object>> query =
        quiet.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    await(query.nextPage());
    Page<Map<String, Object>> failed = await(query.nextPage());
    assertEquals("failed", failed.result().status());
    assertEquals(404, failed.result().code());
    assertEquals("gone", failed.result().error());
    assertEquals(List.of(), failed.items());
    assertEquals("c1", failed.continuationToken()); // resend it to retry that page
    assertTrue(query.hasMorePages());
    // toList follows the switch like every call: a failed result, not an exception.
    server.enqueue(error(404, 0, "NotFound", "gone"));
    CosmosResult<List<Map<String, Object>>> all = await(quiet.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP).toList());
    assertEquals("failed", all.status());
    assertEquals(404, all.code());
    assertEquals("gone", all.error());
    assertNull(all.data());
  }

  @Test void aRepeatedContinuationTokenFailsInsteadOfLooping() throws Exception {
    server.enqueue(page("A", "a"));
    server.enqueue(page("B", "b"));
    server.enqueue(page("A", "a")); // the service restarted from page 1
    server.enqueue(page("B", "b"));
    Throwable e = failure(client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP).toList());
    assertInstanceOf(IllegalStateException.class, e);
    assertTrue(e.getMessage().contains("repeated continuation token A"), e.getMessage());
    assertRequestCount(3);
  }

  @Test void aTokenRepeatingTheStartingTokenIsCaughtToo() throws Exception {
    server.enqueue(page("start", "a"));
    RecordingSubscriber<Map<String, Object>> subscriber = new RecordingSubscriber<>();
    client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"),
        RequestOptions.builder().continuationToken("start").build(), DocumentType.MAP).subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    subscriber.subscription.request(10);
    // The page's documents are not delivered: they are a replay of documents already seen.
    String end = subscriber.next();
    assertTrue(end.startsWith("error IllegalStateException") && end.contains("repeated"), end);
    assertRequestCount(1);
  }

  @Test void refusedCrossPartitionQueryIsResentOnTheOnlyPartitionKeyRange() throws Exception {
    String body = "{\"query\":\"SELECT VALUE COUNT(1) FROM c\",\"parameters\":[]}";
    server.enqueue(error(400, 1004, "BadRequest",
        "The provided cross partition query can not be directly served by the gateway."));
    server.enqueue(json(200, "{\"_rid\":\"r\",\"PartitionKeyRanges\":[{\"id\":0,"
        + "\"minInclusive\":\"\",\"maxExclusive\":\"FF\"}],\"_count\":1}"));
    server.enqueue(page("c1", "x"));
    server.enqueue(page(null, "y"));
    client.mergeSessionToken("shop", "orders", "0:-1#3");
    DocumentQuery<Map<String, Object>> query = client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT VALUE COUNT(1) FROM c"), RequestOptions.NONE, DocumentType.MAP);
    Page<Map<String, Object>> first = await(query.nextPage());
    assertEquals(List.of("x"), ids(first.items()));
    assertEquals(List.of("y"), ids(await(query.nextPage()).items()));

    assertQuery(take(server), "0:-1#3", body, CROSS);
    RecordedRequest ranges = assertRequest(take(server), "GET",
        "/dbs/shop/colls/orders/pkranges", "pkranges", LINK, null);
    assertEquals(Map.of(), xms(ranges));
    Map<String, String> onRange = new TreeMap<>(CROSS);
    onRange.put("x-ms-documentdb-partitionkeyrangeid", "0");
    assertQuery(take(server), "0:-1#3", body, onRange);
    onRange.put("x-ms-continuation", "c1");
    assertQuery(take(server), "0:-1#3", body, onRange); // remembered; ranges not read again
    assertEquals(4, server.getRequestCount());
  }

  @Test void refusedCrossPartitionQueryOnTwoRangesFailsSayingWhatToDo() throws Exception {
    server.enqueue(error(400, 1004, "BadRequest", "can not be directly served by the gateway")
        .setHeader("x-ms-activity-id", "act-1"));
    server.enqueue(json(200, "{\"PartitionKeyRanges\":[{\"id\":\"0\"},{\"id\":\"1\"}]}"));
    CosmosException e = assertInstanceOf(CosmosException.class, failure(client.queryDocuments(
        "shop", "orders", SqlQuery.of("SELECT * FROM c ORDER BY c.total"), RequestOptions.NONE, DocumentType.MAP).nextPage()));
    assertEquals(400, e.code());
    assertEquals(1004, e.subStatus());
    assertEquals("act-1", e.activityId());
    assertTrue(e.getMessage().contains("the container has 2 partition key ranges"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Give a partition key"), e.getMessage());
    assertTrue(e.getMessage().contains("can not be directly served"), e.getMessage());
    assertRequestCount(2); // no blind retry
    take(server);
    assertRequest(take(server), "GET", "/dbs/shop/colls/orders/pkranges", "pkranges", LINK,
        null);
  }

  @Test void refusedQueryWithoutRaisingGivesAFailedPageWithTheAdvice() throws Exception {
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(error(400, 1004, "BadRequest", "not servable"));
    server.enqueue(json(200, "{\"PartitionKeyRanges\":[{\"id\":\"0\"},{\"id\":\"1\"}]}"));
    server.enqueue(error(400, 1004, "BadRequest", "not servable"));
    DocumentQuery<Map<String, Object>> query =
        quiet.queryDocuments("shop", "orders", SqlQuery.of("SELECT DISTINCT c.a FROM c"), RequestOptions.NONE, DocumentType.MAP);
    Page<Map<String, Object>> page = await(query.nextPage());
    assertEquals(400, page.result().code());
    assertTrue(page.result().error().contains("2 partition key ranges"));
    // Asking again does not read the ranges again.
    Page<Map<String, Object>> again = await(query.nextPage());
    assertTrue(again.result().error().contains("2 partition key ranges"));
    assertRequestCount(3);
  }

  @Test void aQueryWithAPartitionKeyIsNeverResentOnARange() throws Exception {
    server.enqueue(error(400, 1004, "BadRequest", "not servable"));
    CosmosException e = assertInstanceOf(CosmosException.class, failure(client.queryDocuments(
        "shop", "orders", SqlQuery.of("SELECT * FROM c"),
        RequestOptions.builder().partitionKey(5).build(), DocumentType.MAP).nextPage()));
    assertEquals(1004, e.subStatus());
    assertRequestCount(1);
  }

  // --- Publisher, forEach, toList ----------------------------------------------------------------

  /** Records signals as text and checks they are never concurrent. */
  static final class RecordingSubscriber<T> implements Flow.Subscriber<T> {
    final LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
    final AtomicInteger active = new AtomicInteger();
    volatile Flow.Subscription subscription;
    volatile boolean overlapped;

    private void enter(String signal) {
      if (active.incrementAndGet() != 1) {
        overlapped = true;
      }
      signals.add(signal);
      active.decrementAndGet();
    }

    @Override public void onSubscribe(Flow.Subscription s) {
      if (subscription != null) {
        overlapped = true;
      }
      subscription = s;
      enter("subscribed");
    }

    @Override public void onNext(T item) {
      Object id = item instanceof Map ? ((Map<?, ?>) item).get("id") : item;
      enter("next " + id);
    }

    @Override public void onError(Throwable e) {
      enter("error " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    @Override public void onComplete() {
      enter("complete");
    }

    String next() throws InterruptedException {
      String signal = signals.poll(10, TimeUnit.SECONDS);
      assertTrue(signal != null, "no signal arrived");
      assertFalse(overlapped, "signals overlapped");
      return signal;
    }

    void assertQuiet() throws InterruptedException {
      assertNull(signals.poll(QUIET_MS, TimeUnit.MILLISECONDS));
    }
  }

  @Test void nullValuesFromSelectValueAreListedAndThePublisherSaysWhyItCannotEmitThem()
      throws Exception {
    String body = "{\"Documents\":[1,null,3],\"_count\":3}";
    server.enqueue(json(200, body));
    server.enqueue(json(200, body));
    SqlQuery query = SqlQuery.of("SELECT VALUE c.n FROM c");
    List<Object> values = await(client.queryDocuments("shop", "orders", query,
        RequestOptions.NONE, DocumentType.of(Object.class)).toList()).data();
    assertEquals(java.util.Arrays.asList(1, null, 3), values);
    RecordingSubscriber<Object> subscriber = new RecordingSubscriber<>();
    client.queryDocuments("shop", "orders", query, RequestOptions.NONE, DocumentType.of(Object.class))
        .subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    subscriber.subscription.request(10);
    String signal = subscriber.next();
    assertTrue(signal.startsWith("error IllegalStateException: the query returned a JSON null"),
        signal);
    subscriber.assertQuiet();
  }

  @Test void aPageFutureCompletedFromOutsideLeavesTheCursorWhereItWas() throws Exception {
    server.enqueue(page("c1", "a").setBodyDelay(500, TimeUnit.MILLISECONDS));
    server.enqueue(page("c1", "a"));
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    CompletableFuture<Page<Map<String, Object>>> first = query.nextPage();
    first.completeOnTimeout(null, 50, TimeUnit.MILLISECONDS); // the caller gave up on it
    assertNull(await(first));
    Page<Map<String, Object>> again = null;
    for (int i = 0; i < 100 && again == null; i++) {
      try {
        again = await(query.nextPage());
      } catch (IllegalStateException stillOnItsWay) {
        Thread.sleep(20);
      }
    }
    // The abandoned page was not taken: asking again asks for the same page (no continuation).
    assertEquals(List.of("a"), ids(again.items()));
    take(server);
    assertNull(take(server).getHeader("x-ms-continuation"));
  }

  @Test void publisherFetchesAPageOnlyWhenDemandNeedsIt() throws Exception {
    server.enqueue(page("c1", "a", "b"));
    server.enqueue(page("c2"));
    server.enqueue(page("c3", "c"));
    server.enqueue(page(null, "d"));
    RecordingSubscriber<Map<String, Object>> subscriber = new RecordingSubscriber<>();
    DocumentQuery<Map<String, Object>> query =
        client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP);
    query.subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    assertRequestCount(0);

    subscriber.subscription.request(1);
    assertEquals("next a", subscriber.next());
    subscriber.assertQuiet();
    assertRequestCount(1);

    subscriber.subscription.request(1); // served from the page already here
    assertEquals("next b", subscriber.next());
    subscriber.assertQuiet();
    assertRequestCount(1);

    subscriber.subscription.request(1); // the empty page is skipped over while demand remains
    assertEquals("next c", subscriber.next());
    subscriber.assertQuiet();
    assertRequestCount(3);

    subscriber.subscription.request(5);
    assertEquals("next d", subscriber.next());
    assertEquals("complete", subscriber.next());
    subscriber.assertQuiet();
    assertRequestCount(4);

    assertQuery(take(server), null, SELECT, CROSS);
    assertQuery(take(server), null, SELECT, cross("c1"));
    assertQuery(take(server), null, SELECT, cross("c2"));
    assertQuery(take(server), null, SELECT, cross("c3"));
  }

  @Test void cancellingTheSubscriptionStopsPaging() throws Exception {
    server.enqueue(page("c1", "a", "b"));
    server.enqueue(page(null, "c"));
    RecordingSubscriber<Map<String, Object>> subscriber = new RecordingSubscriber<>();
    client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP)
        .subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    subscriber.subscription.request(1);
    assertEquals("next a", subscriber.next());
    subscriber.subscription.cancel();
    subscriber.subscription.request(10);
    subscriber.assertQuiet();
    assertRequestCount(1);
  }

  @Test void cancellingWhileAPageIsOnItsWaySignalsNothingMore() throws Exception {
    server.enqueue(page("c1", "a").setHeadersDelay(300, TimeUnit.MILLISECONDS));
    server.enqueue(page(null, "b"));
    RecordingSubscriber<Map<String, Object>> subscriber = new RecordingSubscriber<>();
    client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP)
        .subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    subscriber.subscription.request(10);
    take(server); // the first page request is on its way
    subscriber.subscription.cancel();
    Thread.sleep(500);
    subscriber.assertQuiet();
    assertRequestCount(1);
  }

  @Test void nonPositiveRequestEndsInIllegalArgumentWithoutPaging() throws Exception {
    RecordingSubscriber<Map<String, Object>> subscriber = new RecordingSubscriber<>();
    client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP)
        .subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    subscriber.subscription.request(0);
    String signal = subscriber.next();
    assertTrue(signal.startsWith("error IllegalArgumentException") && signal.contains("3.9"),
        signal);
    subscriber.subscription.request(1);
    subscriber.assertQuiet();
    assertRequestCount(0);
    assertThrows(NullPointerException.class, () -> client.queryDocuments("shop", "orders",
        SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP).subscribe(null));
  }

  @Test void nothingIsSignalledInsideOnSubscribeEvenWhenItRequests() throws Exception {
    server.enqueue(page(null, "a"));
    List<String> signals = new ArrayList<>();
    boolean[] insideOnSubscribe = {false};
    boolean[] signalledInside = {false};
    CompletableFuture<Void> done = new CompletableFuture<>();
    client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP).subscribe(
        new Flow.Subscriber<Map<String, Object>>() {
          @Override public void onSubscribe(Flow.Subscription s) {
            insideOnSubscribe[0] = true;
            s.request(-1);
            insideOnSubscribe[0] = false;
          }

          @Override public void onNext(Map<String, Object> item) {
            signals.add("next");
          }

          @Override public void onError(Throwable e) {
            signalledInside[0] = insideOnSubscribe[0];
            signals.add("error");
            done.complete(null);
          }

          @Override public void onComplete() {
            signals.add("complete");
            done.complete(null);
          }
        });
    await(done);
    assertEquals(List.of("error"), signals);
    assertFalse(signalledInside[0]);
  }

  @Test void publisherFailsWithCosmosExceptionEvenWithoutRaising() throws Exception {
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(page("c1", "a"));
    server.enqueue(error(429, 3200, "TooManyRequests", "slow down")
        .setHeader("x-ms-retry-after-ms", "1"));
    server.enqueue(error(500, 0, "InternalServerError", "boom"));
    server.enqueue(error(500, 0, "InternalServerError", "boom"));
    RecordingSubscriber<Map<String, Object>> subscriber = new RecordingSubscriber<>();
    quiet.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP).subscribe(subscriber);
    assertEquals("subscribed", subscriber.next());
    subscriber.subscription.request(Long.MAX_VALUE);
    assertEquals("next a", subscriber.next());
    String end = subscriber.next();
    assertTrue(end.startsWith("error CosmosException: POST dbs/shop/colls/orders/docs -> 500"),
        end);
    subscriber.assertQuiet();
  }

  @Test void forEachHandsOverEveryDocumentPageByPage() throws Exception {
    server.enqueue(page("c1", "a", "b"));
    server.enqueue(page(null, "c"));
    List<String> seen = new ArrayList<>();
    int[] requestsWhenSeen = new int[3];
    await(client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP)
        .forEach(doc -> {
          requestsWhenSeen[seen.size()] = server.getRequestCount();
          seen.add((String) doc.get("id"));
        }));
    assertEquals(List.of("a", "b", "c"), seen);
    assertEquals("[1, 1, 2]", Arrays.toString(requestsWhenSeen)); // no page fetched ahead
  }

  @Test void forEachStopsWhenTheActionThrows() throws Exception {
    server.enqueue(page("c1", "a", "b"));
    server.enqueue(page(null, "c"));
    List<String> seen = new ArrayList<>();
    Throwable e = failure(client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"), RequestOptions.NONE, DocumentType.MAP)
        .forEach(doc -> {
          seen.add((String) doc.get("id"));
          throw new IllegalStateException("stop at " + doc.get("id"));
        }));
    assertEquals("stop at a", e.getMessage());
    assertEquals(List.of("a"), seen);
    assertRequestCount(1);
  }

  // --- read feed, databases, containers ----------------------------------------------------------

  @Test void readAllDocumentsPagesTheReadFeed() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#4");
    server.enqueue(json(200, "{\"Documents\":[{\"id\":\"1\",\"total\":3}]}")
        .setHeader("x-ms-continuation", "f1").setHeader("x-ms-session-token", "0:-1#6"));
    server.enqueue(json(200, "{\"Documents\":[{\"id\":\"2\",\"total\":4}]}"));
    DocumentQuery<Order> feed = client.readAllDocuments("shop", "orders",
        RequestOptions.builder().partitionKey("ada").maxItemCount(1).build(), DocumentType.of(Order.class));
    assertRequestCount(0);
    assertEquals(List.of(new Order("1", 3)), await(feed.nextPage()).items());
    assertEquals(List.of(new Order("2", 4)), await(feed.nextPage()).items());
    assertFalse(feed.hasMorePages());
    RecordedRequest first = assertRequest(take(server), "GET", DOCS, "docs", LINK, "0:-1#4");
    assertEquals(headers("x-ms-documentdb-partitionkey", "[\"ada\"]", "x-ms-max-item-count", "1"),
        xms(first));
    assertNull(first.getHeader("Content-Type"));
    RecordedRequest second = assertRequest(take(server), "GET", DOCS, "docs", LINK, "0:-1#6");
    assertEquals(headers("x-ms-documentdb-partitionkey", "[\"ada\"]", "x-ms-max-item-count", "1",
        "x-ms-continuation", "f1"), xms(second));
  }

  @Test void readAllDocumentsAcrossPartitionsSendsNoScopeHeader() throws Exception {
    server.enqueue(page(null, "a"));
    assertEquals(List.of("a"), ids(await(client.readAllDocuments("shop", "orders").toList()).data()));
    RecordedRequest request = assertRequest(take(server), "GET", DOCS, "docs", LINK, null);
    assertEquals(Map.of(), xms(request));
  }

  @Test void listDatabasesFollowsTheContinuationAcrossPages() throws Exception {
    server.enqueue(json(200, "{\"Databases\":[{\"id\":\"a\"}]}").setHeader("x-ms-continuation",
        "d1"));
    server.enqueue(json(200, "{\"Databases\":[]}").setHeader("x-ms-continuation", "d2"));
    server.enqueue(json(200, "{\"Databases\":[{\"id\":\"b\"},{\"id\":\"c\"}]}")
        .setHeader("x-ms-request-charge", "2"));
    CosmosResult<List<Map<String, Object>>> result = await(client.listDatabases());
    assertEquals(List.of("a", "b", "c"), ids(result.data()));
    assertEquals(5.0, result.requestCharge());
    assertNull(result.continuation());
    assertEquals("ok", result.get("status"));
    assertEquals(Map.of(), xms(assertRequest(take(server), "GET", "/dbs", "dbs", "", null)));
    assertEquals(headers("x-ms-continuation", "d1"),
        xms(assertRequest(take(server), "GET", "/dbs", "dbs", "", null)));
    assertEquals(headers("x-ms-continuation", "d2"),
        xms(assertRequest(take(server), "GET", "/dbs", "dbs", "", null)));
  }

  @Test void listContainersFollowsTheContinuationAndAFailedPageFailsTheCall() throws Exception {
    server.enqueue(json(200, "{\"DocumentCollections\":[{\"id\":\"a\"}]}")
        .setHeader("x-ms-continuation", "k1"));
    server.enqueue(json(200, "{\"DocumentCollections\":[{\"id\":\"b\"}]}"));
    assertEquals(List.of("a", "b"), ids(await(client.listContainers("shop")).data()));
    assertRequest(take(server), "GET", "/dbs/shop/colls", "colls", "dbs/shop", null);
    assertEquals("k1", assertRequest(take(server), "GET", "/dbs/shop/colls", "colls", "dbs/shop",
        null).getHeader("x-ms-continuation"));

    server.enqueue(json(200, "{\"DocumentCollections\":[{\"id\":\"a\"}]}")
        .setHeader("x-ms-continuation", "k1"));
    server.enqueue(error(403, 0, "Forbidden", "no"));
    CosmosException e = assertInstanceOf(CosmosException.class,
        failure(client.listContainers("shop")));
    assertEquals(403, e.code());
    CosmosClient quiet = track(MockCosmos.client(server).raiseOnFailure(false));
    server.enqueue(error(403, 0, "Forbidden", "no"));
    CosmosResult<List<Map<String, Object>>> failed = await(quiet.listContainers("shop"));
    assertEquals("failed", failed.status());
    assertNull(failed.data());
  }

  @Test void queryDatabasesAndContainersPostTheQueryWithoutASessionToken() throws Exception {
    client.mergeSessionToken("shop", "orders", "0:-1#9");
    SqlQuery byId = SqlQuery.of("SELECT * FROM root r WHERE r.id = @id").withParameter("@id", "x");
    String body = "{\"query\":\"SELECT * FROM root r WHERE r.id = @id\",\"parameters\":["
        + "{\"name\":\"@id\",\"value\":\"x\"}]}";
    server.enqueue(json(200, "{\"Databases\":[]}").setHeader("x-ms-continuation", "q1"));
    server.enqueue(json(200, "{\"Databases\":[{\"id\":\"x\"}]}"));
    server.enqueue(json(200, "{\"DocumentCollections\":[{\"id\":\"x\"}]}"));
    assertEquals(List.of("x"), ids(await(client.queryDatabases(byId)).data()));
    assertEquals(List.of("x"), ids(await(client.queryContainers("shop", byId)).data()));

    RecordedRequest first = assertRequest(take(server), "POST", "/dbs", "dbs", "", null);
    assertEquals("application/query+json", first.getHeader("Content-Type"));
    assertEquals(headers("x-ms-documentdb-isquery", "True"), xms(first));
    assertEquals(body, first.getBody().readUtf8());
    RecordedRequest second = assertRequest(take(server), "POST", "/dbs", "dbs", "", null);
    assertEquals(headers("x-ms-documentdb-isquery", "True", "x-ms-continuation", "q1"),
        xms(second));
    assertEquals(body, second.getBody().readUtf8());
    RecordedRequest colls = assertRequest(take(server), "POST", "/dbs/shop/colls", "colls",
        "dbs/shop", null);
    assertEquals("application/query+json", colls.getHeader("Content-Type"));
    assertEquals(headers("x-ms-documentdb-isquery", "True"), xms(colls));
    assertEquals(body, colls.getBody().readUtf8());
  }

  @Test void badQueryArgumentsFailBeforeAnyRequest() throws Exception {
    SqlQuery select = SqlQuery.of("SELECT * FROM c");
    assertThrows(NullPointerException.class,
        () -> client.queryDocuments("shop", "orders", null, RequestOptions.NONE, DocumentType.MAP));
    assertThrows(NullPointerException.class,
        () -> client.queryDocuments("shop", "orders", select, (RequestOptions) null, DocumentType.MAP));
    assertThrows(IllegalArgumentException.class,
        () -> client.queryDocuments("shop", "a/b", select, RequestOptions.NONE, DocumentType.MAP));
    assertThrows(IllegalArgumentException.class, () -> RequestOptions.builder().maxItemCount(0));
    assertThrows(IllegalArgumentException.class,
        () -> RequestOptions.builder().continuationToken(" "));
    assertThrows(NullPointerException.class, () -> RequestOptions.builder().partitionKey(null));
    assertEquals(-1, RequestOptions.builder().maxItemCount(-1).build().maxItemCount());
    DocumentQuery<Map<String, Object>> query = client.queryDocuments("shop", "orders", select, RequestOptions.NONE, DocumentType.MAP);
    client.close();
    assertThrows(IllegalStateException.class, query::nextPage);
    assertThrows(IllegalStateException.class, () -> client.readAllDocuments("shop", "orders"));
    assertRequestCount(0);
  }
}
