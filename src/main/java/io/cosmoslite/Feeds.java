package io.cosmoslite;

import java.util.Objects;

/**
 * Queries and read feeds: the first page's request (a {@link DocumentQuery} pages on from it),
 * arguments in, an immutable {@link CosmosRequest} out, no I/O.
 */
final class Feeds {
  /** Content type of query bodies: exactly this, no charset (the service refuses one). */
  static final String QUERY_JSON = "application/query+json";

  private Feeds() {}

  /** POST dbs/{db}/colls/{c}/docs as a query: in one partition, or across all of them. */
  static CosmosRequest queryDocuments(String database, String container, SqlQuery query,
      RequestOptions options, Documents.Reads reads) {
    Objects.requireNonNull(query, "query == null");
    Objects.requireNonNull(options, "options == null");
    CosmosRequest.Link link = Containers.link(database, container);
    CosmosRequest.Builder b = CosmosRequest.builder("POST", "docs", link).feed("docs")
        .settlement(CosmosRequest.Settlement.IDEMPOTENT)
        .route(CosmosRequest.Route.READ_REGION)
        .sessionScope(link.raw).sendsSessionToken(true)
        .header("x-ms-documentdb-isquery", "True")
        .body(query.toBody(), QUERY_JSON);
    return scoped(b, options, true, reads).build();
  }

  /** GET dbs/{db}/colls/{c}/docs: the read feed, of one partition or the whole container. */
  static CosmosRequest readDocuments(String database, String container, RequestOptions options,
      Documents.Reads reads) {
    Objects.requireNonNull(options, "options == null");
    CosmosRequest.Link link = Containers.link(database, container);
    CosmosRequest.Builder b = CosmosRequest.builder("GET", "docs", link).feed("docs")
        .sessionScope(link.raw).sendsSessionToken(true);
    return scoped(b, options, false, reads).build();
  }

  /** POST dbs as a query (no session token: databases have none). */
  static CosmosRequest queryDatabases(SqlQuery query) {
    Objects.requireNonNull(query, "query == null");
    return query(CosmosRequest.builder("POST", "dbs", CosmosRequest.Link.ROOT).feed("dbs"), query);
  }

  /** POST dbs/{db}/colls as a query. */
  static CosmosRequest queryContainers(String database, SqlQuery query) {
    Objects.requireNonNull(query, "query == null");
    return query(CosmosRequest.builder("POST", "colls", Databases.link(database)).feed("colls"),
        query);
  }

  private static CosmosRequest query(CosmosRequest.Builder b, SqlQuery query) {
    return b.settlement(CosmosRequest.Settlement.IDEMPOTENT)
        .route(CosmosRequest.Route.READ_REGION)
        .header("x-ms-documentdb-isquery", "True")
        .body(query.toBody(), QUERY_JSON).build();
  }

  /** Scope (a partition key, or across partitions for a query), page size, read options. */
  private static CosmosRequest.Builder scoped(CosmosRequest.Builder b, RequestOptions options,
      boolean query, Documents.Reads reads) {
    if (options.partitionKey != null) {
      b.partitionKey(options.partitionKey);
    } else if (query) {
      b.header("x-ms-documentdb-query-enablecrosspartition", "True");
    }
    if (options.maxItemCount != null) {
      b.header("x-ms-max-item-count", Integer.toString(options.maxItemCount));
    }
    return Documents.readOptions(b, options, reads);
  }
}
