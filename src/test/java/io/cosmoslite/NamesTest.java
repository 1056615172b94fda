package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test void badNamesAreRejectedNamingTheArgument() {
    for (String bad : new String[] {"", "a/b", "a\\b", "a#b", "a?b", "a\tb", "a\u0000", "x "}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Names.name(bad, "database"), bad);
      assertTrue(e.getMessage().startsWith("database "), e.getMessage());
    }
    assertTrue(assertThrows(NullPointerException.class, () -> Names.id(null, "id"))
        .getMessage().contains("id"));
    assertThrows(IllegalArgumentException.class, () -> Names.name("n".repeat(256), "container"));
    assertEquals("n".repeat(255), Names.name("n".repeat(255), "container"));
    assertThrows(IllegalArgumentException.class, () -> Names.id("é".repeat(512), "id"));
    assertEquals("é".repeat(511), Names.id("é".repeat(511), "id"));
  }

  @Test void segmentsArePercentEncodedWithSpaceAsPercent20() {
    assertEquals("a%20b", Names.encodeSegment("a b"));
    assertEquals("caf%C3%A9", Names.encodeSegment("café"));
    assertEquals("a%2Bb%25c%26d%3De", Names.encodeSegment("a+b%c&d=e"));
    assertEquals("plain-id_1.2~3", Names.encodeSegment("plain-id_1.2~3"));
  }
}
