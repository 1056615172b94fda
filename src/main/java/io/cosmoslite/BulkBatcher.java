package io.cosmoslite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Packs a multi-document write's operations into bulk requests: grouped by partition key
 * <em>range</em> (not by key value, so a container partitioned by {@code /id} still gets full
 * requests), up to 100 operations or about 220 KB each, sent as non-atomic batches. What the
 * answer says per operation decides each one: done, throttled (only those are resent, after the
 * service's wait, in a later request), or on a range that is gone (the map is re-read and only
 * those are routed again). A request whose answer was lost is settled operation by operation,
 * each resent alone through the ordinary lost-answer settlement. A whole request the service
 * refuses with 400 is sent again one document per request, so a routing disagreement costs
 * speed, never results.
 *
 * <p>A partial request is sent when the input has nothing more for now, when no request of this
 * writer is in flight (waiting would only stall), or when it has lingered {@code linger}.
 * Thread-safe; every item ends by one call of {@code done} or {@code ended} (after an answer's
 * {@code ended} calls, {@code changed} runs once).
 */
final class BulkBatcher {
  private static final int MAX_GONE = 3;

  /**
   * One operation waiting for, or inside, a bulk request. It holds the operation as the bulk body
   * carries it (serialised once); the single-document request is built only for an operation
   * that has to go on its own (a refused bulk request, a lost answer's settlement, a key the map
   * cannot place, no map), and then exactly as the one-request-per-document path builds it.
   */
  static final class Pending {
    final Object item;
    final PartitionKey key;
    final Batches.Op op;
    final String keyHeader;
    private final Function<Pending, CosmosRequest> singles;
    /** Built at most once, by {@link #single()}; each pending is handled by one path at a time. */
    private CosmosRequest single;
    int throttled;
    long throttleWaitMs;
    int gone;
    /** The map that put this operation in its range's buffer: the stale one if that is gone. */
    PartitionKeyRanges routedBy;

    /**
     * @param singles builds this operation as a single-document request, for when it goes alone
     */
    Pending(Object item, Batches.Op op, PartitionKey key,
        Function<Pending, CosmosRequest> singles) {
      this.item = item;
      this.key = key;
      this.op = op;
      this.keyHeader = key.header();
      this.singles = singles;
    }

    /** The operation as a single-document request: for fallback and settlement. */
    CosmosRequest single() {
      if (single == null) {
        single = singles.apply(this);
      }
      return single;
    }

    /** Whether {@link #single()} has been built (for tests: only for operations sent alone). */
    boolean singleBuilt() {
      return single != null;
    }
  }

  private final CosmosClient client;
  private final String database;
  private final String container;
  /** {@code dbs/{db}/colls/{c}}: the container cache's key. */
  private final String link;
  /** Whether the options let an operation travel in a bulk request (no triggers, say). */
  private final boolean packable;
  private final int maxRequests;
  private final long lingerMs;
  private final boolean returnDocuments;
  private final RequestOptions options;
  private final Pipeline.BodyMapper<Map<String, Object>> mapper;
  /** Ends an item: (item, result), and lets the writer move on. */
  private final BiConsumer<Object, CosmosResult<Map<String, Object>>> done;
  /**
   * Ends an item without moving the writer on: for an answer's many items, after which
   * {@code changed} runs once (not once per item: each would look for work to do).
   */
  private final BiConsumer<Object, CosmosResult<Map<String, Object>>> ended;
  private final Runnable changed;

  private final Object lock = new Object();
  // Guarded by lock.
  private final Map<String, List<Pending>> buffers = new HashMap<>();
  private final Map<String, Integer> bufferBytes = new HashMap<>();
  /** When each buffer got its oldest operation (System.nanoTime). */
  private final Map<String, Long> bufferSince = new HashMap<>();
  private int inFlight;
  /** Operations whose range is being looked up: a partial request waits for them. */
  private int routing;
  /** Operations waiting for the container's map, in the order they came. */
  private final List<Pending> awaitingMap = new ArrayList<>();
  private boolean stopped;
  private String stopReason;
  private ScheduledFuture<?> lingerTimer;
  /** The map could not be read: every later operation goes one document per request. */
  private volatile boolean unmapped;
  /** Calls on their way (bulk or single), to stop them. */
  private final Set<Call<?>> calls = ConcurrentHashMap.newKeySet();

