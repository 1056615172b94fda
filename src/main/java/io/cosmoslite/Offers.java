package io.cosmoslite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Requests on offers (provisioned throughput): arguments in, an immutable {@link CosmosRequest}
 * out, no I/O. An offer is found by the {@code _rid} of its database or container
 * ({@code offerResourceId}), as the SDKs find it.
 */
final class Offers {
  static final String QUERY =
      "SELECT * FROM root r WHERE r.offerResourceId = @offerResourceId";

  private Offers() {}

  /** POST offers as a query for the offer of the resource whose {@code _rid} is given. */
  static CosmosRequest query(String resourceRid) {
    Objects.requireNonNull(resourceRid, "resourceRid == null");
    JsonObject parameter = new JsonObject();
    parameter.addProperty("name", "@offerResourceId");
    parameter.addProperty("value", resourceRid);
    JsonArray parameters = new JsonArray();
    parameters.add(parameter);
    JsonObject body = new JsonObject();
    body.addProperty("query", QUERY);
    body.add("parameters", parameters);
    return CosmosRequest.builder("POST", "offers", CosmosRequest.Link.ROOT).feed("offers")
        .settlement(CosmosRequest.Settlement.IDEMPOTENT)
        .route(CosmosRequest.Route.READ_REGION)
        .header("x-ms-documentdb-isquery", "True")
        .body(Json.toBytes(body), Feeds.QUERY_JSON).build();
  }

  /** GET offers/{id}; an offer is signed by its id, lower-cased. */
  static CosmosRequest read(String offerId) {
    return CosmosRequest.builder("GET", "offers", link(offerId)).build();
  }

  /**
   * PUT offers/{id}: the offer as read with its throughput replaced by {@code wanted} (other
   * content kept); switching between manual and autoscale adds the migration header.
   */
  static CosmosRequest replace(JsonObject offer, Throughput wanted) {
    Objects.requireNonNull(wanted, "throughput == null");
    String id = Json.stringMember(offer, "id");
    JsonObject body = offer.deepCopy();
    JsonElement old = body.get("content");
    JsonObject content = old != null && old.isJsonObject()
        ? old.getAsJsonObject().deepCopy() : new JsonObject();
    boolean wasAutoscale = content.has("offerAutopilotSettings");
    content.remove("offerThroughput");
    content.remove("offerAutopilotSettings");
    if (wanted.isAutoscale()) {
      JsonObject settings = new JsonObject();
      settings.addProperty("maxThroughput", wanted.value());
      content.add("offerAutopilotSettings", settings);
    } else {
      content.addProperty("offerThroughput", wanted.value());
    }
    body.add("content", content);
    return CosmosRequest.builder("PUT", "offers", link(id))
        .header("x-ms-cosmos-migrate-offer-to-autopilot",
            wanted.isAutoscale() && !wasAutoscale ? "true" : null)
        .header("x-ms-cosmos-migrate-offer-to-manual-throughput",
            !wanted.isAutoscale() && wasAutoscale ? "true" : null)
        .body(Json.toBytes(body), Documents.JSON).build();
  }

  private static CosmosRequest.Link link(String offerId) {
    Names.id(offerId, "offer id");
    return new CosmosRequest.Link(offerId.toLowerCase(Locale.ROOT),
        "offers/" + Names.encodeSegment(offerId), "offers/" + offerId);
  }

  /** The first offer of a query page, or null when there is none. */
  static JsonObject firstOffer(byte[] body) {
    JsonElement tree = Json.parseOrNull(body);
    JsonElement list = tree != null && tree.isJsonObject()
        ? tree.getAsJsonObject().get("Offers") : null;
    if (list == null || !list.isJsonArray()) {
      throw new IllegalArgumentException("an offers query answer has no \"Offers\" list");
    }
    JsonArray offers = list.getAsJsonArray();
    return offers.size() == 0 || !offers.get(0).isJsonObject()
        ? null : offers.get(0).getAsJsonObject();
  }

  static JsonObject offer(byte[] body) {
    JsonElement tree = Json.parseOrNull(body);
    if (tree == null || !tree.isJsonObject()) {
      throw new IllegalArgumentException("an offer is not a JSON object");
    }
    return tree.getAsJsonObject();
  }

  /** The properties of an offer read or replaced, with that answer's headers. */
  static ThroughputProperties properties(JsonObject offer, Map<String, String> headers) {
    JsonElement content = offer.get("content");
    if (content == null || !content.isJsonObject()) {
      throw new IllegalArgumentException("the offer has no content");
    }
    JsonObject c = content.getAsJsonObject();
    JsonElement auto = c.get("offerAutopilotSettings");
    Throughput throughput;
    if (auto != null && auto.isJsonObject() && auto.getAsJsonObject().has("maxThroughput")) {
      throughput = Throughput.reported(
          auto.getAsJsonObject().get("maxThroughput").getAsInt(), true);
    } else if (c.has("offerThroughput")) {
      throughput = Throughput.reported(c.get("offerThroughput").getAsInt(), false);
    } else {
      throw new IllegalArgumentException("the offer content has no throughput");
    }
    return new ThroughputProperties(throughput, intHeader(headers,
        "x-ms-cosmos-min-throughput"), "true".equalsIgnoreCase(header(headers,
        "x-ms-offer-replace-pending")), Json.stringMember(offer, "id"));
  }

  private static String header(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static int intHeader(Map<String, String> headers, String name) {
    String value = header(headers, name);
    try {
      return value == null ? 0 : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
