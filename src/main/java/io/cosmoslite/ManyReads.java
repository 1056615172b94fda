package io.cosmoslite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Many point reads in few requests, as the SDKs' {@code readMany}: the (id, key) pairs are
 * grouped by partition key range, and each group of two or more is one query on that range
 * ({@code WHERE (c.id = @i0 AND c.pk = @k0) OR ...}, the values as parameters, up to 100 pairs
 * a query); a group of one stays a point read. Results come back in input order, one per pair:
 * the document, or a 404 for one that does not exist. A group whose query fails (or whose range
 * is gone) is read again one point read per pair.
 */
final class ManyReads {
  private static final int PER_QUERY = 100;
  private static final Object UNDEFINED = PartitionKey.UNDEFINED.values().get(0);

  private final CosmosClient client;
  private final String database;
  private final String container;
  private final List<BulkItem> items;
  private final RequestOptions options;
  private final List<CosmosResult<Map<String, Object>>> results;
  /** Set once the map is read: each pair's range, and the container's key paths. */
  private Map<Integer, String> rangeIds;
  private List<String> paths;

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
    this.results = new ArrayList<>(java.util.Collections.nCopies(this.items.size(), null));
  }

  CompletableFuture<BulkResult> run() {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(result());
    }
    return client.containers.container(database, container)
        .thenCombine(client.containers.ranges(database, container), this::groups)
        .thenCompose(groups -> {
          List<CompletableFuture<Void>> all = new ArrayList<>();
          for (List<Integer> group : groups) {
            for (int from = 0; from < group.size(); from += PER_QUERY) {
              all.add(read(group.subList(from, Math.min(group.size(), from + PER_QUERY))));
            }
          }
          return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
        })
        .exceptionally(noMap -> null) // unreadable map: the point reads below cover every pair
        .thenCompose(done -> pointReads(missing()))
        .thenApply(done -> result());
  }

  /** Input positions grouped by range (and the range id kept for the query). */
  private List<List<Integer>> groups(ContainerCache.Container definition,
      PartitionKeyRanges ranges) {
    Map<String, List<Integer>> byRange = new LinkedHashMap<>();
    rangeIds = new HashMap<>();
    paths = definition.paths;
    for (int i = 0; i < items.size(); i++) {
      String epk = EffectivePartitionKey.of(PartitionKey.from(items.get(i).rawKey()),
          definition.definition);
      String rangeId = ranges.rangeFor(epk).id;
      byRange.computeIfAbsent(rangeId, id -> new ArrayList<>()).add(i);
      rangeIds.put(i, rangeId);
    }
    return new ArrayList<>(byRange.values());
  }

  private CompletableFuture<Void> read(List<Integer> group) {
    if (group.size() == 1) {
      return pointReads(group);
    }
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
    SqlQuery text = SqlQuery.of("SELECT * FROM c WHERE " + where, parameters);
    CosmosRequest request = Feeds.queryDocuments(database, container, text, options,
        new Documents.Reads(null, null)).withHeaders(Map.of(
            "x-ms-documentdb-partitionkeyrangeid", rangeIds.get(group.get(0))));
    return new DocumentQuery<Map<String, Object>>(client, request, "Documents", Json.MAP, null,
        null).allPages().thenAccept(all -> {
          if (!all.isOk()) {
            return; // left missing: read one by one below
          }
          Map<String, Map<String, Object>> found = new HashMap<>();
          for (Map<String, Object> doc : all.data()) {
            found.put(doc.get("id") + "\n" + BulkWriter.partitionKeyOf(doc, paths).header(), doc);
          }
          boolean first = true;
          for (int index : group) {
            BulkItem item = items.get(index);
            Map<String, Object> doc = found.get(item.document() + "\n"
                + PartitionKey.from(item.rawKey()).header());
            Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(all.headers());
            // The query's charge is counted once, on the group's first pair.
            headers.put("x-ms-request-charge", first ? headers.getOrDefault(
                "x-ms-request-charge", "0") : "0");
            first = false;
            results.set(index, doc != null
                ? Results.success(200, doc, headers, null, null)
                : Results.serviceError(404, Json.toBytes(Map.of("code", "NotFound", "message",
                    "no document with this id and partition key")), headers, null, false, null));
          }
        });
  }

  private List<Integer> missing() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i) == null) {
        out.add(i);
      }
    }
    return out;
  }

  private CompletableFuture<Void> pointReads(List<Integer> indexes) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int index : indexes) {
      BulkItem item = items.get(index);
      CosmosRequest request = Documents.read(database, container, (String) item.document(),
          item.rawKey(), options, new Documents.Reads(null, null));
      all.add(client.run(request, CosmosClient::map).thenAccept(r -> results.set(index, r)));
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
  }

  private BulkResult result() {
    List<BulkResult.Entry> entries = new ArrayList<>();
    long ok = 0;
    long bad = 0;
    long retries = 0;
    double charge = 0;
    for (int i = 0; i < results.size(); i++) {
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
