package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertNoHeader;
import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class UsersTest extends MockServerTest {
  static final String TOKEN = "type=resource&ver=1.0&sig=abc.def";
  static final String PERMISSION = "{\"id\":\"read-t1\",\"permissionMode\":\"Read\","
      + "\"resource\":\"dbs/app/colls/orders\",\"resourcePartitionKey\":[\"t1\"],"
      + "\"_token\":\"" + TOKEN + "\"}";

  static void assertBody(String expected, RecordedRequest request) {
    assertEquals("application/json", request.getHeader("Content-Type"));
    assertEquals(JsonParser.parseString(expected),
        JsonParser.parseString(request.getBody().readUtf8()));
  }

  @Test void usersAreCreatedReadRenamedDeletedAndListedPerDatabase() throws Exception {
    server.enqueue(json(201, "{\"id\":\"ada\",\"_rid\":\"u1\"}"));
    server.enqueue(json(200, "{\"id\":\"ada\",\"_rid\":\"u1\"}"));
    server.enqueue(json(200, "{\"id\":\"bea\",\"_rid\":\"u1\"}"));
    server.enqueue(json(204, ""));
    server.enqueue(json(200, "{\"Users\":[{\"id\":\"x\"},{\"id\":\"y\"}],\"_count\":2}"));

    assertEquals("u1", await(client.createUser("app", "ada")).data().get("_rid"));
    assertEquals(200, await(client.getUser("app", "ada")).code());
    assertEquals("bea", await(client.replaceUser("app", "ada", "bea")).data().get("id"));
    assertEquals(204, await(client.deleteUser("app", "bea")).code());
    List<Map<String, Object>> users = await(client.listUsers("app")).data();

    assertBody("{\"id\":\"ada\"}",
        assertRequest(take(server), "POST", "/dbs/app/users", "users", "dbs/app", null));
    assertEquals(0, assertRequest(take(server), "GET", "/dbs/app/users/ada", "users",
        "dbs/app/users/ada", null).getBodySize());
    assertBody("{\"id\":\"bea\"}", assertRequest(take(server), "PUT", "/dbs/app/users/ada",
        "users", "dbs/app/users/ada", null));
    assertRequest(take(server), "DELETE", "/dbs/app/users/bea", "users", "dbs/app/users/bea",
        null);
    assertRequest(take(server), "GET", "/dbs/app/users", "users", "dbs/app", null);
    assertEquals(List.of("x", "y"), users.stream().map(u -> u.get("id")).toList());
  }

  @Test void aPermissionIsCreatedWithModeResourceAndPartitionKeyAndCarriesItsToken()
      throws Exception {
    server.enqueue(json(201, PERMISSION));
    server.enqueue(json(201, PERMISSION));

    CosmosResult<Map<String, Object>> created = await(client.createPermission("app", "ada",
        "read-t1", PermissionMode.READ, "/dbs/app/colls/orders/", "t1"));
    await(client.createPermission("app", "ada", "all", PermissionMode.ALL,
        "dbs/app/colls/orders/docs/o1"));

    assertBody("{\"id\":\"read-t1\",\"permissionMode\":\"Read\",\"resource\":"
        + "\"dbs/app/colls/orders\",\"resourcePartitionKey\":[\"t1\"]}",
        assertRequest(take(server), "POST", "/dbs/app/users/ada/permissions", "permissions",
            "dbs/app/users/ada", null));
    assertBody("{\"id\":\"all\",\"permissionMode\":\"All\",\"resource\":"
        + "\"dbs/app/colls/orders/docs/o1\"}", assertRequest(take(server), "POST",
        "/dbs/app/users/ada/permissions", "permissions", "dbs/app/users/ada", null));
    assertEquals(TOKEN, created.data().get("_token"));
  }

  @Test void permissionsAreReadWithATokenLifeReplacedDeletedAndListed() throws Exception {
    server.enqueue(json(200, PERMISSION));
    server.enqueue(json(200, PERMISSION));
    server.enqueue(json(200, PERMISSION));
    server.enqueue(json(204, ""));
    server.enqueue(json(200, "{\"Permissions\":[" + PERMISSION + "]}"));

    await(client.getPermission("app", "ada", "read-t1"));
    await(client.getPermission("app", "ada", "read-t1", Duration.ofMinutes(10)));
    await(client.replacePermission("app", "ada", "read-t1", PermissionMode.ALL,
        "dbs/app/colls/orders", PartitionKey.of("t1", 2)));
    await(client.deletePermission("app", "ada", "read-t1"));
    List<Map<String, Object>> list = await(client.listPermissions("app", "ada")).data();

    String link = "dbs/app/users/ada/permissions/read-t1";
    assertNoHeader(assertRequest(take(server), "GET", "/" + link, "permissions", link, null),
        "x-ms-documentdb-expiry-seconds");
    assertEquals("600", assertRequest(take(server), "GET", "/" + link, "permissions", link,
        null).getHeader("x-ms-documentdb-expiry-seconds"));
    assertBody("{\"id\":\"read-t1\",\"permissionMode\":\"All\",\"resource\":"
        + "\"dbs/app/colls/orders\",\"resourcePartitionKey\":[\"t1\",2]}",
        assertRequest(take(server), "PUT", "/" + link, "permissions", link, null));
    assertRequest(take(server), "DELETE", "/" + link, "permissions", link, null);
    assertRequest(take(server), "GET", "/dbs/app/users/ada/permissions", "permissions",
        "dbs/app/users/ada", null);
    assertEquals(TOKEN, list.get(0).get("_token"));
  }

  @Test void badPermissionArgumentsThrowBeforeAnyRequest() {
    assertThrows(NullPointerException.class, () -> client.createPermission("app", "ada", "p",
        null, "dbs/app/colls/orders"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> client.createPermission(
        "app", "ada", "p", PermissionMode.READ, "dbs/app")).getMessage()
        .startsWith("resourceLink must name a container"));
    assertThrows(IllegalArgumentException.class, () -> client.getPermission("app", "ada", "p",
        Duration.ofHours(6)));
    assertThrows(IllegalArgumentException.class, () -> client.getPermission("app", "ada", "p",
        Duration.ofMillis(10)));
    assertThrows(IllegalArgumentException.class, () -> client.createUser("app", "a/b"));
    assertThrows(NullPointerException.class, () -> client.replaceUser("app", "a", null));
    assertEquals(0, server.getRequestCount());
  }

  private CosmosClient tokenClient(Map<String, String> tokens) {
    return CosmosClient.builder().endpoint(server.url("/").toString()).resourceTokens(tokens)
        .clock(Clock.fixed(MockCosmos.START, ZoneOffset.UTC)).raiseOnFailure(false).build();
  }

  @Test void resourceTokensSignEachRequestWithTheLongestPrefixToken() throws Exception {
    String orders = "type=resource&ver=1.0&sig=orders+/=";
    String one = "type=resource&ver=1.0&sig=one";
    String app = "type%3Dresource%26ver%3D1.0%26sig%3Dapp";
    try (CosmosClient tokens = tokenClient(Map.of("dbs/app/colls/orders", orders,
        "/dbs/app/colls/orders/docs/o1/", one, "dbs/app/colls/orders2", app))) {
      for (int i = 0; i < 4; i++) {
        server.enqueue(json(200, "{\"id\":\"o\"}"));
      }
      await(tokens.getDocument("app", "orders", "o1", "t1"));
      await(tokens.getDocument("app", "orders", "o10", "t1"));
      await(tokens.getDocument("app", "orders2", "x", "t1"));
      await(tokens.readAccount());
      CosmosResult<?> uncovered = await(tokens.getDocument("app", "other", "x", "t1"));

      assertEquals(java.net.URLEncoder.encode(one, java.nio.charset.StandardCharsets.UTF_8),
          take(server).getHeader("authorization"));
      assertEquals("type%3Dresource%26ver%3D1.0%26sig%3Dorders%2B%2F%3D",
          take(server).getHeader("authorization"));
      RecordedRequest third = take(server);
      assertEquals(app, third.getHeader("authorization"));
      assertEquals(MockCosmos.START_DATE, third.getHeader("x-ms-date"));
      assertEquals("/", take(server).getPath());
      assertEquals(4, server.getRequestCount());
      assertEquals(0, uncovered.code());
      assertTrue(uncovered.error().contains("no resource token covers dbs/app/colls/other"),
          uncovered.error());
      assertFalse(uncovered.error().contains("sig"), uncovered.error());
    }
  }

  @Test void resourceTokensAreCheckedAndNeverShown() {
    CosmosClient.Builder b = CosmosClient.builder();
    assertThrows(IllegalArgumentException.class, () -> b.resourceTokens(Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> b.resourceTokens(Map.of("dbs/a/colls/b", " ")));
    assertThrows(IllegalArgumentException.class, () -> b.resourceTokens(Map.of("/", TOKEN)));
    assertThrows(NullPointerException.class, () -> b.resourceTokens(null));
    b.resourceTokens(Map.of("dbs/a/colls/b", TOKEN));
    assertFalse(b.toString().contains("abc"), b.toString());
    assertTrue(b.toString().contains("1 resource tokens [redacted]"), b.toString());
  }
}
