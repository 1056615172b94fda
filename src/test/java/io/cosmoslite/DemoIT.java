package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cosmoslite.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs the program {@code scripts/demo} runs, against the throttled server, with fewer
 * documents: the demo keeps working as the library changes, and cleans up after itself.
 */
class DemoIT {
  @Test void theDemoRunsEveryStepAndDeletesItsDatabase() throws Exception {
    String endpoint = LocalServers.throttled();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    new Demo(() -> LocalServers.client(endpoint).build(), 600, out, false).run();
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text);

    assertTrue(text.contains("600 written in"), text);
    assertTrue(text.contains(", 0 failed;"), text);
    assertTrue(text.contains("SELECT VALUE COUNT(1) FROM c -> 601 (the first document + 600): "
        + "every document is there, once"), text);
    assertTrue(text.contains("   page 2: "), text);
    assertTrue(text.contains("returns page 2 again: yes"), text);
    assertTrue(text.contains("read cart-ada with the cookie's token: 200"), text);
    assertTrue(text.contains("a malformed cookie is refused before sending: sessionToken "), text);
    assertFalse(text.contains("x-evil"), "the refused cookie is not echoed: " + text);
    assertTrue(text.contains("\"from c where c.status = 'open'\": 412"), text);
    assertTrue(text.contains("demo done in"), text);
    assertFalse(text.contains("could not delete"), text);
    try (CosmosClient client = LocalServers.client(endpoint).build()) {
      List<Object> left = ItSupport.await(client.listDatabases()).data().stream()
          .map(d -> d.get("id")).filter(id -> String.valueOf(id).startsWith("demo-"))
          .collect(Collectors.toList());
      assertEquals(List.of(), left, "the demo deleted its database");
    }
  }
}