  /**
   * @param packable whether the writer's options let its operations go in bulk requests: when
   *     not, each goes alone (a bulk operation cannot carry triggers or an indexing directive)
   */
  BulkBatcher(CosmosClient client, String database, String container, boolean packable,
      int maxRequests, long lingerMs, boolean returnDocuments, RequestOptions options,
      Pipeline.BodyMapper<Map<String, Object>> mapper,
      BiConsumer<Object, CosmosResult<Map<String, Object>>> done,
      BiConsumer<Object, CosmosResult<Map<String, Object>>> ended, Runnable changed) {
    this.client = client;
    this.database = database;
    this.container = container;
    this.link = Containers.link(database, container).raw;
    this.packable = packable;
    this.maxRequests = maxRequests;
    this.lingerMs = lingerMs;
    this.returnDocuments = returnDocuments;
    this.options = options;
    this.mapper = mapper;
    this.done = done;
    this.ended = ended;
    this.changed = changed;
  }

  /** Bulk requests of this writer on their way. */
  int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  /** Routes one operation to its range's request; it is sent by {@link #flush}. */
  void add(Pending pending) {
    if (!packable) {
      sendAlone(pending); // triggers, indexing directive...: only a single request carries them
      changed.run();
      return;
    }
    route(List.of(pending), null);
  }

  /** Headers a bulk operation carries itself (or the bulk request does for all). */
  private static final java.util.Set<String> PACKABLE = java.util.Set.of(
      "x-ms-documentdb-partitionkey", "x-ms-documentdb-is-upsert", "If-Match", "Prefer");

  /** Whether a single-document request's headers can all be carried by a bulk operation. */
  static boolean packable(CosmosRequest single) {
    return PACKABLE.containsAll(single.headers.keySet());
  }

  /**
   * Sends what is ready: every full request; partial ones too when {@code nothingMore} (the
   * input has nothing for now), when nothing is in flight, or when the linger has passed.
   */
  void flush(boolean nothingMore) {
    flush(nothingMore, false);
  }

