package io.cosmoslite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Requests on a container's server-side scripts (stored procedures, triggers, user-defined
 * functions) and its conflicts: arguments in, an immutable {@link CosmosRequest} out, no I/O.
 * Every argument is checked here, before anything is sent.
 */
final class Scripts {
  /** The response header with a stored procedure's {@code console.log} output, URL-encoded. */
  static final String LOG_RESULTS = "x-ms-documentdb-script-log-results";

  /** A kind of script resource: its URL segment (also its signed type) and its feed's key. */
  enum Kind {
    STORED_PROCEDURE("sprocs", "StoredProcedures", "stored procedure id"),
    TRIGGER("triggers", "Triggers", "trigger id"),
    USER_DEFINED_FUNCTION("udfs", "UserDefinedFunctions", "user-defined function id"),
    CONFLICT("conflicts", "Conflicts", "conflict id");

    final String type;
    final String feedKey;
    final String argument;

    Kind(String type, String feedKey, String argument) {
      this.type = type;
      this.feedKey = feedKey;
      this.argument = argument;
    }
  }

  private Scripts() {}

  static CosmosRequest.Link link(Kind kind, String database, String container, String id) {
    return Containers.link(database, container).child(kind.type, Names.id(id, kind.argument));
  }

  /** POST .../{kind}: never resent when its outcome is unknown (a management write). */
  static CosmosRequest create(Kind kind, String database, String container,
      Map<String, Object> definition) {
    CosmosRequest.Link parent = Containers.link(database, container);
    return CosmosRequest.builder("POST", kind.type, parent).feed(kind.type)
        .body(Json.toBytes(definition), Documents.JSON).build();
  }

  /** PUT .../{kind}/{id}: the whole definition; resent as is (the same content twice). */
  static CosmosRequest replace(Kind kind, String database, String container,
      Map<String, Object> definition) {
    CosmosRequest.Link link = link(kind, database, container, (String) definition.get("id"));
    return CosmosRequest.builder("PUT", kind.type, link)
        .settlement(CosmosRequest.Settlement.SAME_CONTENT)
        .body(Json.toBytes(definition), Documents.JSON).build();
  }

  static CosmosRequest read(Kind kind, String database, String container, String id) {
    return CosmosRequest.builder("GET", kind.type, link(kind, database, container, id)).build();
  }

  static CosmosRequest delete(Kind kind, String database, String container, String id) {
    return CosmosRequest.builder("DELETE", kind.type, link(kind, database, container, id))
        .settlement(CosmosRequest.Settlement.DELETE).build();
  }

  /** GET .../{kind} (the first page; the feed pages on). */
  static CosmosRequest list(Kind kind, String database, String container) {
    return CosmosRequest.builder("GET", kind.type, Containers.link(database, container))
        .feed(kind.type).build();
  }

  /** The definition of a stored procedure or a user-defined function: {@code {id, body}}. */
  static Map<String, Object> definition(Kind kind, String id, String body) {
    Names.id(id, kind.argument);
    Objects.requireNonNull(body, "body == null");
    if (body.isBlank()) {
      throw new IllegalArgumentException("body is blank: it must be the script's JavaScript text");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("body", body);
    return out;
  }

  /** A trigger's definition: {@code {id, body, triggerType, triggerOperation}}. */
  static Map<String, Object> trigger(String id, String body, TriggerType type,
      TriggerOperation operation) {
    Map<String, Object> out = definition(Kind.TRIGGER, id, body);
    out.put("triggerType", Objects.requireNonNull(type, "type == null").wire);
    out.put("triggerOperation", Objects.requireNonNull(operation, "operation == null").wire);
    return out;
  }

  /**
   * POST .../sprocs/{id}: runs it in one logical partition with {@code args} as a JSON array.
   * Not idempotent, so an execution whose outcome is unknown is never resent.
   */
  static CosmosRequest execute(String database, String container, String id,
      Object partitionKey, List<?> args, boolean scriptLogging) {
    CosmosRequest.Link link = link(Kind.STORED_PROCEDURE, database, container, id);
    String key = PartitionKey.from(partitionKey).header();
    Objects.requireNonNull(args, "args == null");
    byte[] body = Json.callerBytes(args, "args");
    return CosmosRequest.builder("POST", Kind.STORED_PROCEDURE.type, link)
        .settlement(CosmosRequest.Settlement.NEVER_RESEND)
        .sessionScope(Containers.link(database, container).raw).sendsSessionToken(true)
        .header("x-ms-documentdb-partitionkey", key)
        .header("x-ms-documentdb-script-enable-logging", scriptLogging ? "true" : null)
        .body(body, Documents.JSON).build();
  }

  /** A script's answer: whatever JSON it set with {@code setBody}, or null for none. */
  static Object body(byte[] body) {
    return body == null || body.length == 0 ? null : Json.fromBytes(body, Object.class);
  }
}
