package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cosmos-local checks every signature with Node's own crypto, independently of the Java signer:
 * the right key works for every kind of resource link, a wrong key or a stale clock gets a clear
 * 401 that is not retried and never shows the key.
 */
class AuthIT {
  static final String WRONG_KEY =
      Base64.getEncoder().encodeToString("definitely-not-the-emulator-key-0123456789".getBytes(
          java.nio.charset.StandardCharsets.US_ASCII));

  static String endpoint;
  static CosmosClient client;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = LocalServers.plain();
    client = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("auth");
    await(client.createDatabase(db));
    await(client.createContainer(db, "c", "/pk"));
    // Ids with characters that must be percent-encoded in the URL but signed decoded.
    await(client.createDocument(db, "c", Map.of("id", "a b+é", "pk", "p q"), "p q"));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(client, db);
    if (client != null) {
      client.close();
    }
  }

  @Test void theRightKeySignsEveryKindOfLink() {
    assertEquals(200, await(client.readAccount()).code());
    assertEquals(200, await(client.getDatabase(db)).code());
    assertEquals(200, await(client.listContainers(db)).code());
    assertEquals(200, await(client.getContainer(db, "c")).code());
    assertEquals("a b+é", await(client.getDocument(db, "c", "a b+é", "p q")).data().get("id"));
  }

  @Test void aWrongKeyGetsAClear401ThatIsNotRetriedAndDoesNotLeakTheKey() {
    long before = LocalServers.counter(LocalServers.stats(endpoint), "unauthorized");
    CosmosException e;
    try (CosmosClient wrong = LocalServers.client(endpoint).key(WRONG_KEY).build()) {
      e = failure(wrong.getDocument(db, "c", "a b+é", "p q"));
    }
    assertEquals(401, e.code());
    String message = e.getMessage();
    assertTrue(message.startsWith("GET dbs/" + db + "/colls/c/docs/"), message);
    assertTrue(message.contains("-> 401 Unauthorized: "), message);
    assertTrue(message.contains("The wrong key is being used"), message);
    assertFalse(message.contains(WRONG_KEY), message);
    assertFalse(message.contains(LocalServers.key()), message);
    assertEquals("Unauthorized", e.serviceCode());
    assertEquals("Unauthorized", e.result().serviceCode());
    assertEquals(e.result().error(), e.error());
    assertNull(e.result().data());

    CosmosResult<Map<String, Object>> result;
    try (CosmosClient quiet = LocalServers.client(endpoint).key(WRONG_KEY).raiseOnFailure(false)
        .build()) {
      result = await(quiet.createDatabase("never-" + db));
    }
    assertEquals("failed", result.get("status"));
    assertEquals(401, result.get("code"));
    assertTrue(((String) result.get("error")).contains("wrong key"), result.toString());
    assertEquals(0, result.retryCount(), "a 401 is not retried");

    assertEquals(2, LocalServers.counter(LocalServers.stats(endpoint), "unauthorized") - before);
    assertEquals(404, failure(client.getDatabase("never-" + db)).code(),
        "the refused create changed nothing");
  }

  @Test void aClockFarOffGetsA401NamingTheDate() {
    Clock late = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-30));
    try (CosmosClient skewed = LocalServers.client(endpoint).clock(late).build()) {
      CosmosException e = failure(skewed.getDatabase(db));
      assertEquals(401, e.code());
      assertTrue(e.getMessage().contains("x-ms-date"), e.getMessage());
      assertTrue(e.getMessage().contains("not valid at the current time"), e.getMessage());
    }
    Clock slightlyOff = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));
    try (CosmosClient close = LocalServers.client(endpoint).clock(slightlyOff).build()) {
      assertEquals(200, await(close.getDatabase(db)).code());
    }
  }
}
