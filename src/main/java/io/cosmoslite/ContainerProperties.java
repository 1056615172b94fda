package io.cosmoslite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The definition of a container, immutable: id, partition key paths (one, or up to three for a
 * hierarchical key), and optionally default time-to-live, indexing policy and unique keys.
 *
 * <pre>{@code
 * ContainerProperties orders = ContainerProperties.builder("orders", "/tenant", "/customer")
 *     .defaultTtl(3600)
 *     .uniqueKey("/orderNumber")
 *     .build();
 * }</pre>
 */
public final class ContainerProperties {
  private final String id;
  private final List<String> partitionKeyPaths;
  private final Integer defaultTtl;
  private final Map<String, Object> indexingPolicy;
  private final List<List<String>> uniqueKeys;
  private final int partitionKeyVersion;
  /** Properties of a read definition this class does not model, kept for a replace. */
  private final Map<String, Object> others;

  /** What the service adds to a container; never sent back. */
  private static final java.util.Set<String> SYSTEM = java.util.Set.of("_rid", "_ts", "_self",
      "_etag", "_docs", "_sprocs", "_triggers", "_udfs", "_conflicts");
  /** What this class models itself. */
  private static final java.util.Set<String> MODELLED = java.util.Set.of("id", "partitionKey",
      "defaultTtl", "indexingPolicy", "uniqueKeyPolicy");

  private ContainerProperties(Builder b) {
    this.id = b.id;
    this.partitionKeyPaths = b.partitionKeyPaths;
    this.defaultTtl = b.defaultTtl;
    this.indexingPolicy = b.indexingPolicy;
    this.uniqueKeys = Collections.unmodifiableList(new ArrayList<>(b.uniqueKeys));
    this.partitionKeyVersion = b.partitionKeyVersion;
    this.others = Collections.unmodifiableMap(new LinkedHashMap<>(b.others));
  }

  /**
   * The properties of a container as {@link CosmosClient#getContainer} read them, so that a
   * read-modify-replace keeps what it does not change: TTL, indexing policy, unique keys, the
   * partition key's hash version, and any other property (conflict resolution, computed
   * properties, ...) verbatim. The service's own {@code _rid}, {@code _etag}, ... are dropped.
   *
   * <pre>{@code
   * Map<String, Object> read = client.getContainer("shop", "orders").join().data();
   * client.replaceContainer("shop",
   *     ContainerProperties.from(read).toBuilder().defaultTtl(3600).build()).join();
   * }</pre>
   *
   * @throws IllegalArgumentException when it has no id or no partitionKey.paths
   */
  public static ContainerProperties from(Map<String, ?> container) {
    Objects.requireNonNull(container, "container == null");
    Object id = container.get("id");
    Object key = container.get("partitionKey");
    Object paths = key instanceof Map ? ((Map<?, ?>) key).get("paths") : null;
    if (!(id instanceof String) || !(paths instanceof List)) {
      throw new IllegalArgumentException("container must have a string id and partitionKey.paths");
    }
    List<?> pathList = (List<?>) paths;
    Builder b = new Builder((String) id, pathList.stream().map(String::valueOf)
        .toArray(String[]::new));
    Object version = ((Map<?, ?>) key).get("version");
    b.partitionKeyVersion = version instanceof Number ? ((Number) version).intValue() : 1;
    Object ttl = container.get("defaultTtl");
    if (ttl instanceof Number) {
      b.defaultTtl(((Number) ttl).intValue());
    }
    Object indexing = container.get("indexingPolicy");
    if (indexing instanceof Map) {
      b.indexingPolicy(stringKeys((Map<?, ?>) indexing));
    }
    Object unique = container.get("uniqueKeyPolicy");
    Object keys = unique instanceof Map ? ((Map<?, ?>) unique).get("uniqueKeys") : null;
    if (keys instanceof List) {
      for (Object one : (List<?>) keys) {
        Object uniquePaths = one instanceof Map ? ((Map<?, ?>) one).get("paths") : null;
        if (uniquePaths instanceof List && !((List<?>) uniquePaths).isEmpty()) {
          b.uniqueKey(((List<?>) uniquePaths).stream().map(String::valueOf)
              .toArray(String[]::new));
        }
      }
    }
    container.forEach((name, value) -> {
      if (!SYSTEM.contains(name) && !MODELLED.contains(name)) {
        b.others.put(name, value);
      }
    });
    return b.build();
  }

