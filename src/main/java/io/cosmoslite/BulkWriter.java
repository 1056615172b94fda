package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs one multi-document write. At most {@code window} items are outstanding (pulled from the
 * input and not finished); each runs its own {@link Call}, which takes one of the client's
 * in-flight permits per attempt. The next item is pulled only when one finishes, so memory and
 * the batch's share of the permit queue stay bounded by the window, whatever the input's size.
 *
 * <p>All the batch's own work — reading the input, calling the progress listener, completing the
 * batch — happens in {@link #drain()}, which runs on one thread at a time (whichever finished an
 * item) and never under a lock: the caller's iterator is never touched concurrently.
 */
final class BulkWriter {
  enum Operation {
    CREATE("create"),
    UPSERT("upsert"),
    DELETE("delete"),
    PATCH("patch");

    final String word;

    Operation(String word) {
      this.word = word;
    }
  }

  private static final String STOPPED = "cancelled: the batch was stopped";
  /** Marks an item given up before its request was started. */
  private static final Object NOT_SENT = new Object();
  /** Marks an item whose Call is being started. */
  private static final Object NOT_STARTED = new Object();
  /** Marks an item handed to the batcher. */
  private static final Object BATCHED = new Object();

  private final CosmosClient client;
  private final Operation operation;
  private final String database;
  private final String container;
  private final Iterator<?> input;
  private final BulkOptions options;
  private final int window;
  private final boolean raise;
  private final Pipeline.BodyMapper<Map<String, Object>> mapper;
  private final Consumer<BulkOperation.Progress> listener;
  private final BulkOperation operationFuture = new BulkOperation();
  /** Packs items into bulk requests; null when sending one request per document. */
  private final BulkBatcher batcher;
  private final CosmosRequest.Link link;
  /** The request options of a create, upsert or patch (minimal answers unless kept). */
  private final RequestOptions writeOptions;

  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicInteger outstanding = new AtomicInteger();
  /**
   * The items stop() must reach itself: those with a call of their own, and those waiting for
   * the container's definition. A packed item is reached through the batcher once queued, and
   * an item being prepared sees {@code stopping} when it is queued or launched.
   */
  private final Set<Item> running = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private volatile boolean finished;
  private volatile boolean progressChanged;
  // Touched only inside drain().
  private boolean inputDone;
  private Throwable inputError;

  private final Object lock = new Object();
  // Guarded by lock. Every item's place (EVERY_ITEM), or the failures by input index (FAILURES).
  private final ArrayList<BulkResult.Entry> entries = new ArrayList<>();
  private final java.util.TreeMap<Long, BulkResult.Entry> failures = new java.util.TreeMap<>();
  private long pulled;
  private long done;
  private long succeeded;
  private long failed;
  private long uncertain;
  private long retries;
  private double requestCharge;

  BulkWriter(CosmosClient client, Operation operation, String database, String container,
      Iterator<?> input, BulkOptions options) {
    this.client = client;
    this.operation = operation;
    this.database = database;
    this.container = container;
    this.input = input;
    this.options = options;
    int clientLimit = client.pipeline.permits.permits();
    int requests = options.maxConcurrency == 0 ? clientLimit
        : Math.min(options.maxConcurrency, clientLimit);
    this.raise = client.raisesOnFailure();
    this.mapper = options.keepDocuments ? CosmosClient::map : body -> null;
    this.listener = options.progressListener;
    // Packed, each request carries up to 100 items: the window holds enough to fill them.
    this.window = options.batching ? requests * Batches.MAX_OPERATIONS : requests;
    this.link = Containers.link(database, container);
    RequestOptions base = options.requestOptions;
    // A write's answer carries its document only when it is kept.
    this.writeOptions = options.keepDocuments ? base
        : base.toBuilder().returnDocument(false).build();
    this.batcher = !options.batching ? null : new BulkBatcher(client, database, container,
        BulkBatcher.packable(probe()), requests, options.lingerMs, options.keepDocuments,
        options.requestOptions, mapper, (item, result) -> complete((Item) item, result),
        (item, result) -> end((Item) item, result), this::drain);
  }

