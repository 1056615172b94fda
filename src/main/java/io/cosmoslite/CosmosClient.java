package io.cosmoslite;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
 * <p><b>Arguments.</b> Every document method takes, in this order: database, container, the
 * document (or its id), its partition key, what the operation needs besides (patch operations),
 * then {@link RequestOptions} and a {@link DocumentType} in its full form. Partition keys are a
 * {@link PartitionKey} or a String, Number or Boolean. Bad arguments throw
 * {@link IllegalArgumentException} or {@link NullPointerException} at once, naming the argument,
 * before any request.
 *
 * <p><b>Failures.</b> By default ({@link Builder#raiseOnFailure(boolean) raiseOnFailure(true)}) a
 * failed call completes exceptionally with a {@link CosmosException} carrying the failed result;
 * with {@code raiseOnFailure(false)} it completes normally with {@code status = "failed"}. The
 * switch applies to every entry point the same way. A call that got no response (refused
 * connection, timeout) fails with code 0.
 *
 * <p><b>Futures.</b> Completing or cancelling a returned future yourself (for example with
 * {@code orTimeout}) stops the call behind it and frees its in-flight permit at once.
 *
 * <p><b>Retries.</b> Throttling (429) is retried after the service's {@code x-ms-retry-after-ms},
 * by default up to 9 times and 30 seconds of waiting; 449, 503, 410, 404/1002 and connection
 * failures are retried with backoff where resending is safe. Every attempt is signed afresh. A
 * write whose answer was lost is settled rather than guessed: a create is resent and a 409 on
 * the resend is checked by reading the document back; a patch is never resent; what cannot be
 * settled is reported with {@link CosmosResult#isUncertain()}, never as a success.
 *
 * <p><b>Sessions.</b> The client merges the {@code x-ms-session-token} of every document response
 * per container and sends it on that container's reads and queries. {@link #sessionToken} hands
 * a container's token out (to a cookie, say); give it back per call with
 * {@link RequestOptions.Builder#sessionToken}, which affects that call only.
 *
 * <p><b>Threads.</b> See the package documentation; {@link Builder#callbackExecutor} chooses
 * where callers' dependent stages run.
 */
public final class CosmosClient implements AutoCloseable {
  final Pipeline pipeline;
  final ContainerCache containers;
  private final ConsistencyLevel consistencyLevel;
  private volatile boolean closed;

  private CosmosClient(Pipeline pipeline, ConsistencyLevel consistencyLevel) {
    this.pipeline = pipeline;
    this.containers = new ContainerCache(pipeline);
    pipeline.containers = containers;
    this.consistencyLevel = consistencyLevel;
    pipeline.accountRefresher(() -> run(Databases.account(), this::learnAccount));
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
   * Reads the database account ({@code GET /} on the configured endpoint) and learns its
   * regions and default consistency: from then on writes go to the first write region and reads
   * to the first readable region. Without it, every call uses the configured endpoint. The
   * result's data is the account document.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> readAccount() {
    return send(Databases.account(), this::learnAccount);
  }

  private Map<String, Object> learnAccount(byte[] body) {
    Map<String, Object> account = Json.fromBytes(body, Json.MAP);
    pipeline.regions(Pipeline.Regions.ofAccount(account, pipeline.globalEndpoint));
    return account;
  }

  /** The endpoint writes are sent to (the configured one until {@link #readAccount()}). */
  public String writeEndpoint() {
    return pipeline.regions().write;
  }

  /** The endpoint reads are sent to (the configured one until {@link #readAccount()}). */
  public String readEndpoint() {
    return pipeline.regions().read;
  }

  /** Requests in flight now (holding one of the {@code maxConcurrency} permits). */
  public int inFlightRequests() {
    return pipeline.permits.inUse();
  }

  /** Calls waiting for an in-flight permit now. */
  public int waitingRequests() {
    return pipeline.permits.waiting();
  }

  /**
   * Closes the client: later calls throw {@link IllegalStateException}, calls still waiting for
   * a permit fail with "client is closed", the client's own I/O threads end once idle. Requests
   * already sent complete normally; a multi-document write or a query in progress sends nothing
   * more. (The JDK 17 {@code HttpClient} has no close; its idle connections go when it is
   * collected.)
   */
  @Override public void close() {
    closed = true;
    pipeline.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Session tokens

  /**
   * The session token this client holds for a container (every partition-key range merged), or
   * null when it has none yet. Hand it to another client instance (a cookie, say) and give it
   * back there per call with {@link RequestOptions.Builder#sessionToken} to read your own writes.
   */
  public String sessionToken(String database, String container) {
    return pipeline.sessions.get(Containers.link(database, container).raw);
  }

  /**
   * Merges a trusted session token (from another instance of your own service) into this
   * client's state for the container, for all later reads: per range the higher LSN wins. Never
   * pass a token an end user can forge (a cookie) here — it would affect every user's reads;
   * pass such tokens per call with {@link RequestOptions.Builder#sessionToken} instead.
   *
   * @throws IllegalArgumentException when it does not parse as a session token, or names more
   *     than 1,000 ranges or 16 KB (the value is not echoed)
   */
  public void mergeSessionToken(String database, String container, String sessionToken) {
    Names.sessionToken(sessionToken, "sessionToken");
    pipeline.sessions.merge(Containers.link(database, container).raw, sessionToken);
  }

  // ---------------------------------------------------------------------------------------------
  // Databases

  /**
   * Lists the databases ({@code GET dbs}), following {@code x-ms-continuation} to the last
   * page; data is every database resource, with the request charge summed over the pages.
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listDatabases() {
    return allPages(Databases.list(), "Databases");
  }

  /**
   * Queries the databases ({@code POST dbs} with {@code application/query+json}), every page;
   * e.g. {@code SqlQuery.of("SELECT * FROM root r WHERE r.id = @id").withParameter("@id", "a")}.
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> queryDatabases(
      SqlQuery query) {
    return allPages(Feeds.queryDatabases(query), "Databases");
  }

  /** Creates a database ({@code POST dbs}); 409 when it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabase(String id) {
    return createDatabase(id, null);
  }

  /** Creates a database with shared throughput ({@code null} for none). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabase(String id,
      Throughput throughput) {
    return send(Databases.create(id, throughput), CosmosClient::map);
  }

  /** Creates a database unless it exists; either way the data is the database resource. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabaseIfNotExists(
      String id) {
    return createDatabaseIfNotExists(id, null);
  }

  /** Creates a database with throughput ({@code null} for none) unless it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDatabaseIfNotExists(
      String id, Throughput throughput) {
    return createOrRead(Databases.create(id, throughput), Databases.read(id));
  }

  /** Reads a database ({@code GET dbs/{id}}). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getDatabase(String id) {
    return send(Databases.read(id), CosmosClient::map);
  }

  /** Deletes a database and everything in it; forgets its containers' tokens and definitions. */
  public CompletableFuture<CosmosResult<Void>> deleteDatabase(String id) {
    CosmosRequest request = Databases.delete(id);
    return after(request, run(request, CosmosClient::none), () -> {
      pipeline.sessions.clearDatabase(request.resourceLink);
      containers.forgetDatabase(request.resourceLink);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Containers

  /**
   * Lists the containers of a database ({@code GET dbs/{db}/colls}), every page; data is every
   * container resource.
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listContainers(
      String database) {
    return allPages(Containers.list(database), "DocumentCollections");
  }

  /** Queries the containers of a database ({@code POST dbs/{db}/colls}), every page. */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> queryContainers(
      String database, SqlQuery query) {
    return allPages(Feeds.queryContainers(database, query), "DocumentCollections");
  }

  /** Creates a container partitioned on one path (e.g. {@code /customer}); 409 when it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainer(String database,
      String id, String partitionKeyPath) {
    return createContainer(database, ContainerProperties.builder(id, partitionKeyPath).build(),
        null);
  }

  /**
   * Creates a container from a full definition (hierarchical keys, TTL, indexing, unique keys)
   * with dedicated throughput ({@code null} for none).
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createContainer(String database,
      ContainerProperties properties, Throughput throughput) {
    return send(Containers.create(database, properties, throughput), CosmosClient::map);
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
    Objects.requireNonNull(properties, "properties == null");
    return createOrRead(Containers.create(database, properties, throughput),
        Containers.read(database, properties.id()));
  }

  /**
   * Reads a container's definition; {@link ContainerProperties#from(Map)} turns its data into
   * properties to change and replace.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getContainer(String database,
      String id) {
    return send(Containers.read(database, id), CosmosClient::map);
  }

  /**
   * Replaces a container's definition ({@code PUT}): what {@code properties} leaves out is
   * reset, so start from {@link ContainerProperties#from(Map)} of a read. Its partition key
   * cannot change.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceContainer(String database,
      ContainerProperties properties) {
    return send(Containers.replace(database, properties), CosmosClient::map);
  }

  /** Deletes a container and its documents; forgets its session token and definition. */
  public CompletableFuture<CosmosResult<Void>> deleteContainer(String database, String id) {
    CosmosRequest request = Containers.delete(database, id);
    return after(request, run(request, CosmosClient::none), () -> {
      pipeline.sessions.clearContainer(request.resourceLink);
      containers.forget(request.resourceLink);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Documents

  /**
   * Creates a document ({@code POST docs}): a {@code Map} or any Gson-mappable object with a
   * string {@code id}. 409 when the id exists in that partition. Data is the stored document.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createDocument(String database,
      String container, Object document, Object partitionKey) {
    return createDocument(database, container, document, partitionKey, RequestOptions.NONE,
        DocumentType.MAP);
  }

  /** Creates a document with options; the stored document is mapped to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> createDocument(String database, String container,
      Object document, Object partitionKey, RequestOptions options, DocumentType<T> type) {
    return send(Documents.write(false, database, container, document, partitionKey, options),
        mapper(type));
  }

  /** Creates or replaces a document (201 when new, 200 when it replaced one). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> upsertDocument(String database,
      String container, Object document, Object partitionKey) {
    return upsertDocument(database, container, document, partitionKey, RequestOptions.NONE,
        DocumentType.MAP);
  }

  /** Upserts a document with options ({@code ifMatch} applies to a replaced one). */
  public <T> CompletableFuture<CosmosResult<T>> upsertDocument(String database, String container,
      Object document, Object partitionKey, RequestOptions options, DocumentType<T> type) {
    return send(Documents.write(true, database, container, document, partitionKey, options),
        mapper(type));
  }

  /**
   * Reads a document ({@code GET docs/{id}}); 404 when absent. With
   * {@link RequestOptions.Builder#ifNoneMatch} an unchanged document gives a successful 304 with
   * null data.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getDocument(String database,
      String container, String id, Object partitionKey) {
    return getDocument(database, container, id, partitionKey, RequestOptions.NONE,
        DocumentType.MAP);
  }

  /** Reads a document with options, mapped to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> getDocument(String database, String container,
      String id, Object partitionKey, RequestOptions options, DocumentType<T> type) {
    return send(Documents.read(database, container, id, partitionKey, options, reads()),
        mapper(type));
  }

  /**
   * Replaces a document ({@code PUT docs/{id}}, the id being the document's own). With
   * {@link RequestOptions.Builder#ifMatch} it fails with 412 when the document changed.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceDocument(String database,
      String container, Object document, Object partitionKey) {
    return replaceDocument(database, container, document, partitionKey, RequestOptions.NONE,
        DocumentType.MAP);
  }

  /** Replaces a document with options; the stored document is mapped to {@code type}. */
  public <T> CompletableFuture<CosmosResult<T>> replaceDocument(String database,
      String container, Object document, Object partitionKey, RequestOptions options,
      DocumentType<T> type) {
    return send(Documents.replace(database, container, document, partitionKey, options),
        mapper(type));
  }

  /**
   * Applies 1 to 10 patch operations to a document ({@code PATCH docs/{id}}); data is the
   * patched document. A patch whose answer was lost is never resent (an increment could apply
   * twice): it is reported uncertain.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> patchDocument(String database,
      String container, String id, Object partitionKey, List<PatchOperation> operations) {
    return patchDocument(database, container, id, partitionKey, operations, RequestOptions.NONE,
        DocumentType.MAP);
  }

  /**
   * Patches a document with options ({@link RequestOptions.Builder#patchCondition} patches only
   * when a filter holds); the patched document is mapped to {@code type}.
   */
  public <T> CompletableFuture<CosmosResult<T>> patchDocument(String database, String container,
      String id, Object partitionKey, List<PatchOperation> operations, RequestOptions options,
      DocumentType<T> type) {
    return send(Documents.patch(database, container, id, partitionKey, operations, options),
        mapper(type));
  }

  /** Deletes a document (204); 404 when absent. */
  public CompletableFuture<CosmosResult<Void>> deleteDocument(String database, String container,
      String id, Object partitionKey) {
    return deleteDocument(database, container, id, partitionKey, RequestOptions.NONE);
  }

  /** Deletes a document with options ({@code ifMatch}). */
  public CompletableFuture<CosmosResult<Void>> deleteDocument(String database, String container,
      String id, Object partitionKey, RequestOptions options) {
    return send(Documents.delete(database, container, id, partitionKey, options),
        CosmosClient::none);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries and feeds

  /**
   * A query across every partition of a container, each item any JSON value (a {@code Map} for
   * objects, a number for {@code SELECT VALUE COUNT(1)}); see
   * {@link #queryDocuments(String, String, SqlQuery, RequestOptions, DocumentType)}.
   */
  public DocumentQuery<Object> queryDocuments(String database, String container, String sql) {
    return queryDocuments(database, container, SqlQuery.of(sql), RequestOptions.NONE,
        DocumentType.JSON);
  }

  /** A parameterised query across every partition, items any JSON value. */
  public DocumentQuery<Object> queryDocuments(String database, String container,
      SqlQuery query) {
    return queryDocuments(database, container, query, RequestOptions.NONE, DocumentType.JSON);
  }

  /**
   * A query over a container's documents, items mapped to {@code type}. Nothing is sent until a
   * page is asked for: the returned {@link DocumentQuery} pages one request at a time, publishes
   * items on demand, and resumes from a continuation token.
   *
   * <p>Each page is {@code POST dbs/{db}/colls/{c}/docs} with the query as the body
   * ({@code Content-Type: application/query+json}), {@code x-ms-documentdb-isquery: True},
   * either {@code x-ms-documentdb-partitionkey} (with {@link RequestOptions.Builder#partitionKey})
   * or {@code x-ms-documentdb-query-enablecrosspartition: True}, {@code x-ms-max-item-count}
   * when set, {@code x-ms-continuation} from the second page on (or from the first, with a
   * starting token), and the container's session token (or the options' one). Pages go to the
   * read region and every page's session token is merged into the client's.
   *
   * @param options partition key, page size, starting token, session token, consistency,
   *     time limit of each page's call; {@link RequestOptions#NONE} for none
   * @throws IllegalArgumentException for an invalid name, or a consistency level stronger than
   *     the account's
   * @throws NullPointerException for a null argument
   * @throws IllegalStateException when the client is closed
   */
  public <T> DocumentQuery<T> queryDocuments(String database, String container, SqlQuery query,
      RequestOptions options, DocumentType<T> type) {
    checkOpen();
    CosmosRequest request = Feeds.queryDocuments(database, container, query, options, reads());
    // Only a cross-partition query can be refused with 1004 and rescued by a single range.
    return new DocumentQuery<>(this, request, "Documents", typeOf(type),
        options.continuationToken,
        options.partitionKey == null ? Containers.link(database, container) : null);
  }

  /** Every document of a container, each a {@code Map}: the read feed. */
  public DocumentQuery<Map<String, Object>> readAllDocuments(String database, String container) {
    return readAllDocuments(database, container, RequestOptions.NONE, DocumentType.MAP);
  }

  /**
   * Every document of a container, or of one logical partition with
   * {@link RequestOptions.Builder#partitionKey}, mapped to {@code type}: the read feed,
   * {@code GET dbs/{db}/colls/{c}/docs}, paged exactly like {@link #queryDocuments}.
   */
  public <T> DocumentQuery<T> readAllDocuments(String database, String container,
      RequestOptions options, DocumentType<T> type) {
    checkOpen();
    CosmosRequest request = Feeds.readDocuments(database, container, options, reads());
    return new DocumentQuery<>(this, request, "Documents", typeOf(type),
        options.continuationToken, null);
  }

  // ---------------------------------------------------------------------------------------------
  // Multi-document writes

  /**
   * Creates many documents concurrently; see
   * {@link #createDocuments(String, String, Iterator, BulkOptions)}.
   */
  public BulkOperation createDocuments(String database, String container, Iterable<?> items) {
    return createDocuments(database, container, iterator(items), BulkOptions.DEFAULT);
  }

  /**
   * Creates many documents concurrently. Items are {@link BulkItem}s, or bare documents whose
   * partition key is read from them along the container's key paths (read once, cached). They
   * are pulled from {@code items} only as permits free up, so memory is bounded by the pool (and
   * by {@link BulkOptions.Builder#results}), not by the input; a {@code Stream} is passed as
   * {@code stream.iterator()}.
   *
   * <p>At most the client's {@code maxConcurrency} requests are in flight for the whole client,
   * and at most {@link BulkOptions.Builder#maxConcurrency} items of this batch. Every input gets
   * exactly one result, in input order: written, failed with the service's reason, or failed
   * without a response (uncertain when it may have been applied). The returned
   * {@link BulkOperation} is a future of the {@link BulkResult}; completing it from outside
   * stops the batch. With {@code raiseOnFailure} a batch with failures completes with one
   * {@link CosmosBulkException} that still carries every result.
   */
  public BulkOperation createDocuments(String database, String container, Iterator<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.CREATE, database, container, items, options);
  }

  /** Upserts many documents concurrently; as {@link #createDocuments(String, String, Iterable)}. */
  public BulkOperation upsertDocuments(String database, String container, Iterable<?> items) {
    return upsertDocuments(database, container, iterator(items), BulkOptions.DEFAULT);
  }

  /** Upserts many documents; as {@link #createDocuments(String, String, Iterator, BulkOptions)}. */
  public BulkOperation upsertDocuments(String database, String container, Iterator<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.UPSERT, database, container, items, options);
  }

  /**
   * Deletes many documents concurrently: {@code BulkItem.of(id, partitionKey)}, or documents
   * (their id and key are read from them).
   */
  public BulkOperation deleteDocuments(String database, String container, Iterable<?> items) {
    return deleteDocuments(database, container, iterator(items), BulkOptions.DEFAULT);
  }

  /** Deletes many documents; as {@link #createDocuments(String, String, Iterator, BulkOptions)}. */
  public BulkOperation deleteDocuments(String database, String container, Iterator<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.DELETE, database, container, items, options);
  }

  /**
   * Patches many documents concurrently: items are {@code BulkItem.patch(id, partitionKey,
   * operations)}; packed and reported as {@link #createDocuments(String, String, Iterator,
   * BulkOptions)}. A patch whose answer was lost is never resent: it is reported uncertain.
   */
  public BulkOperation patchDocuments(String database, String container, Iterator<?> items,
      BulkOptions options) {
    return bulk(BulkWriter.Operation.PATCH, database, container, items, options);
  }

  private BulkOperation bulk(BulkWriter.Operation operation, String database, String container,
      Iterator<?> items, BulkOptions options) {
    checkOpen();
    Containers.link(database, container); // names are checked before anything runs
    Objects.requireNonNull(items, "items == null");
    Objects.requireNonNull(options, "options == null");
    return new BulkWriter(this, operation, database, container, items, options).start();
  }

  private static Iterator<?> iterator(Iterable<?> items) {
    return Objects.requireNonNull(items, "items == null").iterator();
  }

  /**
   * Reads many documents in few requests, as the SDKs' {@code readMany}: each item is
   * {@code BulkItem.of(id, partitionKey)}; the pairs are grouped by partition key range and each
   * group is one query on its range with the ids and keys as parameters (a group of one stays a
   * point read). The result holds one result per item, in input order: 200 with the document,
   * or 404 for one that does not exist — a missing document is reported, never dropped, and
   * does not make the call fail. Other failures follow raise-on-failure as for
   * {@link #createDocuments}.
   *
   * @throws IllegalArgumentException for an item that is not an (id, key) pair, before sending
   */
  public CompletableFuture<BulkResult> readDocuments(String database, String container,
      List<BulkItem> items) {
    return readDocuments(database, container, items, RequestOptions.NONE);
  }

  /** Reads many documents with options (session token, consistency, time limit per request). */
  public CompletableFuture<BulkResult> readDocuments(String database, String container,
      List<BulkItem> items, RequestOptions options) {
    checkOpen();
    return BulkWriter.settle(this, "readDocuments in " + Containers.link(database, container)
        .display, new ManyReads(this, database, container, items, options).run(), 404);
  }

  // ---------------------------------------------------------------------------------------------
  // Transactional batch

  /**
   * Runs a transactional batch: up to 100 operations on one logical partition, all applied or
   * none ({@code POST docs} with {@code x-ms-cosmos-is-batch-request: True},
   * {@code x-ms-cosmos-batch-atomic: True}, {@code x-ms-cosmos-batch-continue-on-error: False}
   * and the partition key header). The result's data is one result per operation, in order
   * (status, substatus, etag, request charge, the document where there is one). When an
   * operation fails nothing is applied: the batch fails with that operation's status (its
   * data still holds every operation's result, the others 424 Failed Dependency). A 429 on the
   * whole batch is retried like any 429; a batch whose answer was lost is never resent, and
   * is reported uncertain.
   *
   * @throws IllegalArgumentException for an empty batch or one over 2 MB, before sending
   */
  public CompletableFuture<CosmosResult<List<CosmosResult<Map<String, Object>>>>> executeBatch(
      String database, String container, TransactionalBatch batch) {
    CosmosRequest request = Batches.transactional(database, container, batch);
    return pipeline.deliver(request.operation(), Pipeline.compose(run(request, body -> body),
        answer -> CompletableFuture.completedFuture(Batches.outcome(answer, batch.size()))));
  }

  // ---------------------------------------------------------------------------------------------
  // ---- Server-side scripts (stored procedures, triggers, user-defined functions) and conflicts

  /**
   * Creates a stored procedure ({@code POST .../sprocs} with {@code {id, body}}); {@code body} is
   * its JavaScript, e.g. {@code function (name) { getContext().getResponse().setBody("hi " +
   * name); }}. 409 when the id exists. Never resent when its outcome is unknown.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createStoredProcedure(
      String database, String container, String id, String body) {
    return send(Scripts.create(Scripts.Kind.STORED_PROCEDURE, database, container,
        Scripts.definition(Scripts.Kind.STORED_PROCEDURE, id, body)), CosmosClient::map);
  }

  /** Reads a stored procedure; data is its resource ({@code id}, {@code body}, {@code _etag}). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getStoredProcedure(
      String database, String container, String id) {
    return send(Scripts.read(Scripts.Kind.STORED_PROCEDURE, database, container, id),
        CosmosClient::map);
  }

  /** Replaces a stored procedure's body ({@code PUT .../sprocs/{id}}); 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceStoredProcedure(
      String database, String container, String id, String body) {
    return send(Scripts.replace(Scripts.Kind.STORED_PROCEDURE, database, container,
        Scripts.definition(Scripts.Kind.STORED_PROCEDURE, id, body)), CosmosClient::map);
  }

  /** Deletes a stored procedure; 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Void>> deleteStoredProcedure(String database,
      String container, String id) {
    return send(Scripts.delete(Scripts.Kind.STORED_PROCEDURE, database, container, id),
        CosmosClient::none);
  }

  /** Lists a container's stored procedures ({@code GET .../sprocs}), every page. */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listStoredProcedures(
      String database, String container) {
    return allPages(Scripts.list(Scripts.Kind.STORED_PROCEDURE, database, container),
        Scripts.Kind.STORED_PROCEDURE.feedKey);
  }

  /**
   * Runs a stored procedure in the logical partition {@code partitionKey} with {@code args} sent
   * as a JSON array ({@code POST .../sprocs/{id}}). Data is what the script set with
   * {@code getContext().getResponse().setBody(...)} as JSON values (maps, lists, strings,
   * numbers, booleans), or null when it set nothing. A script that throws is a 400 and wrote
   * nothing. An execution whose outcome is unknown (no answer, 408, 503) is never resent: it
   * is reported {@link CosmosResult#isUncertain() uncertain}.
   */
  public CompletableFuture<CosmosResult<Object>> executeStoredProcedure(String database,
      String container, String id, Object partitionKey, List<?> args) {
    return executeStoredProcedure(database, container, id, partitionKey, args, false);
  }

  /**
   * Runs a stored procedure; with {@code scriptLogging} the script's {@code console.log} output
   * is asked for ({@code x-ms-documentdb-script-enable-logging: true}) and comes back as
   * {@link CosmosResult#scriptLog()}.
   */
  public CompletableFuture<CosmosResult<Object>> executeStoredProcedure(String database,
      String container, String id, Object partitionKey, List<?> args, boolean scriptLogging) {
    return send(Scripts.execute(database, container, id, partitionKey, args, scriptLogging),
        Scripts::body);
  }

  /**
   * Creates a trigger: {@code type} says whether it runs before or after the write that names
   * it ({@link RequestOptions.Builder#preTrigger(String)} / {@code postTrigger}), and
   * {@code operation} which writes may name it. 409 when the id exists.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createTrigger(String database,
      String container, String id, String body, TriggerType type, TriggerOperation operation) {
    return send(Scripts.create(Scripts.Kind.TRIGGER, database, container,
        Scripts.trigger(id, body, type, operation)), CosmosClient::map);
  }

  /** Reads a trigger. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getTrigger(String database,
      String container, String id) {
    return send(Scripts.read(Scripts.Kind.TRIGGER, database, container, id), CosmosClient::map);
  }

  /** Replaces a trigger's body, type and operation; 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceTrigger(String database,
      String container, String id, String body, TriggerType type, TriggerOperation operation) {
    return send(Scripts.replace(Scripts.Kind.TRIGGER, database, container,
        Scripts.trigger(id, body, type, operation)), CosmosClient::map);
  }

  /** Deletes a trigger; 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Void>> deleteTrigger(String database, String container,
      String id) {
    return send(Scripts.delete(Scripts.Kind.TRIGGER, database, container, id),
        CosmosClient::none);
  }

  /** Lists a container's triggers ({@code GET .../triggers}), every page. */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listTriggers(
      String database, String container) {
    return allPages(Scripts.list(Scripts.Kind.TRIGGER, database, container),
        Scripts.Kind.TRIGGER.feedKey);
  }

  /**
   * Creates a user-defined function, callable in this container's queries as
   * {@code udf.<id>(...)}; 409 when the id exists.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createUserDefinedFunction(
      String database, String container, String id, String body) {
    return send(Scripts.create(Scripts.Kind.USER_DEFINED_FUNCTION, database, container,
        Scripts.definition(Scripts.Kind.USER_DEFINED_FUNCTION, id, body)), CosmosClient::map);
  }

  /** Reads a user-defined function. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getUserDefinedFunction(
      String database, String container, String id) {
    return send(Scripts.read(Scripts.Kind.USER_DEFINED_FUNCTION, database, container, id),
        CosmosClient::map);
  }

  /** Replaces a user-defined function's body; 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceUserDefinedFunction(
      String database, String container, String id, String body) {
    return send(Scripts.replace(Scripts.Kind.USER_DEFINED_FUNCTION, database, container,
        Scripts.definition(Scripts.Kind.USER_DEFINED_FUNCTION, id, body)), CosmosClient::map);
  }

  /** Deletes a user-defined function; 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Void>> deleteUserDefinedFunction(String database,
      String container, String id) {
    return send(Scripts.delete(Scripts.Kind.USER_DEFINED_FUNCTION, database, container, id),
        CosmosClient::none);
  }

  /** Lists a container's user-defined functions ({@code GET .../udfs}), every page. */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listUserDefinedFunctions(
      String database, String container) {
    return allPages(Scripts.list(Scripts.Kind.USER_DEFINED_FUNCTION, database, container),
        Scripts.Kind.USER_DEFINED_FUNCTION.feedKey);
  }

  /**
   * Lists a container's conflicts ({@code GET .../conflicts}, every page): the writes of a
   * multi-region-write account that lost to another region's. Empty elsewhere.
   */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listConflicts(
      String database, String container) {
    return allPages(Scripts.list(Scripts.Kind.CONFLICT, database, container),
        Scripts.Kind.CONFLICT.feedKey);
  }

  /** Reads one conflict; 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getConflict(String database,
      String container, String id) {
    return send(Scripts.read(Scripts.Kind.CONFLICT, database, container, id), CosmosClient::map);
  }

  /** Deletes one conflict (once resolved); 404 when it is unknown. */
  public CompletableFuture<CosmosResult<Void>> deleteConflict(String database, String container,
      String id) {
    return send(Scripts.delete(Scripts.Kind.CONFLICT, database, container, id),
        CosmosClient::none);
  }

  // ---------------------------------------------------------------------------------------------
  // ---- Throughput, users and permissions (offers, resource tokens)

  /**
   * A database's shared throughput: reads the database (its {@code _rid}), queries
   * {@code POST offers} for the offer whose {@code offerResourceId} is that id, and reads the
   * offer ({@code GET offers/{id}}) for its minimum and pending state. A database without
   * throughput fails with 404, "no offer for dbs/{db}: ...".
   */
  public CompletableFuture<CosmosResult<ThroughputProperties>> readThroughput(String database) {
    return Composites.readThroughput(this, Databases.read(database));
  }

  /**
   * A container's dedicated throughput, found as {@link #readThroughput(String)} does. A
   * container without its own (serverless, or sharing its database's) fails with 404,
   * "no offer for dbs/{db}/colls/{c}: ...".
   */
  public CompletableFuture<CosmosResult<ThroughputProperties>> readThroughput(String database,
      String container) {
    return Composites.readThroughput(this, Containers.read(database, container));
  }

  /**
   * Replaces a database's shared throughput ({@code PUT offers/{id}} with the offer read, its
   * content replaced); from manual to autoscale or back it adds the migration header. Data is
   * the replaced offer's properties ({@link ThroughputProperties#isReplacePending()} while the
   * service applies it). No offer: 404 as for {@link #readThroughput(String)}.
   */
  public CompletableFuture<CosmosResult<ThroughputProperties>> replaceThroughput(
      String database, Throughput throughput) {
    return Composites.replaceThroughput(this, Databases.read(database), throughput);
  }

  /**
   * Replaces a container's dedicated throughput as
   * {@link #replaceThroughput(String, Throughput)} does.
   */
  public CompletableFuture<CosmosResult<ThroughputProperties>> replaceThroughput(
      String database, String container, Throughput throughput) {
    return Composites.replaceThroughput(this, Containers.read(database, container), throughput);
  }

  /** Creates a user of a database ({@code POST dbs/{db}/users}); 409 when it exists. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createUser(String database,
      String id) {
    return send(Users.create(database, id), CosmosClient::map);
  }

  /** Reads a user ({@code GET dbs/{db}/users/{id}}). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getUser(String database,
      String id) {
    return send(Users.read(database, id), CosmosClient::map);
  }

  /** Renames a user ({@code PUT dbs/{db}/users/{id}}); its permissions stay with it. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replaceUser(String database,
      String id, String newId) {
    return send(Users.replace(database, id, newId), CosmosClient::map);
  }

  /** Deletes a user and its permissions; their tokens stop working. */
  public CompletableFuture<CosmosResult<Void>> deleteUser(String database, String id) {
    return send(Users.delete(database, id), CosmosClient::none);
  }

  /** Lists a database's users ({@code GET dbs/{db}/users}), every page. */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listUsers(String database) {
    return Composites.allPages(this, Users.list(database), "Users");
  }

  /**
   * Grants a user {@code mode} on a resource link ({@code dbs/{db}/colls/{c}}, or a document in
   * it): {@code POST dbs/{db}/users/{u}/permissions}. Data is the permission; its {@code _token}
   * is the resource token to hand to the user's client
   * ({@link Builder#resourceToken(String)}). 409 when the user has a permission on that link.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createPermission(String database,
      String user, String id, PermissionMode mode, String resourceLink) {
    return createPermission(database, user, id, mode, resourceLink, null);
  }

  /**
   * Grants {@code mode} on a resource link in one logical partition
   * ({@code resourcePartitionKey}; a {@link PartitionKey} or a String, Number or Boolean; null
   * for the whole resource): the token cannot touch another partition.
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> createPermission(String database,
      String user, String id, PermissionMode mode, String resourceLink, Object partitionKey) {
    return send(Users.createPermission(database, user, id, mode, resourceLink, partitionKey),
        CosmosClient::map);
  }

  /** Reads a permission with a fresh resource token in {@code _token} (an hour's life). */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getPermission(String database,
      String user, String id) {
    return getPermission(database, user, id, null);
  }

  /**
   * Reads a permission with a fresh token living {@code tokenLife}, 1 second to 5 hours
   * ({@code x-ms-documentdb-expiry-seconds}; null for the service's default).
   */
  public CompletableFuture<CosmosResult<Map<String, Object>>> getPermission(String database,
      String user, String id, java.time.Duration tokenLife) {
    return send(Users.readPermission(database, user, id, tokenLife), CosmosClient::map);
  }

  /** Replaces a permission's grant ({@code PUT}); tokens of the old grant stop working. */
  public CompletableFuture<CosmosResult<Map<String, Object>>> replacePermission(String database,
      String user, String id, PermissionMode mode, String resourceLink, Object partitionKey) {
    return send(Users.replacePermission(database, user, id, mode, resourceLink, partitionKey),
        CosmosClient::map);
  }

  /** Deletes a permission; its tokens stop working. */
  public CompletableFuture<CosmosResult<Void>> deletePermission(String database, String user,
      String id) {
    return send(Users.deletePermission(database, user, id), CosmosClient::none);
  }

  /** Lists a user's permissions, each with a fresh {@code _token}, every page. */
  public CompletableFuture<CosmosResult<List<Map<String, Object>>>> listPermissions(
      String database, String user) {
    return Composites.allPages(this, Users.listPermissions(database, user), "Permissions");
  }

  // ---------------------------------------------------------------------------------------------
  // ---- Change feed

  /** A container's change feed from the beginning, every range, each change a {@code Map}. */
  public ChangeFeed<Map<String, Object>> changeFeed(String database, String container) {
    return changeFeed(database, container, ChangeFeedOptions.builder().build(), DocumentType.MAP);
  }

  /**
   * A container's change feed (pull model), changes mapped to {@code type}. Nothing is sent
   * until a page is asked for; see {@link ChangeFeed} for the requests, pages, tokens and splits.
   *
   * @param options start, scope, mode, page size (checked when they were built)
   * @throws IllegalArgumentException for an invalid name
   * @throws NullPointerException for a null argument
   * @throws IllegalStateException when the client is closed
   */
  public <T> ChangeFeed<T> changeFeed(String database, String container,
      ChangeFeedOptions options, DocumentType<T> type) {
    checkOpen();
    return new ChangeFeed<>(this, database, container, options, typeOf(type), reads());
  }

  /**
   * The container's feed ranges (one per partition-key range, opaque URL-safe strings) for
   * {@link ChangeFeedOptions.Builder#feedRange}, to spread a change feed over workers; read from
   * the client's partition map ({@code GET .../pkranges} once).
   *
   * @return a future of the list; exceptionally with {@link CosmosException} when the
   *     container or its ranges cannot be read
   * @throws IllegalArgumentException for an invalid name
   */
  public CompletableFuture<List<String>> feedRanges(String database, String container) {
    checkOpen();
    return ChangeFeeds.feedRanges(this, database, container);
  }

  // ---------------------------------------------------------------------------------------------
  // The three steps every method takes: request → pipeline → caller's future

  /** Sends one request; the caller's future, with the raise-on-failure switch applied. */
  <T> CompletableFuture<CosmosResult<T>> send(CosmosRequest request,
      Pipeline.BodyMapper<T> mapper) {
    return pipeline.deliver(request.operation(), run(request, mapper));
  }

  /** Sends one request quietly (never raises), for composite operations. */
  <T> CompletableFuture<CosmosResult<T>> run(CosmosRequest request,
      Pipeline.BodyMapper<T> mapper) {
    checkOpen();
    return pipeline.execute(request, mapper);
  }

  /** Runs {@code onSuccess} after a successful quiet result, then delivers it. */
  private <T> CompletableFuture<CosmosResult<T>> after(CosmosRequest request,
      CompletableFuture<CosmosResult<T>> quiet, Runnable onSuccess) {
    return pipeline.deliver(request.operation(), Pipeline.compose(quiet, result -> {
      if (result.isOk()) {
        onSuccess.run();
      }
      return CompletableFuture.completedFuture(result);
    }));
  }

  /** Creates; on 409 reads the existing resource instead. */
  private CompletableFuture<CosmosResult<Map<String, Object>>> createOrRead(CosmosRequest create,
      CosmosRequest read) {
    return pipeline.deliver(create.operation(), Pipeline.compose(run(create, CosmosClient::map),
        created -> created.code() == 409 ? pipeline.execute(read, CosmosClient::map)
            : CompletableFuture.completedFuture(created)));
  }

  /** Every page of a feed as one result. */
  private CompletableFuture<CosmosResult<List<Map<String, Object>>>> allPages(
      CosmosRequest request, String feedKey) {
    checkOpen();
    return pipeline.deliver(request.operation(), new DocumentQuery<Map<String, Object>>(this,
        request, feedKey, Json.MAP, null, null).allPages());
  }

  boolean raisesOnFailure() {
    return pipeline.raiseOnFailure;
  }

  private Documents.Reads reads() {
    return new Documents.Reads(consistencyLevel, pipeline.regions().accountConsistency);
  }

  static Map<String, Object> map(byte[] body) {
    return Json.fromBytes(body, Json.MAP);
  }

  private static Void none(byte[] body) {
    return null;
  }

  private static <T> Pipeline.BodyMapper<T> mapper(DocumentType<T> type) {
    return Objects.requireNonNull(type, "type == null").mapper();
  }

  private static java.lang.reflect.Type typeOf(DocumentType<?> type) {
    return Objects.requireNonNull(type, "type == null").type;
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("client is closed");
    }
  }

  /** The endpoints; never a credential. */
  @Override public String toString() {
    return "CosmosClient{endpoint=" + pipeline.globalEndpoint + ", write=" + writeEndpoint()
        + ", read=" + readEndpoint() + "}";
  }

  // ---------------------------------------------------------------------------------------------
  // Builder

  /**
   * Configures a {@link CosmosClient}. Required: an endpoint and one credential (master key or
   * resource token), or a connection string.
   */
  public static final class Builder extends ClientSettings {
    Builder() {}

    @Override Builder self() {
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws IllegalStateException when the endpoint or the credential is missing, or options
     *     conflict
     */
    public CosmosClient build() {
      return new CosmosClient(pipeline(), consistencyLevel);
    }
  }
}
