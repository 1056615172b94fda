package io.cosmoslite;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.ToNumberStrategy;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Gson set up for documents: integral numbers stay integral, nulls survive, no HTML escaping. */
final class Json {
  static final Type MAP = new TypeToken<Map<String, Object>>() {}.getType();

  /**
   * Untyped numbers become Integer, then Long, then BigInteger when they are integral, and Double
   * (BigDecimal past double's range) otherwise, so that a document written with {@code 42} reads
   * back equal to the one written rather than as {@code 42.0}.
   */
  static final ToNumberStrategy NUMBERS = new ToNumberStrategy() {
    @Override public Number readNumber(JsonReader in) throws IOException {
      return parseNumber(in.nextString());
    }
  };

  static final Gson GSON = new GsonBuilder()
      .serializeNulls()
      .disableHtmlEscaping()
      .setObjectToNumberStrategy(NUMBERS)
      .setNumberToNumberStrategy(NUMBERS)
      .create();

  private static final java.util.concurrent.atomic.AtomicBoolean WARMING =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Json() {}

  /**
   * Once per JVM: loads Gson and the adapters a document read uses, on a short-lived daemon
   * thread, so that a new client's first response does not wait for them. Harmless if the
   * caller's thread gets there first (class initialisation is done once, by whoever is first).
   * Never throws; returns whether this call was the one that started it.
   */
  static boolean warmUpInBackground() {
    if (!WARMING.compareAndSet(false, true)) {
      return false;
    }
    try {
      Thread thread = new Thread(() -> {
        try {
          byte[] sample = "{\"id\":\"a\",\"n\":1,\"x\":1.5,\"b\":true,\"z\":null,\"l\":[\"s\"],\"o\":{}}"
              .getBytes(StandardCharsets.UTF_8);
          toBytes((Object) fromBytes(sample, MAP));
          parseOrNull(sample);
        } catch (Throwable ignored) {
          // only an optimisation: the caller's thread does the same work when it needs it
        }
      }, "cosmos-lite-warmup");
      thread.setDaemon(true);
      thread.start();
    } catch (Throwable noThread) {
      // e.g. a container's thread limit: build() must not fail for an optimisation
    }
    return true;
  }

