package io.cosmoslite;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * Response headers as a result holds them: an immutable map whose names are case-insensitive and
 * iterate in case-insensitive order, as a {@code TreeMap} with
 * {@link String#CASE_INSENSITIVE_ORDER} would hold them, but stored as two sorted arrays.
 *
 * <p>A packed write makes one result per operation, each with a handful of headers; as tree maps
 * that was two trees per operation (the one built, and the constructor's copy) and a noticeable
 * share of the write path's CPU. A result given a {@code HeaderMap} keeps it as it is.
 * Every mutator throws {@link UnsupportedOperationException}.
 */
final class HeaderMap extends AbstractMap<String, String> {
  static final HeaderMap EMPTY = new HeaderMap(new String[0], new String[0], 0);

  private final String[] names;
  private final String[] values;
  private final int size;
  private Set<Map.Entry<String, String>> entries;

  private HeaderMap(String[] names, String[] values, int size) {
    this.names = names;
    this.values = values;
    this.size = size;
  }

  /** These headers as a {@code HeaderMap}: the same object when it already is one. */
  static HeaderMap of(Map<String, String> headers) {
    if (headers instanceof HeaderMap) {
      return (HeaderMap) headers;
    }
    if (headers.isEmpty()) {
      return EMPTY;
    }
    return new Builder(headers.size()).putAll(headers).build();
  }

  /** The index of {@code name}, or {@code -(insertion point) - 1}, as Arrays.binarySearch. */
  private static int find(String[] names, int size, String name) {
    int low = 0;
    int high = size - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int order = names[mid].compareToIgnoreCase(name);
      if (order < 0) {
        low = mid + 1;
      } else if (order > 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -(low + 1);
  }

  private int indexOf(Object name) {
    return name instanceof String ? find(names, size, (String) name) : -1;
  }

  @Override public String get(Object name) {
    int at = indexOf(name);
    return at >= 0 ? values[at] : null;
  }

  @Override public boolean containsKey(Object name) {
    return indexOf(name) >= 0;
  }

  @Override public int size() {
    return size;
  }

  @Override public Set<Map.Entry<String, String>> entrySet() {
    Set<Map.Entry<String, String>> view = entries;
    if (view == null) { // stateless over final arrays: two threads making it make equal views
      view = new AbstractSet<>() {
        @Override public Iterator<Map.Entry<String, String>> iterator() {
          return new Iterator<>() {
            private int next;

            @Override public boolean hasNext() {
              return next < size;
            }

            @Override public Map.Entry<String, String> next() {
              if (next >= size) {
                throw new NoSuchElementException();
              }
              int at = next++;
              return new SimpleImmutableEntry<>(names[at], values[at]);
            }
          };
        }

        @Override public int size() {
          return size;
        }
      };
      entries = view;
    }
    return view;
  }

  /**
   * Collects headers, then {@link #build}s the map once. Names compare case-insensitively; a
   * name put again keeps its first spelling and takes the new value (as {@code TreeMap.put}).
   * Not thread-safe; used by one thread and then dropped.
   */
  static final class Builder {
    private String[] names;
    private String[] values;
    private int size;

    Builder(int expected) {
      names = new String[Math.max(expected, 4)];
      values = new String[names.length];
    }

    /**
     * Adds or replaces {@code name}; a null {@code value} is skipped (the header is absent).
     *
     * @throws NullPointerException if {@code name} is null
     */
    Builder put(String name, String value) {
      Objects.requireNonNull(name, "name == null");
      if (value == null) {
        return this;
      }
      // Names often arrive in order (the JDK's headers, a result's own): append those at once.
      int at = size == 0 || names[size - 1].compareToIgnoreCase(name) < 0
          ? -(size + 1) : find(names, size, name);
      if (at >= 0) {
        values[at] = value;
        return this;
      }
      at = -(at + 1);
      if (size == names.length) {
        names = Arrays.copyOf(names, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      System.arraycopy(names, at, names, at + 1, size - at);
      System.arraycopy(values, at, values, at + 1, size - at);
      names[at] = name;
      values[at] = value;
      size++;
      return this;
    }

    /** Adds every header of {@code headers}. */
    Builder putAll(Map<String, String> headers) {
      for (Map.Entry<String, String> header : headers.entrySet()) {
        put(header.getKey(), header.getValue());
      }
      return this;
    }

    /** The map; the builder is spent (its arrays are the map's now). */
    HeaderMap build() {
      HeaderMap built = size == 0 ? EMPTY : new HeaderMap(names, values, size);
      names = null; // a put after build fails instead of changing the map
      values = null;
      return built;
    }
  }
}
