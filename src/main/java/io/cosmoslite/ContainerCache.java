package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the client learns about containers and keeps (the partition map): each container's
 * partition key definition (read once, {@code GET .../colls/{id}}) and its partition key ranges
 * ({@code GET .../pkranges}, every page). Ranges are refreshed the way the SDKs do — with
 * {@code If-None-Match} on the last etag, a 304 keeping them, children replacing a split parent
 * and a merged range replacing its parents — when a request meets 410 (range gone, completing
 * split or migration). A failed read is not kept; deleting a container (or its database), or a
 * key the service refused, forgets it.
 */
final class ContainerCache {
  private final Pipeline pipeline;
  private final Map<String, CompletableFuture<Container>> containers = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<PartitionKeyRanges>> ranges =
      new ConcurrentHashMap<>();

  /** A container's partition key, as the client needs it. */
  static final class Container {
    final String link;
    final List<String> paths;
    final EffectivePartitionKey.Definition definition;
    /** The container's {@code _rid}, or null when it had none. */
    final String resourceId;

    Container(String link, List<String> paths, EffectivePartitionKey.Definition definition,
        String resourceId) {
      this.link = link;
      this.paths = paths;
      this.definition = definition;
      this.resourceId = resourceId;
    }
  }

  ContainerCache(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** The container's partition key paths; exceptionally when the container cannot be read. */
  CompletableFuture<List<String>> partitionKeyPaths(String database, String container) {
    return container(database, container).thenApply(c -> c.paths);
  }

  /**
   * The container's key definition if a read of it has already succeeded, else null; never
   * starts a read. For per-item paths that would otherwise compose a future per item.
   */
  Container knownContainer(String containerLink) {
    return doneOrNull(containers.get(containerLink));
  }

  /** The container's cached range map if it has already been read, else null; never reads. */
  PartitionKeyRanges knownRanges(String containerLink) {
    return doneOrNull(ranges.get(containerLink));
  }

  private static <T> T doneOrNull(CompletableFuture<T> future) {
    return future != null && future.isDone() && !future.isCompletedExceptionally()
        ? future.getNow(null) : null;
  }

  /**
   * Reads what picks a request's range in a container ({@code dbs/{db}/colls/{coll}}): its key
   * definition, then its ranges, each once and shared. Completes normally either way, failed reads
   * included; the caller looks at {@link #cachedRange} afterwards.
   */
  CompletableFuture<Void> loadMap(String containerLink) {
    String[] parts = names(containerLink);
    if (parts == null) {
      return CompletableFuture.completedFuture(null);
    }
    // One after the other, so the first read's requests come in a fixed order.
    return container(parts[1], parts[3]).thenCompose(c -> ranges(parts[1], parts[3]))
        .handle((known, error) -> {
          if (error != null) {
            mapFailedAt.put(containerLink, System.nanoTime());
          } else {
            mapFailedAt.remove(containerLink);
          }
          return null;
        });
  }

  /** How long after a failed {@link #loadMap} calls stop waiting for the map: 30 s. */
  static final long MAP_RETRY_MS = 30_000;

  /** When {@link #loadMap} last failed, per container link. */
  private final Map<String, Long> mapFailedAt = new ConcurrentHashMap<>();

  /** Whether loading the container's map failed less than {@link #MAP_RETRY_MS} ago. */
  boolean mapRecentlyFailed(String containerLink) {
    Long at = mapFailedAt.get(containerLink);
    return at != null && System.nanoTime() - at < MAP_RETRY_MS * 1_000_000L;
  }

  /** The etag of the map last refreshed by {@link #refreshStale}, per container link. */
  private final Map<String, String> staleAsked = new ConcurrentHashMap<>();

  /**
   * Re-reads the ranges in the background after a session token named a range {@code stale}
   * does not know; once per map version (etag), so a token the service's map never explains
   * does not cost a request per read.
   */
  void refreshStale(String containerLink, PartitionKeyRanges stale) {
    String[] parts = names(containerLink);
    String version = String.valueOf(stale.etag());
    if (parts == null || version.equals(staleAsked.put(containerLink, version))) {
      return;
    }
    refreshRanges(parts[1], parts[3], stale).exceptionally(unreadable -> null);
  }

  /** {@code [dbs, db, colls, coll]} of a container link, or null for any other link. */
  private static String[] names(String containerLink) {
    String[] parts = containerLink.split("/", -1);
    return parts.length == 4 && parts[0].equals("dbs") && parts[2].equals("colls") ? parts
        : null;
  }

  /** The container's key definition, read once and cached. */
  CompletableFuture<Container> container(String database, String container) {
    CosmosRequest request = Containers.read(database, container);
    String link = request.resourceLink;
    CompletableFuture<Container> created = new CompletableFuture<>();
    CompletableFuture<Container> known = containers.putIfAbsent(link, created);
    if (known != null) {
      return known.copy(); // a caller cancelling its copy never cancels the shared one
    }
    pipeline.execute(request, body -> body).whenComplete((result, error) -> {
      Throwable failure = error;
      if (failure == null && result.isOk()) {
        try {
          created.complete(parse(link, result.data()));
          return;
        } catch (RuntimeException e) {
          failure = new IllegalStateException("container " + request.displayPath
              + " has no usable partitionKey: " + e.getMessage(), e);
        }
      } else if (failure == null) {
        failure = Results.exception(request.operation(), result);
      }
      containers.remove(link, created);
      created.completeExceptionally(failure);
    });
    return created.copy();
  }

  /** The container's partition key ranges, read once (every page) and cached. */
  CompletableFuture<PartitionKeyRanges> ranges(String database, String container) {
    String link = Containers.link(database, container).raw;
    CompletableFuture<PartitionKeyRanges> created = new CompletableFuture<>();
    CompletableFuture<PartitionKeyRanges> known = ranges.putIfAbsent(link, created);
    if (known != null) {
      return known.copy();
    }
    readRanges(database, container, null).whenComplete((read, error) -> {
      if (error != null) {
        ranges.remove(link, created);
        created.completeExceptionally(Pipeline.unwrap(error));
      } else {
        created.complete(read);
      }
    });
    return created.copy();
  }

  /**
   * Re-reads the ranges after {@code stale} was found out of date (a 410 on one of them): one
   * refresh at a time per container, shared by every caller that saw the same stale map.
   */
  CompletableFuture<PartitionKeyRanges> refreshRanges(String database, String container,
      PartitionKeyRanges stale) {
    String link = Containers.link(database, container).raw;
    CompletableFuture<PartitionKeyRanges> current = ranges.get(link);
    if (current != null && (!current.isDone() || current.isCompletedExceptionally()
        || current.getNow(null) != stale)) {
      return current.isCompletedExceptionally() ? ranges(database, container) : current.copy();
    }
    CompletableFuture<PartitionKeyRanges> refreshed = new CompletableFuture<>();
    if (current == null ? ranges.putIfAbsent(link, refreshed) != null
        : !ranges.replace(link, current, refreshed)) {
      return ranges(database, container); // someone else refreshed first
    }
    readRanges(database, container, stale).whenComplete((read, error) -> {
      if (error != null) {
        ranges.remove(link, refreshed);
        refreshed.completeExceptionally(Pipeline.unwrap(error));
      } else {
        refreshed.complete(read);
      }
    });
    return refreshed.copy();
  }

  /** GET pkranges, page after page; with {@code stale}, If-None-Match on its etag first. */
  private CompletableFuture<PartitionKeyRanges> readRanges(String database, String container,
      PartitionKeyRanges stale) {
    CosmosRequest.Link link = Containers.link(database, container);
    CosmosRequest first = Containers.partitionKeyRanges(link, null);
    if (stale != null && stale.etag() != null) {
      first = first.withHeaders(Map.of("If-None-Match", stale.etag(),
          "A-IM", "Incremental feed"));
    }
    return page(first, new ArrayList<>(), stale, null);
  }

  private CompletableFuture<PartitionKeyRanges> page(CosmosRequest request,
      List<PartitionKeyRanges.Range> read, PartitionKeyRanges stale, String etag) {
    return pipeline.execute(request, body -> body).thenCompose(result -> {
      if (result.code() == 304 && stale != null) {
        return CompletableFuture.completedFuture(stale); // unchanged
      }
      if (!result.isOk()) {
        return CompletableFuture.failedFuture(
            Results.exception(request.operation(), result));
      }
      read.addAll(PartitionKeyRanges.parse(new String(result.data(), StandardCharsets.UTF_8)));
      String lastEtag = result.etag() != null ? result.etag() : etag;
      String next = result.continuation();
      if (next != null && !next.isBlank()) {
        return page(request.withHeaders(Map.of("x-ms-continuation", next)), read, stale,
            lastEtag);
      }
      return CompletableFuture.completedFuture(merge(read, stale, lastEtag));
    });
  }

  /** A whole list stands alone; a list of changes (an incremental answer) applies to stale. */
  private static PartitionKeyRanges merge(List<PartitionKeyRanges.Range> read,
      PartitionKeyRanges stale, String etag) {
    try {
      return PartitionKeyRanges.of(read, etag);
    } catch (IllegalArgumentException notWhole) {
      if (stale == null) {
        throw notWhole;
      }
      return stale.apply(read, etag);
    }
  }

  /**
   * The range that holds {@code key}, from what is already known (never a request), or null
   * when the container's definition or ranges are not known yet.
   */
  PartitionKeyRanges.Range cachedRange(String containerLink, PartitionKey key) {
    CompletableFuture<Container> definition = containers.get(containerLink);
    CompletableFuture<PartitionKeyRanges> map = ranges.get(containerLink);
    if (definition == null || map == null || !definition.isDone() || !map.isDone()
        || definition.isCompletedExceptionally() || map.isCompletedExceptionally()) {
      return null;
    }
    try {
      return map.getNow(null).rangeFor(EffectivePartitionKey.of(key,
          definition.getNow(null).definition));
    } catch (RuntimeException e) {
      return null; // a key the definition does not take: the service will say so
    }
  }

  /**
   * A response named the container's resource id ({@code x-ms-content-path}): when it is not
   * the one the cached definition was read from, the container was deleted and recreated (by
   * another process, perhaps) and what is cached of it is forgotten.
   */
  void noteResourceId(String containerLink, String contentPath) {
    CompletableFuture<Container> known = containers.get(containerLink);
    if (contentPath == null || known == null || !known.isDone()
        || known.isCompletedExceptionally()) {
      return;
    }
    String cached = SessionTokens.containerId(known.getNow(null).resourceId);
    String now = SessionTokens.containerId(contentPath);
    if (cached != null && now != null && !cached.equals(now)) {
      containers.remove(containerLink, known);
      ranges.remove(containerLink);
    }
  }

  void forget(String containerLink) {
    containers.remove(containerLink);
    ranges.remove(containerLink);
  }

  void forgetDatabase(String databaseLink) {
    containers.keySet().removeIf(link -> link.startsWith(databaseLink + "/"));
    ranges.keySet().removeIf(link -> link.startsWith(databaseLink + "/"));
  }

  private static Container parse(String link, byte[] body) {
    JsonElement tree = Json.parseOrNull(body);
    JsonElement key = tree != null && tree.isJsonObject()
        ? tree.getAsJsonObject().get("partitionKey") : null;
    if (key == null || !key.isJsonObject()) {
      throw new IllegalArgumentException("no partitionKey object");
    }
    JsonObject object = key.getAsJsonObject().deepCopy();
    JsonElement paths = object.get("paths");
    if (!object.has("kind") && paths != null && paths.isJsonArray()
        && paths.getAsJsonArray().size() > 1) {
      // Several paths without a kind (some emulators) can only be hierarchical.
      object.addProperty("kind", "MultiHash");
      object.addProperty("version", 2);
    }
    EffectivePartitionKey.Definition definition =
        EffectivePartitionKey.Definition.fromJson(object);
    return new Container(link, Collections.unmodifiableList(new ArrayList<>(definition.paths)),
        definition, Json.stringMember(tree, "_rid"));
  }
}
