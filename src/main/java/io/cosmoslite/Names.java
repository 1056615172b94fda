package io.cosmoslite;

import java.nio.charset.StandardCharsets;

/** Checks resource names and ids before any request, and percent-encodes URL path segments. */
final class Names {
  private static final int MAX_NAME_CHARS = 255;
  private static final int MAX_ID_BYTES = 1023;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Names() {}

  /** A database or container name: 1..255 characters, none of / \ # ? or control characters. */
  static String name(String value, String argument) {
    check(value, argument);
    if (value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException(argument + " must not be \"" + value + "\"");
    }
    if (value.length() > MAX_NAME_CHARS) {
      throw new IllegalArgumentException(
          argument + " is longer than " + MAX_NAME_CHARS + " characters");
    }
    return value;
  }

  /** A document or script id: at most 1023 UTF-8 bytes, none of / \ # ? or control characters. */
  static String id(String value, String argument) {
    check(value, argument);
    if (value.equals(".") || value.equals("..")) {
      // A URL path would normalise them away (DELETE .../docs/.. addresses the container).
      throw new IllegalArgumentException(argument + " must not be \"" + value + "\"");
    }
    // At most 3 UTF-8 bytes per char: only a long id needs encoding to be measured.
    if (value.length() * 3 > MAX_ID_BYTES
        && value.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
      throw new IllegalArgumentException(argument + " is longer than " + MAX_ID_BYTES + " bytes");
    }
    return value;
  }

  private static void check(String value, String argument) {
    if (value == null) { // the message is built only when it is needed: ids are checked per item
      throw new NullPointerException(argument + " == null");
    }
    if (value.isEmpty()) {
      throw new IllegalArgumentException(argument + " is empty");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/' || c == '\\' || c == '#' || c == '?') {
        throw new IllegalArgumentException(
            argument + " must not contain '" + c + "': " + quote(value));
      }
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            argument + " must not contain control characters: " + quote(value));
      }
    }
    if (value.endsWith(" ")) {
      throw new IllegalArgumentException(argument + " must not end with a space: " + quote(value));
    }
  }

  private static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < value.length() && i < 64; i++) {
      char c = value.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.append(value.length() > 64 ? "...\"" : "\"").toString();
  }

  /**
   * A value sent as a header (token, etag): not blank, printable ASCII only, so it can never
   * split a header or be refused by the HTTP client later. The value is not echoed: it may be a
   * credential.
   */
  static String headerValue(String value, String argument) {
    if (value == null) { // the message is built only when it is needed: ids are checked per item
      throw new NullPointerException(argument + " == null");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(argument + " is blank");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(argument + " must be printable ASCII (a header "
            + "value); character " + i + " is U+" + String.format("%04X", (int) c));
      }
    }
    return value;
  }

  /** A count of at least 1 (concurrency limits). */
  static int atLeastOne(int value, String argument) {
    if (value < 1) {
      throw new IllegalArgumentException(argument + " must be at least 1, got " + value);
    }
    return value;
  }

  /** A positive duration (timeouts). */
  static java.time.Duration positive(java.time.Duration value, String argument) {
    if (value == null) { // the message is built only when it is needed: ids are checked per item
      throw new NullPointerException(argument + " == null");
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(argument + " must be positive: " + value);
    }
    return value;
  }

  /** Percent-encodes one path segment: everything but RFC 3986 unreserved characters. */
  static String encodeSegment(String segment) {
    StringBuilder out = null;
    byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
          || (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' || b == '~';
      if (unreserved && out == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(bytes.length * 3);
        out.append(segment, 0, i);
      }
      if (unreserved) {
        out.append((char) b);
      } else {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
      }
    }
    return out == null ? segment : out.toString();
  }

  /** Most characters of a session token taken from outside (a cookie, say). */
  static final int MAX_TOKEN_CHARS = 16 * 1024;

  /**
   * A session token from outside the client, checked against the token grammar
   * ({@link SessionTokens#parse}: {@code range:version#lsn(#region=lsn)*} or {@code range:lsn}
   * items, at most {@link SessionTokens#MAX_RANGES} ranges) and at most
   * {@link #MAX_TOKEN_CHARS} characters. The value is never echoed: it may come from an
   * untrusted cookie.
   */
  static String sessionToken(String value, String argument) {
    if (value == null) { // the message is built only when it is needed: ids are checked per item
      throw new NullPointerException(argument + " == null");
    }
    if (value.length() > MAX_TOKEN_CHARS) {
      throw new IllegalArgumentException(argument + " is longer than " + MAX_TOKEN_CHARS
          + " characters");
    }
    SessionTokens.parse(value);
    return value;
  }
}
