package io.cosmoslite;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Operations of several requests behind one facade method (throughput, listing users and
 * permissions): quiet steps ({@link CosmosClient#run}) chained with {@link Pipeline#compose},
 * delivered once with the raise-on-failure switch. A failed step ends the operation with that
 * step's result.
 */
final class Composites {
  private Composites() {}

  /**
   * The throughput of the resource {@code resourceRead} reads: read it (its {@code _rid}), query
   * the offers by {@code offerResourceId}, read the offer (for its minimum and pending state).
   */
  static CompletableFuture<CosmosResult<ThroughputProperties>> readThroughput(
      CosmosClient client, CosmosRequest resourceRead) {
    return client.pipeline.deliver(operation("read", resourceRead),
        Pipeline.compose(findOffer(client, resourceRead), found -> found.isOk()
            ? Pipeline.compose(client.run(Offers.read(Json.stringMember(found.data(), "id")),
                Offers::offer), offer -> CompletableFuture.completedFuture(properties(offer)))
            : CompletableFuture.completedFuture(Results.withoutData(found))));
  }

  /** Finds the offer as {@link #readThroughput} does, then replaces its throughput. */
  static CompletableFuture<CosmosResult<ThroughputProperties>> replaceThroughput(
      CosmosClient client, CosmosRequest resourceRead, Throughput throughput) {
    Objects.requireNonNull(throughput, "throughput == null");
    return client.pipeline.deliver(operation("replace", resourceRead),
        Pipeline.compose(findOffer(client, resourceRead), found -> found.isOk()
            ? Pipeline.compose(client.run(Offers.replace(found.data(), throughput),
                Offers::offer), offer -> CompletableFuture.completedFuture(properties(offer)))
            : CompletableFuture.completedFuture(Results.withoutData(found))));
  }

  /** The offer of a resource: a failed result naming it when it has none. */
  private static CompletableFuture<CosmosResult<JsonObject>> findOffer(CosmosClient client,
      CosmosRequest resourceRead) {
    return Pipeline.compose(client.run(resourceRead, Offers::offer), resource -> {
      if (!resource.isOk()) {
        return CompletableFuture.completedFuture(Results.withoutData(resource));
      }
      String rid = Json.stringMember(resource.data(), "_rid");
      if (rid == null) {
        return CompletableFuture.completedFuture(Results.concluded(resource.code(), null,
            resourceRead.resourceLink + " has no _rid to find its offer by", resource));
      }
      // Composed (not thenApply) so that cancelling the caller's future stops this call too.
      return Pipeline.compose(client.run(Offers.query(rid), Offers::firstOffer), query ->
          CompletableFuture.completedFuture(!query.isOk() || query.data() != null ? query
              : Results.concluded(404, "NotFound", "no offer for " + resourceRead.resourceLink
                  + ": it has no dedicated throughput (a serverless account, or a container "
                  + "sharing its database's throughput)", query)));
    });
  }

  private static CosmosResult<ThroughputProperties> properties(CosmosResult<JsonObject> offer) {
    if (!offer.isOk()) {
      return Results.withoutData(offer);
    }
    try {
      return Results.withData(offer, Offers.properties(offer.data(), offer.headers()));
    } catch (RuntimeException e) {
      return Results.concluded(offer.code(), null, "the offer could not be read: "
          + e.getMessage(), offer);
    }
  }

  private static String operation(String verb, CosmosRequest resourceRead) {
    return verb + " throughput of " + resourceRead.displayPath;
  }

  /** Every page of a feed as one result (users, permissions). */
  static CompletableFuture<CosmosResult<List<Map<String, Object>>>> allPages(
      CosmosClient client, CosmosRequest request, String feedKey) {
    client.checkOpen();
    return client.pipeline.deliver(request.operation(), new DocumentQuery<Map<String, Object>>(
        client, request, feedKey, Json.MAP, null, null).allPages());
  }
}