  /**
   * One item's single-document request, built from fixed parts: whether such requests can be
   * packed depends on the options alone (the same for every item), so it is decided once.
   */
  private CosmosRequest probe() {
    switch (operation) {
      case DELETE:
        return Documents.delete(database, container, "probe", PartitionKey.NULL,
            options.requestOptions);
      case PATCH:
        return Documents.patchSerialised(database, container, "probe", PartitionKey.NULL,
            new byte[0], writeOptions);
      default:
        return Documents.writeSerialised(operation == Operation.UPSERT, link, new byte[0],
            PartitionKey.NULL, writeOptions);
    }
  }

  BulkOperation start() {
    operationFuture.attach(this);
    drain();
    return operationFuture;
  }

  /** Stops reading the input and gives up every unfinished item. No-op once finished. */
  void stop() {
    if (finished || stopping) {
      return;
    }
    stopping = true;
    if (batcher != null) {
      batcher.stop(STOPPED);
    }
    for (Item item : running) {
      abort(item);
    }
    drain();
  }

  BulkOperation.Progress progress() {
    synchronized (lock) {
      return new BulkOperation.Progress(pulled, done, succeeded, failed, uncertain, retries,
          requestCharge);
    }
  }

  // --- the serial part ---------------------------------------------------------------------

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return; // the thread in the loop will see our change
    }
    int missed = 1;
    while (true) {
      if (!finished) {
        pump();
        if (batcher != null) {
          batcher.flush(inputDone || stopping);
        }
        // Read before the snapshot: an item counts itself before it leaves `outstanding`, so
        // once this is true the snapshot holds every item and the last call reports them all.
        boolean done = outstanding.get() == 0 && (inputDone || stopping);
        if (listener != null && (progressChanged || done)) {
          progressChanged = false;
          BulkOperation.Progress snapshot = progress();
          try {
            listener.accept(snapshot);
          } catch (Throwable ignored) {
            // A listener's failure must not lose the batch; documented as ignored.
          }
        }
        if (done) {
          finished = true;
          finish();
        }
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /** Pulls items while the window has room. */
  private void pump() {
    while (!stopping && !inputDone && outstanding.get() < window) {
      Object next;
      try {
        if (!input.hasNext()) {
          inputDone = true;
          return;
        }
        next = input.next();
      } catch (Throwable e) { // the caller's input failed: end the batch, keep what we have
        inputError = e;
        inputDone = true;
        return;
      }
      long index;
      synchronized (lock) {
        index = pulled++;
        if (options.resultMode == BulkOptions.ResultMode.EVERY_ITEM) {
          entries.add(null);
        }
      }
      Item item = new Item(index, next);
      outstanding.incrementAndGet();
      prepare(item);
    }
  }

  private void finish() {
    BulkResult result;
    synchronized (lock) {
      List<BulkResult.Entry> kept = options.resultMode == BulkOptions.ResultMode.FAILURES
          ? new ArrayList<>(failures.values()) : entries;
      result = new BulkResult(kept, progress(), stopping, inputError);
    }
    // On the callback executor when the client has one, as every future it returns.
    client.pipeline.callback(() -> {
      operationFuture.outcome().complete(result);
      if (raise && !result.allOk() && !result.isCancelled()) {
        operationFuture.completeExceptionally(exception(result));
      } else {
        operationFuture.complete(result);
      }
    });
  }

  /**
   * The caller's future of a many-item result: with raise-on-failure, exceptionally with one
   * {@link CosmosBulkException} when an item failed with another code than {@code expected}
   * (for reads, a missing document's 404 is an answer, not a failure of the call).
   */
  static CompletableFuture<BulkResult> settle(CosmosClient client, String where,
      CompletableFuture<BulkResult> quiet, int expected) {
    CompletableFuture<BulkResult> out = new CompletableFuture<>();
    CompletableFuture<BulkResult> settled = Pipeline.compose(quiet, result -> {
      if (client.raisesOnFailure()) {
        for (int i = 0; i < result.size(); i++) {
          CosmosResult<Map<String, Object>> item = result.get(i);
          if (!item.isOk() && item.code() != expected) {
            return CompletableFuture.failedFuture(new CosmosBulkException(where + ": item "
                + result.inputIndex(i) + " failed", item, result, item.cause()));
          }
        }
      }
      return CompletableFuture.completedFuture(result);
    });
    settled.whenComplete((result, error) -> client.pipeline.callback(() -> {
      if (error != null) {
        out.completeExceptionally(Pipeline.unwrap(error));
      } else {
        out.complete(result);
      }
    }));
    out.whenComplete((r, e) -> settled.cancel(true)); // completed from outside: stop the reads
    return out;
  }

  private CosmosBulkException exception(BulkResult result) {
    String where = "bulk " + operation.word + " in "
        + Containers.link(database, container).display;
    String summary;
    CosmosResult<?> first = null;
    long firstIndex = -1;
    for (int i = 0; i < result.size() && first == null; i++) {
      if (!result.get(i).isOk()) {
        first = result.get(i);
        firstIndex = result.inputIndex(i);
      }
    }
    Throwable cause;
    if (result.failed() == 0) {
      first = Results.notSent("reading the input failed: " + inputError, inputError);
      summary = where + ": the input failed after " + result.items() + " items, all written";
      cause = inputError;
    } else {
      if (first == null) { // counts only: no result was kept
        first = Results.notSent(result.failed() + " items failed (results not kept)", null);
      }
      summary = where + ": " + result.failed() + " of " + result.items() + " items failed ("
          + result.uncertain() + " uncertain)"
          + (inputError != null ? " and the input failed" : "")
          + (firstIndex >= 0 ? "; first, item " + firstIndex : "");
      cause = inputError != null ? inputError : first.cause();
    }
    return new CosmosBulkException(summary, first, result, cause);
  }

  // --- one item ------------------------------------------------------------------------------

  private static final class Item {
    final long index;
    final Object input;
    final AtomicBoolean finished = new AtomicBoolean();
    /** Null until launched; then its Call, or NOT_SENT when given up before. */
    final AtomicReference<Object> state = new AtomicReference<>();
    volatile boolean keyFromDocument;
    volatile String id;
    volatile PartitionKey key;

    Item(long index, Object input) {
      this.index = index;
      this.input = input;
    }
  }

  private void prepare(Item item) {
    try {
      Object in = item.input;
      if (in == null) {
        throw new NullPointerException("item is null");
      }
      Object document = in;
      Object key = null;
      if (operation == Operation.PATCH
          && !(in instanceof BulkItem && ((BulkItem) in).operations != null)) {
        throw new IllegalArgumentException("a patch item is BulkItem.patch(id, partitionKey, "
            + "operations)");
      }
      if (in instanceof BulkItem) {
        BulkItem bulkItem = (BulkItem) in;
        document = bulkItem.document();
        if (!bulkItem.keyFromDocument()) {
          key = bulkItem.rawKey();
          if (key == BulkItem.NULL_KEY) {
            throw new NullPointerException(
                "partitionKey == null (use PartitionKey.NULL for a JSON null key value)");
          }
        }
      }
      if (document == null) {
        throw new NullPointerException("document == null");
      }
      if (key != null) {
        submit(item, document, key);
        return;
      }
      if (operation == Operation.DELETE && document instanceof String) {
        throw new IllegalArgumentException("a delete by id needs its partition key: use "
            + "BulkItem.of(id, partitionKey), or pass the document");
      }
      item.keyFromDocument = true;
      ContainerCache.Container known = client.containers.knownContainer(link.raw);
      if (known != null) {
        submit(item, document, partitionKeyOf(document, known.paths)); // no future per item
        return;
      }
      running.add(item); // waits for the definition: stop() ends it at once
      Object doc = document;
      client.containers.partitionKeyPaths(database, container).whenComplete((paths, error) -> {
        if (error != null) {
          Throwable why = Pipeline.unwrap(error);
          complete(item, notSent("the container's partition key definition could not be read: "
              + (why.getMessage() == null ? why.toString() : why.getMessage()), why));
          return;
        }
        try {
          submit(item, doc, partitionKeyOf(doc, paths));
        } catch (RuntimeException | StackOverflowError e) {
          complete(item, invalid(e));
        }
      });
    } catch (RuntimeException | StackOverflowError e) {
      complete(item, invalid(e));
    }
  }

  /**
   * Checks and serialises one item, then sends it: packed, as one bulk operation (no
   * single-document request is built unless it has to go alone), or as its own request.
   *
   * @throws RuntimeException for an invalid item, before anything of it is sent
   */
  private void submit(Item item, Object document, Object key) {
    client.checkOpen();
    item.key = PartitionKey.from(key);
    if (batcher == null) {
      launch(item, request(item, document, key));
      return;
    }
    Batches.Op op;
    RequestOptions requestOptions = options.requestOptions;
    if (operation == Operation.DELETE) {
      String id = document instanceof String ? (String) document : Documents.idOf(document);
      item.id = id;
      op = Batches.Op.serialised("Delete", Names.id(id, "document id"), null,
          requestOptions.ifMatch);
    } else if (operation == Operation.PATCH) {
      item.id = (String) document;
      op = Batches.Op.serialised("Patch", Names.id(item.id, "document id"),
          Documents.patchBody(((BulkItem) item.input).operations, writeOptions),
          writeOptions.ifMatch);
    } else {
      if (options.resultMode != BulkOptions.ResultMode.COUNTS) {
        item.id = Documents.idOf(document);
      }
      op = Batches.Op.serialised(operation == Operation.UPSERT ? "Upsert" : "Create", null,
          Documents.body(document, null), writeOptions.ifMatch);
    }
    queue(item, new BulkBatcher.Pending(item, op, item.key, this::single));
  }

  /** A packed item's single-document request: what {@link #request} gives for it. */
  private CosmosRequest single(BulkBatcher.Pending pending) {
    switch (operation) {
      case DELETE:
        return Documents.delete(database, container, pending.op.id, pending.key,
            options.requestOptions);
      case PATCH:
        return Documents.patchSerialised(database, container, pending.op.id, pending.key,
            pending.op.body, writeOptions);
      default:
        return Documents.writeSerialised(operation == Operation.UPSERT, link, pending.op.body,
            pending.key, writeOptions);
    }
  }

  /** One item's own request (one request per document). */
  private CosmosRequest request(Item item, Object document, Object key) {
    RequestOptions requestOptions = options.requestOptions;
    if (operation == Operation.DELETE) {
      String id = document instanceof String ? (String) document : Documents.idOf(document);
      item.id = id;
      return Documents.delete(database, container, id, key, requestOptions);
    }
    if (operation == Operation.PATCH) {
      item.id = (String) document;
      return Documents.patch(database, container, item.id, key,
          ((BulkItem) item.input).operations, writeOptions);
    }
    if (options.resultMode != BulkOptions.ResultMode.COUNTS) {
      item.id = Documents.idOf(document);
    }
    return Documents.write(operation == Operation.UPSERT, database, container, document, key,
        writeOptions);
  }

  private void queue(Item item, BulkBatcher.Pending pending) {
    if (stopping || !item.state.compareAndSet(null, BATCHED)) {
      complete(item, notSent(STOPPED + " before this item was sent", null));
      return;
    }
    batcher.add(pending); // the batcher ends it (or stop() does, through the batcher)
  }

  private void launch(Item item, CosmosRequest request) {
    running.add(item); // before the check: stop() either ends it here or is seen below
    if (stopping || !item.state.compareAndSet(null, NOT_STARTED)) {
      complete(item, notSent(STOPPED + " before this item was sent", null));
      return;
    }
    Call<Map<String, Object>> call = client.pipeline.start(request, mapper);
    item.state.set(call);
    call.result().whenComplete((result, error) ->
        complete(item, result != null ? result : unexpected(error)));
    if (stopping) {
      call.stop(STOPPED, new CancellationException(STOPPED));
    }
  }

  private void abort(Item item) {
    while (!item.finished.get()) {
      Object state = item.state.get();
      if (state instanceof Call) {
        ((Call<?>) state).stop(STOPPED, new CancellationException(STOPPED));
        return;
      }
      if (state == NOT_STARTED) {
        // Its Call (or its place in the batcher) is being made this instant: the launching
        // thread reads `stopping` after publishing the call and stops it itself (volatile
        // order: it cannot miss the `stopping = true` written before this read).
        return;
      }
      if (state == BATCHED) {
        return; // stopped through the batcher
      }
      if (state == null && item.state.compareAndSet(null, NOT_SENT)) {
        complete(item, notSent(STOPPED + " before this item was sent", null));
        return;
      }
      if (state == NOT_SENT) {
        return;
      }
    }
  }

  /** Ends an item and moves on: more input, the next requests, the progress listener. */
  private void complete(Item item, CosmosResult<Map<String, Object>> result) {
    if (end(item, result)) {
      drain();
    }
  }

  /** Ends an item (false when it had already ended); the caller drains. */
  private boolean end(Item item, CosmosResult<Map<String, Object>> result) {
    if (!item.finished.compareAndSet(false, true)) {
      return false;
    }
    BulkOptions.ResultMode mode = options.resultMode;
    BulkResult.Entry entry = mode == BulkOptions.ResultMode.COUNTS
        || (mode == BulkOptions.ResultMode.FAILURES && result.isOk()) ? null
        : new BulkResult.Entry(item.index, item.id, item.key, result);
    synchronized (lock) {
      if (mode == BulkOptions.ResultMode.EVERY_ITEM) {
        entries.set((int) item.index, entry);
      } else if (entry != null) {
        failures.put(item.index, entry);
      }
      done++;
      if (result.isOk()) {
        succeeded++;
      } else {
        failed++;
      }
      if (result.isUncertain()) {
        uncertain++;
      }
      retries += result.retryCount();
      requestCharge += result.requestCharge();
    }
    if (item.keyFromDocument && result.code() == 400 && result.subStatus() == 1001) {
      // The key did not match the container's definition: it may have been recreated.
      client.containers.forget(Containers.link(database, container).raw);
    }
    running.remove(item);
    outstanding.decrementAndGet();
    progressChanged = true;
    return true;
  }

  private static CosmosResult<Map<String, Object>> invalid(Throwable e) {
    if (e instanceof StackOverflowError) { // a document that holds itself, or nested too deep
      e = new IllegalArgumentException("document cannot be written as JSON: it contains itself "
          + "or is nested too deeply", e);
    }
    return Results.notSent("invalid item: " + e.getMessage(), e);
  }

  private static CosmosResult<Map<String, Object>> notSent(String why, Throwable cause) {
    return Results.notSent(why, cause);
  }

  private CosmosResult<Map<String, Object>> unexpected(Throwable error) {
    Throwable why = Pipeline.unwrap(error);
    // Not an answer we understood: whether the write was applied is unknown.
    return Results.noResponse("request failed: " + why, why, null, true,
        "the call ended without an answer it could read");
  }

  // --- partition keys from documents ---------------------------------------------------------

  /**
   * The partition key value of a document under the container's key paths: one value per path,
   * {@link PartitionKey#UNDEFINED} where the document lacks the property.
   */
  static PartitionKey partitionKeyOf(Object document, List<String> paths) {
    if (document instanceof Map) {
      // A map of plain values is read as it is, not made into a tree first: the same values
      // the tree would give (numbers through their JSON text). Anything else: the tree decides.
      Object[] values = new Object[paths.size()];
      int i = 0;
      while (i < values.length
          && (values[i] = plainValueAt((Map<?, ?>) document, paths.get(i))) != NOT_PLAIN) {
        i++;
      }
      if (i == values.length) {
        return PartitionKey.of(values);
      }
    }
    return partitionKeyOfTree(document, paths);
  }

  /** The key read from the document's JSON tree: the reference {@link #partitionKeyOf} keeps. */
  static PartitionKey partitionKeyOfTree(Object document, List<String> paths) {
    JsonElement tree = Json.callerTree(document, "document");
    if (!tree.isJsonObject()) {
      throw new IllegalArgumentException("document must be a JSON object (a Map, record or "
          + "POJO), got " + document.getClass().getName());
    }
    Object[] values = new Object[paths.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = valueAt(tree, paths.get(i));
    }
    return PartitionKey.of(values);
  }

  private static Object valueAt(JsonElement tree, String path) {
    JsonElement at = tree;
    for (String name : segments(path)) {
      if (at == null || !at.isJsonObject()) {
        return PartitionKey.UNDEFINED;
      }
      at = at.getAsJsonObject().get(name);
    }
    if (at == null) {
      return PartitionKey.UNDEFINED;
    }
    if (at.isJsonNull()) {
      return null;
    }
    if (!at.isJsonPrimitive()) {
      throw new IllegalArgumentException("the partition key property " + path
          + " holds " + (at.isJsonArray() ? "an array" : "an object")
          + "; it must be a string, number, boolean or null");
    }
    JsonPrimitive value = at.getAsJsonPrimitive();
    if (value.isBoolean()) {
      return value.getAsBoolean();
    }
    if (value.isNumber()) {
      return Json.parseNumber(value.getAsString());
    }
    return value.getAsString();
  }

  /** What {@link #plainValueAt} gives when the tree has to decide. */
  private static final Object NOT_PLAIN = new Object();

  /**
   * The key value at {@code path} of a map, as {@link #valueAt} reads it from the map's tree:
   * each name found as Gson writes the map (every entry under {@code String.valueOf} of its key,
   * the last of equal names winning); {@link #NOT_PLAIN} where only the tree can tell: a value
   * that is not plain JSON (Gson decides how such a value looks), or a map or list where the
   * value should be (the tree path refuses it with its message).
   */
  private static Object plainValueAt(Map<?, ?> document, String path) {
    Object at = document;
    for (String name : segments(path)) {
      if (!(at instanceof Map)) {
        boolean plain = at == null || at instanceof String || at instanceof Boolean
            || at instanceof Collection || Json.plainNumber(at);
        return plain ? PartitionKey.UNDEFINED : NOT_PLAIN;
      }
      Object found = NOT_FOUND;
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) at).entrySet()) {
        Object key = entry.getKey();
        if (key instanceof String ? key.equals(name) : String.valueOf(key).equals(name)) {
          found = entry.getValue();
        }
      }
      if (found == NOT_FOUND) {
        return PartitionKey.UNDEFINED;
      }
      at = found;
    }
    if (at == null || at instanceof String || at instanceof Boolean) {
      return at;
    }
    // A map or list where the value should be: the tree refuses it, with its message.
    return Json.plainNumber(at) ? Json.parseNumber(at.toString()) : NOT_PLAIN;
  }

  private static final Object NOT_FOUND = new Object();

  /** {@code /a/b} → [a, b]; a segment may be quoted: {@code /"a b"/c} → [a b, c]. */
  static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = path.length();
    while (i < n) {
      if (path.charAt(i) != '/') {
        throw new IllegalArgumentException("partition key path must start with /: " + path);
      }
      i++;
      StringBuilder name = new StringBuilder();
      if (i < n && path.charAt(i) == '"') {
        i++;
        while (i < n && path.charAt(i) != '"') {
          char c = path.charAt(i++);
          if (c == '\\' && i < n) {
            c = path.charAt(i++);
          }
          name.append(c);
        }
        i++; // the closing quote
      } else {
        while (i < n && path.charAt(i) != '/') {
          name.append(path.charAt(i++));
        }
      }
      out.add(name.toString());
    }
    return out;
  }
}