  private static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  /** A builder holding this definition, to change some of it. */
  public Builder toBuilder() {
    Builder b = new Builder(id, partitionKeyPaths.toArray(new String[0]));
    b.defaultTtl = defaultTtl;
    b.indexingPolicy = indexingPolicy;
    b.uniqueKeys.addAll(uniqueKeys);
    b.partitionKeyVersion = partitionKeyVersion;
    b.others.putAll(others);
    return b;
  }

  /**
   * Starts a definition.
   *
   * @param id the container name
   * @param partitionKeyPaths one path like {@code /pk}, or two or three for a hierarchical key
   */
  public static Builder builder(String id, String... partitionKeyPaths) {
    return new Builder(id, partitionKeyPaths);
  }

  /** The container name. */
  public String id() {
    return id;
  }

  /** The partition key paths, in order. */
  public List<String> partitionKeyPaths() {
    return partitionKeyPaths;
  }

  /** The JSON body sent to create or replace the container. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    Map<String, Object> partitionKey = new LinkedHashMap<>();
    partitionKey.put("paths", partitionKeyPaths);
    partitionKey.put("kind", partitionKeyPaths.size() > 1 ? "MultiHash" : "Hash");
    partitionKey.put("version", partitionKeyVersion);
    json.put("partitionKey", partitionKey);
    if (defaultTtl != null) {
      json.put("defaultTtl", defaultTtl);
    }
    if (indexingPolicy != null) {
      json.put("indexingPolicy", indexingPolicy);
    }
    if (!uniqueKeys.isEmpty()) {
      List<Map<String, Object>> keys = new ArrayList<>();
      for (List<String> paths : uniqueKeys) {
        keys.add(Map.of("paths", paths));
      }
      json.put("uniqueKeyPolicy", Map.of("uniqueKeys", keys));
    }
    json.putAll(others);
    return json;
  }

  @Override public boolean equals(Object other) {
    return other instanceof ContainerProperties
        && toJson().equals(((ContainerProperties) other).toJson());
  }

  @Override public int hashCode() {
    return toJson().hashCode();
  }

  @Override public String toString() {
    return Json.GSON.toJson(toJson());
  }

  /** Builds {@link ContainerProperties}. */
  public static final class Builder {
    private final String id;
    private final List<String> partitionKeyPaths;
    private Integer defaultTtl;
    private Map<String, Object> indexingPolicy;
    private final List<List<String>> uniqueKeys = new ArrayList<>();
    private int partitionKeyVersion = 2;
    private final Map<String, Object> others = new LinkedHashMap<>();

    private Builder(String id, String... paths) {
      this.id = Names.name(id, "container id");
      Objects.requireNonNull(paths, "partitionKeyPaths == null");
      if (paths.length == 0 || paths.length > 3) {
        throw new IllegalArgumentException(
            "partitionKeyPaths must hold 1 to 3 paths, got " + paths.length);
      }
      for (String path : paths) {
        checkPath(path, "partitionKeyPath");
      }
      this.partitionKeyPaths = Collections.unmodifiableList(Arrays.asList(paths.clone()));
    }

    /**
     * Time-to-live of documents in seconds; -1 turns TTL on without a default (each document's
     * {@code ttl} decides).
     */
    public Builder defaultTtl(int seconds) {
      if (seconds == 0 || seconds < -1) {
        throw new IllegalArgumentException("defaultTtl must be -1 or positive, got " + seconds);
      }
      this.defaultTtl = seconds;
      return this;
    }

    /** The indexing policy, as the JSON object the service documents. */
    public Builder indexingPolicy(Map<String, ?> policy) {
      Objects.requireNonNull(policy, "indexingPolicy == null");
      this.indexingPolicy = Collections.unmodifiableMap(new LinkedHashMap<>(policy));
      return this;
    }

    /** Adds a unique key made of these paths (unique within each logical partition). */
    public Builder uniqueKey(String... paths) {
      Objects.requireNonNull(paths, "uniqueKey paths == null");
      if (paths.length == 0) {
        throw new IllegalArgumentException("uniqueKey needs at least one path");
      }
      for (String path : paths) {
        checkPath(path, "uniqueKey path");
      }
      uniqueKeys.add(Collections.unmodifiableList(Arrays.asList(paths.clone())));
      return this;
    }

    /** The definition. */
    public ContainerProperties build() {
      return new ContainerProperties(this);
    }

    private static void checkPath(String path, String name) {
      Objects.requireNonNull(path, name + " == null");
      if (!path.startsWith("/") || path.length() < 2) {
        throw new IllegalArgumentException(name + " must look like /property, got \"" + path
            + "\"");
      }
    }
  }
}
