package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PartitionKeyTest {
  @Test void scalarValuesAreJsonArrays() {
    assertEquals("[\"a\"]", PartitionKey.of("a").header());
    assertEquals("[5]", PartitionKey.of(5).header());
    assertEquals("[5]", PartitionKey.of(5L).header());
    assertEquals("[1.5]", PartitionKey.of(1.5).header());
    assertEquals("[5]", PartitionKey.of(5.0).header());
    assertEquals("[12345678901234567890]",
        PartitionKey.of(new BigDecimal("12345678901234567890")).header());
    assertEquals("[true]", PartitionKey.of(true).header());
    assertEquals("[null]", PartitionKey.NULL.header());
    assertEquals("[null]", PartitionKey.of((Object) null).header());
    assertEquals("[{}]", PartitionKey.UNDEFINED.header());
  }

  @Test void hierarchicalKeysKeepPathOrder() {
    assertEquals("[\"tenant\",\"user\",42]", PartitionKey.of("tenant", "user", 42).header());
    assertEquals("[\"t\",{}]", PartitionKey.of("t", PartitionKey.UNDEFINED).header());
    assertEquals(Arrays.asList("t", PartitionKey.UNDEFINED),
        PartitionKey.of("t", PartitionKey.UNDEFINED).values());
  }

  @Test void quotesBackslashesControlAndNonAsciiAreEscaped() {
    assertEquals("[\"say \\\"hi\\\" \\\\ now\"]", PartitionKey.of("say \"hi\" \\ now").header());
    assertEquals("[\"caf\\u00e9 \\ud83d\\ude00\"]", PartitionKey.of("café 😀").header());
    assertEquals("[\"a\\u000ab\"]", PartitionKey.of("a\nb").header());
    assertTrue(PartitionKey.of("日本").header().chars().allMatch(c -> c < 0x80));
  }

  @Test void plainArgumentsAreWrappedAndNullNeedsTheConstant() {
    assertEquals(PartitionKey.of("x"), PartitionKey.from("x"));
    assertEquals(PartitionKey.of(3), PartitionKey.from(3));
    NullPointerException e = assertThrows(NullPointerException.class,
        () -> PartitionKey.from(null));
    assertTrue(e.getMessage().contains("partitionKey"));
  }

  @Test void invalidKeysAreRejectedNamingTheArgument() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PartitionKey.of())
        .getMessage().startsWith("partitionKey"));
    assertThrows(IllegalArgumentException.class, () -> PartitionKey.of("a", "b", "c", "d"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> PartitionKey.of(new Object())).getMessage().startsWith("partitionKey"));
    assertThrows(IllegalArgumentException.class, () -> PartitionKey.of(Double.NaN));
  }
}
