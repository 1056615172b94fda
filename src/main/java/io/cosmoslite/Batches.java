package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Batch requests (transactional, and the non-atomic ones packed multi-document writes send):
 * operations in, an immutable {@link CosmosRequest} out, and the answer's per-operation results
 * back. No I/O.
 */
final class Batches {
  /** Most bytes of one transactional batch body. */
  static final int MAX_ATOMIC_BYTES = 2 * 1024 * 1024;
  /** About what the SDKs put in one bulk request. */
  static final int MAX_BULK_BYTES = 220 * 1024;
  static final int MAX_OPERATIONS = TransactionalBatch.MAX_OPERATIONS;

  private Batches() {}

  /** One operation, its document already serialised. Immutable. */
  static final class Op {
    final String type;
    final String id;
    /** The serialised resource body (document, or patch body), or null. */
    final byte[] body;
    final String ifMatch;
    final String ifNoneMatch;

    private Op(String type, String id, byte[] body, String ifMatch, String ifNoneMatch) {
      this.type = type;
      this.id = id;
      this.body = body;
      this.ifMatch = ifMatch;
      this.ifNoneMatch = ifNoneMatch;
    }

    static Op write(String type, Object document, RequestOptions options) {
      Objects.requireNonNull(options, "options == null");
      String id = Documents.idOf(document);
      return new Op(type, type.equals("Replace") ? id : null, Documents.body(document, null),
          options.ifMatch, options.ifNoneMatch);
    }

    /** An operation from a checked single-document request's parts (packed writes). */
    static Op serialised(String type, String id, byte[] body, String ifMatch) {
      return new Op(type, id, body, ifMatch, null);
    }

    static Op byId(String type, String id, RequestOptions options) {
      Objects.requireNonNull(options, "options == null");
      return new Op(type, Names.id(id, "document id"), null, options.ifMatch,
          options.ifNoneMatch);
    }

    static Op patch(String id, List<PatchOperation> operations, RequestOptions options) {
      CosmosRequest patch = Documents.patch("d", "c", id, PartitionKey.NULL, operations,
          options);
      return new Op("Patch", id, patch.body, options.ifMatch, options.ifNoneMatch);
    }

    /** The operation's id: its own, or its document's. */
    String documentId() {
      return id != null ? id : Json.stringMember(Json.parseOrNull(body), "id");
    }

    @Override public boolean equals(Object other) {
      if (!(other instanceof Op)) {
        return false;
      }
      Op o = (Op) other;
      return type.equals(o.type) && Objects.equals(id, o.id) && Arrays.equals(body, o.body)
          && Objects.equals(ifMatch, o.ifMatch) && Objects.equals(ifNoneMatch, o.ifNoneMatch);
    }

    @Override public int hashCode() {
      return Objects.hash(type, id, Arrays.hashCode(body), ifMatch, ifNoneMatch);
    }
  }

  /**
   * {@code POST .../docs} as a transactional batch: atomic, stop at the first failure, the
   * partition key header, operations without their own key. Never resent when its answer is
   * lost: whether it committed is unknown.
   *
   * @throws IllegalArgumentException for an empty batch or a body over 2 MB
   */
  static CosmosRequest transactional(String database, String container,
      TransactionalBatch batch) {
    Objects.requireNonNull(batch, "batch == null");
    if (batch.operations.isEmpty()) {
      throw new IllegalArgumentException("batch has no operations");
    }
    byte[] body = body(batch.operations, null);
    if (body.length > MAX_ATOMIC_BYTES) {
      throw new IllegalArgumentException("batch is " + body.length + " bytes; a transactional "
          + "batch may hold at most " + MAX_ATOMIC_BYTES + " bytes");
    }
    CosmosRequest.Link link = Containers.link(database, container);
    return CosmosRequest.builder("POST", "docs", link).feed("docs")
        .sessionScope(link.raw)
        // Its reads must see the client's writes: the target range's token goes with it.
        .sendsSessionToken(true)
        .header("x-ms-cosmos-is-batch-request", "True")
        .header("x-ms-cosmos-batch-atomic", "True")
        .header("x-ms-cosmos-batch-continue-on-error", "False")
        .partitionKey(batch.partitionKey)
        .body(body, Documents.JSON).build();
  }

  /**
   * {@code POST .../docs} as a bulk request to one partition key range: not atomic, go on after
   * a failure, each operation with its own key. Never resent as a whole when its answer is lost:
   * the writer settles each operation on its own.
   */
  static CosmosRequest bulk(String database, String container, String rangeId, List<Op> ops,
      List<String> keyHeaders, boolean returnDocuments, RequestOptions options) {
    CosmosRequest.Link link = Containers.link(database, container);
    return CosmosRequest.builder("POST", "docs", link).feed("docs")
        .sessionScope(link.raw)
        .callerSessionToken(options.sessionToken)
        .timeout(options.timeout)
        .header("x-ms-cosmos-is-batch-request", "True")
        .header("x-ms-cosmos-batch-atomic", "False")
        .header("x-ms-cosmos-batch-continue-on-error", "True")
        .header("x-ms-documentdb-partitionkeyrangeid", rangeId)
        .header("Prefer", returnDocuments ? null : "return=minimal")
        .body(body(ops, keyHeaders), Documents.JSON).build();
  }

