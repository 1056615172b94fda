package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The case users need, end to end: a backend holding the master key creates a user and a
 * read-only permission on one partition of a container; an end client built with only that
 * permission's resource token reads its partition, and gets a clear 403 writing or reading
 * another partition or container. cosmos-local issues and verifies the tokens.
 */
class PermissionsIT {
  static String endpoint;
  static CosmosClient backend;
  static String db;

  @BeforeAll static void setUp() {
    endpoint = LocalServers.plain();
    backend = LocalServers.client(endpoint).build();
    db = LocalServers.uniqueName("perm");
    await(backend.createDatabase(db));
    await(backend.createContainer(db, "orders", "/tenant"));
    await(backend.createContainer(db, "audit", "/tenant"));
    await(backend.createDocument(db, "orders", Map.of("id", "o1", "tenant", "t1"), "t1"));
    await(backend.createDocument(db, "orders", Map.of("id", "o2", "tenant", "t2"), "t2"));
    await(backend.createDocument(db, "audit", Map.of("id", "a1", "tenant", "t1"), "t1"));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(backend, db);
    if (backend != null) {
      backend.close();
    }
  }

  /** The local server's endpoint and certificate; the token given replaces the key. */
  private static CosmosClient.Builder endClient() {
    return LocalServers.client(endpoint);
  }

  @Test void aReadOnlyPartitionTokenReadsItsPartitionAndGets403Elsewhere() {
    await(backend.createUser(db, "ada"));
    Map<String, Object> permission = await(backend.createPermission(db, "ada", "orders-t1",
        PermissionMode.READ, "dbs/" + db + "/colls/orders", "t1")).data();
    String token = (String) permission.get("_token");
    assertTrue(token.startsWith("type=resource&"), "a resource token");

    try (CosmosClient user = endClient().resourceToken(token).build()) {
      CosmosResult<Map<String, Object>> read = await(user.getDocument(db, "orders", "o1", "t1"));
      assertEquals(200, read.code());
      assertEquals("t1", read.data().get("tenant"));
      List<Object> mine = await(user.queryDocuments(db, "orders", SqlQuery.of("SELECT * FROM c"),
          RequestOptions.builder().partitionKey("t1").build(), DocumentType.JSON).toList()).data();
      assertEquals(1, mine.size());

      CosmosException write = failure(user.createDocument(db, "orders",
          Map.of("id", "o3", "tenant", "t1"), "t1"));
      assertEquals(403, write.code());
      assertEquals("Forbidden", write.result().serviceCode());
      assertTrue(write.getMessage().contains("Insufficient permissions"), write.getMessage());

      CosmosException other = failure(user.getDocument(db, "orders", "o2", "t2"));
      assertEquals(403, other.code());
      assertTrue(other.getMessage().contains("partition key [\"t1\"] only"), other.getMessage());

      CosmosException otherContainer = failure(user.getDocument(db, "audit", "a1", "t1"));
      assertEquals(403, otherContainer.code());
      CosmosException management = failure(user.deleteContainer(db, "orders"));
      assertEquals(403, management.code());
    }
    // Still there: nothing the end client tried was applied.
    assertEquals(200, await(backend.getContainer(db, "orders")).code());
    assertEquals(404, failure(backend.getDocument(db, "orders", "o3", "t1")).code());
  }

  @Test void permissionsAreManagedAndARevokedTokenStopsWorking() {
    await(backend.createUser(db, "bob"));
    String link = "dbs/" + db + "/colls/audit";
    String token = (String) await(backend.createPermission(db, "bob", "audit-all",
        PermissionMode.ALL, link)).data().get("_token");
    List<Map<String, Object>> listed = await(backend.listPermissions(db, "bob")).data();
    assertEquals(List.of("audit-all"), listed.stream().map(p -> p.get("id")).toList());
    assertEquals(1, await(backend.listUsers(db)).data().stream()
        .filter(u -> "bob".equals(u.get("id"))).count());
    String orders = (String) await(backend.createPermission(db, "bob", "orders-read",
        PermissionMode.READ, "dbs/" + db + "/colls/orders")).data().get("_token");

    try (CosmosClient user = endClient()
        .resourceTokens(Map.of(link, token, "dbs/" + db + "/colls/orders", orders)).build()) {
      assertEquals(201, await(user.createDocument(db, "audit",
          Map.of("id", "a2", "tenant", "t9"), "t9")).code());
      assertEquals(200, await(user.getDocument(db, "orders", "o2", "t2")).code());
      assertEquals(403, failure(user.deleteDocument(db, "orders", "o2", "t2")).code());

      await(backend.replacePermission(db, "bob", "audit-all", PermissionMode.READ, link, null));
      CosmosException revoked = failure(user.deleteDocument(db, "audit", "a2", "t9"));
      assertEquals(401, revoked.code());
      String fresh = (String) await(backend.getPermission(db, "bob", "audit-all")).data()
          .get("_token");
      try (CosmosClient reader = endClient().resourceToken(fresh).build()) {
        assertEquals(200, await(reader.getDocument(db, "audit", "a2", "t9")).code());
        assertEquals(403, failure(reader.deleteDocument(db, "audit", "a2", "t9")).code());
      }
    }
    await(backend.deleteUser(db, "bob"));
    assertEquals(404, failure(backend.getUser(db, "bob")).code());
  }
}
