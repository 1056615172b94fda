package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lost connections: cosmos-local with {@code --drop-rate 0.2 --drop-mode both} destroys a fifth
 * of the connections, half before the request is processed and half after (the response is
 * lost). Reads are resent transparently; a write never reports an outcome that is not true: a
 * success is in the container, a definite failure is not, and only a result marked uncertain may
 * go either way.
 */
class FaultsIT {
  static String endpoint;
  static CosmosClient client;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = LocalServers.flaky();
    client = LocalServers.client(endpoint).raiseOnFailure(false).build();
    db = LocalServers.uniqueName("faults");
    // Database and container writes are not resent after a lost connection; *IfNotExists is
    // safe to repeat.
    untilOk(() -> client.createDatabaseIfNotExists(db));
    untilOk(() -> client.createContainerIfNotExists(db, "c", "/pk"));
  }

  @AfterAll static void tearDown() {
    try {
      for (int i = 0; client != null && db != null && i < 20; i++) {
        int code = await(client.deleteDatabase(db)).code();
        if (code == 204 || code == 404) {
          return;
        }
      }
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }

  /** Repeats a call that is safe to repeat until it succeeds (bounded). */
  static <T> CosmosResult<T> untilOk(Supplier<java.util.concurrent.CompletableFuture<
      CosmosResult<T>>> call) {
    CosmosResult<T> last = null;
    for (int i = 0; i < 20; i++) {
      last = await(call.get());
      if (last.isOk()) {
        return last;
      }
    }
    return fail("still failing after 20 attempts: " + last);
  }

  @Test void readsAreResentAfterLostConnections() {
    for (int i = 0; i < 20; i++) {
      String id = "r" + i;
      untilOk(() -> client.upsertDocument(db, "c", Map.of("id", id, "pk", "p", "n", 1), "p"));
    }
    long droppedBefore = LocalServers.counter(LocalServers.stats(endpoint), "dropped");
    int resent = 0;
    int ok = 0;
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 20; i++) {
        CosmosResult<Map<String, Object>> read = await(client.getDocument(db, "c", "r" + i, "p"));
        if (read.isOk()) {
          ok++;
          resent += read.retryCount() > 0 ? 1 : 0;
        } else {
          assertEquals(0, read.code(), "a read fails only when every attempt was dropped: "
              + read);
          assertTrue(read.retryCount() >= 3, read.toString());
        }
      }
    }
    long dropped = LocalServers.counter(LocalServers.stats(endpoint), "dropped") - droppedBefore;
    assertTrue(dropped > 0, "the server dropped connections");
    assertTrue(resent > 0, "some reads succeeded only after a resend");
    assertTrue(ok >= 95, ok + " of 100 reads succeeded");
  }

  @Test void writesNeverReportAnOutcomeThatIsNotTrue() {
    List<CosmosResult<Map<String, Object>>> results = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      results.add(await(client.createDocument(db, "c", Map.of("id", "w" + i, "pk", "q"), "q")));
    }
    int created = 0;
    for (int i = 0; i < results.size(); i++) {
      CosmosResult<Map<String, Object>> result = results.get(i);
      String id = "w" + i;
      CosmosResult<Map<String, Object>> read = untilSettled(id);
      if (result.isOk()) {
        created++;
        assertEquals(201, result.code(), result.toString());
        assertEquals(200, read.code(), id + " reported created but is missing");
      } else if (!result.isUncertain()) {
        fail(id + " failed definitely, which a lost connection cannot cause: " + result);
      } else {
        assertEquals(0, result.code(), result.toString());
      }
    }
    assertTrue(created >= 30, created + " of 60 creates reported success");
    assertEquals(0, results.stream().filter(r -> r.code() == 409).count(),
        "a resent create never reports a conflict with itself");
  }

  /** A point read of a w-document, resent until it gets an answer (200 or 404). */
  private static CosmosResult<Map<String, Object>> untilSettled(String id) {
    for (int i = 0; i < 20; i++) {
      CosmosResult<Map<String, Object>> read = await(client.getDocument(db, "c", id, "q"));
      if (read.code() != 0) {
        return read;
      }
    }
    return fail("no answer for " + id);
  }
}
