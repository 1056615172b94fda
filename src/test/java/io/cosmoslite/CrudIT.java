package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every database, container and document operation of the client, end to end against
 * cosmos-local (a real HTTPS server that checks every signature), with the failures the service
 * answers: 404, 409, 412.
 */
class CrudIT {
  static CosmosClient client;
  static String db;

  record Item(String id, String pk, int n, List<String> tags) {}

  @BeforeAll static void setUp() {
    client = LocalServers.client(LocalServers.plain()).build();
    db = LocalServers.uniqueName("crud");
    await(client.readAccount());
    await(client.createDatabase(db));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(client, db);
    if (client != null) {
      client.close();
    }
  }

  @Test void readAccountReadsTheAccountAndKeepsTheLocalEndpoint() {
    CosmosResult<Map<String, Object>> account = await(client.readAccount());
    assertEquals(200, account.code());
    assertNotNull(account.data().get("writableLocations"));
    String endpoint = LocalServers.plain();
    assertEquals(endpoint, client.writeEndpoint());
    assertEquals(endpoint, client.readEndpoint());
  }

  @Test void databaseLifecycle() {
    String name = LocalServers.uniqueName("crud-db");
    try {
      CosmosResult<Map<String, Object>> created = await(client.createDatabase(name));
      assertEquals(201, created.code());
      assertEquals("ok", created.get("status"));
      assertEquals(name, created.data().get("id"));

      CosmosException duplicate = failure(client.createDatabase(name));
      assertEquals(409, duplicate.code());

      CosmosResult<Map<String, Object>> existing = await(client.createDatabaseIfNotExists(name));
      assertTrue(existing.isOk());
      assertEquals(created.data().get("_rid"), existing.data().get("_rid"));

      assertEquals(name, await(client.getDatabase(name)).data().get("id"));
      List<String> names = await(client.listDatabases()).data().stream()
          .map(d -> (String) d.get("id")).collect(Collectors.toList());
      assertTrue(names.contains(name), names.toString());
      assertTrue(names.contains(db), names.toString());

      CosmosResult<Void> deleted = await(client.deleteDatabase(name));
      assertEquals(204, deleted.code());
      assertNull(deleted.data());
      assertEquals(404, failure(client.getDatabase(name)).code());
      assertEquals(404, failure(client.deleteDatabase(name)).code());
      assertFalse(await(client.listDatabases()).data().stream()
          .anyMatch(d -> name.equals(d.get("id"))));
    } finally {
      ItSupport.dropDatabase(client, name);
    }
  }

  @Test void createDatabaseIfNotExistsCreatesWhenMissing() {
    String name = LocalServers.uniqueName("crud-ine");
    try {
      CosmosResult<Map<String, Object>> first = await(client.createDatabaseIfNotExists(name));
      assertEquals(201, first.code());
      CosmosResult<Map<String, Object>> second = await(client.createDatabaseIfNotExists(name));
      assertEquals(200, second.code());
    } finally {
      ItSupport.dropDatabase(client, name);
    }
  }

  @Test void containerLifecycle() {
    CosmosResult<Map<String, Object>> created =
        await(client.createContainer(db, "lifecycle", "/pk"));
    assertEquals(201, created.code());
    Map<?, ?> partitionKey = (Map<?, ?>) created.data().get("partitionKey");
    assertEquals(List.of("/pk"), partitionKey.get("paths"));
    assertEquals("Hash", partitionKey.get("kind"));
    assertEquals(409, failure(client.createContainer(db, "lifecycle", "/pk")).code());
    assertEquals(200, await(client.createContainerIfNotExists(db, "lifecycle", "/pk")).code());
    assertEquals(201, await(client.createContainerIfNotExists(db, "other", "/pk")).code());

    assertEquals("lifecycle", await(client.getContainer(db, "lifecycle")).data().get("id"));
    List<Object> ids = await(client.listContainers(db)).data().stream()
        .map(c -> c.get("id")).collect(Collectors.toList());
    assertTrue(ids.containsAll(List.of("lifecycle", "other")), ids.toString());

    ContainerProperties withTtl = ContainerProperties.builder("lifecycle", "/pk")
        .defaultTtl(3600).build();
    CosmosResult<Map<String, Object>> replaced = await(client.replaceContainer(db, withTtl));
    assertEquals(200, replaced.code());
    assertEquals(3600.0, ((Number) replaced.data().get("defaultTtl")).doubleValue());
    assertEquals(3600.0, ((Number) await(client.getContainer(db, "lifecycle")).data()
        .get("defaultTtl")).doubleValue());
    CosmosException changedKey = failure(client.replaceContainer(db,
        ContainerProperties.builder("lifecycle", "/other").build()));
    assertEquals(400, changedKey.code());

    assertEquals(204, await(client.deleteContainer(db, "lifecycle")).code());
    assertEquals(404, failure(client.getContainer(db, "lifecycle")).code());
    assertEquals(404, failure(client.deleteContainer(db, "lifecycle")).code());
    assertEquals(404, failure(client.getContainer("no-such-db-" + db, "x")).code());
    assertEquals(204, await(client.deleteContainer(db, "other")).code());
  }