  /** The bytes one operation adds to a bulk body (to split requests by size before sending). */
  static int size(Op op, String keyHeader) {
    return 64 + (op.body == null ? 0 : op.body.length) + (op.id == null ? 0 : op.id.length())
        + (keyHeader == null ? 0 : keyHeader.length() * 2);
  }

  /** A JSON array of operations; document bytes are copied as they are, never re-parsed. */
  private static byte[] body(List<Op> ops, List<String> keyHeaders) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 * ops.size());
    out.write('[');
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (i > 0) {
        out.write(',');
      }
      StringBuilder head = new StringBuilder("{\"operationType\":\"").append(op.type)
          .append('"');
      if (keyHeaders != null) {
        head.append(",\"partitionKey\":").append(Json.GSON.toJson(keyHeaders.get(i)));
      }
      if (op.id != null) {
        head.append(",\"id\":").append(Json.GSON.toJson(op.id));
      }
      if (op.ifMatch != null) {
        head.append(",\"ifMatch\":").append(Json.GSON.toJson(op.ifMatch));
      }
      if (op.ifNoneMatch != null) {
        head.append(",\"ifNoneMatch\":").append(Json.GSON.toJson(op.ifNoneMatch));
      }
      if (op.body != null) {
        head.append(",\"resourceBody\":");
      }
      out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
      if (op.body != null) {
        out.writeBytes(op.body);
      }
      out.write('}');
    }
    out.write(']');
    return out.toByteArray();
  }

  /**
   * The per-operation results of a batch answer, in order. Each holds the operation's status,
   * substatus, etag, request charge and retry hint as headers, its document when there is one,
   * and the answer's session token and activity id. Operations the answer does not cover (a
   * short or unreadable body) fail with code 0 and say so.
   */
  static List<CosmosResult<Map<String, Object>>> results(byte[] raw, Map<String, String> headers,
      int count) {
    JsonElement body = Json.parseOrNull(raw);
    JsonArray array = body != null && body.isJsonArray() ? body.getAsJsonArray() : new JsonArray();
    List<CosmosResult<Map<String, Object>>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (i >= array.size() || !array.get(i).isJsonObject()) {
        // Not covered by the answer: a bulk request goes on after failures, so this
        // operation may have been applied.
        out.add(Results.noResponse("the batch answer has no result for operation " + i, null,
            null, true, "the answer did not say what became of this operation"));
        continue;
      }
      out.add(result(array.get(i).getAsJsonObject(), headers));
    }
    return out;
  }

  /**
   * A transactional batch's result from its answer: every operation's result as data; failed,
   * with the failing operation's status, when one failed (the service answers 207, or the
   * failing status itself).
   */
  static CosmosResult<List<CosmosResult<Map<String, Object>>>> outcome(CosmosResult<byte[]> answer,
      int count) {
    if (!(answer.code() == 200 || answer.code() == 207) || answer.data() == null) {
      return Results.withoutData(answer);
    }
    List<CosmosResult<Map<String, Object>>> ops = results(answer.data(), answer.headers(), count);
    CosmosResult<List<CosmosResult<Map<String, Object>>>> all = Results.combined(answer.code(),
        java.util.Collections.unmodifiableList(ops), answer.headers(), answer.retryCount(),
        answer.retryWait(), null);
    int failedIndex = -1; // the operation that failed the batch: not one of the 424s
    for (int i = ops.size() - 1; i >= 0; i--) {
      if (!ops.get(i).isOk() && (failedIndex < 0 || ops.get(i).code() != 424
          || ops.get(failedIndex).code() == 424)) {
        failedIndex = i;
      }
    }
    return failedIndex < 0 ? all : Results.batchFailed(all, failedIndex, ops.get(failedIndex));
  }

  private static CosmosResult<Map<String, Object>> result(JsonObject op,
      Map<String, String> batch) {
    int status = intMember(op, "statusCode");
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    copy(batch, headers, "x-ms-session-token");
    copy(batch, headers, "x-ms-activity-id");
    put(headers, "etag", Json.stringMember(op, "eTag"));
    put(headers, "x-ms-request-charge", Json.stringMember(op, "requestCharge"));
    int subStatus = intMember(op, "subStatusCode");
    put(headers, "x-ms-substatus", subStatus == 0 ? null : Integer.toString(subStatus));
    int retryAfter = intMember(op, "retryAfterMilliseconds");
    put(headers, "x-ms-retry-after-ms", retryAfter == 0 ? null : Integer.toString(retryAfter));
    JsonElement resource = op.get("resourceBody");
    if (status >= 400) {
      String message = resource != null && resource.isJsonObject()
          ? Json.stringMember(resource, "message") : null;
      byte[] error = Json.toBytes(Map.of("message", message != null ? message
          : CosmosException.reason(status)));
      return Results.serviceError(status, error, headers, null, false, null);
    }
    Map<String, Object> data = resource != null && resource.isJsonObject()
        ? Json.fromJson(resource, Json.MAP) : null;
    return Results.success(status, data, headers, null, null);
  }

  private static int intMember(JsonObject op, String name) {
    JsonElement value = op.get(name);
    try {
      return value == null || !value.isJsonPrimitive() ? 0 : (int) value.getAsDouble();
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void copy(Map<String, String> from, Map<String, String> to, String name) {
    put(to, name, from.get(name));
  }

  private static void put(Map<String, String> headers, String name, String value) {
    if (value != null) {
      headers.put(name, value);
    }
  }
}
