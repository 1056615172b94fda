package io.cosmoslite;

import java.util.Map;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@link DocumentQuery} as a {@code Flow.Publisher}: a query of
 * {@code n} items served in pages of 7 by an in-memory sender, each page one request.
 */
public class DocumentQueryPublisherTckTest extends FlowPublisherVerification<Object> {
  private static final int PAGE = 7;
  private final InMemorySender sender = new InMemorySender(request -> {
    long total = Long.parseLong(request.headers().firstValue("x-test-total").orElse("0"));
    long from = Long.parseLong(request.headers().firstValue("x-ms-continuation").orElse("0"));
    long to = Math.min(total, from + PAGE);
    StringBuilder items = new StringBuilder();
    for (long i = from; i < to; i++) {
      items.append(i == from ? "" : ",").append(i);
    }
    Map<String, String> headers = to < total
        ? Map.of("x-ms-continuation", Long.toString(to)) : Map.of();
    return new InMemorySender.Answer(200, headers, "{\"Documents\":[" + items + "]}");
  });
  private final CosmosClient client = sender.client().build();

  public DocumentQueryPublisherTckTest() {
    super(new TestEnvironment(2_000, 200)); // generous for signals, short for "no signal"
  }

  @AfterClass public void closeClient() {
    client.close();
  }

  @Override public Flow.Publisher<Object> createFlowPublisher(long elements) {
    // The item count travels in a header the fake reads: each publisher its own length.
    CosmosRequest request = Feeds.queryDocuments("db", "c", SqlQuery.of("SELECT VALUE c.n"),
        RequestOptions.NONE, Documents.Reads.NONE).withHeaders(
            Map.of("x-test-total", Long.toString(elements)));
    return new DocumentQuery<>(client, request, "Documents", Object.class, null, null);
  }

  /** A query of a closed client: it cannot serve anyone, and says so at subscribe. */
  @Override public Flow.Publisher<Object> createFailedFlowPublisher() {
    CosmosClient closed = sender.client().build();
    DocumentQuery<Object> query = closed.queryDocuments("db", "c", "SELECT * FROM c");
    closed.close();
    return query;
  }

  @Override public long maxElementsFromPublisher() {
    return 1_000;
  }
}
