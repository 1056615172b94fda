package io.cosmoslite;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the end-to-end tests. */
final class ItSupport {
  private ItSupport() {}

  /** Waits (bounded) for a call and returns its result; rethrows its failure. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new CompletionException(cause);
    } catch (TimeoutException e) {
      throw new AssertionError("call did not complete within 120 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Waits for a call that must fail with a {@link CosmosException}, and returns it. */
  static CosmosException failure(CompletableFuture<?> future) {
    try {
      Object value = await(future);
      return fail("expected a CosmosException, the call succeeded with " + value);
    } catch (CosmosException e) {
      return e;
    } catch (RuntimeException e) {
      assertInstanceOf(CosmosException.class, e, "expected a CosmosException");
      throw e;
    }
  }

  /** Deletes a database, ignoring a 404 (cleanup after a test that may have failed midway). */
  static void dropDatabase(CosmosClient client, String database) {
    if (client == null || database == null) {
      return;
    }
    try {
      await(client.deleteDatabase(database));
    } catch (CosmosException e) {
      if (e.code() != 404) {
        throw e;
      }
    }
  }
}
