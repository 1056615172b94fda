package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Requests on single documents: arguments in, an immutable {@link CosmosRequest} out, no I/O.
 * Every argument is checked here, before anything is sent.
 */
final class Documents {
  static final String JSON = "application/json";
  static final String PATCH_JSON = "application/json_patch+json";

  private Documents() {}

  /** The consistency defaults a read request is built against. */
  static final class Reads {
    static final Reads NONE = new Reads(null, null);

    /** The client's default level, or null. */
    final ConsistencyLevel client;
    /** The account's default level when known, else null. */
    final ConsistencyLevel account;

    Reads(ConsistencyLevel client, ConsistencyLevel account) {
      this.client = client;
      this.account = account;
    }
  }

  /** POST docs (create), or POST docs with {@code x-ms-documentdb-is-upsert} (upsert). */
  static CosmosRequest write(boolean upsert, String database, String container, Object document,
      Object partitionKey, RequestOptions options) {
    CosmosRequest.Link link = Containers.link(database, container);
    byte[] body = body(document, null);
    return writeSerialised(upsert, link, body, PartitionKey.from(partitionKey), options);
  }

  /**
   * {@link #write} of a document {@link #body} has already serialised and checked: the same
   * request, for a packed write whose operation has to go on its own after all.
   */
  static CosmosRequest writeSerialised(boolean upsert, CosmosRequest.Link container, byte[] body,
      PartitionKey partitionKey, RequestOptions options) {
    CosmosRequest.Builder b = CosmosRequest.builder("POST", "docs", container).feed("docs")
        .sessionScope(container.raw)
        .settlement(upsert ? CosmosRequest.Settlement.SAME_CONTENT
            : CosmosRequest.Settlement.READ_BACK_ON_CONFLICT)
        .header("x-ms-documentdb-partitionkey", partitionKey.header())
        .header("x-ms-documentdb-is-upsert", upsert ? "True" : null)
        .body(body, JSON);
    return writeOptions(b, options).build();
  }

  /** PUT docs/{id}; the id is the document's own. */
  static CosmosRequest replace(String database, String container, Object document,
      Object partitionKey, RequestOptions options) {
    String id = idOf(document);
    CosmosRequest.Builder b = one("PUT", database, container, id, partitionKey)
        .settlement(CosmosRequest.Settlement.SAME_CONTENT)
        .body(body(document, id), JSON);
    return writeOptions(b, options).build();
  }

  /** GET docs/{id}. */
  static CosmosRequest read(String database, String container, String id, Object partitionKey,
      RequestOptions options, Reads reads) {
    CosmosRequest.Builder b = one("GET", database, container, id, partitionKey)
        .sendsSessionToken(true);
    Objects.requireNonNull(options, "options == null");
    b.header("If-None-Match", options.ifNoneMatch);
    return readOptions(b, options, reads).build();
  }

  /** PATCH docs/{id} with 1 to 10 operations; never resent when its outcome is unknown. */
  static CosmosRequest patch(String database, String container, String id, Object partitionKey,
      List<PatchOperation> operations, RequestOptions options) {
    CosmosRequest.Builder b = one("PATCH", database, container, id, partitionKey);
    return writeOptions(b.body(patchBody(operations, options), PATCH_JSON), options).build();
  }

  /** {@link #patch} with the body {@link #patchBody} made: for a packed patch sent on its own. */
  static CosmosRequest patchSerialised(String database, String container, String id,
      PartitionKey partitionKey, byte[] body, RequestOptions options) {
    CosmosRequest.Builder b = one("PATCH", database, container, id, partitionKey);
    return writeOptions(b.body(body, PATCH_JSON), options).build();
  }

  /**
   * A patch request's body: 1 to 10 operations and the options' condition.
   *
   * @throws IllegalArgumentException for no operations or more than 10
   */
  static byte[] patchBody(List<PatchOperation> operations, RequestOptions options) {
    Objects.requireNonNull(operations, "operations == null");
    if (operations.isEmpty() || operations.size() > 10) {
      throw new IllegalArgumentException(
          "operations must hold 1 to 10 patch operations, got " + operations.size());
    }
    List<Map<String, Object>> ops = new ArrayList<>();
    for (PatchOperation operation : operations) {
      ops.add(Objects.requireNonNull(operation, "operations contains null").toJson());
    }
    Objects.requireNonNull(options, "options == null");
    JsonObject body = new JsonObject();
    body.add("operations", Json.callerTree(ops, "operations"));
    if (options.patchCondition != null) {
      body.addProperty("condition", options.patchCondition);
    }
    return Json.toBytes(body);
  }

