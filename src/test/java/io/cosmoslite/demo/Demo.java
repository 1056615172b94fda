package io.cosmoslite.demo;

import io.cosmoslite.BulkOptions;
import io.cosmoslite.BulkResult;
import io.cosmoslite.CosmosClient;
import io.cosmoslite.CosmosException;
import io.cosmoslite.CosmosResult;
import io.cosmoslite.DocumentQuery;
import io.cosmoslite.DocumentType;
import io.cosmoslite.Page;
import io.cosmoslite.PatchOperation;
import io.cosmoslite.RequestOptions;
import io.cosmoslite.SqlQuery;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What {@code scripts/demo} runs: the tour of cosmos-lite that aio-cosmos's README gives, and
 * more, against the account in the environment ({@code COSMOS_CONNECTION_STRING}, or
 * {@code COSMOS_ENDPOINT} and {@code COSMOS_KEY}; {@code COSMOS_CERT} names a PEM certificate to
 * trust, e.g. a local server's). {@code COSMOS_DEMO_DOCS} sets how many documents the concurrent
 * write makes (default 2000).
 *
 * <p>It makes its own database ({@code demo-<random>}) and deletes it at the end, also when a
 * step fails.
 */
public final class Demo {
  private static final String CONTAINER = "items";
  private static final String[] CATEGORIES = {"books", "games", "music", "tools", "toys"};

  private final Supplier<CosmosClient> newClient;
  private final int documents;
  private final PrintStream out;
  private final boolean liveProgress;
  private final String db = "demo-" + UUID.randomUUID().toString().substring(0, 8);

  /**
   * A demo run.
   *
   * @param newClient makes a client for the account; called twice (the session token step
   *     hands a token from one client instance to another)
   * @param documents how many documents the concurrent write makes
   * @param out where the run is told
   * @param liveProgress true to redraw one progress line (a terminal), false for a line per 10%
   */
  public Demo(Supplier<CosmosClient> newClient, int documents, PrintStream out,
      boolean liveProgress) {
    this.newClient = newClient;
    this.documents = documents;
    this.out = out;
    this.liveProgress = liveProgress;
  }

  /**
   * Runs the demo against the account in the environment.
   *
   * @param args none
   */
  public static void main(String[] args) {
    String cert = System.getenv("COSMOS_CERT");
    Supplier<CosmosClient> clients = () -> {
      CosmosClient.Builder b = CosmosClient.builder().fromEnvironment();
      if (cert != null && !cert.isBlank()) {
        b.trustedCertificate(Path.of(cert));
      }
      return b.build();
    };
    String docs = System.getenv("COSMOS_DEMO_DOCS");
    int count = 2000;
    if (docs != null && !docs.isBlank()) {
      try {
        count = Integer.parseInt(docs.trim());
      } catch (NumberFormatException e) {
        count = 0;
      }
      if (count < 1) {
        System.err.println("COSMOS_DEMO_DOCS must be a positive number, got '" + docs + "'");
        System.exit(2);
      }
    }
    try {
      new Demo(clients, count, System.out, System.console() != null).run();
    } catch (Exception e) {
      System.err.println();
      System.err.println("demo failed: " + e);
      System.exit(1);
    }
  }

  /**
   * Runs every step; deletes the database even when a step fails.
   *
   * @throws Exception the first failure
   */
  public void run() throws Exception {
    long started = System.nanoTime();
    try (CosmosClient client = newClient.get()) {
      try {
        steps(client);
      } finally {
        step("clean up");
        try {
          CosmosResult<Void> deleted = client.deleteDatabase(db).join();
          say("deleted database %s (%d)", db, deleted.code());
        } catch (RuntimeException e) {
          say("could not delete database %s: %s", db, e.getMessage());
        }
      }
    }
    out.printf(Locale.ROOT, "%ndemo done in %.1f s%n", seconds(started));
  }

  private int stepNumber;

  private void step(String title) {
    out.printf(Locale.ROOT, "%n%d. %s%n", ++stepNumber, title);
  }

  private void say(String format, Object... args) {
    out.println("   " + String.format(Locale.ROOT, format, args));
  }

  private void steps(CosmosClient client) throws Exception {
    step("read the account");
    Map<String, Object> account = client.readAccount().join().data();
    Object consistency = account.get("userConsistencyPolicy") instanceof Map
        ? ((Map<?, ?>) account.get("userConsistencyPolicy")).get("defaultConsistencyLevel") : null;
    say("account %s at %s, default consistency %s", account.get("id"), client.writeEndpoint(),
        consistency);

    step("create a database and a container");
    say("database %s: %d", db, client.createDatabase(db).join().code());
    say("container %s, partition key /category: %d", CONTAINER,
        client.createContainer(db, CONTAINER, "/category").join().code());

    step("create a document, read it back");
    Map<String, Object> first = new LinkedHashMap<>();
    first.put("id", "first");
    first.put("category", "books");
    first.put("title", "The Pragmatic Programmer");
    first.put("price", 42.5);
    CosmosResult<Map<String, Object>> created =
        client.createDocument(db, CONTAINER, first, "books").join();
    say("created %s: %d, %.2f RU, etag %s", first.get("id"), created.code(),
        created.requestCharge(), created.etag());
    CosmosResult<Map<String, Object>> read =
        client.getDocument(db, CONTAINER, "first", "books").join();
    say("read it back: %d %s", read.code(), withoutSystemProperties(read.data()));
    try {
      client.createDocument(db, CONTAINER, first, "books").join();
    } catch (java.util.concurrent.CompletionException e) {
      say("creating it again fails as it should: %s", e.getCause().getMessage());
    }

    concurrentWrite(client);
    query(client);
    sessionHandoff(client);
  }

  private void concurrentWrite(CosmosClient client) {
    step("write " + documents + " documents concurrently");
    long started = System.nanoTime();
    Progress progress = new Progress(documents);
    List<Map<String, Object>> items = new ArrayList<>();
    for (int i = 0; i < documents; i++) {
      items.add(item(i));
    }
    // Bare documents: the client reads the container's partition key path (/category) once.
    // At most 100 writes are under way at once; each 429 is retried after the server's hint.
    BulkResult result = client.createDocuments(db, CONTAINER, items.iterator(),
        BulkOptions.builder()
            .maxConcurrency(100)
            .progressListener(p -> progress.update(p.done(), p.retries(), p.failed()))
            .build())
        .exceptionally(e -> {
          throw new IllegalStateException("the concurrent write failed: " + e.getMessage(), e);
        })
        .join();
    progress.finish();
    long waitedMs = 0;
    for (CosmosResult<Map<String, Object>> written : result) {
      waitedMs += written.retryWait().toMillis();
    }
    say("%d written in %.1f s, %d failed; %d throttled (429) responses were retried "
        + "(%.1f s of waiting, summed over all writes)", result.succeeded(), seconds(started),
        result.failed(), result.retries(), waitedMs / 1000.0);
    List<Object> count = client.queryDocuments(db, CONTAINER, "SELECT VALUE COUNT(1) FROM c")
        .toList().join().data();
    long expected = documents + 1L;
    long counted = count.isEmpty() ? 0 : ((Number) count.get(0)).longValue();
    say("SELECT VALUE COUNT(1) FROM c -> %d (the first document + %d): %s", counted, documents,
        counted == expected ? "every document is there, once" : "MISMATCH");
    if (counted != expected) {
      throw new IllegalStateException("expected " + expected + " documents, counted " + counted);
    }
  }

  private void query(CosmosClient client) {
    step("query with parameters, page by page");
    SqlQuery query = SqlQuery.of("SELECT c.id, c.n, c.price FROM c "
        + "WHERE c.category = @category AND c.price < @max ORDER BY c.n")
        .withParameter("@category", "games")
        .withParameter("@max", 30);
    RequestOptions options =
        RequestOptions.builder().partitionKey("games").maxItemCount(25).build();
    say("%s", query.text());
    say("with @category = \"games\", @max = 30, partition key \"games\", 25 per page");
    DocumentQuery<Map<String, Object>> pages =
        client.queryDocuments(db, CONTAINER, query, options, DocumentType.MAP);
    String afterFirst = null;
    List<Object> secondPage = null;
    int number = 0;
    long total = 0;
    while (pages.hasMorePages()) {
      Page<Map<String, Object>> page = pages.nextPage().join();
      number++;
      total += page.items().size();
      List<Map<String, Object>> items = page.items();
      say("page %d: %3d documents%s, %.2f RU, %s", number, items.size(),
          items.isEmpty() ? "" : " (" + items.get(0).get("id") + " .. "
              + items.get(items.size() - 1).get("id") + ")",
          page.requestCharge(), page.continuationToken() == null ? "last page"
              : "continuation " + shorten(page.continuationToken()));
      if (number == 1) {
        afterFirst = page.continuationToken();
      } else if (number == 2) {
        secondPage = ids(items);
      }
    }
    say("%d documents in %d pages", total, number);
    if (afterFirst != null) {
      // A "next page" link: the token goes to the browser and comes back in a later request,
      // to another client instance.
      try (CosmosClient other = newClient.get()) {
        Page<Map<String, Object>> resumed = other.queryDocuments(db, CONTAINER, query,
            options.toBuilder().continuationToken(afterFirst).build(), DocumentType.MAP)
            .nextPage().join();
        say("a new query (another client) started from page 1's continuation token returns "
            + "page 2 again: %s", ids(resumed.items()).equals(secondPage) ? "yes" : "NO");
      }
    }
  }

  private static List<Object> ids(List<Map<String, Object>> items) {
    List<Object> ids = new ArrayList<>();
    items.forEach(item -> ids.add(item.get("id")));
    return ids;
  }

  private static String shorten(String token) {
    return token.length() <= 40 ? token : token.substring(0, 37) + "...";
  }

  private void sessionHandoff(CosmosClient clientA) {
    step("hand a session token from one client to another (the cookie case)");
    Map<String, Object> cart = new LinkedHashMap<>();
    cart.put("id", "cart-ada");
    cart.put("category", "carts");
    cart.put("items", 3);
    cart.put("status", "open");
    cart.put("tags", new ArrayList<>(List.of("web")));
    CosmosResult<Map<String, Object>> written =
        clientA.upsertDocument(db, CONTAINER, cart, "carts").join();
    String token = clientA.sessionToken(db, CONTAINER);
    String cookie = "cosmos-session=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    say("client A upserted %s (%d); its session token for the container: %s", cart.get("id"),
        written.code(), token);
    say("sent to the browser as  Set-Cookie: %s", cookie);

    try (CosmosClient clientB = newClient.get()) {
      String back = URLDecoder.decode(cookie.substring(cookie.indexOf('=') + 1),
          StandardCharsets.UTF_8);
      // Per call, never mergeSessionToken: a forged cookie then affects only the call that
      // carries it (not other users' reads), and a malformed one is refused before sending.
      RequestOptions fromCookie = RequestOptions.builder().sessionToken(back).build();
      CosmosResult<Map<String, Object>> read = clientB.getDocument(db, CONTAINER, "cart-ada",
          "carts", fromCookie, DocumentType.MAP).join();
      say("client B (another instance) read %s with the cookie's token: %d, items=%s",
          read.data().get("id"), read.code(), number(read.data().get("items")));
      try {
        RequestOptions.builder().sessionToken("forged\r\nx-evil: 1");
        say("a malformed cookie was accepted?! (unexpected)");
      } catch (IllegalArgumentException e) {
        say("a malformed cookie is refused before sending: %s", e.getMessage());
      }
      patch(clientA, clientB, written, cart);
    }
  }

  private void patch(CosmosClient clientA, CosmosClient clientB,
      CosmosResult<Map<String, Object>> written, Map<String, Object> cart) {
    step("patch");
    CosmosResult<Map<String, Object>> patched = clientB.patchDocument(db, CONTAINER, "cart-ada",
        "carts", List.of(
            PatchOperation.increment("/items", 2),
            PatchOperation.set("/status", "paid"),
            PatchOperation.add("/tags/-", "express"))).join();
    Map<String, Object> after = patched.data();
    say("incr /items 2, set /status \"paid\", add /tags/- \"express\": %d -> items=%s, "
        + "status=%s, tags=%s", patched.code(), number(after.get("items")), after.get("status"),
        after.get("tags"));
    try {
      clientB.patchDocument(db, CONTAINER, "cart-ada", "carts",
          List.of(PatchOperation.set("/status", "cancelled")),
          RequestOptions.builder().patchCondition("from c where c.status = 'open'").build(),
          DocumentType.MAP).join();
      say("conditional patch applied?! (unexpected)");
    } catch (java.util.concurrent.CompletionException e) {
      CosmosException failure = (CosmosException) e.getCause();
      say("only if \"from c where c.status = 'open'\": %d, as expected (the cart is paid)",
          failure.code());
    }
    try {
      clientA.replaceDocument(db, CONTAINER, cart, "carts",
          RequestOptions.builder().ifMatch(written.etag()).build(), DocumentType.MAP).join();
      say("replace with a stale etag applied?! (unexpected)");
    } catch (java.util.concurrent.CompletionException e) {
      say("client A's replace with its old etag (If-Match): %d, the patch is not lost",
          ((CosmosException) e.getCause()).code());
    }
  }

  // ---------------------------------------------------------------------------------------------

  static Map<String, Object> item(int i) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", String.format(Locale.ROOT, "item-%05d", i));
    doc.put("category", CATEGORIES[i % CATEGORIES.length]);
    doc.put("n", i);
    doc.put("price", Math.round((5 + (i * 37 % 200) / 4.0) * 100) / 100.0);
    return doc;
  }

  private static Map<String, Object> withoutSystemProperties(Map<String, Object> doc) {
    Map<String, Object> copy = new LinkedHashMap<>(doc);
    copy.keySet().removeIf(k -> k.startsWith("_"));
    return copy;
  }

  private static String number(Object value) {
    if (value instanceof Number && ((Number) value).doubleValue() % 1 == 0) {
      return Long.toString(((Number) value).longValue());
    }
    return String.valueOf(value);
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  /** One progress line: redrawn in a terminal, a line per 10% otherwise. */
  private final class Progress {
    private final long total;
    private long lastDrawn;
    private long lastDrawnNanos;

    Progress(long total) {
      this.total = total;
    }

    synchronized void update(long done, long retries, long failed) {
      if (liveProgress) {
        long now = System.nanoTime();
        if (done == total || now - lastDrawnNanos > 100_000_000L) {
          lastDrawnNanos = now;
          out.print("\r   " + line(done, retries, failed));
          out.flush();
        }
      } else if (done * 10 / total > lastDrawn) {
        lastDrawn = done * 10 / total;
        out.println("   " + line(done, retries, failed));
      }
    }

    synchronized void finish() {
      if (liveProgress) {
        out.println();
      }
    }

    private String line(long done, long retries, long failed) {
      int width = 30;
      int filled = (int) (done * width / Math.max(1, total));
      return String.format(Locale.ROOT, "[%s%s] %d/%d written, %d retries after 429%s",
          "#".repeat(filled), ".".repeat(width - filled), done, total, retries,
          failed > 0 ? ", " + failed + " FAILED" : "");
    }
  }
}
