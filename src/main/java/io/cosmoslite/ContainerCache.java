package io.cosmoslite;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the client learns about containers and keeps: their partition key paths, read once
 * ({@code GET .../colls/{id}}) for items given without a key. A failed read is not kept;
 * deleting a container (or its database) forgets it, as does a key the service refused.
 */
final class ContainerCache {
  private final Pipeline pipeline;
  private final Map<String, CompletableFuture<List<String>>> partitionKeyPaths =
      new ConcurrentHashMap<>();

  ContainerCache(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** The container's partition key paths; exceptionally when the container cannot be read. */
  CompletableFuture<List<String>> partitionKeyPaths(String database, String container) {
    CosmosRequest request = Containers.read(database, container);
    String key = request.resourceLink;
    CompletableFuture<List<String>> created = new CompletableFuture<>();
    CompletableFuture<List<String>> known = partitionKeyPaths.putIfAbsent(key, created);
    if (known != null) {
      return known;
    }
    pipeline.execute(request, CosmosClient::map).whenComplete((result, error) -> {
      Throwable failure = error;
      if (failure == null && result.isOk()) {
        List<String> paths = pathsOf(result.data());
        if (paths != null) {
          created.complete(paths);
          return;
        }
        failure = new IllegalStateException("container " + request.displayPath
            + " has no partitionKey.paths");
      } else if (failure == null) {
        failure = Results.exception(request.operation(), result);
      }
      partitionKeyPaths.remove(key, created);
      created.completeExceptionally(failure);
    });
    return created;
  }

  void forget(String containerLink) {
    partitionKeyPaths.remove(containerLink);
  }

  void forgetDatabase(String databaseLink) {
    partitionKeyPaths.keySet().removeIf(link -> link.startsWith(databaseLink + "/"));
  }

  private static List<String> pathsOf(Map<String, Object> container) {
    Object definition = container == null ? null : container.get("partitionKey");
    Object paths = definition instanceof Map ? ((Map<?, ?>) definition).get("paths") : null;
    if (!(paths instanceof List) || ((List<?>) paths).isEmpty()
        || ((List<?>) paths).size() > 3) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Object path : (List<?>) paths) {
      if (!(path instanceof String)) {
        return null;
      }
      out.add((String) path);
    }
    return Collections.unmodifiableList(out);
  }
}
