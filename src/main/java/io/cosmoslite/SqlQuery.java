package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A SQL query with named parameters, immutable. Values are never spliced into the text: they
 * travel in the body's {@code parameters} array, serialised by Gson, so any JSON value works and
 * nothing needs escaping.
 *
 * <pre>{@code
 * SqlQuery query = SqlQuery.of("SELECT * FROM c WHERE c.customer = @customer AND c.total > @min")
 *     .withParameter("@customer", "ada")
 *     .withParameter("@min", 10);
 * }</pre>
 *
 * <p>It is sent as {@code {"query": "...", "parameters": [{"name": "@customer", "value": "ada"},
 * ...]}}; the {@code parameters} array is always present, empty when there are none. A value may
 * be a string, number, boolean, {@code null}, a list or array, a map, or any object Gson can
 * serialise (records, POJOs); it is converted to JSON when it is added, so later changes to a
 * list or map passed in do not change the query.
 */
public final class SqlQuery {
  private final String text;
  /** Name to JSON value, in the order added. */
  private final Map<String, JsonElement> parameters;

  private SqlQuery(String text, Map<String, JsonElement> parameters) {
    this.text = text;
    this.parameters = parameters;
  }

  /**
   * A query without parameters.
   *
   * @throws NullPointerException when {@code text} is null
   * @throws IllegalArgumentException when {@code text} is blank
   */
  public static SqlQuery of(String text) {
    Objects.requireNonNull(text, "query text == null");
    if (text.isBlank()) {
      throw new IllegalArgumentException("query text is blank");
    }
    return new SqlQuery(text, Collections.emptyMap());
  }

  /**
   * A query with parameters, added in the map's iteration order (use a {@code LinkedHashMap} to
   * control the order in the body). Each name must start with {@code @}.
   *
   * @throws NullPointerException when {@code text} or {@code parameters} is null
   * @throws IllegalArgumentException when {@code text} is blank, or a name or value is invalid
   *     (see {@link #withParameter})
   */
  public static SqlQuery of(String text, Map<String, ?> parameters) {
    Objects.requireNonNull(parameters, "parameters == null");
    SqlQuery query = of(text);
    // One map for all (withParameter copies the map each time: quadratic for readDocuments'
    // 200 parameters a query).
    Map<String, JsonElement> all = new LinkedHashMap<>();
    for (Map.Entry<String, ?> parameter : parameters.entrySet()) {
      all.put(parameter.getKey(), json(all, parameter.getKey(), parameter.getValue()));
    }
    return new SqlQuery(query.text, Collections.unmodifiableMap(all));
  }

  /**
   * A copy of this query with one more parameter.
   *
   * @param name the name as it appears in the text, starting with {@code @}, e.g. {@code @min}
   * @param value any JSON value: String, Number, Boolean, null, a collection, an array, a map,
   *     or an object Gson serialises (record, POJO)
   * @throws NullPointerException when {@code name} is null
   * @throws IllegalArgumentException when the name does not start with {@code @}, is just
   *     {@code @}, contains whitespace, is already used in this query, or the value cannot be
   *     written as JSON (NaN or infinite numbers); the message names the parameter
   */
  public SqlQuery withParameter(String name, Object value) {
    JsonElement json = json(parameters, name, value);
    Map<String, JsonElement> copy = new LinkedHashMap<>(parameters);
    copy.put(name, json);
    return new SqlQuery(text, Collections.unmodifiableMap(copy));
  }

  /** The parameter's value as JSON, after checking its name against those already given. */
  private static JsonElement json(Map<String, JsonElement> parameters, String name,
      Object value) {
    Objects.requireNonNull(name, "parameter name == null");
    if (!name.startsWith("@") || name.length() < 2) {
      throw new IllegalArgumentException(
          "parameter name must start with '@' followed by a name, got \"" + name + "\"");
    }
    if (name.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "parameter name must not contain whitespace, got \"" + name + "\"");
    }
    if (parameters.containsKey(name)) {
      throw new IllegalArgumentException("duplicate parameter " + name
          + " (the service rejects a name given twice)");
    }
    JsonElement json;
    try {
      json = Json.toTree(value);
    } catch (RuntimeException e) {
      // Gson refuses NaN and infinities, and types it cannot serialise, with this message.
      throw new IllegalArgumentException("parameter " + name + " cannot be written as JSON: "
          + e.getMessage(), e);
    }
    return json;
  }

  /** The query text, as given. */
  public String text() {
    return text;
  }

  /**
   * The parameters in the order added, each value as plain Java read back from its JSON
   * ({@code Map}, {@code List}, String, Integer/Long/Double, Boolean or null). A fresh copy.
   */
  public Map<String, Object> parameters() {
    Map<String, Object> out = new LinkedHashMap<>();
    parameters.forEach((name, value) -> out.put(name, Json.fromJson(value, Object.class)));
    return Collections.unmodifiableMap(out);
  }

  /** The request body: {@code {"query": ..., "parameters": [{"name": ..., "value": ...}]}}. */
  JsonObject toJson() {
    JsonObject body = new JsonObject();
    body.addProperty("query", text);
    JsonArray array = new JsonArray();
    parameters.forEach((name, value) -> {
      JsonObject parameter = new JsonObject();
      parameter.addProperty("name", name);
      parameter.add("value", value.deepCopy());
      array.add(parameter);
    });
    body.add("parameters", array);
    return body;
  }

  /** The body bytes, UTF-8. */
  byte[] toBody() {
    return Json.toBytes(toJson());
  }

  /** Equal when the text and the parameters (names, order and JSON values) are equal. */
  @Override public boolean equals(Object other) {
    return other instanceof SqlQuery && ((SqlQuery) other).text.equals(text)
        && new ArrayList<>(((SqlQuery) other).parameters.entrySet())
            .equals(new ArrayList<>(parameters.entrySet()));
  }

  @Override public int hashCode() {
    return 31 * text.hashCode() + parameters.hashCode();
  }

  /** The body as JSON text (parameter values included: do not log queries carrying secrets). */
  @Override public String toString() {
    return "SqlQuery" + Json.GSON.toJson(toJson());
  }
}
