package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The offers and users factories as values: signing, route, settlement, no session scope. */
class ManagementFactoryTest {
  @Test void offerQueriesAreIdempotentReadsAndReplacesAreNeverResent() {
    CosmosRequest query = Offers.query("cRid");
    assertEquals("offers", query.resourceType);
    assertEquals("", query.resourceLink);
    assertEquals("offers", query.path);
    assertTrue(query.idempotent());
    assertEquals(CosmosRequest.Route.READ_REGION, query.route);
    assertNull(query.sessionScope);

    JsonObject offer = JsonParser.parseString(OffersTest.MANUAL_OFFER).getAsJsonObject();
    CosmosRequest put = Offers.replace(offer, Throughput.manual(500));
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND, put.settlement);
    assertEquals(CosmosRequest.Route.WRITE_REGION, put.route);
    assertEquals("abcd", put.resourceLink);
    assertEquals("offers/AbCd", put.path);
    assertFalse(put.sendsSessionToken);
    // the offer read is not changed by building its replacement
    assertEquals(400, offer.getAsJsonObject("content").get("offerThroughput").getAsInt());
  }

  @Test void anOfferIdIsEncodedInThePathAndSignedLowerCased() {
    CosmosRequest read = Offers.read("Ab+C");
    assertEquals("ab+c", read.resourceLink);
    assertEquals("offers/Ab%2BC", read.path);
    assertTrue(read.idempotent());
    assertThrows(IllegalArgumentException.class, () -> Offers.read("a/b"));
  }

  @Test void offersAnswersAreReadStrictly() {
    assertNull(Offers.firstOffer("{\"Offers\":[]}".getBytes()));
    assertThrows(IllegalArgumentException.class, () -> Offers.firstOffer("{}".getBytes()));
    ThroughputProperties p = Offers.properties(JsonParser.parseString(
        OffersTest.AUTOSCALE_OFFER.replace("\"offerAutopilotSettings\"",
            "\"offerThroughput\":400,\"offerAutopilotSettings\"")).getAsJsonObject(),
        Map.of("X-MS-COSMOS-MIN-THROUGHPUT", "1000", "x-ms-offer-replace-pending", "TRUE"));
    // an autoscale offer that also reports its current RU/s is autoscale
    assertEquals(Throughput.autoscale(4000), p.throughput());
    assertEquals(1000, p.minimumRequestUnitsPerSecond());
    assertTrue(p.isReplacePending());
  }

  @Test void usersAndPermissionsSignTheirOwnOrParentLinks() {
    CosmosRequest create = Users.createPermission("app", "a d", "p", PermissionMode.READ,
        "dbs/app/colls/orders", null);
    assertEquals("permissions", create.resourceType);
    assertEquals("dbs/app/users/a d", create.resourceLink);
    assertEquals("dbs/app/users/a%20d/permissions", create.path);
    assertEquals(CosmosRequest.Settlement.NEVER_RESEND, create.settlement);
    CosmosRequest read = Users.readPermission("app", "a d", "p", null);
    assertEquals("dbs/app/users/a d/permissions/p", read.resourceLink);
    assertTrue(read.idempotent());
    assertNull(read.sessionScope);
    CosmosRequest list = Users.list("app");
    assertEquals("users", list.resourceType);
    assertEquals("dbs/app", list.resourceLink);
    assertEquals("dbs/app/users", list.path);
  }
}
