package io.cosmoslite;

import static io.cosmoslite.ItSupport.await;
import static io.cosmoslite.ItSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Throughput end to end against cosmos-local's offers: read, scale, migrate to autoscale and
 * back, and the clear failure for a container without dedicated throughput.
 */
class ThroughputIT {
  static CosmosClient client;
  static String db;

  @BeforeAll static void setUp() {
    client = LocalServers.client(LocalServers.plain()).build();
    db = LocalServers.uniqueName("tp");
    await(client.createDatabase(db));
  }

  @AfterAll static void tearDown() {
    ItSupport.dropDatabase(client, db);
    if (client != null) {
      client.close();
    }
  }

  @Test void aContainerIsScaledReadBackAndMigratedToAutoscaleAndBack() {
    await(client.createContainer(db, ContainerProperties.builder("scaled", "/pk").build(),
        Throughput.manual(400)));

    ThroughputProperties first = await(client.readThroughput(db, "scaled")).data();
    assertEquals(Throughput.manual(400), first.throughput());
    assertEquals(400, first.minimumRequestUnitsPerSecond());
    assertFalse(first.isReplacePending());

    ThroughputProperties replaced = await(client.replaceThroughput(db, "scaled",
        Throughput.manual(800))).data();
    assertEquals(Throughput.manual(800), replaced.throughput());
    assertEquals(first.offerId(), replaced.offerId());
    assertEquals(Throughput.manual(800), await(client.readThroughput(db, "scaled")).data()
        .throughput());

    ThroughputProperties migrating = await(client.replaceThroughput(db, "scaled",
        Throughput.autoscale(4000))).data();
    assertTrue(migrating.isAutoscale());
    // cosmos-local keeps a migration pending until it has been read once.
    assertTrue(migrating.isReplacePending());
    ThroughputProperties seen = await(client.readThroughput(db, "scaled")).data();
    assertEquals(Throughput.autoscale(4000), seen.throughput());
    assertEquals(1000, seen.minimumRequestUnitsPerSecond());
    assertTrue(seen.isReplacePending());
    assertFalse(await(client.readThroughput(db, "scaled")).data().isReplacePending());

    assertEquals(Throughput.manual(600), await(client.replaceThroughput(db, "scaled",
        Throughput.manual(600))).data().throughput());
  }

  @Test void aContainerWithoutDedicatedThroughputReportsNoOffer() {
    await(client.createContainer(db, "shared", "/pk"));
    CosmosException e = failure(client.readThroughput(db, "shared"));
    assertEquals(404, e.code());
    assertTrue(e.result().error().startsWith("no offer for dbs/" + db + "/colls/shared"),
        e.result().error());
    assertEquals(404, failure(client.replaceThroughput(db, "shared", Throughput.manual(500)))
        .code());
    assertEquals(404, failure(client.readThroughput(db)).code());
  }

  @Test void aDatabaseWithSharedThroughputHasItsOwnOffer() {
    String shared = LocalServers.uniqueName("tpdb");
    try {
      await(client.createDatabase(shared, Throughput.autoscale(1000)));
      assertEquals(Throughput.autoscale(1000), await(client.readThroughput(shared)).data()
          .throughput());
      assertEquals(Throughput.autoscale(2000), await(client.replaceThroughput(shared,
          Throughput.autoscale(2000))).data().throughput());
    } finally {
      ItSupport.dropDatabase(client, shared);
    }
  }
}