  /**
   * @param fullOnly send full requests only (a buffer just filled while the input is being
   *     read): partial ones wait for the next {@link #flush(boolean)}
   */
  private void flush(boolean nothingMore, boolean fullOnly) {
    List<Map.Entry<String, List<Pending>>> ready = null;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      boolean partialsToo = !fullOnly && (nothingMore || (inFlight == 0 && routing == 0));
      long now = System.nanoTime();
      // Called after every answer and whenever a buffer fills: it only looks, sending nothing
      // and allocating nothing, until a buffer is ready.
      Iterator<Map.Entry<String, List<Pending>>> each = buffers.entrySet().iterator();
      while (each.hasNext() && inFlight < maxRequests) {
        Map.Entry<String, List<Pending>> buffer = each.next();
        String rangeId = buffer.getKey();
        List<Pending> ops = buffer.getValue();
        boolean waits = !partialsToo && (fullOnly
            || now - bufferSince.getOrDefault(rangeId, now) < lingerMs * 1_000_000L);
        boolean sent = false;
        while (!ops.isEmpty() && inFlight < maxRequests
            && !(waits && oneShortRequest(rangeId, ops))) {
          inFlight++;
          if (ready == null) {
            ready = new ArrayList<>();
          }
          ready.add(Map.entry(rangeId, take(rangeId, ops)));
          sent = true;
        }
        if (ops.isEmpty()) {
          each.remove();
          bufferBytes.remove(rangeId);
          bufferSince.remove(rangeId);
        } else if (sent) {
          bufferSince.put(rangeId, now); // what is left starts its own wait
        }
      }
      if (!buffers.isEmpty() && lingerTimer == null && lingerMs > 0) {
        lingerTimer = Threads.schedule(this::lingerPassed, lingerMs, Threads.WORKERS);
      }
    }
    if (ready != null) {
      for (Map.Entry<String, List<Pending>> batch : ready) {
        send(batch.getKey(), batch.getValue());
      }
    }
  }

  /**
   * Whether what a buffer holds would all go in one request that is not full (fewer than 100
   * operations, within the size limit): more may come to fill it. Under the lock.
   */
  private boolean oneShortRequest(String rangeId, List<Pending> ops) {
    return ops.size() < Batches.MAX_OPERATIONS
        && (ops.size() == 1 || bufferBytes.get(rangeId) <= Batches.MAX_BULK_BYTES);
  }

  private void lingerPassed() {
    synchronized (lock) {
      lingerTimer = null;
    }
    changed.run();
  }

  /** Gives up everything not yet answered: buffered items end now, calls on their way stop. */
  void stop(String why) {
    List<Pending> dropped = new ArrayList<>();
    synchronized (lock) {
      stopped = true;
      stopReason = why;
      dropped.addAll(awaitingMap);
      awaitingMap.clear();
      buffers.values().forEach(dropped::addAll);
      buffers.clear();
      bufferBytes.clear();
      bufferSince.clear();
      if (lingerTimer != null) {
        lingerTimer.cancel(false);
      }
    }
    for (Pending pending : dropped) {
      done.accept(pending.item, Results.notSent(why + " before this item was sent", null));
    }
    for (Call<?> call : calls) {
      call.stop(why, new CancellationException(why));
    }
  }

  // --- routing -------------------------------------------------------------------------------

  /** Puts operations in their ranges' buffers, reading the map first (or again, if stale). */
  private void route(List<Pending> pendings, PartitionKeyRanges stale) {
    if (stale == null && !unmapped && routeKnown(pendings)) {
      changed.run();
      return;
    }
    if (endIfStopped(pendings)) {
      changed.run();
      return;
    }
    if (unmapped) {
      pendings.forEach(this::sendAlone);
      changed.run();
      return;
    }
    boolean first;
    synchronized (lock) {
      routing += pendings.size();
      // Operations waiting for the same map wait in one queue, so they keep their order.
      List<Pending> queue = stale == null ? awaitingMap : new ArrayList<>();
      first = queue.isEmpty();
      queue.addAll(pendings);
      if (stale != null) {
        pendings = queue;
      }
    }
    if (stale != null) {
      List<Pending> again = pendings;
      whenMapped(client.containers.refreshRanges(database, container, stale), () -> again);
    } else if (first) {
      whenMapped(client.containers.ranges(database, container), () -> {
        synchronized (lock) {
          List<Pending> queued = new ArrayList<>(awaitingMap);
          awaitingMap.clear();
          return queued;
        }
      });
    }
  }

  /**
   * After {@link #stop}, operations that come back to be routed (a map arriving, a 410, a
   * throttled one's wait over) end at once, not sent: nothing buffers them any more.
   */
  private boolean endIfStopped(List<Pending> pendings) {
    String why = stoppedBy();
    if (why == null) {
      return false;
    }
    for (Pending pending : pendings) {
      done.accept(pending.item, Results.notSent(why + " before this item was sent", null));
    }
    return true;
  }

  /** Why the batcher stopped, or null while it runs. */
  private String stoppedBy() {
    synchronized (lock) {
      return stopped ? stopReason : null;
    }
  }

  /**
   * Puts operations in their buffers at once when the container's definition and map are
   * already known and nothing waits for them (the usual case after the first item): no future
   * per item. A buffer that this fills is sent right away, so requests go while the input is
   * still being read. False, touching nothing, when the slow path has to decide.
   */
  private boolean routeKnown(List<Pending> pendings) {
    ContainerCache.Container definition = client.containers.knownContainer(link);
    PartitionKeyRanges map = definition == null ? null : client.containers.knownRanges(link);
    if (map == null) {
      return false;
    }
    List<Pending> unroutable = new ArrayList<>(0);
    boolean full;
    synchronized (lock) {
      if (stopped || !awaitingMap.isEmpty()) {
        return false; // ended by the slow path, or queued behind operations waiting for a map
      }
      full = place(pendings, definition, map, unroutable);
    }
    unroutable.forEach(this::sendAlone);
    if (full) {
      flush(false, true);
    }
    return true;
  }

  /**
   * Puts each operation in its range's buffer (those the map cannot place into
   * {@code unroutable}); true when a buffer now holds a full request. Under the lock.
   */
  private boolean place(List<Pending> pendings, ContainerCache.Container definition,
      PartitionKeyRanges map, List<Pending> unroutable) {
    boolean full = false;
    for (Pending pending : pendings) {
      String rangeId;
      try {
        rangeId = map.rangeFor(EffectivePartitionKey.of(pending.key,
            definition.definition)).id;
      } catch (RuntimeException e) {
        unroutable.add(pending); // a key the map cannot place: sent on its own
        continue;
      }
      pending.routedBy = map;
      List<Pending> buffer = buffers.computeIfAbsent(rangeId, id -> new ArrayList<>());
      buffer.add(pending);
      bufferSince.putIfAbsent(rangeId, System.nanoTime());
      int bytes = bufferBytes.merge(rangeId, Batches.size(pending.op, pending.keyHeader),
          Integer::sum);
      full |= buffer.size() >= Batches.MAX_OPERATIONS || bytes >= Batches.MAX_BULK_BYTES;
    }
    return full;
  }

  /** Once the definition and {@code ranges} are there, puts {@code taken()}'s operations. */
  private void whenMapped(java.util.concurrent.CompletableFuture<PartitionKeyRanges> ranges,
      java.util.function.Supplier<List<Pending>> taken) {
    client.containers.container(database, container).thenCombine(ranges, (definition, map) -> {
      List<Pending> pendings = taken.get();
      List<Pending> unroutable = new ArrayList<>();
      if (endIfStopped(pendings)) {
        return null;
      }
      synchronized (lock) {
        routing -= pendings.size();
        place(pendings, definition, map, unroutable);
      }
      unroutable.forEach(this::sendAlone);
      return null;
    }).whenComplete((ignored, error) -> {
      if (error != null) {
        List<Pending> pendings = taken.get();
        synchronized (lock) {
          routing -= pendings.size();
        }
        // No map (a server without pkranges?): the operations still go, one document per
        // request, and so do later ones rather than asking again for each.
        unmapped = true;
        pendings.forEach(this::sendAlone);
      }
      changed.run();
    });
  }

  /** The first up to 100 operations and 220 KB of a buffer, removed from it. */
  private List<Pending> take(String rangeId, List<Pending> ops) {
    int count = 0;
    int bytes = 0;
    while (count < ops.size() && count < Batches.MAX_OPERATIONS) {
      Pending next = ops.get(count);
      int size = Batches.size(next.op, next.keyHeader);
      if (count > 0 && bytes + size > Batches.MAX_BULK_BYTES) {
        break;
      }
      count++;
      bytes += size;
    }
    List<Pending> first = ops.subList(0, count);
    List<Pending> batch = new ArrayList<>(first);
    first.clear();
    bufferBytes.merge(rangeId, -bytes, Integer::sum);
    return batch;
  }

  // --- sending and reading answers -----------------------------------------------------------

  private void send(String rangeId, List<Pending> batch) {
    List<Batches.Op> ops = new ArrayList<>(batch.size());
    List<String> keys = new ArrayList<>(batch.size());
    for (Pending pending : batch) {
      ops.add(pending.op);
      keys.add(pending.keyHeader);
    }
    CosmosRequest request = Batches.bulk(database, container, rangeId, ops, keys,
        returnDocuments, options);
    Call<byte[]> call = client.pipeline.start(request, body -> body);
    calls.add(call);
    call.result().whenComplete((answer, error) -> {
      calls.remove(call);
      synchronized (lock) {
        inFlight--;
      }
      try {
        answered(batch, answer);
      } finally {
        changed.run(); // once for the answer's items: answered() ends them quietly
      }
    });
  }

  private void answered(List<Pending> batch, CosmosResult<byte[]> answer) {
    int code = answer.code();
    boolean stopping;
    synchronized (lock) {
      stopping = stopped;
    }
    if (stopping && !(code == 200 || code == 207)) {
      // Stopped: nothing is resent or routed again; each item says what is known.
      for (Pending pending : batch) {
        ended.accept(pending.item, Results.withoutData(answer));
      }
      return;
    }
    if ((code == 200 || code == 207) && answer.data() != null) {
      perOperation(batch, Batches.results(answer.data(), answer.headers(), batch.size()));
      return;
    }
    if (answer.isUncertain()) {
      // The answer was lost, or says nothing definite (408, 503, a 410 other than a gone
      // range): each operation may or may not have been applied. Settle each alone, as a
      // single write whose earlier attempt went unanswered; never resend what could apply
      // twice.
      settleEach(batch, answer);
      return;
    }
    if (code == 410) {
      // The range is gone (split, merge, moved): re-read the map, route these again.
      List<Pending> again = new ArrayList<>();
      for (Pending pending : batch) {
        if (++pending.gone > MAX_GONE) {
          ended.accept(pending.item, Results.withoutData(answer));
        } else {
          again.add(pending);
        }
      }
      if (!again.isEmpty()) {
        // The map that routed them, not the one cached now: a buffer filled before a refresh
        // and sent after it must not make the refreshed map look stale and read it again.
        route(again, again.get(0).routedBy);
      }
      return;
    }
    if (code == 400) {
      // Refused as a whole (nothing applied): a routing disagreement, say. One per request.
      batch.forEach(this::sendAlone);
      return;
    }
    for (Pending pending : batch) {
      ended.accept(pending.item, Results.withoutData(answer));
    }
  }

  private void settleEach(List<Pending> batch, CosmosResult<byte[]> answer) {
    for (Pending pending : batch) {
      if (pending.single().settlement == CosmosRequest.Settlement.NEVER_RESEND) {
        // A patch (or a write with a trigger) could apply twice: not resent, uncertain.
        ended.accept(pending.item, Results.noResponse(answer.error(), answer.cause(), null,
            true, "the bulk request carrying this operation got no definite answer, and "
            + "resending it could apply it twice"));
      } else {
        sendAlone(pending, true);
      }
    }
  }

  private void perOperation(List<Pending> batch, List<CosmosResult<Map<String, Object>>> results) {
    List<Pending> throttled = new ArrayList<>();
    long wait = 0;
    for (int i = 0; i < batch.size(); i++) {
      Pending pending = batch.get(i);
      CosmosResult<Map<String, Object>> result = results.get(i);
      if (result.code() == 429) {
        long delay = result.retryAfter() != null ? result.retryAfter().toMillis() : 100;
        RetryPolicy policy = client.pipeline.retryPolicy;
        if (pending.throttled < policy.maxThrottleRetries
            && pending.throttleWaitMs + delay <= policy.maxThrottleWaitMs) {
          pending.throttled++;
          pending.throttleWaitMs += delay;
          throttled.add(pending);
          wait = Math.max(wait, delay);
          continue;
        }
      }
      ended.accept(pending.item, withRetries(result, pending));
    }
    if (!throttled.isEmpty()) {
      // Only the throttled operations, after the service's wait, in a later request.
      Threads.schedule(() -> route(throttled, null), Math.max(1, wait), Threads.WORKERS);
    }
  }

  private static CosmosResult<Map<String, Object>> withRetries(
      CosmosResult<Map<String, Object>> result, Pending pending) {
    if (pending.throttled == 0) {
      return result;
    }
    return Results.restored(result.code(), result.data(), result.error(), result.serviceCode(),
        result.headers(), result.retryCount() + pending.throttled,
        result.retryWait().toMillis() + pending.throttleWaitMs, result.isUncertain(),
        result.cause(), result.ambiguity());
  }

  private void sendAlone(Pending pending) {
    sendAlone(pending, false);
  }

  private void sendAlone(Pending pending, boolean afterLostAnswer) {
    CosmosRequest single;
    try {
      single = pending.single();
    } catch (RuntimeException e) { // its parts were checked when it was read: not expected
      done.accept(pending.item, Results.notSent("invalid item: " + e.getMessage(), e));
      return;
    }
    if (endIfStopped(List.of(pending))) { // stop() has run: nothing more is sent
      return;
    }
    Call<Map<String, Object>> call = afterLostAnswer
        ? client.pipeline.startAfterLostAnswer(single, mapper)
        : client.pipeline.start(single, mapper);
    calls.add(call);
    String why = stoppedBy(); // a stop() since the check did not see this call: stop it here
    if (why != null) {
      call.stop(why, new CancellationException(why));
    }
    call.result().whenComplete((result, error) -> {
      calls.remove(call);
      done.accept(pending.item, result != null ? result
          : Results.noResponse("request failed: " + error, error, null, true, null));
    });
  }
}
