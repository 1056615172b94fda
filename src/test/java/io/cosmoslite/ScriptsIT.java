package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-side scripts and TTL end to end against cosmos-local, whose stored procedures really
 * run (atomically, in one partition), whose triggers run on writes and whose TTL expires
 * documents.
 */
class ScriptsIT {
  static final String CREATE_TWO = "function (prefix) {\n"
      + "  var c = getContext().getCollection();\n"
      + "  c.createDocument(c.getSelfLink(), { id: prefix + '-1', pk: 'p' }, function (e) {\n"
      + "    if (e) throw e;\n"
      + "    c.createDocument(c.getSelfLink(), { id: prefix + '-2', pk: 'p' }, function (e2) {\n"
      + "      if (e2) throw e2;\n"
      + "      console.log('created ' + prefix);\n"
      + "      getContext().getResponse().setBody({ created: 2 });\n"
      + "    });\n"
      + "  });\n"
      + "}";
  static final String CREATE_THEN_THROW = "function (id) {\n"
      + "  var c = getContext().getCollection();\n"
      + "  c.createDocument(c.getSelfLink(), { id: id, pk: 'p' }, function (e) {\n"
      + "    if (e) throw e;\n"
      + "    throw new Error('refused ' + id);\n"
      + "  });\n"
      + "}";
  static final String STAMP = "function () {\n"
      + "  var request = getContext().getRequest();\n"
      + "  var doc = request.getBody();\n"
      + "  doc.stamped = 'by-trigger';\n"
      + "  request.setBody(doc);\n"
      + "}";

  static CosmosClient client;
  static CosmosClient quiet;
  static String db;

  @BeforeAll static void setUp() {
    client = LocalServers.client(LocalServers.plain()).build();
    quiet = LocalServers.client(LocalServers.plain()).raiseOnFailure(false).build();
    db = LocalServers.uniqueName("scripts");
    await(client.createDatabase(db));
    await(client.createContainer(db, "c", "/pk"));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(client, db);
    if (client != null) {
      client.close();
    }
    if (quiet != null) {
      quiet.close();
    }
  }

  static List<String> idsIn(String container, String partition) {
    return await(client.queryDocuments(db, container, SqlQuery.of("SELECT VALUE c.id FROM c"),
        RequestOptions.builder().partitionKey(partition).build(), DocumentType.of(String.class))
        .toList()).data().stream().sorted().collect(Collectors.toList());
  }

  @Test void aStoredProcedureThatCreatesTwoDocumentsWritesBoth() {
    assertEquals(201, await(client.createStoredProcedure(db, "c", "createTwo", CREATE_TWO))
        .code());
    CosmosResult<Object> result = await(client.executeStoredProcedure(db, "c", "createTwo", "p",
        List.of("two"), true));
    assertEquals(200, result.code());
    Map<?, ?> body = assertInstanceOf(Map.class, result.data());
    assertEquals(2, ((Number) body.get("created")).intValue());
    assertEquals("created two", result.scriptLog());
    assertEquals(200, await(client.getDocument(db, "c", "two-1", "p")).code());
    assertEquals(200, await(client.getDocument(db, "c", "two-2", "p")).code());
  }

  @Test void aStoredProcedureThatThrowsWritesNothing() {
    await(client.createStoredProcedure(db, "c", "createThenThrow", CREATE_THEN_THROW));
    CosmosException e = failure(client.executeStoredProcedure(db, "c", "createThenThrow", "p",
        List.of("thrown")));
    assertEquals(400, e.code());
    assertTrue(e.getMessage().contains("refused thrown"), e.getMessage());
    assertEquals(404, await(quiet.getDocument(db, "c", "thrown", "p")).code());
  }

  @Test void storedProceduresAreManaged() {
    String id = "managed";
    await(client.createStoredProcedure(db, "c", id, "function () {}"));
    assertEquals(409, await(quiet.createStoredProcedure(db, "c", id, "function () {}")).code());
    CosmosResult<Map<String, Object>> replaced = await(client.replaceStoredProcedure(db, "c", id,
        "function () { getContext().getResponse().setBody(7); }"));
    assertEquals(200, replaced.code());
    assertEquals(7, ((Number) await(client.executeStoredProcedure(db, "c", id, "x", List.of()))
        .data()).intValue());
    assertTrue(await(client.listStoredProcedures(db, "c")).data().stream()
        .anyMatch(s -> id.equals(s.get("id"))));
    assertEquals(204, await(client.deleteStoredProcedure(db, "c", id)).code());
    assertEquals(404, await(quiet.getStoredProcedure(db, "c", id)).code());
  }

