package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The request factories as values, without HTTP: what each operation signs, where it goes, how
 * it is settled, and the signatures of those links at a fixed date (vectors computed outside the
 * library, with Python's hmac, not with {@link Auth}).
 */
class RequestFactoryTest {
  private static final String DATE = "Thu, 27 Apr 2017 00:51:12 GMT";

  private static String sign(CosmosRequest request) {
    return Auth.masterKey(MockCosmos.KEY).authorization(request.method, request.resourceType,
        request.resourceLink, DATE);
  }

  @Test void aFeedSignsItsParentLinkWithTheFeedsType() {
    CosmosRequest feed = Feeds.readDocuments("shop", "orders", RequestOptions.NONE,
        Documents.Reads.NONE);
    assertEquals("GET", feed.method);
    assertEquals("docs", feed.resourceType);
    assertEquals("dbs/shop/colls/orders", feed.resourceLink);
    assertEquals("dbs/shop/colls/orders/docs", feed.path);
    assertEquals(CosmosRequest.Route.READ_REGION, feed.route);
    assertTrue(feed.idempotent());
    assertTrue(feed.sendsSessionToken);
    assertEquals("type%3Dmaster%26ver%3D1.0%26sig%3DoI3DRq569ipXGaylc5MS4%2FWrWAmEVyNdPM4Re5"
        + "%2B0O9o%3D", sign(feed));
  }

  @Test void aContainerSignsItsOwnLink() {
    CosmosRequest read = Containers.read("shop", "orders");
    assertEquals("colls", read.resourceType);
    assertEquals("dbs/shop/colls/orders", read.resourceLink);
    assertNull(read.sessionScope, "container management has no session");
    assertEquals("type%3Dmaster%26ver%3D1.0%26sig%3DssgfedJMg8y%2FLfFibir%2F32U01bpdwO0VoQmiXt"
        + "xe9xw%3D", sign(read));
    CosmosRequest create = Containers.create("shop",
        ContainerProperties.builder("orders", "/pk").build(), null);
    assertEquals("POST", create.method);
    assertEquals("dbs/shop", create.resourceLink);
    assertEquals("dbs/shop/colls", create.path);
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND, create.settlement);
    assertEquals("type%3Dmaster%26ver%3D1.0%26sig%3DE%2FtkchrRs4txRKlvJrUA87fHs%2Fz%2FBH8Y5%2BJg"
        + "HcXtp5o%3D", sign(create));
  }

  @Test void namesAreSignedRawAndSentPercentEncoded() {
    CosmosRequest delete = Documents.delete("shop", "orders", "caf\u00e9 +1", "a",
        RequestOptions.NONE);
    assertEquals("dbs/shop/colls/orders/docs/caf\u00e9 +1", delete.resourceLink);
    assertEquals("dbs/shop/colls/orders/docs/caf%C3%A9%20%2B1", delete.path);
    assertEquals(CosmosRequest.Settlement.DELETE, delete.settlement);
    assertEquals("type%3Dmaster%26ver%3D1.0%26sig%3D6k3287sbYv447XXzkSM7QEIXCE90UkIO%2F8z1GLsT"
        + "bWA%3D", sign(delete));
  }

  @Test void eachWriteSaysHowALostAnswerIsSettled() {
    Map<String, Object> doc = Map.of("id", "1", "pk", "a");
    assertEquals(CosmosRequest.Settlement.READ_BACK_ON_CONFLICT,
        Documents.write(false, "d", "c", doc, "a", RequestOptions.NONE).settlement);
    assertEquals(CosmosRequest.Settlement.SAME_CONTENT,
        Documents.write(true, "d", "c", doc, "a", RequestOptions.NONE).settlement);
    assertEquals(CosmosRequest.Settlement.SAME_CONTENT,
        Documents.replace("d", "c", doc, "a", RequestOptions.NONE).settlement);
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND, Documents.patch("d", "c", "1", "a",
        List.of(PatchOperation.increment("/n", 1)), RequestOptions.NONE).settlement);
    RequestOptions trigger = RequestOptions.builder().preTrigger("stamp").build();
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND,
        Documents.write(false, "d", "c", doc, "a", trigger).settlement, "a trigger runs twice");
    assertEquals(CosmosRequest.Route.GLOBAL, Databases.account().route);
  }

  @Test void aWriteCarriesItsKeyOptionsAndSessionScope() {
    CosmosRequest upsert = Documents.write(true, "shop", "orders", Map.of("id", "1"), 42,
        RequestOptions.builder().ifMatch("\"e\"").returnDocument(false)
            .sessionToken("0:-1#3").build());
    assertEquals("POST", upsert.method);
    assertEquals("dbs/shop/colls/orders/docs", upsert.path);
    assertEquals("dbs/shop/colls/orders", upsert.sessionScope);
    assertFalse(upsert.sendsSessionToken, "writes send only a caller's token");
    assertEquals("0:-1#3", upsert.callerSessionToken);
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("x-ms-documentdb-partitionkey", "[42]");
    expected.put("x-ms-documentdb-is-upsert", "True");
    expected.put("If-Match", "\"e\"");
    expected.put("Prefer", "return=minimal");
    assertEquals(expected, upsert.headers);
    assertArrayEquals("{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8), upsert.body);
  }

  @Test void aPatchConditionGoesInTheBody() {
    CosmosRequest patch = Documents.patch("shop", "orders", "1", "a",
        List.of(PatchOperation.set("/s", "paid")),
        RequestOptions.builder().patchCondition("from c where c.s = 'open'").build());
    assertEquals("{\"operations\":[{\"op\":\"set\",\"path\":\"/s\",\"value\":\"paid\"}],"
        + "\"condition\":\"from c where c.s = 'open'\"}",
        new String(patch.body, StandardCharsets.UTF_8));
    assertEquals(Documents.PATCH_JSON, patch.contentType);
  }

  @Test void aConsistencyStrongerThanTheAccountsIsRefused() {
    Documents.Reads reads = new Documents.Reads(null, ConsistencyLevel.SESSION);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Documents.read("d", "c", "1", "a", RequestOptions.builder()
            .consistencyLevel(ConsistencyLevel.STRONG).build(), reads));
    assertTrue(e.getMessage().contains("stronger than the account default"), e.getMessage());
  }

  @Test void idsThatAPathWouldNormaliseAwayAreRefused() {
    for (String id : new String[] {".", ".."}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Documents.delete("d", "c", id, "a", RequestOptions.NONE));
      assertTrue(e.getMessage().startsWith("document id must not be"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Containers.read("d", id));
      assertThrows(IllegalArgumentException.class, () -> Databases.read(id));
    }
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> Databases.create("", null));
    assertEquals("database id is empty", empty.getMessage());
  }

  @Test void aTriggerIdThatCannotBeAHeaderIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RequestOptions.builder().preTrigger("st\u00e4mp"));
    assertTrue(e.getMessage().startsWith("preTrigger must be printable ASCII"), e.getMessage());
  }

  record WithOptional(String id, Optional<String> note) {}

  @Test void aDocumentGsonCannotWriteIsAnIllegalArgumentNamingIt() {
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> Documents.write(false, "d", "c", Map.of("id", "1", "x", Double.NaN), "a",
            RequestOptions.NONE));
    assertTrue(nan.getMessage().contains("NaN or Infinity"), nan.getMessage());
    assertFalse(nan.getMessage().contains("GsonBuilder"), nan.getMessage());
    IllegalArgumentException optional = assertThrows(IllegalArgumentException.class,
        () -> Documents.write(false, "d", "c", new WithOptional("1", Optional.of("n")), "a",
            RequestOptions.NONE));
    assertTrue(optional.getMessage().startsWith("document (" + WithOptional.class.getName()),
        optional.getMessage());
  }

  @Test void containerPropertiesFromAReadKeepWhatAReplaceMustNotLose() {
    Map<String, Object> read = new LinkedHashMap<>();
    read.put("id", "orders");
    read.put("partitionKey", Map.of("paths", List.of("/tenant", "/user"), "kind", "MultiHash",
        "version", 2));
    read.put("defaultTtl", 60);
    read.put("indexingPolicy", Map.of("indexingMode", "consistent"));
    read.put("uniqueKeyPolicy", Map.of("uniqueKeys", List.of(Map.of("paths", List.of("/n")))));
    read.put("conflictResolutionPolicy", Map.of("mode", "LastWriterWins"));
    read.put("_rid", "abc==");
    read.put("_etag", "\"e\"");
    ContainerProperties properties = ContainerProperties.from(read);
    Map<String, Object> json = properties.toBuilder().defaultTtl(120).build().toJson();
    assertEquals(120, json.get("defaultTtl"));
    assertEquals(Map.of("indexingMode", "consistent"), json.get("indexingPolicy"));
    assertEquals(Map.of("uniqueKeys", List.of(Map.of("paths", List.of("/n")))),
        json.get("uniqueKeyPolicy"));
    assertEquals(Map.of("mode", "LastWriterWins"), json.get("conflictResolutionPolicy"));
    assertEquals(Map.of("paths", List.of("/tenant", "/user"), "kind", "MultiHash",
        "version", 2), json.get("partitionKey"));
    assertFalse(json.containsKey("_rid"));
    assertFalse(json.containsKey("_etag"));
    Map<String, Object> v1 = Map.of("id", "old", "partitionKey", Map.of("paths", List.of("/p")));
    assertEquals(1, ((Map<?, ?>) ContainerProperties.from(v1).toJson().get("partitionKey"))
        .get("version"), "a container without a version is version 1, and stays so");
  }
}
