package io.cosmoslite;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One operation of a partial document update. Paths are JSON Pointers ({@code /a/b}, {@code ~1}
 * for '/', {@code ~0} for '~', {@code -} appends to an array). A patch holds at most 10 operations.
 */
public final class PatchOperation {
  private final String op;
  private final String path;
  private final String from;
  private final Object value;
  private final boolean hasValue;

  private PatchOperation(String op, String path, String from, Object value, boolean hasValue) {
    this.op = op;
    this.path = checkPath(path, "path");
    this.from = from == null ? null : checkPath(from, "from");
    this.value = value;
    this.hasValue = hasValue;
  }

  /** Adds a property, or inserts into an array. */
  public static PatchOperation add(String path, Object value) {
    return new PatchOperation("add", path, null, value, true);
  }

  /** Sets a property, creating it when absent. */
  public static PatchOperation set(String path, Object value) {
    return new PatchOperation("set", path, null, value, true);
  }

  /** Replaces an existing property; fails when it is absent. */
  public static PatchOperation replace(String path, Object value) {
    return new PatchOperation("replace", path, null, value, true);
  }

  /** Removes a property. */
  public static PatchOperation remove(String path) {
    return new PatchOperation("remove", path, null, null, false);
  }

  /** Adds {@code by} (may be negative) to a number. */
  public static PatchOperation increment(String path, Number by) {
    Objects.requireNonNull(by, "by == null");
    return new PatchOperation("incr", path, null, by, true);
  }

  /** Moves the value at {@code from} to {@code path}. */
  public static PatchOperation move(String from, String path) {
    Objects.requireNonNull(from, "from == null");
    return new PatchOperation("move", path, from, null, false);
  }

  /** The operation as sent: {@code {"op","path","value"}} or {@code {"op","from","path"}}. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("op", op);
    if (from != null) {
      json.put("from", from);
    }
    json.put("path", path);
    if (hasValue) {
      json.put("value", value);
    }
    return json;
  }

  private static String checkPath(String path, String name) {
    Objects.requireNonNull(path, name + " == null");
    if (!path.startsWith("/") || path.length() < 2) {
      throw new IllegalArgumentException(
          name + " must be a JSON Pointer like /a/b, got \"" + path + "\"");
    }
    return path;
  }

  @Override public boolean equals(Object other) {
    return other instanceof PatchOperation && toJson().equals(((PatchOperation) other).toJson());
  }

  @Override public int hashCode() {
    return toJson().hashCode();
  }

  @Override public String toString() {
    return Json.GSON.toJson(toJson());
  }
}