  @Test void aPreTriggerStampsAFieldOnCreate() {
    await(client.createTrigger(db, "c", "stamp", STAMP, TriggerType.PRE,
        TriggerOperation.CREATE));
    assertEquals("Pre", await(client.getTrigger(db, "c", "stamp")).data().get("triggerType"));
    CosmosResult<Map<String, Object>> created = await(client.createDocument(db, "c",
        Map.of("id", "stamped", "pk", "t"), "t",
        RequestOptions.builder().preTrigger("stamp").build(), DocumentType.MAP));
    assertEquals("by-trigger", created.data().get("stamped"));
    assertEquals("by-trigger",
        await(client.getDocument(db, "c", "stamped", "t")).data().get("stamped"));
    CosmosResult<Map<String, Object>> plain = await(client.createDocument(db, "c",
        Map.of("id", "plain", "pk", "t"), "t"));
    assertEquals(null, plain.data().get("stamped"));
    assertTrue(await(client.listTriggers(db, "c")).data().stream()
        .anyMatch(t -> "stamp".equals(t.get("id"))));
  }

  @Test void aUserDefinedFunctionIsCallableInAQuery() {
    await(client.createUserDefinedFunction(db, "c", "twice", "function (x) { return x * 2; }"));
    await(client.createDocument(db, "c", Map.of("id", "n", "pk", "u", "n", 21), "u"));
    List<Object> values = await(client.queryDocuments(db, "c",
        SqlQuery.of("SELECT VALUE udf.twice(c.n) FROM c"),
        RequestOptions.builder().partitionKey("u").build(), DocumentType.JSON).toList()).data();
    assertEquals(1, values.size());
    assertEquals(42, ((Number) values.get(0)).intValue());
    assertEquals(204, await(client.deleteUserDefinedFunction(db, "c", "twice")).code());
  }

  @Test void theConflictsFeedIsEmptyOnASingleRegionAccount() {
    assertEquals(List.of(), await(client.listConflicts(db, "c")).data());
    assertEquals(404, await(quiet.getConflict(db, "c", "none")).code());
  }

  @Test void aDocumentWithATtlIsGoneAfterItExpires() throws InterruptedException {
    await(client.createContainer(db, ContainerProperties.builder("ttl", "/pk").defaultTtl(-1)
        .build(), null));
    await(client.createDocument(db, "ttl", Map.of("id", "brief", "pk", "a", "ttl", 1), "a"));
    await(client.createDocument(db, "ttl", Map.of("id", "lasting", "pk", "a"), "a"));
    assertEquals(200, await(quiet.getDocument(db, "ttl", "brief", "a")).code());
    assertTrue(pollUntilGone("ttl", "brief", "a"), "the document with ttl 1 never expired");
    assertEquals(List.of("lasting"), idsIn("ttl", "a"));
  }

  @Test void aContainersDefaultTtlExpiresItsDocuments() throws InterruptedException {
    await(client.createContainer(db, ContainerProperties.builder("dttl", "/pk").defaultTtl(1)
        .build(), null));
    await(client.createDocument(db, "dttl", Map.of("id", "default", "pk", "a"), "a"));
    await(client.createDocument(db, "dttl", Map.of("id", "kept", "pk", "a", "ttl", -1), "a"));
    assertTrue(pollUntilGone("dttl", "default", "a"), "defaultTtl 1 never expired the document");
    assertEquals(List.of("kept"), idsIn("dttl", "a"));
  }

  /** Reads the document every 100 ms, at most 100 times, until it is a 404. */
  static boolean pollUntilGone(String container, String id, String partition)
      throws InterruptedException {
    for (int attempt = 0; attempt < 100; attempt++) {
      if (await(quiet.getDocument(db, container, id, partition)).code() == 404) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }
}
