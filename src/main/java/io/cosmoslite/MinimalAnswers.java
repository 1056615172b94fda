package io.cosmoslite;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a batch answer of the shape the service sends with {@code Prefer: return=minimal} straight
 * from its bytes: an array of flat objects whose members are the known ones ({@code statusCode},
 * {@code subStatusCode}, {@code retryAfterMilliseconds}, {@code eTag}, {@code requestCharge}),
 * each a number or a plain string. A packed write reads one per request, and Gson's lenient
 * reader (a String of the whole body, then a name and a value String per member) was a fifth of
 * the library's own time per document.
 *
 * <p>Anything else is left to that reader: a document in the answer, another member, a literal
 * that is not a number or a string, non-ASCII bytes, an escape other than {@code \"},
 * {@code \\} and {@code \/}, a number that is not in its shortest form, or anything that is not
 * strict JSON. {@link #read} then returns null, so every answer gets exactly the values the
 * general reader would give it (tests compare the two).
 */
final class MinimalAnswers {
  /** Thrown (without a stack) where the general reader has to take over. */
  private static final class NotMinimal extends Exception {
    private static final long serialVersionUID = 1L;

    NotMinimal() {
      super(null, null, false, false);
    }
  }

  private static final NotMinimal NOT_MINIMAL = new NotMinimal();

  private static final byte[][] NAMES = {
    ascii("statusCode"), ascii("subStatusCode"), ascii("retryAfterMilliseconds"), ascii("eTag"),
    ascii("requestCharge")
  };
  private static final int STATUS = 0;
  private static final int SUB_STATUS = 1;
  private static final int RETRY_AFTER = 2;
  private static final int ETAG = 3;
  private static final int CHARGE = 4;

  private final byte[] in;
  private int at;

  private MinimalAnswers(byte[] in) {
    this.in = in;
  }

  /** The answer's operations in order, or null when the general reader has to read it. */
  static List<Batches.Answer> read(byte[] raw) {
    try {
      return new MinimalAnswers(raw).array();
    } catch (NotMinimal | RuntimeException general) {
      return null;
    }
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private List<Batches.Answer> array() throws NotMinimal {
    List<Batches.Answer> out = new ArrayList<>();
    expect('[');
    if (peek() == ']') {
      at++;
    } else {
      while (true) {
        out.add(object());
        byte next = next();
        if (next == ']') {
          break;
        }
        if (next != ',') {
          throw NOT_MINIMAL;
        }
      }
    }
    space();
    if (at != in.length) {
      throw NOT_MINIMAL;
    }
    return out;
  }

  private Batches.Answer object() throws NotMinimal {
    Batches.Answer answer = new Batches.Answer();
    expect('{');
    if (peek() == '}') {
      at++;
      return answer;
    }
    while (true) {
      int name = name();
      expect(':');
      String value = value();
      switch (name) {
        case STATUS:
          answer.status = Batches.toInt(value);
          break;
        case SUB_STATUS:
          answer.subStatus = Batches.toInt(value);
          break;
        case RETRY_AFTER:
          answer.retryAfter = Batches.toInt(value);
          break;
        case ETAG:
          answer.etag = value;
          break;
        default:
          answer.requestCharge = value;
      }
      byte next = next();
      if (next == '}') {
        return answer;
      }
      if (next != ',') {
        throw NOT_MINIMAL;
      }
    }
  }

  /** A member name: the index of a known one. */
  private int name() throws NotMinimal {
    expect('"');
    int start = at;
    while (at < in.length && in[at] != '"') {
      if (in[at] == '\\' || in[at] < 0x20) {
        throw NOT_MINIMAL;
      }
      at++;
    }
    int length = at - start;
    at++; // the closing quote (past the end when there is none: the next read fails)
    for (int i = 0; i < NAMES.length; i++) {
      if (NAMES[i].length == length && same(NAMES[i], start)) {
        return i;
      }
    }
    throw NOT_MINIMAL;
  }

  private boolean same(byte[] name, int start) {
    for (int i = 0; i < name.length; i++) {
      if (in[start + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  /** A string's content or a number's text, as the general reader gives them. */
  private String value() throws NotMinimal {
    byte first = peek();
    return first == '"' ? string() : number();
  }

  private String string() throws NotMinimal {
    at++; // the opening quote
    StringBuilder out = null; // only when there is an escape
    int start = at;
    while (true) {
      if (at >= in.length) {
        throw NOT_MINIMAL;
      }
      byte b = in[at];
      if (b == '"') {
        String text = out == null ? new String(in, start, at - start, StandardCharsets.US_ASCII)
            : out.append(new String(in, start, at - start, StandardCharsets.US_ASCII)).toString();
        at++;
        return text;
      }
      if (b < 0x20) { // a control character or a non-ASCII byte (negative)
        throw NOT_MINIMAL;
      }
      if (b == '\\') {
        byte escaped = at + 1 < in.length ? in[at + 1] : 0;
        if (escaped != '"' && escaped != '\\' && escaped != '/') {
          throw NOT_MINIMAL;
        }
        if (out == null) {
          out = new StringBuilder();
        }
        out.append(new String(in, start, at - start, StandardCharsets.US_ASCII))
            .append((char) escaped);
        at += 2;
        start = at;
        continue;
      }
      at++;
    }
  }

  /**
   * A number in strict JSON, as text. An integer must be in its shortest form and short enough
   * to be a {@code long}: Gson gives such a literal back as {@code Long.toString} of its value,
   * which is then the same text. {@code -0} goes to the general reader.
   */
  private String number() throws NotMinimal {
    int start = at;
    if (at < in.length && in[at] == '-') {
      at++;
    }
    int digits = at;
    if (at < in.length && in[at] == '0') {
      at++;
    } else {
      skipDigits();
    }
    int integerDigits = at - digits;
    if (integerDigits == 0) {
      throw NOT_MINIMAL;
    }
    boolean integer = true;
    if (at < in.length && in[at] == '.') {
      at++;
      if (skipDigits() == 0) {
        throw NOT_MINIMAL;
      }
      integer = false;
    }
    if (at < in.length && (in[at] == 'e' || in[at] == 'E')) {
      at++;
      if (at < in.length && (in[at] == '+' || in[at] == '-')) {
        at++;
      }
      if (skipDigits() == 0) {
        throw NOT_MINIMAL;
      }
      integer = false;
    }
    if (integer && (integerDigits > 18 || (in[start] == '-' && in[digits] == '0'))) {
      throw NOT_MINIMAL;
    }
    // What follows (01's 1, say) is checked by the caller's next(): a comma or a brace.
    return new String(in, start, at - start, StandardCharsets.US_ASCII);
  }

  private int skipDigits() {
    int start = at;
    while (at < in.length && in[at] >= '0' && in[at] <= '9') {
      at++;
    }
    return at - start;
  }

  private static boolean space(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private void space() {
    while (at < in.length && space(in[at])) {
      at++;
    }
  }

  /** The next byte after white space, not consumed. */
  private byte peek() throws NotMinimal {
    space();
    if (at >= in.length) {
      throw NOT_MINIMAL;
    }
    return in[at];
  }

  /** The next byte after white space, consumed. */
  private byte next() throws NotMinimal {
    byte b = peek();
    at++;
    return b;
  }

  private void expect(char c) throws NotMinimal {
    if (next() != c) {
      throw NOT_MINIMAL;
    }
  }
}
