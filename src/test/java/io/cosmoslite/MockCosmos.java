package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/** Canned Cosmos replies and request assertions shared by the MockWebServer tests. */
final class MockCosmos {
  static final String KEY =
      "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
  static final Instant START = Instant.parse("2017-04-27T00:51:12Z");
  static final String START_DATE = "Thu, 27 Apr 2017 00:51:12 GMT";
  static final java.util.regex.Pattern RFC_1123 = java.util.regex.Pattern.compile(
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
      + "\\d{4} \\d{2}:\\d{2}:\\d{2} GMT");

  private MockCosmos() {}

  /** A clock that moves one second forward every time it is read, so attempts differ. */
  static Clock tickingClock() {
    AtomicLong seconds = new AtomicLong();
    return new Clock() {
      @Override public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override public Instant instant() {
        return START.plusSeconds(seconds.getAndIncrement());
      }
    };
  }

  static CosmosClient.Builder client(MockWebServer server) {
    return CosmosClient.builder()
        .endpoint(server.url("/").toString())
        .key(KEY)
        .clock(Clock.fixed(START, ZoneOffset.UTC));
  }

  static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setHeader("x-ms-activity-id", "act-" + code)
        .setHeader("x-ms-request-charge", "1.5")
        .setBody(body);
  }

  static MockResponse error(int code, int subStatus, String serviceCode, String message) {
    return json(code, "{\"code\":\"" + serviceCode + "\",\"message\":\"" + message + "\"}")
        .setHeader("x-ms-substatus", Integer.toString(subStatus));
  }

  static RecordedRequest take(MockWebServer server) throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(request, "no request arrived");
    return request;
  }

  /**
   * Asserts method, path, an RFC 1123 {@code x-ms-date} and the signature of (type, link) at that
   * date, the version header, and no session token unless {@code sessionToken} is given.
   */
  static RecordedRequest assertRequest(RecordedRequest request, String method, String path,
      String type, String link, String sessionToken) {
    assertEquals(method, request.getMethod());
    assertEquals(path, request.getPath());
    String date = request.getHeader("x-ms-date");
    assertTrue(date != null && RFC_1123.matcher(date).matches(), "x-ms-date: " + date);
    assertEquals(Auth.masterKey(KEY).authorization(method, type, link, date),
        request.getHeader("authorization"));
    assertEquals("2020-07-15", request.getHeader("x-ms-version"));
    // The client retries 449 itself, so it asks the gateway not to.
    assertEquals("true", request.getHeader("x-ms-noretry-449"));
    // The client's partition map handles merges: it declares it.
    assertEquals("1", request.getHeader("x-ms-cosmos-sdk-supportedcapabilities"));
    assertEquals("application/json", request.getHeader("Accept"));
    assertEquals(sessionToken, request.getHeader("x-ms-session-token"));
    return request;
  }

  static void assertNoHeader(RecordedRequest request, String... names) {
    for (String name : names) {
      assertNull(request.getHeader(name), name);
    }
  }
}
