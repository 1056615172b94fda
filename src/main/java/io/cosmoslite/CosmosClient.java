package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An asynchronous client for the Azure Cosmos DB for NoSQL REST API. Every database, container
 * and document method returns a {@link CompletableFuture} of a {@link CosmosResult}, which is a
 * {@code Map} with {@code status}, {@code code}, {@code session_token}, {@code error} and
 * {@code data}. Share one client per account: it is thread-safe, keeps connections alive, holds
 * the session tokens of every container it touched, and limits the requests in flight.
 *
 * <pre>{@code
 * try (CosmosClient client = CosmosClient.builder()
 *     .endpoint("https://myaccount.documents.azure.com:443/")
 *     .key(System.getenv("COSMOS_KEY"))
 *     .build()) {
 *   client.createDatabaseIfNotExists("shop").join();
 *   client.createContainerIfNotExists("shop", "orders", "/customer").join();
 *   client.createDocument("shop", "orders", Map.of("id", "1", "customer", "ada"), "ada").join();
 *   Map<String, Object> order = client.getDocument("shop", "orders", "1", "ada").join().data();
 * }
 * }</pre>
 *
 * <p><b>Failures.</b> By default ({@link Builder#raiseOnFailure(boolean) raiseOnFailure(true)}) a
 * failed call completes exceptionally with a {@link CosmosException} carrying the failed result;
 * with {@code raiseOnFailure(false)} it completes normally with {@code status = "failed"}. A call
 * that got no response (refused connection, timeout) fails with code 0. Bad arguments throw
 * {@link IllegalArgumentException} or {@link NullPointerException} at once, before any request.
 *
 * <p><b>Retries.</b> Throttling (429) is retried after the service's {@code x-ms-retry-after-ms},
 * by default up to 9 times and 30 seconds of waiting; 449, 503, 410, 404/1002 and connection
 * failures are retried with backoff where resending is safe. Every attempt is signed afresh. A
 * write whose response was lost is settled rather than guessed: a create is resent and a 409 on
 * the resend is checked by reading the document back; what cannot be settled is reported with
 * {@link CosmosResult#isUncertain()}, never as a success or as someone else's conflict.
 *
 * <p><b>Sessions.</b> The client merges the {@code x-ms-session-token} of every document response
 * per container and sends it on that container's reads and queries. {@link #sessionToken} and
 * {@link #mergeSessionToken} hand a container's token to another process and back; a per-call
 * token goes in {@link RequestOptions.Builder#sessionToken}.
 */
public final class CosmosClient implements AutoCloseable {
  private static final String VERSION = "0.1.0";

  final Transport transport;
  private final ConsistencyLevel consistencyLevel;
  private volatile boolean closed;

  private CosmosClient(Builder b, Transport transport) {
    this.transport = transport;
    this.consistencyLevel = b.consistencyLevel;
    transport.accountRefresher(this::readAccount);
  }

  /** A builder; set an endpoint and a key (or a connection string or resource token). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A client configured from the environment: {@code COSMOS_CONNECTION_STRING}, else
   * {@code COSMOS_ENDPOINT} and {@code COSMOS_KEY}.
   *
   * @throws IllegalStateException when neither is set, naming the variables
   */
  public static CosmosClient fromEnvironment() {
    return builder().fromEnvironment().build();
  }

  // ---------------------------------------------------------------------------------------------
  // Account and lifecycle

  /**
   * Reads the database account ({@code GET /}) and learns its regions: from then on writes go to
   * the first write region and reads to the first readable region. Without it, every call uses
   * the configured endpoint. The result's data is the account document.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> connect() {
    checkOpen();
    return readAccount();
  }

  private CompletableFuture<CosmosResult<Map<String, Object>>> readAccount() {
    CosmosRequest request = CosmosRequest.builder("GET", CosmosRequest.Kind.OTHER_WRITE, "",
        CosmosRequest.Link.ROOT).build();
    return transport.execute(request, body -> {
      Map<String, Object> account = Json.fromBytes(body, Json.MAP);
      learnRegions(Json.GSON.toJsonTree(account));
      return account;
    });
  }

  private void learnRegions(JsonElement account) {
    String fallback = transport.configuredEndpoint();
    String write = Transport.Regions.firstEndpoint(locations(account, "writableLocations"),
        fallback);
    String read = Transport.Regions.firstEndpoint(locations(account, "readableLocations"), write);
    ConsistencyLevel level = null;
    JsonElement policy = account.getAsJsonObject().get("userConsistencyPolicy");
    if (policy != null && policy.isJsonObject()) {
      level = ConsistencyLevel.fromAccount(
          Json.stringMember(policy, "defaultConsistencyLevel"));
    }
    transport.regions(new Transport.Regions(write, read, level));
  }

  private static List<String> locations(JsonElement account, String key) {
    List<String> out = new ArrayList<>();
    JsonElement list = account.isJsonObject() ? account.getAsJsonObject().get(key) : null;
    if (list != null && list.isJsonArray()) {
      for (JsonElement location : list.getAsJsonArray()) {
        String endpoint = Json.stringMember(location, "databaseAccountEndpoint");
        if (endpoint != null && !endpoint.isBlank()) {
          out.add(endpoint.endsWith("/") ? endpoint : endpoint + "/");
        }
      }
    }
    return out;
  }

  /** The endpoint writes are sent to (the configured one until {@link #connect()}). */
  public String writeEndpoint() {
    return transport.regions().write;
  }

  /** The endpoint reads are sent to (the configured one until {@link #connect()}). */
  public String readEndpoint() {
    return transport.regions().read;
  }

  /**
   * Marks the client closed; later calls throw {@link IllegalStateException}. Requests already
   * sent complete normally, but a multi-document write or a query in progress sends nothing
   * more: its remaining items fail with "client is closed", its next page fails the same way.
   * (The JDK 17 {@code HttpClient} has no close; its idle connections are released when it is
   * collected.)
   */
  @Override public void close() {
    closed = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Session tokens

  /**
   * The session token this client holds for a container (every partition-key range merged), or
   * null when it has none yet. Hand it to another client instance (a cookie, say) and give it
   * back with {@link #mergeSessionToken} or {@link RequestOptions.Builder#sessionToken} there to
   * read your own writes.
   */
  public String sessionToken(String database, String container) {
    return transport.sessions.get(containerLink(database, container).raw);
  }

  /**
   * Merges a session token (from another client instance) into this client's token for the
   * container: per partition-key range the higher LSN wins, nothing is lost.
   */
  public void mergeSessionToken(String database, String container, String sessionToken) {
    Names.headerValue(sessionToken, "sessionToken");
    transport.sessions.merge(containerLink(database, container).raw, sessionToken);
  }

  // ---------------------------------------------------------------------------------------------
  // Databases

  /**
   * Lists the databases (GET dbs), following {@code x-ms-continuation} until the last page;
   * data is every database resource. The result carries the last page's headers, with the
   * request charge summed over all pages. A failed page fails the whole call.
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listDatabases() {
    checkOpen();
    CosmosRequest request = CosmosRequest.builder("GET", CosmosRequest.Kind.READ, "dbs",
        CosmosRequest.Link.ROOT).feed("dbs").build();
    return allPages(request, "Databases");
  }

  /** Creates a database (POST dbs); 409 when it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabase(String id) {
    return createDatabase(id, null);
  }

  /**
   * Creates a database with shared throughput, or none when {@code throughput} is null.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabase(String id,
      Throughput throughput) {
    checkOpen();
    return transport.execute(createDatabaseRequest(id, throughput), this::map);
  }

  /** Creates a database unless it exists; either way the data is the database resource. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabaseIfNotExists(
      String id) {
    return createDatabaseIfNotExists(id, null);
  }

  /** Creates a database with throughput (may be null) unless it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabaseIfNotExists(
      String id, Throughput throughput) {
    checkOpen();
    return createOrRead(createDatabaseRequest(id, throughput), databaseRequest("GET", id));
  }

  /** Reads a database. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getDatabase(String id) {
    checkOpen();
    return transport.execute(databaseRequest("GET", id), this::map);
  }

  /** Deletes a database and everything in it; forgets its containers' session tokens. */
  public CompletableFuture<CosmosResult<Void>> deleteDatabase(String id) {
    checkOpen();
    CosmosRequest request = databaseRequest("DELETE", id);
    return transport.execute(request, body -> (Void) null).thenApply(result -> {
      transport.sessions.clearDatabase(request.resourceLink);
      partitionKeyPaths.keySet().removeIf(link -> link.startsWith(request.resourceLink + "/"));
      return result;
    });
  }

  private CosmosRequest createDatabaseRequest(String id, Throughput throughput) {
    Names.name(id, "id");
    CosmosRequest.Builder b = CosmosRequest.builder("POST", CosmosRequest.Kind.OTHER_WRITE, "dbs",
        CosmosRequest.Link.ROOT).feed("dbs").body(Json.toBytes(Map.of("id", id)), JSON);
    if (throughput != null) {
      throughput.apply(b);
    }
    return b.build();
  }

  private CosmosRequest databaseRequest(String method, String id) {
    return CosmosRequest.builder(method, kindOf(method), "dbs", databaseLink(id)).build();
  }

  // ---------------------------------------------------------------------------------------------
  // Containers

  /**
   * Lists the containers of a database (GET dbs/{db}/colls), following
   * {@code x-ms-continuation} until the last page; data is every container resource. The
   * result carries the last page's headers, with the request charge summed over all pages.
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listContainers(
      String database) {
    checkOpen();
    CosmosRequest request = CosmosRequest.builder("GET", CosmosRequest.Kind.READ, "colls",
        databaseLink(database)).feed("colls").build();
    return allPages(request, "DocumentCollections");
  }

  /**
   * Creates a container partitioned on one path (e.g. {@code /customer}); 409 when it exists.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainer(String database,
      String id, String partitionKeyPath) {
    return createContainer(database, ContainerProperties.builder(id, partitionKeyPath).build(),
        null);
  }

  /** Creates a container from a full definition (hierarchical keys, TTL, indexing, ...). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainer(String database,
      ContainerProperties properties) {
    return createContainer(database, properties, null);
  }

  /** Creates a container with dedicated throughput, or none when {@code throughput} is null. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainer(String database,
      ContainerProperties properties, Throughput throughput) {
    checkOpen();
    return transport.execute(createContainerRequest(database, properties, throughput),
        this::map);
  }

  /** Creates a container unless it exists; either way the data is the container resource. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainerIfNotExists(
      String database, String id, String partitionKeyPath) {
    return createContainerIfNotExists(database,
        ContainerProperties.builder(id, partitionKeyPath).build(), null);
  }

  /** Creates a container (throughput may be null) unless it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainerIfNotExists(
      String database, ContainerProperties properties, Throughput throughput) {
    checkOpen();
    return createOrRead(createContainerRequest(database, properties, throughput),
        containerRequest("GET", database, properties.id()));
  }

  /** Reads a container's definition. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getContainer(String database,
      String id) {
    checkOpen();
    return transport.execute(containerRequest("GET", database, id), this::map);
  }

  /**
   * Replaces a container's definition (indexing policy, TTL...); its partition key cannot
   * change.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceContainer(String database,
      ContainerProperties properties) {
    checkOpen();
    Objects.requireNonNull(properties, "properties == null");
    CosmosRequest request = CosmosRequest.builder("PUT", CosmosRequest.Kind.REPLACE, "colls",
        containerLink(database, properties.id()))
        .body(Json.toBytes(properties.toJson()), JSON).build();
    return transport.execute(request, this::map);
  }

  /** Deletes a container and its documents; forgets its session token. */
  public CompletableFuture<CosmosResult<Void>> deleteContainer(String database, String id) {
    checkOpen();
    CosmosRequest request = containerRequest("DELETE", database, id);
    return transport.execute(request, body -> (Void) null).thenApply(result -> {
      transport.sessions.clearContainer(request.resourceLink);
      partitionKeyPaths.remove(request.resourceLink);
      return result;
    });
  }

  private CosmosRequest createContainerRequest(String database, ContainerProperties properties,
      Throughput throughput) {
    Objects.requireNonNull(properties, "properties == null");
    CosmosRequest.Builder b = CosmosRequest.builder("POST", CosmosRequest.Kind.OTHER_WRITE,
        "colls", databaseLink(database)).feed("colls")
        .body(Json.toBytes(properties.toJson()), JSON);
    if (throughput != null) {
      throughput.apply(b);
    }
    return b.build();
  }

  private CosmosRequest containerRequest(String method, String database, String id) {
    return CosmosRequest.builder(method, kindOf(method), "colls", containerLink(database, id))
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Documents

  /**
   * Creates a document (POST docs). {@code document} is a {@code Map} or any Gson-mappable
   * object with a string {@code id}; {@code partitionKey} is its partition key value (a
   * {@link PartitionKey} or a String, Number or Boolean). 409 when the id exists in that
   * partition. Data is the stored document.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDocument(String database,
      String container, Object document, Object partitionKey) {
    return createDocument(database, container, document, partitionKey, RequestOptions.NONE);
  }

  /** Creates a document with per-call options. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDocument(String database,
      String container, Object document, Object partitionKey, RequestOptions options) {
    return write(CosmosRequest.Kind.CREATE, database, container, document, partitionKey, options,
        this::map);
  }

  /** Creates a document and maps the stored document to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> createDocument(String database, String container,
      Object document, Object partitionKey, RequestOptions options, Class<T> type) {
    return write(CosmosRequest.Kind.CREATE, database, container, document, partitionKey, options,
        typed(type));
  }

  /** Creates or replaces a document (201 when new, 200 when it replaced one). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> upsertDocument(String database,
      String container, Object document, Object partitionKey) {
    return upsertDocument(database, container, document, partitionKey, RequestOptions.NONE);
  }

  /** Upserts a document with per-call options ({@code ifMatch} applies to a replaced one). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> upsertDocument(String database,
      String container, Object document, Object partitionKey, RequestOptions options) {
    return write(CosmosRequest.Kind.UPSERT, database, container, document, partitionKey, options,
        this::map);
  }

  /** Upserts a document and maps the stored document to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> upsertDocument(String database, String container,
      Object document, Object partitionKey, RequestOptions options, Class<T> type) {
    return write(CosmosRequest.Kind.UPSERT, database, container, document, partitionKey, options,
        typed(type));
  }

  /**
   * Reads a document (GET docs/{id}); 404 when absent. With
   * {@link RequestOptions.Builder#ifNoneMatch} an unchanged document gives a successful 304 with
   * null data.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getDocument(String database,
      String container, String id, Object partitionKey) {
    return getDocument(database, container, id, partitionKey, RequestOptions.NONE);
  }

  /** Reads a document with per-call options. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getDocument(String database,
      String container, String id, Object partitionKey, RequestOptions options) {
    return transport.execute(documentRequest("GET", CosmosRequest.Kind.READ, database, container,
        id, partitionKey, options).build(), this::map);
  }

  /** Reads a document mapped to {@code type} (a record or POJO). */
  public <T> CompletableFuture<CosmosResult<T>> getDocument(String database, String container,
      String id, Object partitionKey, Class<T> type) {
    return getDocument(database, container, id, partitionKey, RequestOptions.NONE, type);
  }

  /** Reads a document mapped to {@code type}, with per-call options. */
  public <T> CompletableFuture<CosmosResult<T>> getDocument(String database, String container,
      String id, Object partitionKey, RequestOptions options, Class<T> type) {
    return transport.execute(documentRequest("GET", CosmosRequest.Kind.READ, database, container,
        id, partitionKey, options).build(), typed(type));
  }

  /**
   * Replaces a document (PUT docs/{id}); {@code document}'s id must equal {@code id}. With
   * {@link RequestOptions.Builder#ifMatch} it fails with 412 when the document changed.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceDocument(String database,
      String container, String id, Object document, Object partitionKey) {
    return replaceDocument(database, container, id, document, partitionKey, RequestOptions.NONE);
  }

  /** Replaces a document with per-call options. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceDocument(String database,
      String container, String id, Object document, Object partitionKey,
      RequestOptions options) {
    return replaceDocument(database, container, id, document, partitionKey, options, this::map);
  }

  /** Replaces a document and maps the stored document to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> replaceDocument(String database,
      String container, String id, Object document, Object partitionKey, RequestOptions options,
      Class<T> type) {
    return replaceDocument(database, container, id, document, partitionKey, options, typed(type));
  }

  private <T> CompletableFuture<CosmosResult<T>> replaceDocument(String database,
      String container, String id, Object document, Object partitionKey, RequestOptions options,
      Transport.BodyMapper<T> mapper) {
    CosmosRequest.Builder b = documentRequest("PUT", CosmosRequest.Kind.REPLACE, database,
        container, id, partitionKey, options);
    b.body(documentBody(document, id), JSON);
    return transport.execute(b.build(), mapper);
  }

  /**
   * Applies up to 10 patch operations to a document (PATCH docs/{id}). Data is the patched
   * document.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> patchDocument(String database,
      String container, String id, Object partitionKey, List<PatchOperation> operations) {
    return patchDocument(database, container, id, partitionKey, operations, null,
        RequestOptions.NONE);
  }

  /**
   * Applies patch operations only if {@code condition} (a filter such as
   * {@code from c where c.status = 'open'}; null for none) holds; 412 when it does not.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> patchDocument(String database,
      String container, String id, Object partitionKey, List<PatchOperation> operations,
      String condition, RequestOptions options) {
    return patch(database, container, id, partitionKey, operations, condition, options,
        this::map);
  }

  /** Patches a document and maps the patched document to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> patchDocument(String database, String container,
      String id, Object partitionKey, List<PatchOperation> operations, String condition,
      RequestOptions options, Class<T> type) {
    return patch(database, container, id, partitionKey, operations, condition, options,
        typed(type));
  }

  private <T> CompletableFuture<CosmosResult<T>> patch(String database, String container,
      String id, Object partitionKey, List<PatchOperation> operations, String condition,
      RequestOptions options, Transport.BodyMapper<T> mapper) {
    Objects.requireNonNull(operations, "operations == null");
    if (operations.isEmpty() || operations.size() > 10) {
      throw new IllegalArgumentException(
          "operations must hold 1 to 10 patch operations, got " + operations.size());
    }
    List<Map<String, Object>> ops = new ArrayList<>();
    for (PatchOperation operation : operations) {
      ops.add(Objects.requireNonNull(operation, "operations contains null").toJson());
    }
    JsonObject body = new JsonObject();
    body.add("operations", Json.toTree(ops));
    if (condition != null) {
      if (condition.isBlank()) {
        throw new IllegalArgumentException("condition is blank");
      }
      body.addProperty("condition", condition);
    }
    CosmosRequest.Builder b = documentRequest("PATCH", CosmosRequest.Kind.PATCH, database,
        container, id, partitionKey, options);
    b.body(Json.toBytes(body), "application/json_patch+json");
    return transport.execute(b.build(), mapper);
  }

  /** Deletes a document (204); 404 when absent. */
  public CompletableFuture<CosmosResult<Void>> deleteDocument(String database, String container,
      String id, Object partitionKey) {
    return deleteDocument(database, container, id, partitionKey, RequestOptions.NONE);
  }

  /** Deletes a document with per-call options ({@code ifMatch}). */
  public CompletableFuture<CosmosResult<Void>> deleteDocument(String database, String container,
      String id, Object partitionKey, RequestOptions options) {
    return transport.execute(documentRequest("DELETE", CosmosRequest.Kind.DELETE, database,
        container, id, partitionKey, options).build(), body -> (Void) null);
  }

  private <T> CompletableFuture<CosmosResult<T>> write(CosmosRequest.Kind kind, String database,
      String container, Object document, Object partitionKey, RequestOptions options,
      Transport.BodyMapper<T> mapper) {
    CosmosRequest request = documentWriteRequest(kind, database, container, document,
        partitionKey, options);
    return transport.execute(request, mapper);
  }

  /** The request of a create or upsert; also used by multi-document writes. */
  CosmosRequest documentWriteRequest(CosmosRequest.Kind kind, String database, String container,
      Object document, Object partitionKey, RequestOptions options) {
    checkOpen();
    CosmosRequest.Link link = containerLink(database, container);
    byte[] body = documentBody(document, null);
    PartitionKey key = PartitionKey.from(partitionKey);
    CosmosRequest.Builder b = CosmosRequest.builder("POST", kind, "docs", link).feed("docs")
        .container(link.raw)
        .header("x-ms-documentdb-partitionkey", key.header())
        .body(body, JSON);
    if (kind == CosmosRequest.Kind.UPSERT) {
      b.header("x-ms-documentdb-is-upsert", "True");
    }
    return applyOptions(b, Objects.requireNonNull(options, "options == null"), false).build();
  }

  /** A request on one document: validated names, id and key, options applied. */
  CosmosRequest.Builder documentRequest(String method, CosmosRequest.Kind kind, String database,
      String container, String id, Object partitionKey, RequestOptions options) {
    checkOpen();
    CosmosRequest.Link collection = containerLink(database, container);
    CosmosRequest.Link link = collection.child("docs", Names.id(id, "id"));
    PartitionKey key = PartitionKey.from(partitionKey);
    CosmosRequest.Builder b = CosmosRequest.builder(method, kind, "docs", link)
        .container(collection.raw)
        .header("x-ms-documentdb-partitionkey", key.header());
    return applyOptions(b, Objects.requireNonNull(options, "options == null"),
        kind == CosmosRequest.Kind.READ);
  }

  /** Adds the per-call option headers; consistency applies to reads only. */
  CosmosRequest.Builder applyOptions(CosmosRequest.Builder b, RequestOptions options,
      boolean read) {
    b.sessionToken(options.sessionToken).timeout(options.timeout)
        .header("If-Match", options.ifMatch)
        .header("x-ms-documentdb-pre-trigger-include", options.preTrigger)
        .header("x-ms-documentdb-post-trigger-include", options.postTrigger);
    if (options.indexingDirective != null) {
      b.header("x-ms-indexing-directive", options.indexingDirective.header);
    }
    if (read) {
      b.header("If-None-Match", options.ifNoneMatch);
      ConsistencyLevel level = options.consistencyLevel != null
          ? options.consistencyLevel : consistencyLevel;
      if (level != null) {
        ConsistencyLevel account = transport.regions().accountConsistency;
        if (account != null && level.isStrongerThan(account)) {
          throw new IllegalArgumentException("consistencyLevel " + level.headerValue()
              + " is stronger than the account default " + account.headerValue()
              + "; a request may only weaken it");
        }
        b.header("x-ms-consistency-level", level.headerValue());
      }
    }
    return b;
  }

  /**
   * Serialises a document, checking it is a JSON object with a valid string id (equal to
   * {@code expectedId} when given).
   */
  static byte[] documentBody(Object document, String expectedId) {
    Objects.requireNonNull(document, "document == null");
    Object id;
    byte[] bytes;
    if (document instanceof Map) {
      id = ((Map<?, ?>) document).get("id");
      bytes = null;
    } else {
      JsonElement tree = Json.toTree(document);
      if (!tree.isJsonObject()) {
        throw new IllegalArgumentException(
            "document must serialize to a JSON object, got " + document.getClass().getName());
      }
      JsonElement idElement = tree.getAsJsonObject().get("id");
      id = idElement != null && idElement.isJsonPrimitive()
          && idElement.getAsJsonPrimitive().isString() ? idElement.getAsString() : idElement;
      bytes = Json.toBytes(tree);
    }
    if (!(id instanceof String)) {
      throw new IllegalArgumentException("document must have a string \"id\", got "
          + (id == null ? "none" : id));
    }
    Names.id((String) id, "document id");
    if (expectedId != null && !expectedId.equals(id)) {
      throw new IllegalArgumentException(
          "document id \"" + id + "\" differs from id \"" + expectedId + "\"");
    }
    return bytes != null ? bytes : Json.toBytes(document);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries and feeds

  /** Content type of query bodies: exactly this, no charset (the service refuses one). */
  static final String QUERY_JSON = "application/query+json";

  /**
   * A query over a container's documents, across all its partitions; see
   * {@link #queryDocuments(String, String, SqlQuery, QueryOptions, Class)}.
   */
  public DocumentQuery<Map<String, Object>> queryDocuments(String database, String container,
      SqlQuery query) {
    return queryDocuments(database, container, query, QueryOptions.NONE);
  }

  /**
   * A query over a container's documents, each document a {@code Map}; see
   * {@link #queryDocuments(String, String, SqlQuery, QueryOptions, Class)}.
   */
  public DocumentQuery<Map<String, Object>> queryDocuments(String database, String container,
      SqlQuery query, QueryOptions options) {
    return documentQuery(database, container, query, options, Json.MAP);
  }

  /**
   * A cross-partition query whose documents are mapped to {@code type}; see
   * {@link #queryDocuments(String, String, SqlQuery, QueryOptions, Class)}.
   */
  public <T> DocumentQuery<T> queryDocuments(String database, String container, SqlQuery query,
      Class<T> type) {
    return queryDocuments(database, container, query, QueryOptions.NONE, type);
  }

  /**
   * A query over a container's documents, mapped to {@code type} (a record or POJO) by Gson.
   * Nothing is sent until a page is asked for: the returned {@link DocumentQuery} pages one
   * request at a time, publishes documents on demand, and resumes from a continuation token.
   *
   * <p>Each page is {@code POST dbs/{db}/colls/{c}/docs} with the query as the body
   * ({@code Content-Type: application/query+json}), {@code x-ms-documentdb-isquery: True},
   * either {@code x-ms-documentdb-partitionkey} (with {@link QueryOptions.Builder#partitionKey})
   * or {@code x-ms-documentdb-query-enablecrosspartition: True}, {@code x-ms-max-item-count}
   * when set, {@code x-ms-continuation} from the second page on (or from the first, with a
   * starting token), and the container's session token (or the options' one). Pages go to the
   * read region and every page's session token is merged into the client's.
   *
   * @param database the database id
   * @param container the container id
   * @param query the query text and parameters
   * @param options partition key, page size, starting token, session token, consistency, page
   *     time limit; {@link QueryOptions#NONE} for none
   * @param type the class each document is mapped to
   * @param <T> the document type
   * @return the query, not yet sent
   * @throws IllegalArgumentException for an invalid database or container name, or a
   *     consistency level stronger than the account's
   * @throws NullPointerException for a null argument
   * @throws IllegalStateException when the client is closed
   */
  public <T> DocumentQuery<T> queryDocuments(String database, String container, SqlQuery query,
      QueryOptions options, Class<T> type) {
    return documentQuery(database, container, query, options, Objects.requireNonNull(type,
        "type == null"));
  }

  /**
   * Every document of a container, each a {@code Map}; see
   * {@link #readAllDocuments(String, String, QueryOptions, Class)}.
   */
  public DocumentQuery<Map<String, Object>> readAllDocuments(String database, String container) {
    return readAllDocuments(database, container, QueryOptions.NONE);
  }

  /**
   * Every document of a container (or of one partition key), each a {@code Map}; see
   * {@link #readAllDocuments(String, String, QueryOptions, Class)}.
   */
  public DocumentQuery<Map<String, Object>> readAllDocuments(String database, String container,
      QueryOptions options) {
    return readFeed(database, container, options, Json.MAP);
  }

  /**
   * Every document of a container mapped to {@code type}; see
   * {@link #readAllDocuments(String, String, QueryOptions, Class)}.
   */
  public <T> DocumentQuery<T> readAllDocuments(String database, String container,
      Class<T> type) {
    return readAllDocuments(database, container, QueryOptions.NONE, type);
  }

  /**
   * Every document of a container, or of one logical partition with
   * {@link QueryOptions.Builder#partitionKey}, mapped to {@code type}: the read feed,
   * {@code GET dbs/{db}/colls/{c}/docs}, paged exactly like {@link #queryDocuments} (the same
   * {@link DocumentQuery}, {@code x-ms-max-item-count}, {@code x-ms-continuation} and session
   * token handling). Nothing is sent until a page is asked for.
   *
   * @param database the database id
   * @param container the container id
   * @param options partition key, page size, starting token, session token, consistency, page
   *     time limit; {@link QueryOptions#NONE} for none
   * @param type the class each document is mapped to
   * @param <T> the document type
   * @return the feed, not yet sent
   * @throws IllegalArgumentException for an invalid database or container name
   * @throws NullPointerException for a null argument
   * @throws IllegalStateException when the client is closed
   */
  public <T> DocumentQuery<T> readAllDocuments(String database, String container,
      QueryOptions options, Class<T> type) {
    return readFeed(database, container, options, Objects.requireNonNull(type, "type == null"));
  }

  /**
   * Queries the databases of the account ({@code POST dbs}, {@code application/query+json},
   * {@code x-ms-documentdb-isquery: True}, no session token), following
   * {@code x-ms-continuation} until the last page, e.g.
   * {@code SqlQuery.of("SELECT * FROM root r WHERE r.id = @id").withParameter("@id", "shop")}.
   *
   * @return a future of every matching database resource, with the last page's headers and the
   *     request charge summed; a failed page completes it with {@link CosmosException}, or with a
   *     failed result when the client does not raise on failure
   * @throws NullPointerException when {@code query} is null
   * @throws IllegalStateException when the client is closed
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> queryDatabases(
      SqlQuery query) {
    checkOpen();
    Objects.requireNonNull(query, "query == null");
    CosmosRequest request = CosmosRequest.builder("POST", CosmosRequest.Kind.QUERY, "dbs",
        CosmosRequest.Link.ROOT).feed("dbs")
        .header("x-ms-documentdb-isquery", "True")
        .body(query.toBody(), QUERY_JSON).build();
    return allPages(request, "Databases");
  }

  /**
   * Queries the containers of a database ({@code POST dbs/{db}/colls},
   * {@code application/query+json}, {@code x-ms-documentdb-isquery: True}, no session token),
   * following {@code x-ms-continuation} until the last page.
   *
   * @return a future of every matching container resource, with the last page's headers and
   *     the request charge summed; a failed page completes it with {@link CosmosException}, or
   *     with a failed result when the client does not raise on failure
   * @throws IllegalArgumentException for an invalid database name
   * @throws NullPointerException when an argument is null
   * @throws IllegalStateException when the client is closed
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> queryContainers(
      String database, SqlQuery query) {
    checkOpen();
    Objects.requireNonNull(query, "query == null");
    CosmosRequest request = CosmosRequest.builder("POST", CosmosRequest.Kind.QUERY, "colls",
        databaseLink(database)).feed("colls")
        .header("x-ms-documentdb-isquery", "True")
        .body(query.toBody(), QUERY_JSON).build();
    return allPages(request, "DocumentCollections");
  }

  private <T> DocumentQuery<T> documentQuery(String database, String container, SqlQuery query,
      QueryOptions options, Type itemType) {
    checkOpen();
    Objects.requireNonNull(query, "query == null");
    Objects.requireNonNull(options, "options == null");
    CosmosRequest.Link link = containerLink(database, container);
    CosmosRequest.Builder b = CosmosRequest.builder("POST", CosmosRequest.Kind.QUERY, "docs",
        link).feed("docs").container(link.raw)
        .header("x-ms-documentdb-isquery", "True")
        .body(query.toBody(), QUERY_JSON);
    feedOptions(b, options, true);
    // Only a cross-partition query can be refused with 1004 and rescued by a single range.
    return new DocumentQuery<>(this, b.build(), "Documents", itemType, options.continuationToken,
        options.partitionKey == null ? link : null);
  }

  private <T> DocumentQuery<T> readFeed(String database, String container, QueryOptions options,
      Type itemType) {
    checkOpen();
    Objects.requireNonNull(options, "options == null");
    CosmosRequest.Link link = containerLink(database, container);
    CosmosRequest.Builder b = CosmosRequest.builder("GET", CosmosRequest.Kind.READ, "docs", link)
        .feed("docs").container(link.raw);
    feedOptions(b, options, false);
    return new DocumentQuery<>(this, b.build(), "Documents", itemType, options.continuationToken,
        null);
  }

  /** Scope, page size and the read options of a query or read feed. */
  private void feedOptions(CosmosRequest.Builder b, QueryOptions options, boolean query) {
    if (options.partitionKey != null) {
      b.header("x-ms-documentdb-partitionkey", options.partitionKey.header());
    } else if (query) {
      b.header("x-ms-documentdb-query-enablecrosspartition", "True");
    }
    if (options.maxItemCount != null) {
      b.header("x-ms-max-item-count", Integer.toString(options.maxItemCount));
    }
    RequestOptions.Builder read = RequestOptions.builder();
    if (options.sessionToken != null) {
      read.sessionToken(options.sessionToken);
    }
    if (options.consistencyLevel != null) {
      read.consistencyLevel(options.consistencyLevel);
    }
    if (options.timeout != null) {
      read.timeout(options.timeout);
    }
    applyOptions(b, read.build(), true);
  }

  /** Every page of a feed as one result, with the client's raise-on-failure switch applied. */
  private CompletableFuture<CosmosResult<List<Map<String, Object>>>> allPages(
      CosmosRequest request, String feedKey) {
    return new DocumentQuery<Map<String, Object>>(this, request, feedKey, Json.MAP, null, null)
        .allPages().thenCompose(result -> transport.settle(request, result));
  }

  // ---------------------------------------------------------------------------------------------
  // Multi-document writes

  /** Partition key paths per container link, read once for items given without a key. */
  private final Map<String, CompletableFuture<List<String>>> partitionKeyPaths =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Creates many documents concurrently; see
   * {@link #createDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items {@link BulkItem}s, or bare documents whose key is read from them
   * @return the running batch, a future of its results
   */
  public BulkOperation createDocuments(String database, String container, Iterable<?> items) {
    return bulk(BulkWriter.Operation.CREATE, database, container, iterator(items), () -> { },
        BulkOptions.DEFAULT);
  }

  /**
   * Creates many documents concurrently, with per-batch options (concurrency, progress listener,
   * request options); see
   * {@link #createDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items the items, as for {@link #createDocuments(String, String, Iterable)}
   * @param options per-batch options
   * @return the running batch, a future of its results
   */
  public BulkOperation createDocuments(String database, String container, Iterable<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.CREATE, database, container, iterator(items), () -> { },
        options);
  }

  /**
   * Creates many documents from a stream, read lazily, with per-batch options; the batch closes
   * the stream when it ends. See
   * {@link #createDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items the items, as for {@link #createDocuments(String, String, Iterable)}
   * @param options per-batch options
   * @return the running batch, a future of its results
   */
  public BulkOperation createDocuments(String database, String container,
      java.util.stream.Stream<?> items, BulkOptions options) {
    Objects.requireNonNull(items, "items == null");
    return bulk(BulkWriter.Operation.CREATE, database, container, items.iterator(), items::close,
        options);
  }

  /**
   * Creates many documents concurrently: one {@code POST .../docs} per item, as
   * {@link #createDocument(String, String, Object, Object)} sends it, each signed and retried on
   * its own (429 after the service's hint, and the rest of the client's retry policy).
   *
   * <p><b>Items.</b> Each item is a {@link BulkItem} (a document with its partition key value),
   * or a bare document, whose key is then read from it along the container's partition key
   * path(s): the container is read once ({@code GET .../colls/{container}}) and its paths cached
   * by the client. An item that cannot be sent (null, no string id, a bad key) fails alone with
   * code 0 and an error starting with {@code "invalid item: "}; the batch goes on.
   *
   * <p><b>Concurrency and memory.</b> At most {@link BulkOptions.Builder#maxConcurrency} items
   * (default: the client's {@link Builder#maxConcurrency}) are under way at once; the next item
   * is read from {@code items} only when one finishes, so a very large or endless input is
   * written with memory bounded by that number (plus each item's small result). Every request
   * also takes one of the client's in-flight permits, shared with every other call: two batches
   * together never exceed the client's limit, and a single-document call queues behind at most
   * the batches' windows, not their inputs. The iterator is read by one thread at a time — the
   * caller's at the start, then whichever thread finished an item — so an input that blocks
   * (reading a file) holds that thread while it reads.
   *
   * <p><b>Result.</b> The returned {@link BulkOperation} completes, when every item has
   * finished, with a {@link BulkResult}: one result per item in input order, never dropping
   * any. With {@link Builder#raiseOnFailure(boolean) raiseOnFailure(true)} (the default) a
   * batch with any failure, or whose input threw, completes exceptionally with one
   * {@link CosmosBulkException} carrying every result; otherwise it completes normally and
   * {@link BulkResult#allOk()} tells. A create whose response was lost is resent and, on
   * {@code 409}, checked by reading the document back ({@link CosmosResult#ambiguity()}).
   * Cancelling is described at {@link BulkOperation}.
   *
   * @param database the database id
   * @param container the container id
   * @param items {@link BulkItem}s, or bare documents whose key is read from them; read lazily
   *     and never after the batch ends
   * @param options per-batch options, {@link BulkOptions#DEFAULT} for none
   * @return the running batch, a future of its results
   * @throws IllegalArgumentException for an invalid database or container name
   * @throws IllegalStateException when the client is closed
   */
  public BulkOperation createDocuments(String database, String container,
      java.util.Iterator<?> items, BulkOptions options) {
    return bulk(BulkWriter.Operation.CREATE, database, container, items, () -> { }, options);
  }

  /**
   * Upserts many documents concurrently; see
   * {@link #upsertDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items {@link BulkItem}s, or bare documents whose key is read from them
   * @return the running batch, a future of its results
   */
  public BulkOperation upsertDocuments(String database, String container, Iterable<?> items) {
    return bulk(BulkWriter.Operation.UPSERT, database, container, iterator(items), () -> { },
        BulkOptions.DEFAULT);
  }

  /**
   * Upserts many documents concurrently, with per-batch options (concurrency, progress listener,
   * request options); see
   * {@link #upsertDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items the items, as for {@link #upsertDocuments(String, String, Iterable)}
   * @param options per-batch options
   * @return the running batch, a future of its results
   */
  public BulkOperation upsertDocuments(String database, String container, Iterable<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.UPSERT, database, container, iterator(items), () -> { },
        options);
  }

  /**
   * Upserts many documents from a stream, read lazily, with per-batch options; the batch closes
   * the stream when it ends. See
   * {@link #upsertDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items the items, as for {@link #upsertDocuments(String, String, Iterable)}
   * @param options per-batch options
   * @return the running batch, a future of its results
   */
  public BulkOperation upsertDocuments(String database, String container,
      java.util.stream.Stream<?> items, BulkOptions options) {
    Objects.requireNonNull(items, "items == null");
    return bulk(BulkWriter.Operation.UPSERT, database, container, items.iterator(), items::close,
        options);
  }

  /**
   * Upserts many documents concurrently: one {@code POST .../docs} with
   * {@code x-ms-documentdb-is-upsert: True} per item, with the items, concurrency, results and
   * failures of {@link #createDocuments(String, String, java.util.Iterator, BulkOptions)}. An
   * upsert whose response was lost is resent (the same content twice is the same content),
   * unless it runs triggers.
   *
   * @param database the database id
   * @param container the container id
   * @param items {@link BulkItem}s, or bare documents whose key is read from them; read lazily
   * @param options per-batch options, {@link BulkOptions#DEFAULT} for none
   * @return the running batch, a future of its results
   * @throws IllegalArgumentException for an invalid database or container name
   * @throws IllegalStateException when the client is closed
   */
  public BulkOperation upsertDocuments(String database, String container,
      java.util.Iterator<?> items, BulkOptions options) {
    return bulk(BulkWriter.Operation.UPSERT, database, container, items, () -> { }, options);
  }

  /**
   * Deletes many documents concurrently; see
   * {@link #deleteDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items {@code BulkItem.of(id or document, partitionKey)}, or bare documents
   * @return the running batch, a future of its results
   */
  public BulkOperation deleteDocuments(String database, String container, Iterable<?> items) {
    return bulk(BulkWriter.Operation.DELETE, database, container, iterator(items), () -> { },
        BulkOptions.DEFAULT);
  }

  /**
   * Deletes many documents concurrently, with per-batch options (concurrency, progress listener,
   * request options); see
   * {@link #deleteDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items the items, as for {@link #deleteDocuments(String, String, Iterable)}
   * @param options per-batch options
   * @return the running batch, a future of its results
   */
  public BulkOperation deleteDocuments(String database, String container, Iterable<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.DELETE, database, container, iterator(items), () -> { },
        options);
  }

  /**
   * Deletes many documents from a stream, read lazily, with per-batch options; the batch closes
   * the stream when it ends. See
   * {@link #deleteDocuments(String, String, java.util.Iterator, BulkOptions)}.
   *
   * @param database the database id
   * @param container the container id
   * @param items the items, as for {@link #deleteDocuments(String, String, Iterable)}
   * @param options per-batch options
   * @return the running batch, a future of its results
   */
  public BulkOperation deleteDocuments(String database, String container,
      java.util.stream.Stream<?> items, BulkOptions options) {
    Objects.requireNonNull(items, "items == null");
    return bulk(BulkWriter.Operation.DELETE, database, container, items.iterator(), items::close,
        options);
  }

  /**
   * Deletes many documents concurrently: one {@code DELETE .../docs/{id}} per item, with the
   * concurrency, results and failures of
   * {@link #createDocuments(String, String, java.util.Iterator, BulkOptions)}. An item is
   * {@code BulkItem.of(id, partitionKey)}, {@code BulkItem.of(document, partitionKey)}, or a
   * bare document (its id and key are read from it). A delete whose response was lost is resent;
   * a {@code 404} then shows the document is gone but not who removed it, so it is reported as
   * that 404 with {@link CosmosResult#isUncertain()} and {@link CosmosResult#ambiguity()} saying
   * so. A document that is not there fails with 404.
   *
   * @param database the database id
   * @param container the container id
   * @param items ids or documents with their keys, or bare documents; read lazily
   * @param options per-batch options, {@link BulkOptions#DEFAULT} for none
   * @return the running batch, a future of its results
   * @throws IllegalArgumentException for an invalid database or container name
   * @throws IllegalStateException when the client is closed
   */
  public BulkOperation deleteDocuments(String database, String container,
      java.util.Iterator<?> items, BulkOptions options) {
    return bulk(BulkWriter.Operation.DELETE, database, container, items, () -> { }, options);
  }

  private BulkOperation bulk(BulkWriter.Operation operation, String database, String container,
      java.util.Iterator<?> items, Runnable onEnd, BulkOptions options) {
    checkOpen();
    containerLink(database, container); // names are checked before anything runs
    Objects.requireNonNull(items, "items == null");
    Objects.requireNonNull(options, "options == null");
    return new BulkWriter(this, operation, database, container, items, onEnd, options).start();
  }

  private static java.util.Iterator<?> iterator(Iterable<?> items) {
    return Objects.requireNonNull(items, "items == null").iterator();
  }

  /**
   * The container's partition key paths, read once ({@code GET .../colls/{id}}) and cached; a
   * failed read is not cached. Completes exceptionally when the container cannot be read.
   */
  CompletableFuture<List<String>> partitionKeyPaths(String database, String container) {
    CosmosRequest request = containerRequest("GET", database, container);
    String key = request.resourceLink;
    CompletableFuture<List<String>> created = new CompletableFuture<>();
    CompletableFuture<List<String>> known = partitionKeyPaths.putIfAbsent(key, created);
    if (known != null) {
      return known;
    }
    transport.executeQuietly(request, this::map).whenComplete((result, error) -> {
      Throwable failure = error;
      if (failure == null && result.isOk()) {
        List<String> paths = partitionKeyPathsOf(result.data());
        if (paths != null) {
          created.complete(paths);
          return;
        }
        failure = new IllegalStateException("container " + request.displayPath
            + " has no partitionKey.paths");
      } else if (failure == null) {
        failure = new CosmosException("GET " + request.displayPath, result, result.cause());
      }
      partitionKeyPaths.remove(key, created);
      created.completeExceptionally(failure);
    });
    return created;
  }

  /** Drops a container's cached partition key paths (it may have been recreated). */
  void forgetPartitionKeyPaths(String database, String container) {
    partitionKeyPaths.remove(containerLink(database, container).raw);
  }

  private static List<String> partitionKeyPathsOf(Map<String, Object> container) {
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
    return java.util.Collections.unmodifiableList(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Shared helpers

  static final String JSON = "application/json";

  /** Creates; on 409 reads the existing resource instead. */
  private CompletableFuture<CosmosResult<Map<String, Object>>> createOrRead(CosmosRequest create,
      CosmosRequest read) {
    return transport.executeQuietly(create, this::map).thenCompose(created -> {
      if (created.code() != 409) {
        return transport.settle(create, created);
      }
      return transport.executeQuietly(read, this::map)
          .thenCompose(existing -> transport.settle(read, existing));
    });
  }

  Map<String, Object> map(byte[] body) {
    return Json.fromBytes(body, Json.MAP);
  }

  static <T> Transport.BodyMapper<T> typed(Class<T> type) {
    Objects.requireNonNull(type, "type == null");
    return body -> Json.fromBytes(body, type);
  }

  static CosmosRequest.Link databaseLink(String database) {
    return CosmosRequest.Link.ROOT.child("dbs", Names.name(database, "database"));
  }

  static CosmosRequest.Link containerLink(String database, String container) {
    return databaseLink(database).child("colls", Names.name(container, "container"));
  }

  private static CosmosRequest.Kind kindOf(String method) {
    switch (method) {
      case "GET": return CosmosRequest.Kind.READ;
      case "DELETE": return CosmosRequest.Kind.DELETE;
      case "PUT": return CosmosRequest.Kind.REPLACE;
      default: return CosmosRequest.Kind.OTHER_WRITE;
    }
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("client is closed");
    }
  }

  @Override public String toString() {
    return "CosmosClient{endpoint=" + transport.configuredEndpoint() + ", write="
        + writeEndpoint() + ", read=" + readEndpoint() + "}";
  }

  // ---------------------------------------------------------------------------------------------
  // Builder

  /**
   * Configures a {@link CosmosClient}. Required: an endpoint and one credential (master key or
   * resource token), or a connection string.
   */
  public static final class Builder {
    private String endpoint;
    private String key;
    private String resourceToken;
    private boolean raiseOnFailure = true;
    private int maxConcurrency = 100;
    private ConsistencyLevel consistencyLevel;
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;
    private List<Certificate> trustedCertificates;
    private String userAgentSuffix;
    private int maxThrottleRetries = RetryPolicy.DEFAULT_THROTTLE_RETRIES;
    private Duration maxThrottleWait = RetryPolicy.DEFAULT_THROTTLE_WAIT;
    private java.util.function.Function<HttpClient, Sender> senderFactory = Sender::forJvm;

    private Builder() {}

    /** Tests choose how requests are handed to the HTTP client; see {@link Sender}. */
    Builder sender(java.util.function.Function<HttpClient, Sender> factory) {
      this.senderFactory = Objects.requireNonNull(factory, "factory == null");
      return this;
    }

    /** The account endpoint, e.g. {@code https://myaccount.documents.azure.com:443/}. */
    public Builder endpoint(String endpoint) {
      Objects.requireNonNull(endpoint, "endpoint == null");
      URI uri;
      try {
        uri = URI.create(endpoint.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("endpoint is not a valid URI: " + endpoint);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "endpoint must be an http(s) URL with a host, got " + endpoint);
      }
      String text = uri.toString();
      this.endpoint = text.endsWith("/") ? text : text + "/";
      return this;
    }

    /** The account's master key (base64), used to sign every request. */
    public Builder key(String key) {
      Objects.requireNonNull(key, "key == null");
      if (key.isBlank()) {
        throw new IllegalArgumentException("key is blank");
      }
      this.key = key;
      this.resourceToken = null;
      return this;
    }

    /**
     * A resource token (a permission's {@code _token}) instead of a master key. It grants only
     * what its permission does: no database or container management.
     */
    public Builder resourceToken(String token) {
      Objects.requireNonNull(token, "resourceToken == null");
      if (token.isBlank()) {
        throw new IllegalArgumentException("resourceToken is blank");
      }
      this.resourceToken = token;
      this.key = null;
      return this;
    }

    /**
     * Endpoint and key from a connection string
     * ({@code AccountEndpoint=https://...;AccountKey=...;}). Parts are split on their first
     * {@code =}; names are case-insensitive; other parts are ignored.
     */
    public Builder connectionString(String connectionString) {
      Objects.requireNonNull(connectionString, "connectionString == null");
      String accountEndpoint = null;
      String accountKey = null;
      for (String part : connectionString.split(";")) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
          continue;
        }
        String name = part.substring(0, eq).trim();
        String value = part.substring(eq + 1).trim();
        if (name.equalsIgnoreCase("AccountEndpoint")) {
          accountEndpoint = value;
        } else if (name.equalsIgnoreCase("AccountKey")) {
          accountKey = value;
        }
      }
      // The connection string holds the key: never echo it.
      if (accountEndpoint == null || accountEndpoint.isEmpty()) {
        throw new IllegalArgumentException("connectionString has no AccountEndpoint part");
      }
      if (accountKey == null || accountKey.isEmpty()) {
        throw new IllegalArgumentException("connectionString has no AccountKey part");
      }
      endpoint(accountEndpoint);
      return key(accountKey);
    }

    /**
     * Reads {@code COSMOS_CONNECTION_STRING}, else {@code COSMOS_ENDPOINT} and
     * {@code COSMOS_KEY}, from the environment.
     *
     * @throws IllegalStateException when they are missing, naming them
     */
    public Builder fromEnvironment() {
      return fromEnvironment(System.getenv());
    }

    Builder fromEnvironment(Map<String, String> env) {
      String connection = env.get("COSMOS_CONNECTION_STRING");
      if (connection != null && !connection.isBlank()) {
        try {
          return connectionString(connection);
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("COSMOS_CONNECTION_STRING is malformed: "
              + e.getMessage(), e);
        }
      }
      String endpointValue = env.get("COSMOS_ENDPOINT");
      String keyValue = env.get("COSMOS_KEY");
      if (endpointValue == null || endpointValue.isBlank() || keyValue == null
          || keyValue.isBlank()) {
        throw new IllegalStateException("set COSMOS_CONNECTION_STRING, or COSMOS_ENDPOINT and "
            + "COSMOS_KEY (missing: " + (endpointValue == null || endpointValue.isBlank()
            ? "COSMOS_ENDPOINT" : "COSMOS_KEY") + ")");
      }
      try {
        endpoint(endpointValue);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("COSMOS_ENDPOINT is malformed: " + e.getMessage(), e);
      }
      return key(keyValue);
    }

    /**
     * Whether a failed call completes exceptionally with {@link CosmosException} (true, the
     * default) or normally with a result whose status is {@code "failed"} (false).
     */
    public Builder raiseOnFailure(boolean raiseOnFailure) {
      this.raiseOnFailure = raiseOnFailure;
      return this;
    }

    /** Most requests in flight at once for the whole client. Default 100. */
    public Builder maxConcurrency(int maxConcurrency) {
      this.maxConcurrency = Names.atLeastOne(maxConcurrency, "maxConcurrency");
      return this;
    }

    /**
     * Consistency for reads and queries ({@code x-ms-consistency-level}); it may only weaken the
     * account default. Default: unset, the account default applies.
     */
    public Builder consistencyLevel(ConsistencyLevel level) {
      this.consistencyLevel = Objects.requireNonNull(level, "consistencyLevel == null");
      return this;
    }

    /** Time limit of each attempt, until its response arrives. Default 60 seconds. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Names.positive(timeout, "requestTimeout");
      return this;
    }

    /** Time limit to open a connection (ignored with {@link #httpClient}). Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Names.positive(timeout, "connectTimeout");
      return this;
    }

    /** The clock that dates requests ({@code x-ms-date}). Default: the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * Uses this {@code HttpClient} (proxy, executor, TLS of your own); it keeps the executor you
     * gave it. Default: an HTTP/1.1 client with keep-alive made by the builder.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient == null");
      return this;
    }

    /**
     * Trusts the certificates in this PEM file <em>instead of</em> the JDK's trusted
     * authorities, e.g. a local server's self-signed certificate. Hostnames are still verified.
     * Default: the JDK's trust store; verification is never turned off.
     */
    public Builder trustedCertificate(Path pemFile) {
      Objects.requireNonNull(pemFile, "trustedCertificate == null");
      try (InputStream in = Files.newInputStream(pemFile)) {
        return trustedCertificates(in, pemFile.toString());
      } catch (IOException e) {
        throw new IllegalArgumentException("trustedCertificate cannot be read: " + pemFile, e);
      }
    }

    /** Like {@link #trustedCertificate(Path)}, from PEM text. */
    public Builder trustedCertificatePem(String pem) {
      Objects.requireNonNull(pem, "trustedCertificatePem == null");
      return trustedCertificates(
          new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)), "PEM text");
    }

    private Builder trustedCertificates(InputStream in, String source) {
      try {
        Collection<? extends Certificate> certs =
            CertificateFactory.getInstance("X.509").generateCertificates(in);
        if (certs.isEmpty()) {
          throw new IllegalArgumentException("trustedCertificate holds no certificate: " + source);
        }
        this.trustedCertificates = new ArrayList<>(certs);
        return this;
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("trustedCertificate is not a PEM certificate: "
            + source, e);
      }
    }

    /** Text appended to the {@code User-Agent} ({@code cosmos-lite/VERSION suffix}). */
    public Builder userAgentSuffix(String suffix) {
      Objects.requireNonNull(suffix, "userAgentSuffix == null");
      if (suffix.chars().anyMatch(c -> c < 0x20 || c > 0x7e) || suffix.length() > 200) {
        throw new IllegalArgumentException(
            "userAgentSuffix must be printable ASCII of at most 200 characters");
      }
      this.userAgentSuffix = suffix;
      return this;
    }

    /** Most resends of one call after 429 (throttling). Default 9. */
    public Builder maxRetriesOnThrottle(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("maxRetriesOnThrottle must be >= 0, got " + retries);
      }
      this.maxThrottleRetries = retries;
      return this;
    }

    /** Most total waiting of one call after 429s. Default 30 seconds. */
    public Builder maxRetryWaitOnThrottle(Duration wait) {
      Objects.requireNonNull(wait, "maxRetryWaitOnThrottle == null");
      if (wait.isNegative()) {
        throw new IllegalArgumentException("maxRetryWaitOnThrottle is negative: " + wait);
      }
      this.maxThrottleWait = wait;
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws IllegalStateException when the endpoint or the credential is missing, or options
     *     conflict
     */
    public CosmosClient build() {
      if (endpoint == null) {
        throw new IllegalStateException("endpoint required (or connectionString)");
      }
      if (key == null && resourceToken == null) {
        throw new IllegalStateException("key or resourceToken required");
      }
      if (httpClient != null && trustedCertificates != null) {
        throw new IllegalStateException("trustedCertificate cannot be combined with httpClient: "
            + "configure the SSLContext of your HttpClient instead");
      }
      // Gson's set-up is a tenth of a second of a cold start; it happens on another thread
      // while this one builds the TLS context and HTTP client, and the first answer is awaited.
      Json.warmUpInBackground();
      Auth auth = key != null ? Auth.masterKey(key) : Auth.resourceToken(resourceToken);
      HttpClient http = httpClient != null ? httpClient : newHttpClient();
      String userAgent = "cosmos-lite/" + VERSION
          + (userAgentSuffix == null ? "" : " " + userAgentSuffix);
      Transport transport = new Transport(senderFactory.apply(http), auth, maxConcurrency,
          new RetryPolicy(maxThrottleRetries, maxThrottleWait), clock, requestTimeout, userAgent,
          raiseOnFailure, endpoint);
      return new CosmosClient(this, transport);
    }

    private HttpClient newHttpClient() {
      HttpClient.Builder b = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(connectTimeout)
          .executor(Sender.prefersThreaded()
              // Requests start on our own I/O threads (Sender.Threaded), so the client's steps
              // can run where they are triggered instead of being handed to a pool: a hand-off
              // per step of every exchange was a large share of the CPU per request. Callers'
              // callbacks still never run on its selector thread.
              ? Runnable::run
              // sendAsync starts an exchange on this executor (address lookup, connection):
              // a few daemon threads keep that off the caller's thread.
              : Sender.httpExecutor());
      if (trustedCertificates != null) {
        b.sslContext(sslContext(trustedCertificates));
      }
      return b.build();
    }

    private static SSLContext sslContext(List<Certificate> certificates) {
      try {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        for (int i = 0; i < certificates.size(); i++) {
          store.setCertificateEntry("trusted-" + i, certificates.get(i));
        }
        TrustManagerFactory trust =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException("cannot set up TLS with the trusted certificate", e);
      }
    }

    /** Shows the configuration without the key or token. */
    @Override public String toString() {
      return "CosmosClient.Builder{endpoint=" + endpoint + ", credential="
          + (key != null ? "master key [redacted]" : resourceToken != null
          ? "resource token [redacted]" : "none") + ", maxConcurrency=" + maxConcurrency
          + ", raiseOnFailure=" + raiseOnFailure + "}";
    }
  }
}
