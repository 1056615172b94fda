package io.cosmoslite;

import java.util.Map;

/** Requests on databases: arguments in, an immutable {@link CosmosRequest} out, no I/O. */
final class Databases {
  private Databases() {}

  static CosmosRequest.Link link(String database) {
    return CosmosRequest.Link.ROOT.child("dbs", Names.name(database, "database id"));
  }

  /** POST dbs, with shared throughput when {@code throughput} is not null. */
  static CosmosRequest create(String id, Throughput throughput) {
    link(id);
    CosmosRequest.Builder b = CosmosRequest.builder("POST", "dbs", CosmosRequest.Link.ROOT)
        .feed("dbs").body(Json.toBytes(Map.of("id", id)), Documents.JSON);
    if (throughput != null) {
      throughput.apply(b);
    }
    return b.build();
  }

  static CosmosRequest read(String id) {
    return CosmosRequest.builder("GET", "dbs", link(id)).build();
  }

  static CosmosRequest delete(String id) {
    return CosmosRequest.builder("DELETE", "dbs", link(id)).build();
  }

  /** GET dbs (the first page; {@link Feeds} pages on). */
  static CosmosRequest list() {
    return CosmosRequest.builder("GET", "dbs", CosmosRequest.Link.ROOT).feed("dbs").build();
  }

  /** GET / : the database account, from the configured endpoint whatever the regions. */
  static CosmosRequest account() {
    return CosmosRequest.builder("GET", "", CosmosRequest.Link.ROOT)
        .route(CosmosRequest.Route.GLOBAL).build();
  }
}