  @Test void documentLifecycle() {
    await(client.createContainer(db, "docs", "/pk"));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", "d1");
    doc.put("pk", "alpha");
    doc.put("n", 1);
    doc.put("tags", List.of("a", "b"));

    CosmosResult<Map<String, Object>> created = await(client.createDocument(db, "docs", doc,
        "alpha"));
    assertEquals(201, created.code());
    assertEquals("d1", created.data().get("id"));
    assertNotNull(created.etag());
    assertEquals(created.etag(), created.data().get("_etag"));
    assertNotNull(created.sessionToken(), "cosmos-local issues session tokens on writes");
    assertEquals(created.sessionToken(), created.get("session_token"));

    CosmosException duplicate = failure(client.createDocument(db, "docs", doc, "alpha"));
    assertEquals(409, duplicate.code());
    assertTrue(duplicate.getMessage().contains("409 Conflict"), duplicate.getMessage());

    CosmosResult<Map<String, Object>> read = await(client.getDocument(db, "docs", "d1", "alpha"));
    assertEquals(200, read.code());
    assertEquals(1.0, ((Number) read.data().get("n")).doubleValue());
    assertEquals(List.of("a", "b"), read.data().get("tags"));
    Item typed = await(client.getDocument(db, "docs", "d1", "alpha", RequestOptions.NONE,
        DocumentType.of(Item.class))).data();
    assertEquals(new Item("d1", "alpha", 1, List.of("a", "b")), typed);

    // Point reads of a missing id, or of the right id under the wrong partition key: 404.
    CosmosException missing = failure(client.getDocument(db, "docs", "nope", "alpha"));
    assertEquals(404, missing.code());
    assertTrue(missing.getMessage().startsWith("GET dbs/" + db + "/colls/docs/docs/nope -> 404"),
        missing.getMessage());
    assertEquals(404, failure(client.getDocument(db, "docs", "d1", "beta")).code());

    // Replace, then an If-Match with the old etag is refused (412) and changes nothing.
    String oldEtag = created.etag();
    CosmosResult<Map<String, Object>> replaced = await(client.replaceDocument(db, "docs",
        new Item("d1", "alpha", 2, List.of()), "alpha",
        RequestOptions.builder().ifMatch(oldEtag).build(), DocumentType.MAP));
    assertEquals(200, replaced.code());
    assertNotEquals(oldEtag, replaced.etag());
    CosmosException stale = failure(client.replaceDocument(db, "docs",
        new Item("d1", "alpha", 3, List.of()), "alpha",
        RequestOptions.builder().ifMatch(oldEtag).build(), DocumentType.MAP));
    assertEquals(412, stale.code());
    assertTrue(stale.getMessage().contains("412 Precondition Failed"), stale.getMessage());
    assertEquals(2, await(client.getDocument(db, "docs", "d1", "alpha", RequestOptions.NONE,
        DocumentType.of(Item.class))).data().n());
    assertEquals(404, failure(client.replaceDocument(db, "docs",
        Map.of("id", "ghost", "pk", "alpha"), "alpha")).code());

    // Upsert: 201 when new, 200 when it replaced; a stale If-Match on an existing doc is 412.
    CosmosResult<Map<String, Object>> inserted = await(client.upsertDocument(db, "docs",
        Map.of("id", "u1", "pk", "alpha", "n", 10), "alpha"));
    assertEquals(201, inserted.code());
    CosmosResult<Item> updated = await(client.upsertDocument(db, "docs",
        new Item("u1", "alpha", 11, List.of("x")), "alpha", RequestOptions.NONE,
        DocumentType.of(Item.class)));
    assertEquals(200, updated.code());
    assertEquals(new Item("u1", "alpha", 11, List.of("x")), updated.data());
    assertEquals(412, failure(client.upsertDocument(db, "docs",
        Map.of("id", "u1", "pk", "alpha", "n", 12), "alpha",
        RequestOptions.builder().ifMatch(inserted.etag()).build(), DocumentType.MAP)).code());

    // Delete with a stale etag: 412; then delete; then 404 for read and delete.
    String current = await(client.getDocument(db, "docs", "d1", "alpha")).etag();
    assertEquals(412, failure(client.deleteDocument(db, "docs", "d1", "alpha",
        RequestOptions.builder().ifMatch(oldEtag).build())).code());
    CosmosResult<Void> deleted = await(client.deleteDocument(db, "docs", "d1", "alpha",
        RequestOptions.builder().ifMatch(current).build()));
    assertEquals(204, deleted.code());
    assertNull(deleted.data());
    assertEquals(404, failure(client.getDocument(db, "docs", "d1", "alpha")).code());
    CosmosException deleteMissing = failure(client.deleteDocument(db, "docs", "d1", "alpha"));
    assertEquals(404, deleteMissing.code());
    assertEquals(404, failure(client.deleteDocument(db, "docs", "u1", "beta")).code());

    // returnDocument(false): Prefer: return=minimal, so no document comes back, but the etag
    // and session token do, and the write happened.
    RequestOptions minimal = RequestOptions.builder().returnDocument(false).build();
    CosmosResult<Map<String, Object>> quiet = await(client.createDocument(db, "docs",
        Map.of("id", "m1", "pk", "alpha", "n", 5), "alpha", minimal, DocumentType.MAP));
    assertEquals(201, quiet.code());
    assertNull(quiet.data());
    assertNotNull(quiet.etag());
    assertNotNull(quiet.sessionToken());
    CosmosResult<Item> replacedQuietly = await(client.replaceDocument(db, "docs",
        new Item("m1", "alpha", 6, List.of()), "alpha", minimal, DocumentType.of(Item.class)));
    assertEquals(200, replacedQuietly.code());
    assertNull(replacedQuietly.data());
    CosmosResult<Map<String, Object>> stored = await(client.getDocument(db, "docs", "m1",
        "alpha"));
    assertEquals(6.0, ((Number) stored.data().get("n")).doubleValue());
    assertEquals(replacedQuietly.etag(), stored.etag());

    // Ids "." and ".." would name another resource in the URL: refused before sending.
    for (String dots : List.of(".", "..")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> client.getDocument(db, "docs", dots, "alpha"));
      assertTrue(e.getMessage().contains("document id"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> client.createDocument(db, "docs", Map.of("id", dots, "pk", "alpha"), "alpha"));
      assertTrue(e.getMessage().contains("document id"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> client.getContainer(db, dots));
      assertTrue(e.getMessage().contains("container id"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> client.getDatabase(dots));
      assertTrue(e.getMessage().contains("database id"), e.getMessage());
    }

    // Writes into a container or database that does not exist: 404, not a server error.
    assertEquals(404, failure(client.createDocument(db, "no-such-container",
        Map.of("id", "x", "pk", "a"), "a")).code());
  }

  @Test void patchOperationsConditionAndIfMatch() {
    await(client.createContainer(db, "patch", "/pk"));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", "p1");
    doc.put("pk", "k");
    doc.put("status", "open");
    doc.put("count", 1);
    doc.put("old", "gone soon");
    doc.put("tags", List.of("a"));
    CosmosResult<Map<String, Object>> created = await(client.createDocument(db, "patch", doc,
        "k"));

    CosmosResult<Map<String, Object>> patched = await(client.patchDocument(db, "patch", "p1",
        "k", List.of(
            PatchOperation.increment("/count", 5),
            PatchOperation.set("/owner", "ada"),
            PatchOperation.replace("/status", "working"),
            PatchOperation.add("/tags/-", "b"),
            PatchOperation.remove("/old"),
            PatchOperation.move("/owner", "/assignee"))));
    assertEquals(200, patched.code());
    Map<String, Object> after = patched.data();
    assertEquals(6.0, ((Number) after.get("count")).doubleValue());
    assertEquals("working", after.get("status"));
    assertEquals(List.of("a", "b"), after.get("tags"));
    assertEquals("ada", after.get("assignee"));
    assertFalse(after.containsKey("old"));
    assertFalse(after.containsKey("owner"));
    assertEquals(after, await(client.getDocument(db, "patch", "p1", "k")).data());

    // A condition that holds applies the patch; one that does not is 412 and changes nothing.
    CosmosResult<Map<String, Object>> conditional = await(client.patchDocument(db, "patch", "p1",
        "k", List.of(PatchOperation.set("/status", "done")),
        RequestOptions.builder().patchCondition("from c where c.status = 'working'").build(),
        DocumentType.MAP));
    assertEquals("done", conditional.data().get("status"));
    CosmosException conditionFailed = failure(client.patchDocument(db, "patch", "p1", "k",
        List.of(PatchOperation.set("/status", "reopened")),
        RequestOptions.builder().patchCondition("from c where c.status = 'working'").build(),
        DocumentType.MAP));
    assertEquals(412, conditionFailed.code());
    assertEquals("done", await(client.getDocument(db, "patch", "p1", "k")).data()
        .get("status"));

    // If-Match: the etag of the create is stale by now.
    assertEquals(412, failure(client.patchDocument(db, "patch", "p1", "k",
        List.of(PatchOperation.increment("/count", 1)),
        RequestOptions.builder().ifMatch(created.etag()).build(), DocumentType.MAP)).code());
    CosmosResult<Map<String, Object>> fresh = await(client.patchDocument(db, "patch", "p1", "k",
        List.of(PatchOperation.increment("/count", 1)),
        RequestOptions.builder().ifMatch(conditional.etag()).build(), DocumentType.MAP));
    assertEquals(7.0, ((Number) fresh.data().get("count")).doubleValue());

    // Patching a missing document, or an invalid path: 404 and 400.
    assertEquals(404, failure(client.patchDocument(db, "patch", "ghost", "k",
        List.of(PatchOperation.set("/a", 1)))).code());
    assertEquals(400, failure(client.patchDocument(db, "patch", "p1", "k",
        List.of(PatchOperation.replace("/missing/deep", 1)))).code());
  }

  @Test void failuresAsResultMapsWhenNotRaising() {
    await(client.createContainerIfNotExists(db, "quiet", "/pk"));
    try (CosmosClient quiet =
        LocalServers.client(LocalServers.plain()).raiseOnFailure(false).build()) {
      quietFailures(quiet);
    }
  }

  private static void quietFailures(CosmosClient quiet) {
    CosmosResult<Map<String, Object>> missing = await(quiet.getDocument(db, "quiet", "x", "k"));
    assertEquals("failed", missing.get("status"));
    assertEquals(404, missing.get("code"));
    assertNull(missing.get("data"));
    assertNotNull(missing.get("error"));
    assertEquals(List.of("status", "code", "session_token", "error", "data"),
        List.copyOf(missing.keySet()));

    CosmosResult<Map<String, Object>> ok = await(quiet.createDocument(db, "quiet",
        Map.of("id", "x", "pk", "k"), "k"));
    assertEquals("ok", ok.get("status"));
    assertEquals(201, ok.get("code"));
    assertNull(ok.get("error"));
    CosmosResult<Map<String, Object>> conflict = await(quiet.createDocument(db, "quiet",
        Map.of("id", "x", "pk", "k"), "k"));
    assertEquals(409, conflict.code());
    assertEquals("Conflict", conflict.serviceCode());
  }
}
