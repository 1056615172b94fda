package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Queries and the read feed end to end: parameters, pages of {@code maxItemCount}, continuation
 * tokens that resume in a new query object of another client instance, the session token on
 * every page, and the service's errors.
 */
class QueryIT {
  static final int N = 95;
  static String endpoint;
  static CosmosClient client;
  static String db;

  record Doc(String id, String pk, int n) {}

  static final DocumentType<Doc> DOC = DocumentType.of(Doc.class);

  @BeforeAll static void setUp() {
    endpoint = LocalServers.plain();
    client = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("query");
    await(client.createDatabase(db));
    await(client.createContainer(db, "c", "/pk"));
    List<java.util.concurrent.CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      writes.add(client.createDocument(db, "c", new Doc(String.format("d%03d", i), "p" + i % 3,
          i), "p" + i % 3));
    }
    writes.forEach(ItSupport::await);
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(client, db);
    if (client != null) {
      client.close();
    }
  }

  static SqlQuery fromMin(int min) {
    return SqlQuery.of("SELECT * FROM c WHERE c.n >= @min ORDER BY c.n").withParameter("@min",
        min);
  }

  static List<Integer> ns(List<Doc> docs) {
    return docs.stream().map(Doc::n).collect(Collectors.toList());
  }

  static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().collect(Collectors.toList());
  }

  @Test void aParameterisedQueryComesPageByPage() {
    DocumentQuery<Doc> query = client.queryDocuments(db, "c", fromMin(10),
        RequestOptions.builder().maxItemCount(20).build(), DOC);
    assertTrue(query.hasMorePages());
    List<Integer> sizes = new ArrayList<>();
    List<Doc> all = new ArrayList<>();
    while (query.hasMorePages()) {
      Page<Doc> page = await(query.nextPage());
      sizes.add(page.items().size());
      all.addAll(page.items());
      assertEquals(query.hasMorePages(), page.continuationToken() != null, page.toString());
      assertTrue(page.requestCharge() > 0, page.toString());
      assertNotNull(page.sessionToken());
    }
    assertEquals(List.of(20, 20, 20, 20, 5), sizes);
    assertEquals(range(10, N), ns(all));
    assertThrows(NoSuchElementException.class, query::nextPage);
  }

  @Test void aContinuationTokenResumesInANewQueryOfAnotherClient() {
    RequestOptions pages = RequestOptions.builder().maxItemCount(20).build();
    DocumentQuery<Doc> first = client.queryDocuments(db, "c", fromMin(0), pages, DOC);
    await(first.nextPage());
    Page<Doc> second = await(first.nextPage());
    String token = second.continuationToken();
    assertNotNull(token);
    Page<Doc> third = await(first.nextPage());

    // Another process, much later: the token (a string in a "next page" link) and the query.
    try (CosmosClient other = LocalServers.client(endpoint).build()) {
      DocumentQuery<Doc> resumed = other.queryDocuments(db, "c", fromMin(0),
          RequestOptions.builder().maxItemCount(20).continuationToken(token).build(), DOC);
      Page<Doc> again = await(resumed.nextPage());
      assertEquals(ns(third.items()), ns(again.items()));
      assertEquals(range(40, 60), ns(again.items()));
      assertEquals(third.continuationToken(), again.continuationToken());

      // toList and forEach run afresh from the starting token, independently of the cursor.
      CosmosResult<List<Doc>> rest = await(other.queryDocuments(db, "c", fromMin(0),
          RequestOptions.builder().maxItemCount(20).continuationToken(token).build(), DOC)
          .toList());
      assertEquals(range(40, N), ns(rest.data()));
      assertTrue(rest.requestCharge() > 0, rest.toString());
      AtomicInteger seen = new AtomicInteger();
      assertTrue(await(resumed.forEach(doc -> seen.incrementAndGet())).isOk());
      assertEquals(N - 40, seen.get());
    }
  }

  @Test void queriesAsMapsAggregatesAndOnePartition() {
    List<Map<String, Object>> maps = await(client.queryDocuments(db, "c",
        SqlQuery.of("SELECT c.id, c.n FROM c WHERE c.pk = @pk AND c.n < @max")
            .withParameter("@pk", "p1").withParameter("@max", 10),
        RequestOptions.builder().partitionKey("p1").build(), DocumentType.MAP).toList()).data();
    assertEquals(List.of("d001", "d004", "d007"), maps.stream().map(m -> m.get("id"))
        .sorted().collect(Collectors.toList()));

    // The short form's items are any JSON value: a number for SELECT VALUE COUNT(1).
    List<Object> count = await(client.queryDocuments(db, "c", "SELECT VALUE COUNT(1) FROM c")
        .toList()).data();
    assertEquals(1, count.size(), count.toString());
    assertEquals(N, ((Number) count.get(0)).intValue());
    List<Number> typed = await(client.queryDocuments(db, "c",
        SqlQuery.of("SELECT VALUE COUNT(1) FROM c"), RequestOptions.NONE,
        DocumentType.of(Number.class)).toList()).data();
    assertEquals(List.of(N), typed.stream().map(Number::intValue).collect(Collectors.toList()));
    List<Object> objects = await(client.queryDocuments(db, "c",
        SqlQuery.of("SELECT c.id FROM c WHERE c.n = @n").withParameter("@n", 7)).toList())
        .data();
    assertEquals(List.of(Map.of("id", "d007")), objects);

    List<Doc> none = await(client.queryDocuments(db, "c", fromMin(1000), RequestOptions.NONE,
        DOC).toList()).data();
    assertTrue(none.isEmpty());
  }

  @Test void theReadFeedPagesEveryDocument() {
    DocumentQuery<Doc> feed = client.readAllDocuments(db, "c",
        RequestOptions.builder().maxItemCount(30).build(), DOC);
    List<Integer> sizes = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    while (feed.hasMorePages()) {
      Page<Doc> page = await(feed.nextPage());
      sizes.add(page.items().size());
      page.items().forEach(d -> ids.add(d.id()));
    }
    assertEquals(List.of(30, 30, 30, 5), sizes);
    assertEquals(N, ids.stream().distinct().count());
    assertEquals(N, await(client.readAllDocuments(db, "c").toList()).data().size());
  }

  @Test void everyPageCarriesTheSessionToken() {
    String token = client.sessionToken(db, "c");
    assertNotNull(token);
    String future = token.replaceAll("#(\\d+)$", "#999999");
    try (CosmosClient fresh = LocalServers.client(endpoint).build()) {
      CosmosException e = failure(fresh.queryDocuments(db, "c", fromMin(0),
          RequestOptions.builder().sessionToken(future).build(), DOC).nextPage());
      assertEquals(404, e.code());
      assertEquals(1002, e.subStatus());
      Page<Doc> ok = await(fresh.queryDocuments(db, "c", fromMin(0),
          RequestOptions.builder().sessionToken(token).maxItemCount(5).build(), DOC)
          .nextPage());
      assertEquals(range(0, 5), ns(ok.items()));
    }
  }

  @Test void aBadQueryIsA400WithTheServiceMessage() {
    CosmosException e = failure(client.queryDocuments(db, "c", "SELEC * FROM c").nextPage());
    assertEquals(400, e.code());
    assertTrue(e.getMessage().startsWith("POST dbs/" + db + "/colls/c/docs -> 400 Bad Request"),
        e.getMessage());
    assertEquals(400, failure(client.queryDocuments(db, "c", "SELEC * FROM c").toList()).code());
    try (CosmosClient quiet = LocalServers.client(endpoint).raiseOnFailure(false).build()) {
      DocumentQuery<Object> query = quiet.queryDocuments(db, "c", "SELEC * FROM c");
      Page<Object> failed = await(query.nextPage());
      assertEquals("failed", failed.result().status());
      assertTrue(failed.items().isEmpty());
      assertNull(failed.continuationToken());
      assertTrue(query.hasMorePages(), "a failed page leaves the cursor where it was");
      assertFalse(failed.result().isOk());
      // toList and forEach follow raiseOnFailure too: a failed result, not an exception.
      CosmosResult<List<Object>> list = await(query.toList());
      assertEquals("failed", list.status());
      assertEquals(400, list.code());
      CosmosResult<Void> each = await(query.forEach(item -> { }));
      assertEquals(400, each.code());
    }
  }
}
