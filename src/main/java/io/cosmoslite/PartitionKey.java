package io.cosmoslite;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A partition key value: a string, number, boolean, JSON null, "undefined" (the document lacks
 * the property), or up to three of those for a hierarchical key.
 *
 * <p>Methods that take a partition key accept either a {@code PartitionKey} or a plain
 * {@code String}, {@code Number} or {@code Boolean}, which is wrapped with {@link #of(Object...)}.
 * It is sent as the JSON array the service expects ({@code ["a"]}, {@code [5]}, {@code [true]},
 * {@code [null]}, {@code [{}]}, {@code ["tenant","user",42]}), with non-ASCII characters escaped
 * as {@code \}{@code uXXXX} so that the header stays ASCII.
 */
public final class PartitionKey {
  /** The JSON {@code null} partition key value ({@code [null]}). */
  public static final PartitionKey NULL = new PartitionKey(Collections.singletonList(null));
  /** The key of documents that lack the partition key property ({@code [{}]}). */
  public static final PartitionKey UNDEFINED =
      new PartitionKey(Collections.singletonList(Undefined.INSTANCE));

  private final List<Object> values;
  private final String header;

  private PartitionKey(List<Object> values) {
    this.values = values;
    this.header = toHeader(values);
  }

  /**
   * A key of one value, or a hierarchical key of two or three values in path order. Each value is
   * a {@code String}, a {@code Number}, a {@code Boolean}, {@code null} (JSON null) or
   * {@link #UNDEFINED}.
   *
   * @throws IllegalArgumentException for no values, more than three, or a value of another type
   */
  public static PartitionKey of(Object... values) {
    Objects.requireNonNull(values, "values == null");
    if (values.length == 0 || values.length > 3) {
      throw new IllegalArgumentException(
          "partitionKey must have 1 to 3 values, got " + values.length);
    }
    List<Object> list = new ArrayList<>(values.length);
    for (Object value : values) {
      if (value == UNDEFINED) {
        list.add(Undefined.INSTANCE);
      } else if (value == null || value instanceof String || value instanceof Boolean) {
        list.add(value);
      } else if (value instanceof Number) {
        list.add(checkNumber((Number) value));
      } else {
        throw new IllegalArgumentException("partitionKey value must be a String, Number, Boolean, "
            + "null or PartitionKey.UNDEFINED, got " + value.getClass().getName());
      }
    }
    return new PartitionKey(Collections.unmodifiableList(list));
  }

  /**
   * Converts a method argument: a {@code PartitionKey} as is, a String/Number/Boolean wrapped.
   *
   * @throws NullPointerException for null; use {@link #NULL} for the JSON null key
   */
  static PartitionKey from(Object argument) {
    Objects.requireNonNull(argument,
        "partitionKey == null (use PartitionKey.NULL for a JSON null key value)");
    return argument instanceof PartitionKey ? (PartitionKey) argument : of(argument);
  }

  /** The values of this key, in path order; {@link #UNDEFINED} stands for an undefined value. */
  public List<Object> values() {
    List<Object> out = new ArrayList<>(values.size());
    for (Object value : values) {
      out.add(value == Undefined.INSTANCE ? UNDEFINED : value);
    }
    return Collections.unmodifiableList(out);
  }

  /** The header form, e.g. {@code ["a"]}. */
  String header() {
    return header;
  }

  private static Number checkNumber(Number number) {
    if (number instanceof Double || number instanceof Float) {
      double d = number.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("partitionKey number must be finite, got " + number);
      }
    }
    return number;
  }

  private static String toHeader(List<Object> values) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Object value = values.get(i);
      if (value == null) {
        out.append("null");
      } else if (value == Undefined.INSTANCE) {
        out.append("{}");
      } else if (value instanceof String) {
        out.append(Json.asciiString((String) value));
      } else if (value instanceof Boolean) {
        out.append(value);
      } else {
        out.append(numberText((Number) value));
      }
    }
    return out.append(']').toString();
  }

  private static String numberText(Number number) {
    if (number instanceof Integer || number instanceof Long || number instanceof Short
        || number instanceof Byte || number instanceof BigInteger) {
      return number.toString();
    }
    BigDecimal decimal = number instanceof BigDecimal
        ? (BigDecimal) number : new BigDecimal(number.toString());
    decimal = decimal.stripTrailingZeros();
    // Integral values are written without a decimal point, as the official SDKs do.
    return decimal.scale() <= 0 ? decimal.toBigInteger().toString() : decimal.toPlainString();
  }

  @Override public boolean equals(Object other) {
    return other instanceof PartitionKey && ((PartitionKey) other).header.equals(header);
  }

  @Override public int hashCode() {
    return header.hashCode();
  }

  /** The header form, e.g. {@code ["a"]}. */
  @Override public String toString() {
    return header;
  }

  /** Marker for an undefined value inside {@link #values}. */
  private enum Undefined { INSTANCE }
}
