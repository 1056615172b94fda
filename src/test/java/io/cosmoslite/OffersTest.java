package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertNoHeader;
import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.error;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class OffersTest extends MockServerTest {
  static final String QUERY_BODY = "{\"query\":\"SELECT * FROM root r WHERE r.offerResourceId = "
      + "@offerResourceId\",\"parameters\":[{\"name\":\"@offerResourceId\",\"value\":\"%s\"}]}";
  static final String MANUAL_OFFER = "{\"resource\":\"dbs/dRid/colls/cRid/\",\"offerType\":"
      + "\"Invalid\",\"offerResourceId\":\"cRid\",\"offerVersion\":\"V2\",\"content\":"
      + "{\"offerThroughput\":400,\"offerIsRUPerMinuteThroughputEnabled\":false},"
      + "\"id\":\"AbCd\",\"_rid\":\"AbCd\",\"_self\":\"offers/AbCd/\",\"_etag\":\"\\\"e1\\\"\","
      + "\"_ts\":1700000000}";
  static final String AUTOSCALE_OFFER = MANUAL_OFFER.replace(
      "\"offerThroughput\":400", "\"offerAutopilotSettings\":{\"maxThroughput\":4000}");

  private void enqueueContainerAndOffer(String offer) {
    server.enqueue(json(200, "{\"id\":\"orders\",\"_rid\":\"cRid\"}"));
    server.enqueue(json(200, "{\"_rid\":\"\",\"Offers\":[" + offer + "],\"_count\":1}"));
  }

  private void assertContainerReadAndQuery() throws InterruptedException {
    assertRequest(take(server), "GET", "/dbs/app/colls/orders", "colls", "dbs/app/colls/orders",
        null);
    RecordedRequest query = assertRequest(take(server), "POST", "/offers", "offers", "", null);
    assertEquals("application/query+json", query.getHeader("Content-Type"));
    assertEquals("True", query.getHeader("x-ms-documentdb-isquery"));
    assertEquals(JsonParser.parseString(String.format(QUERY_BODY, "cRid")),
        JsonParser.parseString(query.getBody().readUtf8()));
  }

  @Test void readThroughputReadsTheContainerQueriesItsOfferByRidAndReadsTheOffer()
      throws Exception {
    enqueueContainerAndOffer(MANUAL_OFFER);
    server.enqueue(json(200, MANUAL_OFFER).setHeader("x-ms-cosmos-min-throughput", "400")
        .setHeader("x-ms-offer-replace-pending", "false"));

    CosmosResult<ThroughputProperties> result = await(client.readThroughput("app", "orders"));

    assertContainerReadAndQuery();
    RecordedRequest read = assertRequest(take(server), "GET", "/offers/AbCd", "offers", "abcd",
        null);
    assertEquals(0, read.getBodySize());
    assertEquals(3, server.getRequestCount());
    assertTrue(result.isOk());
    assertEquals(200, result.code());
    ThroughputProperties p = result.data();
    assertEquals(Throughput.manual(400), p.throughput());
    assertFalse(p.isAutoscale());
    assertEquals(400, p.requestUnitsPerSecond());
    assertEquals(400, p.minimumRequestUnitsPerSecond());
    assertFalse(p.isReplacePending());
    assertEquals("AbCd", p.offerId());
    assertEquals(new ThroughputProperties(Throughput.manual(400), 400, false, "AbCd"), p);
  }

  @Test void readThroughputOfADatabaseReadsTheDatabaseFirst() throws Exception {
    server.enqueue(json(200, "{\"id\":\"app\",\"_rid\":\"dRid\"}"));
    server.enqueue(json(200, "{\"Offers\":[" + AUTOSCALE_OFFER + "]}"));
    server.enqueue(json(200, AUTOSCALE_OFFER).setHeader("x-ms-cosmos-min-throughput", "1000")
        .setHeader("x-ms-offer-replace-pending", "true"));

    ThroughputProperties p = await(client.readThroughput("app")).data();

    assertRequest(take(server), "GET", "/dbs/app", "dbs", "dbs/app", null);
    RecordedRequest query = assertRequest(take(server), "POST", "/offers", "offers", "", null);
    assertEquals(JsonParser.parseString(String.format(QUERY_BODY, "dRid")),
        JsonParser.parseString(query.getBody().readUtf8()));
    assertRequest(take(server), "GET", "/offers/AbCd", "offers", "abcd", null);
    assertEquals(Throughput.autoscale(4000), p.throughput());
    assertTrue(p.isAutoscale());
    assertEquals(1000, p.minimumRequestUnitsPerSecond());
    assertTrue(p.isReplacePending());
  }

  @Test void aResourceWithoutAnOfferFailsWith404NamingIt() throws Exception {
    server.enqueue(json(200, "{\"id\":\"orders\",\"_rid\":\"cRid\"}"));
    server.enqueue(json(200, "{\"_rid\":\"\",\"Offers\":[],\"_count\":0}"));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.readThroughput("app", "orders").get(10, TimeUnit.SECONDS));
    CosmosException failure = assertInstanceOf(CosmosException.class, e.getCause());

    assertContainerReadAndQuery();
    assertEquals(2, server.getRequestCount());
    CosmosResult<?> result = failure.result();
    assertEquals(404, result.code());
    assertEquals("NotFound", result.serviceCode());
    assertTrue(result.error().startsWith("no offer for dbs/app/colls/orders: it has no "
        + "dedicated throughput"), result.error());
    assertNull(result.data());
  }

  @Test void withoutRaisingNoOfferIsAFailedResult() throws Exception {
    try (CosmosClient quiet = MockCosmos.client(server).raiseOnFailure(false).build()) {
      server.enqueue(json(200, "{\"id\":\"app\",\"_rid\":\"dRid\"}"));
      server.enqueue(json(200, "{\"Offers\":[]}"));
      CosmosResult<ThroughputProperties> result =
          await(quiet.replaceThroughput("app", Throughput.manual(500)));
      assertEquals(CosmosResult.FAILED, result.status());
      assertEquals(404, result.code());
      assertTrue(result.error().startsWith("no offer for dbs/app:"), result.error());
      assertEquals(2, server.getRequestCount());
    }
  }

  @Test void aFailedResourceReadEndsTheCallWithThatFailure() throws Exception {
    server.enqueue(error(404, 0, "NotFound", "Resource Not Found"));
    CosmosResult<?> result = assertInstanceOf(CosmosException.class, assertThrows(
        ExecutionException.class, () -> client.readThroughput("app", "gone")
            .get(10, TimeUnit.SECONDS)).getCause()).result();
    assertRequest(take(server), "GET", "/dbs/app/colls/gone", "colls", "dbs/app/colls/gone",
        null);
    assertEquals(1, server.getRequestCount());
    assertEquals(404, result.code());
    assertEquals("NotFound", result.serviceCode());
  }

  @Test void replaceThroughputPutsTheOfferWithNewContentAndKeepsTheRest() throws Exception {
    enqueueContainerAndOffer(MANUAL_OFFER);
    server.enqueue(json(200, MANUAL_OFFER.replace("400", "800"))
        .setHeader("x-ms-cosmos-min-throughput", "400")
        .setHeader("x-ms-offer-replace-pending", "false"));

    ThroughputProperties p =
        await(client.replaceThroughput("app", "orders", Throughput.manual(800))).data();

    assertContainerReadAndQuery();
    RecordedRequest put = assertRequest(take(server), "PUT", "/offers/AbCd", "offers", "abcd",
        null);
    assertEquals("application/json", put.getHeader("Content-Type"));
    assertNoHeader(put, "x-ms-cosmos-migrate-offer-to-autopilot",
        "x-ms-cosmos-migrate-offer-to-manual-throughput");
    assertEquals(JsonParser.parseString(MANUAL_OFFER.replace("400", "800")),
        JsonParser.parseString(put.getBody().readUtf8()));
    assertEquals(Throughput.manual(800), p.throughput());
    assertEquals(3, server.getRequestCount());
  }

  @Test void manualToAutoscaleSendsTheMigrationHeaderAndAutopilotContent() throws Exception {
    enqueueContainerAndOffer(MANUAL_OFFER);
    server.enqueue(json(200, AUTOSCALE_OFFER).setHeader("x-ms-offer-replace-pending", "true"));

    ThroughputProperties p =
        await(client.replaceThroughput("app", "orders", Throughput.autoscale(4000))).data();

    assertContainerReadAndQuery();
    RecordedRequest put = assertRequest(take(server), "PUT", "/offers/AbCd", "offers", "abcd",
        null);
    assertEquals("true", put.getHeader("x-ms-cosmos-migrate-offer-to-autopilot"));
    assertNoHeader(put, "x-ms-cosmos-migrate-offer-to-manual-throughput");
    assertEquals(JsonParser.parseString(AUTOSCALE_OFFER),
        JsonParser.parseString(put.getBody().readUtf8()));
    assertEquals(Throughput.autoscale(4000), p.throughput());
    assertTrue(p.isReplacePending());
    assertEquals(0, p.minimumRequestUnitsPerSecond());
  }

  @Test void autoscaleToManualSendsTheOtherMigrationHeader() throws Exception {
    enqueueContainerAndOffer(AUTOSCALE_OFFER);
    server.enqueue(json(200, MANUAL_OFFER.replace("400", "600")));

    await(client.replaceThroughput("app", "orders", Throughput.manual(600)));

    assertContainerReadAndQuery();
    RecordedRequest put = assertRequest(take(server), "PUT", "/offers/AbCd", "offers", "abcd",
        null);
    assertEquals("true", put.getHeader("x-ms-cosmos-migrate-offer-to-manual-throughput"));
    assertNoHeader(put, "x-ms-cosmos-migrate-offer-to-autopilot");
    assertEquals(JsonParser.parseString(MANUAL_OFFER.replace("400", "600")),
        JsonParser.parseString(put.getBody().readUtf8()));
  }

  @Test void badArgumentsThrowBeforeAnyRequest() {
    assertEquals("throughput == null", assertThrows(NullPointerException.class,
        () -> client.replaceThroughput("app", "orders", null)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> client.readThroughput("a/b"));
    assertThrows(NullPointerException.class, () -> client.readThroughput("app", null));
    assertEquals(0, server.getRequestCount());
  }

  @Test void anOfferWithoutThroughputContentIsAFailureNotACrash() throws Exception {
    enqueueContainerAndOffer(MANUAL_OFFER);
    server.enqueue(json(200, "{\"id\":\"AbCd\",\"content\":{}}"));
    try (CosmosClient quiet = MockCosmos.client(server).raiseOnFailure(false).build()) {
      CosmosResult<ThroughputProperties> result = await(quiet.readThroughput("app", "orders"));
      assertFalse(result.isOk());
      assertEquals(200, result.code());
      assertTrue(result.error().contains("no throughput"), result.error());
    }
  }
}
