package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class AuthTest {
  static final String DOC_KEY =
      "dsZQi3KtZmCv1ljt3VNWNm7sQUF1y5rJfC6kv5JiwvW0EndXdDku/dkKBp8/ufDToSxLzR4y+O/0H/t4bQtVNw==";

  @Test void masterKeySignatureReproducesTheDocumentedTestVector() {
    String header = Auth.masterKey(DOC_KEY)
        .authorization("GET", "dbs", "dbs/ToDoList", "Thu, 27 Apr 2017 00:51:12 GMT");
    assertEquals(
        "type%3Dmaster%26ver%3D1.0%26sig%3Dc09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu%2Bc%2Bc%3D",
        header);
  }

  @Test void signatureEncodingMatchesUrlEncoderForEveryBase64Character() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    assertEquals(java.net.URLEncoder.encode(alphabet, java.nio.charset.StandardCharsets.UTF_8),
        Auth.encodeBase64(alphabet));
  }

  @Test void verbTypeAndDateAreLowerCasedButTheLinkKeepsItsCase() {
    Auth auth = Auth.masterKey(DOC_KEY);
    String upper = auth.authorization("GET", "DBS", "dbs/ToDoList", "THU, 27 APR 2017 00:51:12 GMT");
    String lower = auth.authorization("get", "dbs", "dbs/ToDoList", "thu, 27 apr 2017 00:51:12 gmt");
    assertEquals(upper, lower);
    String otherCase = auth.authorization("GET", "dbs", "dbs/todolist", "Thu, 27 Apr 2017 00:51:12 GMT");
    assertFalse(otherCase.equals(upper));
  }

  @Test void dateIsEnglishWithTwoDigitDayWhateverTheDefaultLocale() {
    Locale saved = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);
      assertEquals("Fri, 05 Jan 2024 09:03:07 GMT",
          Auth.httpDate(Instant.parse("2024-01-05T09:03:07Z")));
      Locale.setDefault(new Locale("ar", "EG"));
      assertEquals("Fri, 05 Jan 2024 09:03:07 GMT",
          Auth.httpDate(Instant.parse("2024-01-05T09:03:07Z")));
    } finally {
      Locale.setDefault(saved);
    }
  }

  @Test void dateMatchesJavaTimesRfc1123FormatOnEveryKindOfDay() {
    java.time.format.DateTimeFormatter reference = java.time.format.DateTimeFormatter
        .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(java.time.ZoneOffset.UTC);
    java.util.Random random = new java.util.Random(7);
    // 1970 to 2100 (leap years, 2000, month and year ends), plus fixed edge cases.
    List<Instant> instants = new java.util.ArrayList<>(List.of(Instant.EPOCH,
        Instant.parse("2000-02-29T23:59:59Z"), Instant.parse("2099-12-31T23:59:59Z"),
        Instant.parse("2024-01-01T00:00:00Z")));
    for (int i = 0; i < 2000; i++) {
      instants.add(Instant.ofEpochSecond((long) (random.nextDouble() * 4102444800L)));
    }
    for (Instant instant : instants) {
      assertEquals(reference.format(instant), Auth.httpDate(instant), instant.toString());
    }
  }

  @Test void aClockOutsideFourDigitYearsIsRefusedRatherThanMisformatted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Auth.httpDate(Instant.parse("+10000-01-01T00:00:00Z")));
    assertEquals("clock year 10000 cannot be sent in x-ms-date", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Auth.httpDate(Instant.parse("0999-12-31T23:59:59Z")));
  }

  @Test void badKeyIsRejectedWithoutEchoingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Auth.masterKey("not*base64*secret"));
    assertEquals("key is not valid base64", e.getMessage());
    assertFalse(e.getMessage().contains("secret"));
  }

  @Test void resourceTokenIsSentUrlEncodedOnceAndNeverShown() {
    Auth raw = Auth.resourceToken("type=resource&ver=1.0&sig=abc+/=");
    assertEquals("type%3Dresource%26ver%3D1.0%26sig%3Dabc%2B%2F%3D",
        raw.authorization("GET", "docs", "dbs/a/colls/b", "date"));
    Auth encoded = Auth.resourceToken("type%3Dresource%26ver%3D1.0%26sig%3Dabc");
    assertEquals("type%3Dresource%26ver%3D1.0%26sig%3Dabc",
        encoded.authorization("GET", "docs", "dbs/a/colls/b", "date"));
    assertTrue(raw.toString().contains("redacted"));
    assertFalse(raw.toString().contains("sig"));
  }
}
