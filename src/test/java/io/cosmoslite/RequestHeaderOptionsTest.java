package io.cosmoslite;

import static io.cosmoslite.MockCosmos.assertNoHeader;
import static io.cosmoslite.MockCosmos.assertRequest;
import static io.cosmoslite.MockCosmos.json;
import static io.cosmoslite.MockCosmos.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class RequestHeaderOptionsTest extends MockServerTest {

  @Test void priorityLevelAndThroughputBucketAreSentOnWrites() throws Exception {
    server.enqueue(json(201, "{\"id\":\"1\"}"));
    RequestOptions options = RequestOptions.builder().priorityLevel(PriorityLevel.HIGH)
        .throughputBucket(3).build();
    client.createDocument("shop", "orders", Map.of("id", "1"), "ada", options,
        DocumentType.MAP).get(10, TimeUnit.SECONDS);
    RecordedRequest request = assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs",
        "docs", "dbs/shop/colls/orders", null);
    assertEquals("High", request.getHeader("x-ms-cosmos-priority-level"));
    assertEquals("3", request.getHeader("x-ms-cosmos-throughput-bucket"));
    assertEquals("[\"ada\"]", request.getHeader("x-ms-documentdb-partitionkey"));
  }

  @Test void priorityLevelAndThroughputBucketAreSentOnReadsAndQueries() throws Exception {
    server.enqueue(json(200, "{\"id\":\"1\"}"));
    server.enqueue(json(200, "{\"Documents\":[],\"_count\":0}"));
    RequestOptions low = RequestOptions.builder().priorityLevel(PriorityLevel.LOW)
        .throughputBucket(5).build();
    client.getDocument("shop", "orders", "1", "ada", low, DocumentType.MAP)
        .get(10, TimeUnit.SECONDS);
    client.queryDocuments("shop", "orders", SqlQuery.of("SELECT * FROM c"),
        low.toBuilder().throughputBucket(1).build(), DocumentType.MAP).nextPage()
        .get(10, TimeUnit.SECONDS);
    RecordedRequest read = assertRequest(take(server), "GET", "/dbs/shop/colls/orders/docs/1",
        "docs", "dbs/shop/colls/orders/docs/1", null);
    assertEquals("Low", read.getHeader("x-ms-cosmos-priority-level"));
    assertEquals("5", read.getHeader("x-ms-cosmos-throughput-bucket"));
    RecordedRequest query = assertRequest(take(server), "POST", "/dbs/shop/colls/orders/docs",
        "docs", "dbs/shop/colls/orders", null);
    assertEquals("Low", query.getHeader("x-ms-cosmos-priority-level"));
    assertEquals("1", query.getHeader("x-ms-cosmos-throughput-bucket"));
  }

  @Test void withoutTheOptionsNeitherHeaderIsSent() throws Exception {
    server.enqueue(json(204, ""));
    client.deleteDocument("shop", "orders", "1", "ada").get(10, TimeUnit.SECONDS);
    assertNoHeader(take(server), "x-ms-cosmos-priority-level", "x-ms-cosmos-throughput-bucket");
  }

  @Test void badValuesThrowNamingTheOption() {
    RequestOptions.Builder b = RequestOptions.builder();
    assertEquals("priorityLevel == null",
        assertThrows(NullPointerException.class, () -> b.priorityLevel(null)).getMessage());
    assertEquals("throughputBucket must be 1 to 5, got 0",
        assertThrows(IllegalArgumentException.class, () -> b.throughputBucket(0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.throughputBucket(6));
    assertTrue(b.priorityLevel(PriorityLevel.LOW).throughputBucket(2).build().toString()
        .contains("priorityLevel=LOW, throughputBucket=2"));
  }
}
