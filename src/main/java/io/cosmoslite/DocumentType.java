package io.cosmoslite;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;

/**
 * What documents (and query items) are mapped to, chosen once per call instead of doubling every
 * method: a class ({@code DocumentType.of(Order.class)}), a generic type
 * ({@code DocumentType.of(new TypeToken<List<Order>>() {}.getType())}), a {@code Map}
 * ({@link #MAP}), or any JSON value ({@link #JSON}: a {@code Map} for objects, a {@code Long},
 * {@code Double}, {@code String}, {@code Boolean} or {@code List} otherwise). Mapping is Gson's;
 * whole numbers read into {@code Object} or {@code Map} values come back as {@code Integer} or
 * {@code Long}, not {@code Double}.
 *
 * @param <T> the Java type
 */
public final class DocumentType<T> {
  /** A JSON object as a {@code Map<String, Object>}. */
  public static final DocumentType<Map<String, Object>> MAP = new DocumentType<>(Json.MAP);
  /** Any JSON value (for {@code SELECT VALUE} queries): a map, number, string, boolean or list. */
  public static final DocumentType<Object> JSON = new DocumentType<>(Object.class);

  final Type type;

  private DocumentType(Type type) {
    this.type = type;
  }

  /** Documents mapped to {@code type}, a record or POJO Gson can map. */
  public static <T> DocumentType<T> of(Class<T> type) {
    return new DocumentType<>(Objects.requireNonNull(type, "type == null"));
  }

  /**
   * Documents mapped to a generic type, e.g. from Gson's {@code TypeToken}. The caller vouches
   * that {@code T} matches {@code type}.
   */
  public static <T> DocumentType<T> of(Type type) {
    return new DocumentType<>(Objects.requireNonNull(type, "type == null"));
  }

  Pipeline.BodyMapper<T> mapper() {
    return body -> Json.fromBytes(body, type);
  }

  @Override public boolean equals(Object other) {
    return other instanceof DocumentType && ((DocumentType<?>) other).type.equals(type);
  }

  @Override public int hashCode() {
    return type.hashCode();
  }

  @Override public String toString() {
    return "DocumentType{" + type.getTypeName() + "}";
  }
}
