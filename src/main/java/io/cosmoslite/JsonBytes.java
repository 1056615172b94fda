package io.cosmoslite;

import java.util.Arrays;

/**
 * A growable byte buffer that JSON is written into as UTF-8, for request bodies: documents
 * ({@link Json#writePlain}) and bulk bodies ({@link Batches}), without a String in between.
 *
 * <p>Strings are written as {@link Json#GSON} writes them (no HTML escaping) and then encoded as
 * {@code String.getBytes(UTF_8)} encodes, so the bytes are exactly those of the Gson-then-encode
 * path: a lone surrogate becomes {@code '?'}. The methods are small on purpose: the write path's
 * JIT compiles them into every caller, and {@code StringBuilder.append}'s coder checks and
 * copies made the document writer one of the longest compilations of a bulk write.
 * Not thread-safe.
 */
final class JsonBytes {
  private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
      'c', 'd', 'e', 'f'};

  private byte[] buf;
  private int len;

  JsonBytes(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  int length() {
    return len;
  }

  /** A copy of what was written, exactly its length. */
  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private void room(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  /** One ASCII character (a JSON punctuation mark). */
  JsonBytes ascii(char c) {
    room(1);
    buf[len++] = (byte) c;
    return this;
  }

  /** Text known to be ASCII: literals, and numbers' {@code toString()}. */
  JsonBytes ascii(String text) {
    int n = text.length();
    room(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) text.charAt(i);
    }
    return this;
  }

  JsonBytes bytes(byte[] bytes) {
    room(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    return this;
  }

  /** {@code value} as a quoted JSON string, as Gson writes it, in UTF-8. */
  JsonBytes string(String value) {
    int n = value.length();
    room(n + 2);
    buf[len++] = '"';
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        if (len == buf.length) {
          room(1);
        }
        buf[len++] = (byte) c;
      } else {
        i = special(value, i, c);
      }
    }
    return ascii('"');
  }

  /** An escape or a non-ASCII character at {@code i}; returns the last index it used. */
  private int special(String value, int i, char c) {
    switch (c) {
      case '"': return escape('"', i);
      case '\\': return escape('\\', i);
      case '\t': return escape('t', i);
      case '\b': return escape('b', i);
      case '\n': return escape('n', i);
      case '\r': return escape('r', i);
      case '\f': return escape('f', i);
      default:
        break;
    }
    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
      room(6);
      buf[len++] = '\\';
      buf[len++] = 'u';
      buf[len++] = HEX[c >> 12];
      buf[len++] = HEX[(c >> 8) & 0xf];
      buf[len++] = HEX[(c >> 4) & 0xf];
      buf[len++] = HEX[c & 0xf];
      return i;
    }
    room(4);
    if (c < 0x800) {
      buf[len++] = (byte) (0xc0 | (c >> 6));
      buf[len++] = (byte) (0x80 | (c & 0x3f));
    } else if (!Character.isSurrogate(c)) {
      buf[len++] = (byte) (0xe0 | (c >> 12));
      buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
      buf[len++] = (byte) (0x80 | (c & 0x3f));
    } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
        && Character.isLowSurrogate(value.charAt(i + 1))) {
      int code = Character.toCodePoint(c, value.charAt(i + 1));
      buf[len++] = (byte) (0xf0 | (code >> 18));
      buf[len++] = (byte) (0x80 | ((code >> 12) & 0x3f));
      buf[len++] = (byte) (0x80 | ((code >> 6) & 0x3f));
      buf[len++] = (byte) (0x80 | (code & 0x3f));
      return i + 1;
    } else {
      buf[len++] = '?'; // a lone surrogate, as String.getBytes(UTF_8) writes it
    }
    return i;
  }

  private int escape(char c, int i) {
    room(2);
    buf[len++] = '\\';
    buf[len++] = (byte) c;
    return i;
  }
}
