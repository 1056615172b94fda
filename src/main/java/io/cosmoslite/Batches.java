package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
    int size = 2;
    for (int i = 0; i < ops.size(); i++) {
      size += size(ops.get(i), keyHeaders == null ? null : keyHeaders.get(i));
    }
    JsonBytes out = new JsonBytes(size);
    out.ascii('[');
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (i > 0) {
        out.ascii(',');
      }
      out.ascii("{\"operationType\":").string(op.type);
      if (keyHeaders != null) {
        out.ascii(",\"partitionKey\":").string(keyHeaders.get(i));
      }
      if (op.id != null) {
        out.ascii(",\"id\":").string(op.id);
      }
      if (op.ifMatch != null) {
        out.ascii(",\"ifMatch\":").string(op.ifMatch);
      }
      if (op.ifNoneMatch != null) {
        out.ascii(",\"ifNoneMatch\":").string(op.ifNoneMatch);
      }
      if (op.body != null) {
        out.ascii(",\"resourceBody\":").bytes(op.body);
      }
      out.ascii('}');
    }
    return out.ascii(']').toByteArray();
  }

  /**
   * The per-operation results of a batch answer, in order. Each holds the operation's status,
   * substatus, etag, request charge and retry hint as headers, its document when there is one,
   * and the answer's session token and activity id. Operations the answer does not cover (a
   * short or unreadable body) fail with code 0 and say so.
   */
  static List<CosmosResult<Map<String, Object>>> results(byte[] raw, Map<String, String> headers,
      int count) {
    List<Answer> answers = answers(raw);
    List<CosmosResult<Map<String, Object>>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (answers == null || i >= answers.size() || answers.get(i) == null) {
        // Not covered by the answer: a bulk request goes on after failures, so this
        // operation may have been applied.
        out.add(Results.noResponse("the batch answer has no result for operation " + i, null,
            null, true, "the answer did not say what became of this operation"));
        continue;
      }
      out.add(result(answers.get(i), headers));
    }
    return out;
  }

  /** What the answer says of one operation: the members a result is made of, nothing else. */
  static final class Answer {
    int status;
    int subStatus;
    int retryAfter;
    String etag;
    String requestCharge;
    /** The operation's resource (document, or error), as a tree; null when absent. */
    JsonElement resource;
  }

  /**
   * The answer's operations, read as a stream (no tree of the whole body, which for minimal
   * answers is all status codes, etags and charges): null when the body as a whole is not a
   * JSON array (read leniently, as {@link Json#parseOrNull} does); a null entry for an element
   * that is not an object.
   */
  private static List<Answer> answers(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return null;
    }
    List<Answer> minimal = MinimalAnswers.read(raw);
    return minimal != null ? minimal : generalAnswers(raw);
  }

  /** {@link #answers} by Gson's lenient reader, for any answer (tests compare the two). */
  static List<Answer> generalAnswers(byte[] raw) {
    try {
      JsonReader in = new JsonReader(new StringReader(new String(raw, StandardCharsets.UTF_8)));
      in.setLenient(true);
      if (in.peek() != JsonToken.BEGIN_ARRAY) {
        return null;
      }
      List<Answer> answers = new ArrayList<>();
      in.beginArray();
      while (in.hasNext()) {
        if (in.peek() != JsonToken.BEGIN_OBJECT) {
          JsonParser.parseReader(in);
          answers.add(null);
          continue;
        }
        answers.add(answer(in));
      }
      in.endArray();
      return in.peek() == JsonToken.END_DOCUMENT ? answers : null;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  private static Answer answer(JsonReader in) throws IOException {
    Answer answer = new Answer();
    in.beginObject();
    while (in.hasNext()) {
      switch (in.nextName()) {
        case "statusCode":
          answer.status = intValue(in);
          break;
        case "subStatusCode":
          answer.subStatus = intValue(in);
          break;
        case "retryAfterMilliseconds":
          answer.retryAfter = intValue(in);
          break;
        case "eTag":
          answer.etag = stringValue(in);
          break;
        case "requestCharge":
          answer.requestCharge = stringValue(in);
          break;
        case "resourceBody":
          JsonElement resource = JsonParser.parseReader(in);
          answer.resource = resource.isJsonNull() ? null : resource;
          break;
        default:
          JsonParser.parseReader(in);
      }
    }
    in.endObject();
    return answer;
  }

  /** A member's value as a primitive's string (a number's text as written), else null. */
  private static String stringValue(JsonReader in) throws IOException {
    switch (in.peek()) {
      case STRING:
      case NUMBER:
        return in.nextString();
      case BOOLEAN:
        return Boolean.toString(in.nextBoolean());
      default:
        JsonParser.parseReader(in); // null, object or array: no string
        return null;
    }
  }

  /** A member's value as an int (a number, or a string holding one), else 0. */
  private static int intValue(JsonReader in) throws IOException {
    return toInt(stringValue(in));
  }

  /** A member's text as an int, as answers are read: truncated, 0 when absent or not a number. */
  static int toInt(String text) {
    try {
      return text == null ? 0 : (int) Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return 0;
    }
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

  private static CosmosResult<Map<String, Object>> result(Answer op, Map<String, String> batch) {
    int status = op.status;
    // In name order, so each put appends.
    Map<String, String> headers = new HeaderMap.Builder(6)
        .put("etag", op.etag)
        .put("x-ms-activity-id", batch.get("x-ms-activity-id"))
        .put("x-ms-request-charge", op.requestCharge)
        .put("x-ms-retry-after-ms", op.retryAfter == 0 ? null : Integer.toString(op.retryAfter))
        .put("x-ms-session-token", batch.get("x-ms-session-token"))
        .put("x-ms-substatus", op.subStatus == 0 ? null : Integer.toString(op.subStatus))
        .build();
    JsonElement resource = op.resource;
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
}
