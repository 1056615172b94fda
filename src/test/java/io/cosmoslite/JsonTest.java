package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test void documentsReadBackEqualToTheOnesWritten() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", "1");
    doc.put("n", 42);
    doc.put("big", 9007199254740993L);
    doc.put("huge", new BigInteger("123456789012345678901234567890"));
    doc.put("x", 1.5);
    doc.put("none", null);
    doc.put("list", Arrays.asList(1, "two", true, null));
    doc.put("nested", Map.of("k", 7));
    Map<String, Object> back = Json.fromBytes(Json.toBytes(doc), Json.MAP);
    assertEquals(doc, back);
  }

  @Test void stringsAreNotHtmlEscaped() {
    assertEquals("{\"q\":\"<a href='x'>&</a>\"}",
        new String(Json.toBytes(Map.of("q", "<a href='x'>&</a>")), StandardCharsets.UTF_8));
  }

  @Test void bodiesAreDecodedAsUtf8IncludingCharactersOutsideTheBasicPlane() {
    String text = "{\"id\":\"\u00e9\u4e2d\ud83d\ude00\"}";
    Map<String, Object> back = Json.fromBytes(text.getBytes(StandardCharsets.UTF_8), Json.MAP);
    assertEquals("\u00e9\u4e2d\ud83d\ude00", back.get("id"));
  }

  @Test void warmingUpStartsAtMostOnceAndLeavesJsonWorking() {
    Json.warmUpInBackground(); // may or may not be the first call of this JVM
    boolean second = Json.warmUpInBackground();
    assertEquals(false, second, "a second call never starts another warm-up");
    assertEquals(false, Json.warmUpInBackground());
    assertEquals(Map.of("id", "a"),
        Json.fromBytes("{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8), Json.MAP));
  }

}
