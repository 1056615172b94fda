package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The minimal-answer reader gives exactly what Gson's lenient reader gives, or leaves it to it. */
class MinimalAnswersTest {
  private static final String[] NAMES = {"statusCode", "subStatusCode", "retryAfterMilliseconds",
      "eTag", "requestCharge"};
  private static final String[] VALUES = {"201", "0", "-1", "429", "3200", "6.29", "1.5E3",
      "2e-2", "-0.5", "123456789012345678", "201.0", "1e999", "\"201\"", "\"\\\"e-1\\\"\"",
      "\"\"", "\"a\\\\b\\/c\"", "\"6.29\"", "\"not a number\"", "\"\u007f\"", "\" 12 \"",
      "\"a b\""};
  private static final String[] SPACE = {"", "", "", " ", "\n", "\r\n\t "};

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A random answer of the minimal shape, with random spacing, order and repeated members. */
  private static String minimal(Random random) {
    StringBuilder out = new StringBuilder(space(random)).append('[');
    int ops = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(120);
    for (int i = 0; i < ops; i++) {
      out.append(i == 0 ? "" : ",").append(space(random)).append('{');
      int members = random.nextInt(7);
      for (int m = 0; m < members; m++) {
        out.append(m == 0 ? "" : ",").append(space(random)).append('"')
            .append(NAMES[random.nextInt(NAMES.length)]).append('"').append(space(random))
            .append(':').append(space(random)).append(VALUES[random.nextInt(VALUES.length)])
            .append(space(random));
      }
      out.append('}').append(space(random));
    }
    return out.append(']').append(space(random)).toString();
  }

  private static String space(Random random) {
    return SPACE[random.nextInt(SPACE.length)];
  }

  private static void assertSame(List<Batches.Answer> expected, List<Batches.Answer> actual,
      String body) {
    assertEquals(expected.size(), actual.size(), body);
    for (int i = 0; i < expected.size(); i++) {
      Batches.Answer e = expected.get(i);
      Batches.Answer a = actual.get(i);
      String where = body + " [" + i + "]";
      assertEquals(e.status, a.status, where);
      assertEquals(e.subStatus, a.subStatus, where);
      assertEquals(e.retryAfter, a.retryAfter, where);
      assertEquals(e.etag, a.etag, where);
      assertEquals(e.requestCharge, a.requestCharge, where);
      assertNull(a.resource, where);
      assertNull(e.resource, where);
    }
  }

  @Test void minimalAnswersAreReadAsTheGeneralReaderReadsThem() {
    Random random = new Random(3);
    for (int round = 0; round < 3_000; round++) {
      String body = minimal(random);
      List<Batches.Answer> fast = MinimalAnswers.read(utf8(body));
      assertNotNull(fast, body);
      assertSame(Batches.generalAnswers(utf8(body)), fast, body);
    }
  }

  @Test void whatTheShapeDoesNotCoverIsLeftToTheGeneralReader() {
    String[] others = {
      "[{\"statusCode\":201,\"resourceBody\":{\"id\":\"a\"}}]", // a document in the answer
      "[{\"statusCode\":201,\"other\":1}]", "[{\"statusCode\":true}]", "[{\"eTag\":null}]",
      "[{\"eTag\":\"\\u0041\"}]", "[{\"eTag\":\"\\n\"}]", "[{\"eTag\":\"\u00e9\"}]",
      "[{\"statusCode\":-0}]", "[{\"statusCode\":01}]", "[{\"statusCode\":1234567890123456789}]",
      "[{\"statusCode\":1.}]", "[{\"statusCode\":.5}]", "[{\"statusCode\":1e}]",
      "[{\"st\\u0061tusCode\":1}]", "[{'statusCode':201}]", "[{statusCode:201}]",
      "[{\"statusCode\":201}] x", "[{\"statusCode\":201},]",
      "[{\"statusCode\":201}", "[1]", "[null]", "{}", "", "[{\"statusCode\":201} {}]",
      "[{\"statusCode\" 201}]", "[{\"statusCode\":201,}]", "/* c */[{\"statusCode\":201}]",
      "[{\"eTag\":\"\tx\"}]", "[{\"statusCode\":201]", "[{\"eTag\":\"open}]",
      // Escapes the general reader decodes, and spacing strict JSON does not allow.
      "[{\"eTag\":\"\\t\"}]", "[{\"eTag\":\"\\b\"}]", "[{\"eTag\":\"\\r\"}]",
      "[{\"eTag\":\"\\f\"}]", "[{\"statusCode\":201}\f]", "[\u000b{}]", "[\u00a0{}]",
      "\ufeff[{}]", "[{}]\u0000"
    };
    for (String body : others) {
      assertNull(MinimalAnswers.read(utf8(body)), body);
    }
  }

  @Test void randomlyDamagedAnswersAreEitherReadAlikeOrLeftToTheGeneralReader() {
    Random random = new Random(17);
    String damage = "{}[],:\"\\ 0-.eE+x\u00e9\f\u000b\t/#;=\u00a0tbrn";
    int read = 0;
    for (int round = 0; round < 5_000; round++) {
      StringBuilder body = new StringBuilder(minimal(random));
      for (int d = 1 + random.nextInt(3); d > 0 && body.length() > 0; d--) {
        int at = random.nextInt(body.length());
        switch (random.nextInt(3)) {
          case 0: body.deleteCharAt(at); break;
          case 1: body.insert(at, damage.charAt(random.nextInt(damage.length()))); break;
          default: body.setCharAt(at, damage.charAt(random.nextInt(damage.length())));
        }
      }
      String text = body.toString();
      List<Batches.Answer> fast = MinimalAnswers.read(utf8(text));
      if (fast != null) {
        read++;
        List<Batches.Answer> general = Batches.generalAnswers(utf8(text));
        assertNotNull(general, "read here but not by the general reader: " + text);
        assertSame(general, fast, text);
      }
    }
    assertEquals(true, read > 100, "some damaged answers are still minimal: " + read);
  }

  @Test void aPackedWritesResultsComeOutTheSameEitherWay() {
    String body = "[{\"statusCode\":201,\"requestCharge\":6.29,\"eTag\":\"\\\"e-1\\\"\"},"
        + "{\"statusCode\":429,\"subStatusCode\":3200,\"retryAfterMilliseconds\":15}]";
    List<Batches.Answer> fast = MinimalAnswers.read(utf8(body));
    assertNotNull(fast);
    assertEquals(List.of(201, 429), statuses(fast));
    assertEquals("\"e-1\"", fast.get(0).etag);
    assertEquals("6.29", fast.get(0).requestCharge);
    assertEquals(3200, fast.get(1).subStatus);
    assertEquals(15, fast.get(1).retryAfter);
    assertSame(Batches.generalAnswers(utf8(body)), fast, body);
  }

  private static List<Integer> statuses(List<Batches.Answer> answers) {
    List<Integer> out = new ArrayList<>();
    answers.forEach(a -> out.add(a.status));
    return out;
  }
}
