package io.cosmoslite;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Per test: a MockWebServer and a client of it (raising on failure); both, and every client made
 * with {@link #track}, are closed after the test.
 */
abstract class MockServerTest {
  MockWebServer server;
  CosmosClient client;
  private final List<CosmosClient> others = new ArrayList<>();

  @BeforeEach void startServerAndClient() throws IOException {
    server = new MockWebServer();
    server.start();
    client = MockCosmos.client(server).build();
  }

  /** Builds a client of the test's own, closed after the test with the others. */
  CosmosClient track(CosmosClient.Builder builder) {
    CosmosClient built = builder.build();
    others.add(built);
    return built;
  }

  @AfterEach void closeClientAndServer() throws IOException {
    others.forEach(CosmosClient::close);
    client.close();
    server.shutdown();
  }

  /** A future's value, waiting at most 10 seconds. */
  static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }
}
