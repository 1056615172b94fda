package io.cosmoslite;

import java.util.Map;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@link ChangeFeed} as a {@code Flow.Publisher}: a one-range
 * container whose name carries the number of changes {@code n}, served in pages of 7 by an
 * in-memory sender (etag = changes delivered so far, 304 once all are), so the publisher
 * completes after exactly {@code n} items.
 */
public class ChangeFeedPublisherTckTest extends FlowPublisherVerification<Object> {
  private static final int PAGE = 7;
  private final InMemorySender sender = new InMemorySender(request -> {
    String path = request.uri().getPath();
    if (path.endsWith("/pkranges")) {
      return new InMemorySender.Answer(200, Map.of("etag", "\"m\""), "{\"PartitionKeyRanges\":"
          + "[{\"id\":\"0\",\"minInclusive\":\"\",\"maxExclusive\":\"FF\",\"parents\":[]}]}");
    }
    // dbs/db/colls/c<total>/docs
    long total = Long.parseLong(path.split("/")[4].substring(1));
    long from = Long.parseLong(request.headers().firstValue("If-None-Match").orElse("\"0\"")
        .replace("\"", ""));
    long to = Math.min(total, from + PAGE);
    if (from >= total) {
      return new InMemorySender.Answer(304, Map.of("etag", "\"" + from + "\""), "");
    }
    StringBuilder items = new StringBuilder();
    for (long i = from; i < to; i++) {
      items.append(i == from ? "" : ",").append(i);
    }
    return new InMemorySender.Answer(200, Map.of("etag", "\"" + to + "\""),
        "{\"Documents\":[" + items + "]}");
  });
  private final CosmosClient client = sender.client().build();

  public ChangeFeedPublisherTckTest() {
    super(new TestEnvironment(2_000, 200));
  }

  @AfterClass public void closeClient() {
    client.close();
  }

  @Override public Flow.Publisher<Object> createFlowPublisher(long elements) {
    return client.changeFeed("db", "c" + elements, ChangeFeedOptions.builder().build(),
        DocumentType.JSON);
  }

  /** A feed of a closed client: it cannot serve anyone, and says so at subscribe. */
  @Override public Flow.Publisher<Object> createFailedFlowPublisher() {
    CosmosClient closed = sender.client().build();
    ChangeFeed<Object> feed = closed.changeFeed("db", "c1", ChangeFeedOptions.builder().build(),
        DocumentType.JSON);
    closed.close();
    return feed;
  }

  @Override public long maxElementsFromPublisher() {
    return 1_000;
  }
}
