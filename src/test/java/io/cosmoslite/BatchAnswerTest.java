package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading a batch answer operation by operation, and writing a bulk body's strings. */
class BatchAnswerTest {
  private static final Map<String, String> BATCH = Map.of("x-ms-session-token", "0:-1#7",
      "x-ms-activity-id", "a-1", "x-ms-request-charge", "99");

  private static List<CosmosResult<Map<String, Object>>> read(String body, int count) {
    return Batches.results(body.getBytes(StandardCharsets.UTF_8), BATCH, count);
  }

  @Test void eachOperationGetsItsStatusEtagChargeAndTheAnswersSessionToken() {
    List<CosmosResult<Map<String, Object>>> results = read("[{\"statusCode\":201,"
        + "\"eTag\":\"\\\"e1\\\"\",\"requestCharge\":6.29,\"unknown\":{\"a\":[1,2]}},"
        + "{\"statusCode\":429,\"subStatusCode\":3200,\"retryAfterMilliseconds\":15},"
        + "{\"statusCode\":200,\"resourceBody\":{\"id\":\"d\",\"n\":1}}]", 3);
    assertEquals(3, results.size());
    CosmosResult<Map<String, Object>> created = results.get(0);
    assertEquals(201, created.code());
    assertEquals("\"e1\"", created.etag());
    assertEquals(6.29, created.requestCharge());
    assertEquals("0:-1#7", created.sessionToken());
    assertEquals("a-1", created.activityId());
    assertNull(created.data());
    assertEquals(Map.of("etag", "\"e1\"", "x-ms-request-charge", "6.29",
        "x-ms-session-token", "0:-1#7", "x-ms-activity-id", "a-1"), created.headers());
    CosmosResult<Map<String, Object>> throttled = results.get(1);
    assertEquals(429, throttled.code());
    assertEquals(3200, throttled.subStatus());
    assertEquals(java.time.Duration.ofMillis(15), throttled.retryAfter());
    assertEquals(Map.of("id", "d", "n", 1), results.get(2).data(), "integral stays integral");
  }

  @Test void membersAreReadAsTheirPrimitivesTextWhateverTheirJsonType() {
    CosmosResult<Map<String, Object>> result = read("[{\"statusCode\":\"404\","
        + "\"subStatusCode\":true,\"eTag\":12,\"requestCharge\":\"1.5\",\"statusCode\":409,"
        + "\"resourceBody\":{\"message\":\"exists\"}}]", 1).get(0);
    assertEquals(409, result.code(), "a repeated member: the last one counts");
    assertEquals(0, result.subStatus(), "a boolean is no number");
    assertEquals("12", result.etag());
    assertEquals(1.5, result.requestCharge());
    assertTrue(result.error().contains("exists"), result.error());
  }

  @Test void operationsTheAnswerDoesNotCoverAreUncertainNeverGuessed() {
    List<CosmosResult<Map<String, Object>>> results = read("[{\"statusCode\":201},7]", 3);
    assertEquals(201, results.get(0).code());
    for (int i = 1; i < 3; i++) {
      assertEquals(0, results.get(i).code());
      assertTrue(results.get(i).isUncertain());
      assertTrue(results.get(i).error().contains("no result for operation " + i),
          results.get(i).error());
    }
    for (String body : new String[] {"", "{\"statusCode\":201}", "[{\"statusCode\":201}] x",
        "[{\"statusCode\":201},", "null"}) {
      List<CosmosResult<Map<String, Object>>> none = read(body, 1);
      assertEquals(0, none.get(0).code(), body);
      assertTrue(none.get(0).isUncertain(), body);
    }
  }

  @Test void bulkBodyStringsAreWrittenByteForByteAsGsonWritesThem() {
    for (String value : new String[] {"[\"k\"]", "[\"a\\\"b\\\\c\"]", "\"etag\"", "",
        "tab\there", "line\nfeed", "\u00e9t\u00e9", "\u2028", "<&>='", "\u0001", "\ud83d\ude00"}) {
      assertEquals(Json.GSON.toJson(value),
          new String(new JsonBytes(1).string(value).toByteArray(), StandardCharsets.UTF_8),
          value);
    }
  }
}