  /** DELETE docs/{id}. */
  static CosmosRequest delete(String database, String container, String id,
      Object partitionKey, RequestOptions options) {
    CosmosRequest.Builder b = one("DELETE", database, container, id, partitionKey)
        .settlement(CosmosRequest.Settlement.DELETE);
    return writeOptions(b, options).build();
  }

  /** A request on {@code dbs/{db}/colls/{c}/docs/{id}} with its partition key. */
  private static CosmosRequest.Builder one(String method, String database, String container,
      String id, Object partitionKey) {
    CosmosRequest.Link collection = Containers.link(database, container);
    CosmosRequest.Link link = collection.child("docs", Names.id(id, "document id"));
    return CosmosRequest.builder(method, "docs", link)
        .sessionScope(collection.raw)
        .partitionKey(PartitionKey.from(partitionKey));
  }

  /** Options of a write: conditions, triggers, indexing, the caller's token, minimal answers. */
  static CosmosRequest.Builder writeOptions(CosmosRequest.Builder b, RequestOptions options) {
    Objects.requireNonNull(options, "options == null");
    b.callerSessionToken(options.sessionToken).timeout(options.timeout)
        .header("If-Match", options.ifMatch)
        .header("x-ms-documentdb-pre-trigger-include", options.preTrigger)
        .header("x-ms-documentdb-post-trigger-include", options.postTrigger)
        .header("Prefer", options.returnDocument ? null : "return=minimal");
    headerOptions(b, options);
    if (options.indexingDirective != null) {
      b.header("x-ms-indexing-directive", options.indexingDirective.header);
    }
    if (options.preTrigger != null || options.postTrigger != null) {
      // A trigger would run twice: such a write is never resent when its outcome is unknown.
      b.settlement(CosmosRequest.Settlement.NEVER_RESEND);
    }
    return b;
  }

  /** Options of a read, query or feed: the caller's token, time limit, consistency. */
  static CosmosRequest.Builder readOptions(CosmosRequest.Builder b, RequestOptions options,
      Reads reads) {
    b.callerSessionToken(options.sessionToken).timeout(options.timeout);
    headerOptions(b, options);
    ConsistencyLevel level = options.consistencyLevel != null
        ? options.consistencyLevel : reads.client;
    if (level != null) {
      if (reads.account != null && level.isStrongerThan(reads.account)) {
        throw new IllegalArgumentException("consistencyLevel " + level.headerValue()
            + " is stronger than the account default " + reads.account.headerValue()
            + "; a request may only weaken it");
      }
      b.header("x-ms-consistency-level", level.headerValue());
    }
    return b;
  }

  /** Options that are pure headers: priority level and throughput bucket. */
  private static void headerOptions(CosmosRequest.Builder b, RequestOptions options) {
    b.header("x-ms-cosmos-priority-level",
        options.priorityLevel == null ? null : options.priorityLevel.header)
        .header("x-ms-cosmos-throughput-bucket", options.throughputBucket == null
            ? null : Integer.toString(options.throughputBucket));
  }

  /**
   * Serialises a document, checking it is a JSON object with a valid string id (equal to
   * {@code expectedId} when given).
   */
  static byte[] body(Object document, String expectedId) {
    Objects.requireNonNull(document, "document == null");
    Object id;
    byte[] bytes = null;
    if (document instanceof Map) {
      id = ((Map<?, ?>) document).get("id");
    } else {
      JsonElement tree = Json.callerTree(document, "document");
      if (!tree.isJsonObject()) {
        throw new IllegalArgumentException("document must be a JSON object (a Map, record or "
            + "POJO), got " + document.getClass().getName());
      }
      id = stringOrElement(tree.getAsJsonObject().get("id"));
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
    return bytes != null ? bytes : Json.callerBytes(document, "document");
  }

  /** The string id of a document (Map, record or POJO); checked, never null. */
  static String idOf(Object document) {
    Objects.requireNonNull(document, "document == null");
    Object id = null;
    if (document instanceof Map) {
      id = ((Map<?, ?>) document).get("id");
    } else {
      JsonElement tree = Json.callerTree(document, "document");
      id = tree.isJsonObject() ? stringOrElement(tree.getAsJsonObject().get("id")) : null;
    }
    if (!(id instanceof String)) {
      throw new IllegalArgumentException("document must have a string \"id\", got "
          + (id == null ? "none" : id));
    }
    return Names.id((String) id, "document id");
  }

  private static Object stringOrElement(JsonElement id) {
    return id != null && id.isJsonPrimitive() && id.getAsJsonPrimitive().isString()
        ? id.getAsString() : id;
  }
}
