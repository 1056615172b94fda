package example.orders;

import io.cosmoslite.CosmosClient;
import io.cosmoslite.DocumentType;
import io.cosmoslite.RequestOptions;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A modular application on cosmos-lite (module path only, no class path). Environment:
 * COSMOS_ENDPOINT, COSMOS_KEY and, for a self-signed server, COSMOS_CERT (a PEM file).
 *
 * <ul>
 *   <li>{@code write-read} (default): writes a map and a record, reads both back (the record
 *       typed) and checks them field by field; also checks it runs as named modules.</li>
 *   <li>{@code first-read}: one point read of the document {@code write-read} leaves behind,
 *       printing the time from process start to its answer (the cold start).</li>
 * </ul>
 * Exits 1 with a message on any mismatch or failure.
 */
public final class OrdersApp {
  record Customer(String name, String city) {}

  record Order(String id, String pk, int quantity, List<String> tags, Customer customer) {}

  static final String DB = "modular-app";
  static final String CONTAINER = "orders";

  public static void main(String[] args) {
    try {
      String mode = args.length > 0 ? args[0] : "write-read";
      try (CosmosClient client = client()) {
        switch (mode) {
          case "write-read" -> writeRead(client);
          case "first-read" -> firstRead(client);
          default -> throw new IllegalArgumentException("mode must be write-read or first-read");
        }
      }
    } catch (Throwable t) {
      System.err.println("modular app failed: " + t);
      System.exit(1);
    }
  }

  static CosmosClient client() {
    CosmosClient.Builder b = CosmosClient.builder()
        .endpoint(env("COSMOS_ENDPOINT"))
        .key(env("COSMOS_KEY"));
    String cert = System.getenv("COSMOS_CERT");
    if (cert != null && !cert.isEmpty()) {
      b.trustedCertificate(Path.of(cert));
    }
    return b.build();
  }

  static void writeRead(CosmosClient client) {
    checkModules();
    client.createDatabaseIfNotExists(DB).join();
    client.createContainerIfNotExists(DB, CONTAINER, "/pk").join();
    String run = Long.toString(System.nanoTime(), 36);

    Map<String, Object> map = Map.of("id", "map-" + run, "pk", "p1", "n", 42, "ok", true);
    client.createDocument(DB, CONTAINER, map, "p1").join();
    Map<String, Object> readMap =
        client.getDocument(DB, CONTAINER, "map-" + run, "p1").join().data();
    for (String field : List.of("id", "pk", "n", "ok")) {
      expect("map field " + field, map.get(field), readMap.get(field));
    }

    Order order = new Order("order-" + run, "p2", 3, List.of("a", "b"),
        new Customer("Ada", "London"));
    client.createDocument(DB, CONTAINER, order, "p2").join();
    Map<String, Object> stored =
        client.getDocument(DB, CONTAINER, order.id(), "p2").join().data();
    expect("stored record's customer", Map.of("name", "Ada", "city", "London"),
        stored.get("customer"));
    // Typed read: the record, through Gson, from a package opened only to Gson.
    Order readOrder = client.getDocument(DB, CONTAINER, order.id(), "p2", RequestOptions.NONE,
        DocumentType.of(Order.class)).join().data();
    expect("record", order, readOrder);

    client.upsertDocument(DB, CONTAINER, Map.of("id", "first-read", "pk", "p0"), "p0").join();
    System.out.println("modular app: wrote and read back a map and a record as modules "
        + OrdersApp.class.getModule().getName() + ", " + CosmosClient.class.getModule()
        .getDescriptor().toNameAndVersion());
  }

  static void firstRead(CosmosClient client) {
    Map<String, Object> doc = client.getDocument(DB, CONTAINER, "first-read", "p0").join().data();
    expect("first-read id", "first-read", doc.get("id"));
    Instant start = ProcessHandle.current().info().startInstant().orElseThrow();
    System.out.println("first read: " + Duration.between(start, Instant.now()).toMillis()
        + " ms after the process started");
  }

  /** Named modules, and cosmos-lite exports its API package only and opens nothing. */
  static void checkModules() {
    ModuleDescriptor lite = CosmosClient.class.getModule().getDescriptor();
    expect("io.cosmoslite is a named module", true, CosmosClient.class.getModule().isNamed());
    expect("its name", "io.cosmoslite", lite.name());
    expect("its exports", Set.of("io.cosmoslite"),
        Set.copyOf(lite.exports().stream().map(ModuleDescriptor.Exports::source).toList()));
    expect("it opens nothing", true, lite.opens().isEmpty() && !lite.isOpen());
    expect("this app is a named module", "example.orders", OrdersApp.class.getModule().getName());
  }

  static void expect(String what, Object expected, Object actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
    }
  }

  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(name + " is not set");
    }
    return value;
  }
}
