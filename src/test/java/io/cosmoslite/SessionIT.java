package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Session tokens between two client instances (the cookie case). cosmos-local issues
 * {@code 0:-1#<lsn>} per container, raising the LSN on every write, and answers a read whose
 * token is ahead of the container with 404 substatus 1002, as the service does. That makes the
 * token the client really sends observable: a token from the future cannot be satisfied.
 */
class SessionIT {
  private static final Pattern LSN = Pattern.compile("^0:(-?\\d+)#(\\d+)$");

  static String endpoint;
  static CosmosClient writer;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = LocalServers.plain();
    writer = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("session");
    await(writer.createDatabase(db));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(writer, db);
    if (writer != null) {
      writer.close();
    }
  }

  static long lsn(String token) {
    Matcher m = LSN.matcher(token);
    assertTrue(m.matches(), "token " + token);
    return Long.parseLong(m.group(2));
  }

  static String withLsn(String token, long lsn) {
    Matcher m = LSN.matcher(token);
    assertTrue(m.matches(), "token " + token);
    return "0:" + m.group(1) + "#" + lsn;
  }

  @Test void writesRaiseTheTokenAndTheClientKeepsTheHighest() {
    await(writer.createContainer(db, "lsn", "/pk"));
    assertNull(writer.sessionToken(db, "lsn"), "no token before the first document call");
    CosmosResult<Map<String, Object>> first = await(writer.createDocument(db, "lsn",
        Map.of("id", "1", "pk", "a"), "a"));
    CosmosResult<Map<String, Object>> second = await(writer.upsertDocument(db, "lsn",
        Map.of("id", "2", "pk", "a"), "a"));
    assertEquals(lsn(first.sessionToken()) + 1, lsn(second.sessionToken()));
    assertEquals(second.sessionToken(), writer.sessionToken(db, "lsn"));
    // A read answers with the container's current token; it does not move it.
    CosmosResult<Map<String, Object>> read = await(writer.getDocument(db, "lsn", "1", "a"));
    assertEquals(second.sessionToken(), read.sessionToken());
    assertEquals(second.sessionToken(), writer.sessionToken(db, "lsn"));
  }

  @Test void aContainerRecreatedByAnotherClientIsReadWithoutTheOldToken() {
    await(writer.createContainer(db, "recreated", "/pk"));
    for (int i = 0; i < 5; i++) {
      await(writer.createDocument(db, "recreated", Map.of("id", "old" + i, "pk", "a"), "a"));
    }
    long oldLsn = lsn(writer.sessionToken(db, "recreated"));
    // Another process drops the container and makes a new one of the same name: its LSNs
    // start again, below the token the writer holds.
    try (CosmosClient other = LocalServers.client(endpoint).build()) {
      await(other.deleteContainer(db, "recreated"));
      await(other.createContainer(db, "recreated", "/pk"));
      await(other.createDocument(db, "recreated", Map.of("id", "new", "pk", "a"), "a"));
    }
    // The writer's first read sends its old token and is refused (404/1002); that answer names
    // the new container, the old token is dropped, and the retry reads the document.
    CosmosResult<Map<String, Object>> read = await(writer.getDocument(db, "recreated", "new", "a"));
    assertEquals(200, read.code(), () -> read.code() + " " + read.error());
    assertTrue(read.retryCount() >= 1, "the stale token was refused first: " + read.retryCount());
    assertTrue(lsn(writer.sessionToken(db, "recreated")) < oldLsn,
        "now holds the new container's token: " + writer.sessionToken(db, "recreated"));
  }

  @Test void onFourRangesEachReadSendsOnlyItsRangesTokenAndReadsItsWrite() {
    // Single writes to many keys leave tokens of several ranges and no partition map: each read
    // reads the map first (once) and sends only its own range's token, which cosmos-local checks
    // against that range (a token too low would still read; one from the wrong range is not sent).
    List<String> readTokens = new CopyOnWriteArrayList<>();
    String partitioned = LocalServers.partitioned();
    String name = LocalServers.uniqueName("ranges");
    try (CosmosClient client = LocalServers.client(partitioned).sender((http, max) -> {
      Sender real = Sender.async(http);
      return new Sender() {
        @Override CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
          if (request.method().equals("GET") && request.uri().getPath().contains("/docs/")) {
            readTokens.add(request.headers().firstValue("x-ms-session-token").orElse("none"));
          }
          return real.send(request);
        }
      };
    }).build()) {
      await(client.createDatabase(name));
      try {
        await(client.createContainer(name, "c", "/pk"));
        for (int i = 0; i < 40; i++) {
          await(client.createDocument(name, "c", Map.of("id", "d" + i, "pk", "k" + i), "k" + i));
        }
        Map<String, String> byRange = new TreeMap<>();
        for (String segment : client.sessionToken(name, "c").split(",")) {
          byRange.put(segment.substring(0, segment.indexOf(':')), segment);
        }
        assertTrue(byRange.size() >= 2, "writes landed in several ranges: " + byRange);
        for (int i = 0; i < 40; i++) {
          CosmosResult<Map<String, Object>> read =
              await(client.getDocument(name, "c", "d" + i, "k" + i));
          assertEquals(200, read.code(), "read your write d" + i);
        }
        assertTrue(readTokens.size() >= 40, "every read was sent: " + readTokens.size());
        for (String token : readTokens) {
          assertFalse(token.contains(","), "one range's token only: " + token);
          assertEquals(byRange.get(token.substring(0, token.indexOf(':'))), token);
        }
      } finally {
        ItSupport.dropDatabase(client, name);
      }
    }
  }

  @Test void tokenHandedToAnotherClientAsAStringReadsItsOwnWrite() {
    await(writer.createContainer(db, "cookie", "/user"));
    // Client A (one request of a web app) writes, and puts its token in a cookie.
    CosmosResult<Map<String, Object>> written = await(writer.createDocument(db, "cookie",
        Map.of("id", "cart-1", "user", "ada", "items", 3), "ada"));
    String cookie = writer.sessionToken(db, "cookie");
    assertNotNull(cookie);
    assertEquals(written.sessionToken(), cookie);

    // Client B (another process) passes it per call, as a web app passes a cookie...
    try (CosmosClient perCall = LocalServers.client(endpoint).build();
        CosmosClient merged = LocalServers.client(endpoint).build()) {
      CosmosResult<Map<String, Object>> read = await(perCall.getDocument(db, "cookie", "cart-1",
          "ada", RequestOptions.builder().sessionToken(cookie).build(), DocumentType.MAP));
      assertEquals(200, read.code());
      assertEquals(3.0, ((Number) read.data().get("items")).doubleValue());
      assertEquals(cookie, perCall.sessionToken(db, "cookie"),
          "B learned the container's token from the response");

      // ...or, for a trusted token (another instance of the same service), merges it into its
      // own tokens, and every later read sends it.
      merged.mergeSessionToken(db, "cookie", cookie);
      assertEquals(cookie, merged.sessionToken(db, "cookie"));
      assertEquals(200, await(merged.getDocument(db, "cookie", "cart-1", "ada")).code());
    }
  }

  @Test void aForgedCookieAffectsOnlyTheCallThatCarriesItAndAMalformedOneIsRefused() {
    await(writer.createContainer(db, "forged", "/user"));
    CosmosResult<Map<String, Object>> written = await(writer.createDocument(db, "forged",
        Map.of("id", "cart", "user", "eve"), "eve"));
    String forged = withLsn(written.sessionToken(), lsn(written.sessionToken()) + 1000);
    try (CosmosClient app = LocalServers.client(endpoint).build()) {
      CosmosException e = failure(app.getDocument(db, "forged", "cart", "eve",
          RequestOptions.builder().sessionToken(forged).build(), DocumentType.MAP));
      assertEquals(1002, e.subStatus());
      assertTrue(app.sessionToken(db, "forged") == null
          || lsn(app.sessionToken(db, "forged")) <= lsn(written.sessionToken()),
          "the forged token was not kept: " + app.sessionToken(db, "forged"));
      // The next user's call (no cookie) is not held back by the forged token.
      assertEquals(200, await(app.getDocument(db, "forged", "cart", "eve")).code());

      // A malformed cookie (here one that would inject a header) is refused while the options
      // are built, so no call can carry it; the message does not echo it.
      IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
          () -> RequestOptions.builder().sessionToken("not a token\r\nx-evil: 1"));
      assertFalse(malformed.getMessage().contains("x-evil"), malformed.getMessage());
    }
  }

  @Test void aTokenFromTheFutureIsRetriedThenSurfacesAs404Substatus1002() {
    await(writer.createContainer(db, "future", "/pk"));
    CosmosResult<Map<String, Object>> written = await(writer.createDocument(db, "future",
        Map.of("id", "x", "pk", "p"), "p"));
    String future = withLsn(written.sessionToken(), lsn(written.sessionToken()) + 1000);

    long before = LocalServers.counter(LocalServers.stats(endpoint), "sessionNotAvailable");
    CosmosException e;
    try (CosmosClient reader = LocalServers.client(endpoint).build()) {
      e = failure(reader.getDocument(db, "future", "x", "p",
          RequestOptions.builder().sessionToken(future).build(), DocumentType.MAP));
    }
    assertEquals(404, e.code());
    assertEquals(1002, e.subStatus());
    assertTrue(e.getMessage().contains("404 Not Found (substatus 1002)"), e.getMessage());
    assertTrue(e.getMessage().contains("read session is not available"), e.getMessage());
    assertEquals(2, e.result().retryCount(), "1002 is retried twice before it surfaces");
    assertEquals(3, LocalServers.counter(LocalServers.stats(endpoint), "sessionNotAvailable")
        - before, "the server saw the future token on all three attempts");

    // Merged into a client, the future token is sent on that client's reads of the container.
    try (CosmosClient merged = LocalServers.client(endpoint).raiseOnFailure(false).build()) {
      merged.mergeSessionToken(db, "future", future);
      CosmosResult<Map<String, Object>> quiet = await(merged.getDocument(db, "future", "x", "p"));
      assertEquals(404, quiet.code());
      assertEquals(1002, quiet.subStatus());
      assertEquals("failed", quiet.get("status"));
      // A merge never lowers a token: the writer's own (older) token changes nothing.
      merged.mergeSessionToken(db, "future", written.sessionToken());
      assertEquals(future, merged.sessionToken(db, "future"));
    }
  }

  @Test void aTokenOneWriteAheadIsSatisfiedOnceThatWriteLands() {
    await(writer.createContainer(db, "ahead", "/pk"));
    CosmosResult<Map<String, Object>> written = await(writer.createDocument(db, "ahead",
        Map.of("id", "x", "pk", "p"), "p"));
    String next = withLsn(written.sessionToken(), lsn(written.sessionToken()) + 1);
    RequestOptions withNext = RequestOptions.builder().sessionToken(next).build();
    try (CosmosClient reader = LocalServers.client(endpoint).build()) {
      assertEquals(1002, failure(reader.getDocument(db, "ahead", "x", "p", withNext,
          DocumentType.MAP)).subStatus());
      CosmosResult<Map<String, Object>> nextWrite = await(writer.createDocument(db, "ahead",
          Map.of("id", "y", "pk", "p"), "p"));
      assertEquals(next, nextWrite.sessionToken());
      assertEquals(200, await(reader.getDocument(db, "ahead", "y", "p", withNext,
          DocumentType.MAP)).code());
    }
  }
}
