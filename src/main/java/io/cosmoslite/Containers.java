package io.cosmoslite;

import java.util.Objects;

/** Requests on containers: arguments in, an immutable {@link CosmosRequest} out, no I/O. */
final class Containers {
  private Containers() {}

  static CosmosRequest.Link link(String database, String container) {
    return Databases.link(database).child("colls", Names.name(container, "container id"));
  }

  /** POST dbs/{db}/colls, with dedicated throughput when {@code throughput} is not null. */
  static CosmosRequest create(String database, ContainerProperties properties,
      Throughput throughput) {
    Objects.requireNonNull(properties, "properties == null");
    CosmosRequest.Builder b = CosmosRequest.builder("POST", "colls", Databases.link(database))
        .feed("colls").body(Json.toBytes(properties.toJson()), Documents.JSON);
    if (throughput != null) {
      throughput.apply(b);
    }
    return b.build();
  }

  static CosmosRequest read(String database, String id) {
    return CosmosRequest.builder("GET", "colls", link(database, id)).build();
  }

  /** PUT dbs/{db}/colls/{id}: a whole new definition (its partition key cannot change). */
  static CosmosRequest replace(String database, ContainerProperties properties) {
    Objects.requireNonNull(properties, "properties == null");
    return CosmosRequest.builder("PUT", "colls", link(database, properties.id()))
        .body(Json.toBytes(properties.toJson()), Documents.JSON).build();
  }

  static CosmosRequest delete(String database, String id) {
    return CosmosRequest.builder("DELETE", "colls", link(database, id)).build();
  }

  /** GET dbs/{db}/colls (the first page). */
  static CosmosRequest list(String database) {
    return CosmosRequest.builder("GET", "colls", Databases.link(database)).feed("colls").build();
  }

  /** GET dbs/{db}/colls/{c}/pkranges. */
  static CosmosRequest partitionKeyRanges(CosmosRequest.Link container, RequestOptions options) {
    return CosmosRequest.builder("GET", "pkranges", container).feed("pkranges")
        .timeout(options == null ? null : options.timeout).build();
  }
}
