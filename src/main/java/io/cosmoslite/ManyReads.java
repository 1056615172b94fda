package io.cosmoslite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Many point reads in few requests, as the SDKs' {@code readMany}: the (id, key) pairs are
 * grouped by partition key range, and each group of two or more is one query on that range
 * ({@code WHERE (c.id = @i0 AND c.pk = @k0) OR ...}, the values as parameters, up to 100 pairs
 * a query); a group of one stays a point read. Results come back in input order, one per pair:
 * the document, or a 404 for one that does not exist.
 *
 * <p>A group query that fails is not turned into one point read per pair (a hundred requests
 * to a service that is already struggling), except where the query itself is refused (400: a
 * service without that query shape). A failure without an answer (a transport error, the
 * call's time limit) or with a status worth waiting out (408, 429 once the call's own retries
 * are spent, 449, 503, 404/1002) asks the same query again, at most {@value #QUERY_RETRIES}
 * more times (each a whole call, with the pipeline's own retries and waits inside); then every
 * pair of the group gets that failure. A gone range (410) re-reads the partition map from the
 * map that routed the group and regroups its pairs by the new one, at most {@value #MAX_GONE}
 * times. Any other failure is every pair's result. The query's charge and retries are counted
 * once, on the group's first pair.
 *
 * <p>Each step is composed with {@link Pipeline#compose} (and the groups joined with
 * {@link #all}), so completing or cancelling the returned future stops the queries and reads in
 * flight.
 */
final class ManyReads {
  private static final int PER_QUERY = 100;
  /** More calls of a group query after one that failed retriably (not counting its retries). */
  static final int QUERY_RETRIES = 2;
  /** Regroupings of a group after its range is gone. */
  static final int MAX_GONE = 3;
  private static final Object UNDEFINED = PartitionKey.UNDEFINED.values().get(0);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final CosmosClient client;
  private final String database;
  private final String container;
  private final List<BulkItem> items;
  private final RequestOptions options;
  private final AtomicReferenceArray<CosmosResult<Map<String, Object>>> results;
  /** Set once the container is read: its key definition and paths. */
  private volatile ContainerCache.Container definition;

  ManyReads(CosmosClient client, String database, String container, List<BulkItem> items,
      RequestOptions options) {
    this.client = client;
    this.database = database;
    this.container = container;
    this.options = Objects.requireNonNull(options, "options == null");
    Containers.link(database, container);
    this.items = new ArrayList<>(Objects.requireNonNull(items, "items == null"));
    for (int i = 0; i < this.items.size(); i++) {
      BulkItem item = Objects.requireNonNull(this.items.get(i), "items contains null");
      if (!(item.document() instanceof String) || item.keyFromDocument()
          || item.rawKey() == BulkItem.NULL_KEY) {
        throw new IllegalArgumentException("item " + i + " must be BulkItem.of(id, partitionKey)");
      }
      Names.id((String) item.document(), "document id");
      PartitionKey.from(item.rawKey());
    }
    this.results = new AtomicReferenceArray<>(this.items.size());
  }

  CompletableFuture<BulkResult> run() {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(result());
    }
    // A dependent of the cache's copies: cancelling it never cancels a shared map future.
    CompletableFuture<PartitionKeyRanges> map = client.containers.container(database, container)
        .thenCombine(client.containers.ranges(database, container), (c, ranges) -> {
          definition = c;
          return ranges;
        })
        .exceptionally(unreadable -> null);
    List<Integer> everyPair = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      everyPair.add(i);
    }
    return Pipeline.compose(Pipeline.compose(map, ranges -> ranges == null
            // No map: point reads need none (the gateway routes them by key).
            ? pointReads(everyPair)
            : readGroups(everyPair, ranges, 0)),
        done -> CompletableFuture.completedFuture(result()));
  }

  /** Reads these pairs by {@code ranges}: one query per range and 100 pairs. */
  private CompletableFuture<Void> readGroups(List<Integer> pairs, PartitionKeyRanges ranges,
      int gone) {
    Map<String, List<Integer>> byRange = new LinkedHashMap<>();
    for (int i : pairs) {
      String epk = EffectivePartitionKey.of(PartitionKey.from(items.get(i).rawKey()),
          definition.definition);
      byRange.computeIfAbsent(ranges.rangeFor(epk).id, id -> new ArrayList<>()).add(i);
    }
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> range : byRange.entrySet()) {
      List<Integer> group = range.getValue();
      for (int from = 0; from < group.size(); from += PER_QUERY) {
        List<Integer> part = group.subList(from, Math.min(group.size(), from + PER_QUERY));
        all.add(part.size() == 1 ? pointReads(part)
            : query(part, range.getKey(), ranges, gone, 0));
      }
    }
    return all(all);
  }

  /** One group's query on its range, and what its failure turns into. */
  private CompletableFuture<Void> query(List<Integer> group, String rangeId,
      PartitionKeyRanges ranges, int gone, int retries) {
    CosmosRequest request = Feeds.queryDocuments(database, container, text(group), options,
        new Documents.Reads(null, null))
        .withHeaders(Map.of("x-ms-documentdb-partitionkeyrangeid", rangeId));
    CompletableFuture<CosmosResult<List<Map<String, Object>>>> answer;
    try {
      answer = new DocumentQuery<Map<String, Object>>(client, request, "Documents", Json.MAP,
          null, null).allPages();
    } catch (IllegalStateException closed) { // the client was closed meanwhile
      failed(group, Results.notSent(closed.getMessage(), closed));
      return DONE;
    }
    return Pipeline.compose(answer, all -> {
      if (all.isOk()) {
        found(group, all);
        return DONE;
      }
      int code = all.code();
      if (code == 410) {
        if (gone >= MAX_GONE) {
          failed(group, all);
          return DONE;
        }
        // The map that routed this group, not the one cached now: another group's refresh
        // must not make the new map look stale and read it again.
        CompletableFuture<PartitionKeyRanges> fresh = client.containers
            .refreshRanges(database, container, ranges).exceptionally(unreadable -> null);
        return Pipeline.compose(fresh, map -> {
          if (map == null) {
            failed(group, all);
            return DONE;
          }
          return readGroups(group, map, gone + 1);
        });
      }
      if (code == 400) {
        return pointReads(group); // the query itself refused: read the pairs one by one
      }
      if (retriable(all) && retries < QUERY_RETRIES) {
        return query(group, rangeId, ranges, gone, retries + 1);
      }
      failed(group, all);
      return DONE;
    });
  }

  /** No answer, or one worth asking again for after the call's own retries. */
  private static boolean retriable(CosmosResult<?> failure) {
    switch (failure.code()) {
      case 0:
      case 408:
      case 429:
      case 449:
      case 503:
        return true;
      case 404:
        return failure.subStatus() == 1002;
      default:
        return false;
    }
  }

  /** {@code SELECT * FROM c WHERE (c.id = @i0 AND c["pk"] = @k0_0) OR ...} for the group. */
  private SqlQuery text(List<Integer> group) {
    List<String> paths = definition.paths;
    StringBuilder where = new StringBuilder();
    Map<String, Object> parameters = new LinkedHashMap<>();
    for (int n = 0; n < group.size(); n++) {
      BulkItem item = items.get(group.get(n));
      where.append(n == 0 ? "" : " OR ").append("(c.id = @i").append(n);
      parameters.put("@i" + n, item.document());
      List<Object> values = PartitionKey.from(item.rawKey()).values();
      for (int p = 0; p < paths.size() && p < values.size(); p++) {
        String property = property(paths.get(p));
        Object value = values.get(p);
        if (value == UNDEFINED) {
          where.append(" AND NOT IS_DEFINED(").append(property).append(')');
        } else {
          where.append(" AND ").append(property).append(" = @k").append(n).append('_').append(p);
          parameters.put("@k" + n + "_" + p, value);
        }
      }
      where.append(')');
    }
    return SqlQuery.of("SELECT * FROM c WHERE " + where, parameters);
  }

  /** Each pair of an answered group: its document, or a 404. */
  private void found(List<Integer> group, CosmosResult<List<Map<String, Object>>> all) {
    List<String> paths = definition.paths;
    Map<String, Map<String, Object>> found = new HashMap<>();
    for (Map<String, Object> doc : all.data()) {
      found.put(doc.get("id") + "\n" + BulkWriter.partitionKeyOf(doc, paths).header(), doc);
    }
    Map<String, String> charged = headers(all, true);
    Map<String, String> free = headers(all, false);
    boolean first = true;
    for (int index : group) {
      BulkItem item = items.get(index);
      Map<String, Object> doc = found.get(item.document() + "\n"
          + PartitionKey.from(item.rawKey()).header());
      Map<String, String> headers = first ? charged : free;
      first = false;
      results.set(index, doc != null
          ? Results.success(200, doc, headers, null, null)
          : Results.serviceError(404, Json.toBytes(Map.of("code", "NotFound", "message",
              "no document with this id and partition key")), headers, null, false, null));
    }
  }

  /** Each pair of a group whose query failed: that failure (charge and retries counted once). */
  private void failed(List<Integer> group, CosmosResult<?> failure) {
    Map<String, String> charged = headers(failure, true);
    Map<String, String> free = headers(failure, false);
    boolean first = true;
    for (int index : group) {
      results.set(index, Results.partOf(failure, first ? charged : free, first));
      first = false;
    }
  }

  /** The answer's headers; its charge only on the group's first pair. */
  private static Map<String, String> headers(CosmosResult<?> answer, boolean first) {
    if (first) {
      return answer.headers();
    }
    return new HeaderMap.Builder(answer.headers().size()).putAll(answer.headers())
        .put("x-ms-request-charge", "0").build();
  }

  private CompletableFuture<Void> pointReads(List<Integer> indexes) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int index : indexes) {
      BulkItem item = items.get(index);
      CosmosRequest request = Documents.read(database, container, (String) item.document(),
          item.rawKey(), options, new Documents.Reads(null, null));
      // Through the pipeline, not client.run: after close() it answers "not sent", not throws.
      all.add(Pipeline.compose(client.pipeline.execute(request, CosmosClient::map), r -> {
        results.set(index, r);
        return DONE;
      }));
    }
    return all(all);
  }

  /**
   * Completes when every part has (exceptionally with the first failure, once all are done);
   * completed or cancelled from outside, it cancels the parts still running.
   */
  static CompletableFuture<Void> all(List<CompletableFuture<Void>> parts) {
    CompletableFuture<Void> out = new CompletableFuture<>();
    CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
      if (e != null) {
        out.completeExceptionally(Pipeline.unwrap(e));
      } else {
        out.complete(null);
      }
    });
    out.whenComplete((v, e) -> {
      for (CompletableFuture<Void> part : parts) {
        if (!part.isDone()) {
          part.cancel(true);
        }
      }
    });
    return out;
  }

  private BulkResult result() {
    List<BulkResult.Entry> entries = new ArrayList<>();
    long ok = 0;
    long bad = 0;
    long retries = 0;
    double charge = 0;
    for (int i = 0; i < results.length(); i++) {
      CosmosResult<Map<String, Object>> r = results.get(i);
      BulkItem item = items.get(i);
      entries.add(new BulkResult.Entry(i, (String) item.document(),
          PartitionKey.from(item.rawKey()), r));
      if (r.isOk()) {
        ok++;
      } else {
        bad++;
      }
      retries += r.retryCount();
      charge += r.requestCharge();
    }
    return new BulkResult(entries, new BulkOperation.Progress(items.size(), items.size(), ok,
        bad, 0, retries, charge), false, null);
  }

  /** {@code /a/b} → {@code c["a"]["b"]}. */
  private static String property(String path) {
    StringBuilder out = new StringBuilder("c");
    for (String segment : BulkWriter.segments(path)) {
      out.append('[').append(Json.GSON.toJson(segment)).append(']');
    }
    return out.toString();
  }
}