  static Number parseNumber(String text) {
    boolean integral = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    if (integral) {
      try {
        long value = Long.parseLong(text);
        if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
          return (int) value;
        }
        return value;
      } catch (NumberFormatException tooLarge) {
        return new BigInteger(text);
      }
    }
    double value = Double.parseDouble(text);
    return Double.isInfinite(value) ? new BigDecimal(text) : value;
  }

  static byte[] toBytes(Object value) {
    return GSON.toJson(value).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] toBytes(JsonElement value) {
    return GSON.toJson(value).getBytes(StandardCharsets.UTF_8);
  }

  static JsonElement toTree(Object value) {
    return GSON.toJsonTree(value);
  }

  static <T> T fromJson(JsonElement element, Type type) {
    return GSON.fromJson(element, type);
  }

  /** Reads a body straight into {@code type}, without an intermediate tree. */
  static <T> T fromBytes(byte[] body, Type type) {
    // Decoding the whole body to a String first is several times cheaper than a streaming
    // InputStreamReader for bodies of this size (measured: it was most of Gson's share of a read).
    // A multi-megabyte page is briefly held twice (bytes and chars); the bytes go right after.
    return GSON.fromJson(new String(body, StandardCharsets.UTF_8), type);
  }

  /** Parses a response body; null for an empty body, null also when it is not JSON. */
  static JsonElement parseOrNull(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      JsonElement element = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
      return element.isJsonNull() ? null : element;
    } catch (JsonParseException notJson) {
      return null;
    }
  }

  /** The array under {@code key} of a feed body, as typed items; empty when absent. */
  static <T> List<T> feedItems(JsonElement body, String key, Type itemType) {
    if (body == null || !body.isJsonObject()) {
      return Collections.emptyList();
    }
    JsonElement array = body.getAsJsonObject().get(key);
    if (array == null || !array.isJsonArray()) {
      return Collections.emptyList();
    }
    List<T> items = new ArrayList<>(array.getAsJsonArray().size());
    for (JsonElement item : array.getAsJsonArray()) {
      items.add(GSON.fromJson(item, itemType));
    }
    return items;
  }

  /**
   * The same items as {@code feedItems(parseOrNull(body), key, itemType)}, read from the text in
   * one pass rather than through a tree and again out of it, for items read as maps
   * ({@link #MAP}). Any body it cannot stream as it is (not JSON, trailing text, a duplicate
   * name) goes the tree's way, and so do typed items (a reader reads some numbers more loosely
   * than a tree does), so results and errors stay the tree's.
   */
  static <T> List<T> feedItems(byte[] body, String key, Type itemType) {
    if (body == null || body.length == 0) {
      return Collections.emptyList();
    }
    if (!MAP.equals(itemType)) {
      return feedItems(parseOrNull(body), key, itemType);
    }
    try {
      JsonReader in = new JsonReader(new StringReader(new String(body, StandardCharsets.UTF_8)));
      in.setStrictness(Strictness.LENIENT); // as JsonParser reads
      if (in.peek() == JsonToken.BEGIN_OBJECT) {
        @SuppressWarnings("unchecked")
        TypeAdapter<T> adapter = (TypeAdapter<T>) GSON.getAdapter(TypeToken.get(itemType));
        List<T> items = null;
        in.beginObject();
        while (in.hasNext()) {
          boolean ours = in.nextName().equals(key);
          if (ours && in.peek() == JsonToken.BEGIN_ARRAY) {
            List<T> list = new ArrayList<>();
            in.beginArray();
            while (in.hasNext()) {
              list.add(adapter.read(in));
            }
            in.endArray();
            items = list;
          } else {
            in.skipValue();
            if (ours) {
              items = null; // the tree keeps a repeated name's last value
            }
          }
        }
        in.endObject();
        in.setStrictness(Strictness.LEGACY_STRICT); // as JsonParser checks the end: no comment
        if (in.peek() == JsonToken.END_DOCUMENT) {
          return items == null ? Collections.emptyList() : items;
        }
      }
    } catch (IOException | RuntimeException cannotStream) {
      // the tree's way below decides, as it always did
    }
    return feedItems(parseOrNull(body), key, itemType);
  }

  static String stringMember(JsonElement body, String name) {
    if (body == null || !body.isJsonObject()) {
      return null;
    }
    JsonObject object = body.getAsJsonObject();
    JsonElement member = object.get(name);
    return member != null && member.isJsonPrimitive() ? member.getAsString() : null;
  }

  /** A JSON string literal with every non-ASCII and control character escaped as \\uXXXX. */
  static String asciiString(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /**
   * A document (or other caller value) as a JSON tree; what Gson cannot serialise becomes an
   * {@link IllegalArgumentException} naming {@code argument} and the reason, before anything is
   * sent.
   */
  static JsonElement callerTree(Object value, String argument) {
    try {
      return GSON.toJsonTree(value);
    } catch (RuntimeException e) {
      throw notJson(value, argument, e);
    }
  }

  /** Like {@link #callerTree}, straight to bytes. */
  static byte[] callerBytes(Object value, String argument) {
    // Sized like the last document, so one copy (to the exact length) is all it costs.
    int hint = Math.max(64, lastSize + (lastSize >> 3));
    try {
      if (value instanceof Map) {
        JsonBytes plain = new JsonBytes(hint);
        if (writePlain(value, plain, 0)) {
          lastSize = Math.min(plain.length(), 1 << 16);
          return plain.toByteArray();
        }
      }
      StringBuilder out = new StringBuilder(hint);
      GSON.toJson(value, out);
      lastSize = Math.min(out.length(), 1 << 16);
      return out.toString().getBytes(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      throw notJson(value, argument, e);
    }
  }

  /** How deep {@link #writePlain} goes before it leaves a value to Gson (a cycle, say). */
  private static final int PLAIN_DEPTH = 64;

  /**
   * Writes a plain value the way {@link #GSON} does, byte for byte of its UTF-8, without Gson's
   * per-value adapter lookups: maps with string keys, collections, strings, booleans, null and
   * {@link #plainNumber plain numbers}. Returns false at the
   * first value of any other type (or past {@link #PLAIN_DEPTH} levels); {@code out} then holds a
   * partial text and the caller writes the whole value with Gson instead, so every other type
   * keeps Gson's behaviour, errors included.
   */
  static boolean writePlain(Object value, JsonBytes out, int depth) {
    if (value == null) {
      out.ascii("null");
    } else if (value instanceof String) {
      out.string((String) value);
    } else if (plainNumber(value)) {
      out.ascii(value.toString());
    } else if (value instanceof Boolean) {
      out.ascii(((Boolean) value).booleanValue() ? "true" : "false");
    } else if (depth >= PLAIN_DEPTH) {
      return false;
    } else if (value instanceof Map) {
      return writeMap((Map<?, ?>) value, out, depth);
    } else if (value instanceof Collection) {
      return writeCollection((Collection<?>) value, out, depth);
    } else {
      return false;
    }
    return true;
  }

  private static boolean writeMap(Map<?, ?> map, JsonBytes out, int depth) {
    out.ascii('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String)) {
        return false;
      }
      if (!first) {
        out.ascii(',');
      }
      first = false;
      out.string((String) e.getKey()).ascii(':');
      if (!writePlain(e.getValue(), out, depth + 1)) {
        return false;
      }
    }
    out.ascii('}');
    return true;
  }

  private static boolean writeCollection(Collection<?> items, JsonBytes out, int depth) {
    out.ascii('[');
    boolean first = true;
    for (Object item : items) {
      if (!first) {
        out.ascii(',');
      }
      first = false;
      if (!writePlain(item, out, depth + 1)) {
        return false;
      }
    }
    out.ascii(']');
    return true;
  }

  /**
   * Whether Gson writes this number as its {@code toString()}: Integer, Long, Short, Byte, a
   * finite Double, and BigInteger and BigDecimal themselves (Gson refuses their subclasses, and
   * NaN and the infinities, with its own messages).
   */
  static boolean plainNumber(Object value) {
    return value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value.getClass() == BigInteger.class
        || value.getClass() == BigDecimal.class
        || (value instanceof Double && Double.isFinite((Double) value));
  }

  /** The length of the last document written: a hint only, so racy updates are harmless. */
  private static int lastSize = 256;

  private static IllegalArgumentException notJson(Object value, String argument,
      RuntimeException e) {
    String type = value.getClass().getName();
    if (e instanceof IllegalArgumentException && String.valueOf(e.getMessage()).contains("NaN")) {
      // Gson's own message points at GsonBuilder, which callers cannot reach.
      return new IllegalArgumentException(argument + " (" + type + ") cannot be written as JSON: "
          + "it holds NaN or Infinity, which JSON cannot represent", e);
    }
    return new IllegalArgumentException(argument + " (" + type + ") cannot be written as JSON "
        + "by Gson: " + e.getMessage() + " (give it plain fields, or pass a Map)", e);
  }
}
