package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;

/** Pulls the human-readable message out of the service's (varied) error bodies. */
final class ServiceError {
  private static final int MAX_TEXT = 300;

  private ServiceError() {}

  static String message(int status, JsonElement body, byte[] raw) {
    String message = Json.stringMember(body, "message");
    if (message == null && body == null && raw != null && raw.length > 0) {
      // Not JSON (an HTML page from a front end, say): show the start of it.
      String text = new String(raw, StandardCharsets.UTF_8).strip();
      return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "..." : text;
    }
    if (message == null || message.isBlank()) {
      String reason = CosmosException.reason(status);
      return reason.isEmpty() ? "HTTP " + status : reason;
    }
    return clean(message);
  }

  /**
   * The service wraps messages as {@code Message: {"Errors":["..."]}\r\nActivityId: ...}; keep
   * the errors and drop the trailer (the activity id is reported separately).
   */
  static String clean(String message) {
    String text = message;
    int trailer = text.indexOf("\r\nActivityId");
    if (trailer < 0) {
      trailer = text.indexOf(", ActivityId:");
    }
    if (trailer >= 0) {
      text = text.substring(0, trailer);
    }
    if (text.startsWith("Message: ")) {
      text = text.substring("Message: ".length());
    }
    int brace = text.indexOf('{');
    if (brace >= 0) {
      try {
        JsonElement inner = JsonParser.parseString(text.substring(brace));
        if (inner.isJsonObject() && inner.getAsJsonObject().get("Errors") instanceof JsonArray) {
          StringBuilder joined = new StringBuilder();
          for (JsonElement error : inner.getAsJsonObject().getAsJsonArray("Errors")) {
            if (joined.length() > 0) {
              joined.append("; ");
            }
            joined.append(error.isJsonPrimitive() ? error.getAsString() : error.toString());
          }
          return (text.substring(0, brace) + joined).strip();
        }
      } catch (RuntimeException notJson) {
        // keep the text as it is
      }
    }
    return text.strip();
  }
}
