package io.cosmoslite.bench;

import io.cosmoslite.AttemptListener;
import io.cosmoslite.BulkItem;
import io.cosmoslite.BulkOptions;
import io.cosmoslite.BulkResult;
import io.cosmoslite.CosmosClient;
import io.cosmoslite.CosmosResult;
import io.cosmoslite.DocumentQuery;
import io.cosmoslite.DocumentType;
import io.cosmoslite.InMemoryService;
import io.cosmoslite.RequestOptions;
import io.cosmoslite.SqlQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.TreeMap;

/**
 * The benchmark program for cosmos-lite: the same workloads as {@link OfficialBench}, written the
 * way a cosmos-lite user would. The client is built with {@code raiseOnFailure(false)} so a
 * failure is a result with {@code status = "failed"} that is counted, not an exception.
 */
public final class LiteBench implements Driver {

    private CosmosClient client;
    /** Counted by the attempt listener since the last {@link #runStats()}. */
    private final Attempts attempts = new Attempts();

    public static void main(String[] argv) {
        Harness.main(new LiteBench(), argv);
    }

    @Override
    public String name() {
        return "lite";
    }

    @Override
    public String version() {
        return "cosmos-lite " + Harness.mavenVersion("io.cosmoslite", "cosmos-lite");
    }

    @Override
    public void open(Args a) {
        // M1P: the same packed write with every request answered in memory (no socket, TLS or
        // server): what the library itself costs per document.
        CosmosClient.Builder b = (a.workload.equals("M1P") ? InMemoryService.clientBuilder()
                        : CosmosClient.builder().endpoint(a.endpoint).key(a.key))
                .maxConcurrency(Math.max(100, Math.max(a.concurrency, a.queryConcurrency)))
                .raiseOnFailure(false)
                .attemptListener(attempts::record);
        if (a.cert != null && !a.workload.equals("M1P")) {
            b.trustedCertificate(Path.of(a.cert));
        }
        client = b.build();
    }

    private static <T> T ok(CosmosResult<T> r, String what) {
        if (!r.isOk()) {
            throw new IllegalStateException(what + " failed: " + r.code() + " " + r.error());
        }
        return r.data();
    }

    @Override
    public void createDatabaseIfNotExists(String db) {
        ok(client.createDatabaseIfNotExists(db).join(), "create database " + db);
    }

    @Override
    public void createContainerIfNotExists(String db, String container, String pkPath) {
        ok(client.createContainerIfNotExists(db, container, pkPath).join(), "create container " + container);
    }

    @Override
    public void deleteContainer(String db, String container) {
        CosmosResult<Void> r = client.deleteContainer(db, container).join();
        if (!r.isOk() && r.code() != 404) {
            ok(r, "delete container " + container);
        }
    }

    /**
     * W1: createDocuments with {@code batching(false)}: one request per document, bounded by the
     * library to {@code concurrency} in flight.
     */
    @Override
    public long createAll(String db, String c, List<Map<String, Object>> docs, int concurrency) {
        return create(db, c, docs, BulkOptions.builder().maxConcurrency(concurrency).batching(false).build());
    }

    /**
     * W1P: createDocuments as it ships (packed: documents grouped by partition key range into
     * bulk requests of up to 100 operations, at most the client's maxConcurrency requests in
     * flight).
     */
    @Override
    public long packedCreateAll(String db, String c, List<Map<String, Object>> docs, int concurrency) {
        return create(db, c, docs, BulkOptions.DEFAULT);
    }

    private long create(String db, String c, List<Map<String, Object>> docs, BulkOptions options) {
        List<BulkItem> items = new ArrayList<>(docs.size());
        for (Map<String, Object> d : docs) {
            items.add(BulkItem.of(d, d.get("pk")));
        }
        BulkResult r = client.createDocuments(db, c, items.iterator(), options).join();
        long failed = docs.size() - r.succeeded();
        if (failed > 0) {
            for (CosmosResult<Map<String, Object>> x : r) {
                if (!x.isOk()) {
                    System.err.println("first error: " + x.code() + " " + x.error());
                    break;
                }
            }
        }
        return failed;
    }

    /** cosmos-lite has no separate bulk API: createDocuments is its bulk path (W1). */
    @Override
    public long bulkCreateAll(String db, String c, List<Map<String, Object>> docs, int concurrency) {
        return -1;
    }

    @Override
    public long readAll(String db, String c, List<String> ids, List<String> pks, int concurrency)
            throws InterruptedException {
        List<Integer> idx = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            idx.add(i);
        }
        return Harness.bounded(idx, concurrency, i -> client.getDocument(db, c, ids.get(i), pks.get(i))
                .thenApply(r -> ok(r, "read " + ids.get(i))));
    }

    /**
     * W2P: readDocuments of the W2 ids, {@code chunk} (id, key) pairs per call, at most
     * {@code concurrency} calls in flight. A pair not answered with its document is an error.
     */
    @Override
    public long readManyAll(String db, String c, List<String> ids, List<String> pks, int chunk,
                            int concurrency) throws InterruptedException {
        List<List<BulkItem>> calls = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += chunk) {
            List<BulkItem> items = new ArrayList<>(chunk);
            for (int i = from; i < Math.min(ids.size(), from + chunk); i++) {
                items.add(BulkItem.of(ids.get(i), pks.get(i)));
            }
            calls.add(items);
        }
        AtomicLong missing = new AtomicLong();
        long failedCalls = Harness.bounded(calls, concurrency, items ->
                client.readDocuments(db, c, items).thenAccept(r -> {
                    for (int i = 0; i < r.size(); i++) {
                        CosmosResult<Map<String, Object>> x = r.get(i);
                        if (!x.isOk() || x.data() == null || !items.get(i).document().equals(x.data().get("id"))) {
                            if (missing.getAndIncrement() == 0) {
                                System.err.println("first error: " + x.code() + " " + x.error());
                            }
                        }
                    }
                    if (r.size() != items.size()) {
                        missing.addAndGet(Math.abs(items.size() - r.size()));
                    }
                }));
        return missing.get() + failedCalls * chunk;
    }

    /**
     * Requests per run as the attempt listener saw them: attempts (all), batch attempts and the
     * operations each carried, counted from its request charge (cosmos-local charges 6 RU per
     * created document and reports the batch's sum), so only meaningful when every operation
     * succeeded.
     */
    @Override
    public Map<String, Object> runStats() {
        return attempts.drain();
    }

    /** W3: one single-partition query per value, every page fetched with nextPage(). */
    @Override
    public long queryAll(String db, String c, List<String> pkValues, int pageSize, int concurrency,
                         long[] docsSeen, long[] pages) throws InterruptedException {
        AtomicLong docs = new AtomicLong();
        AtomicLong pg = new AtomicLong();
        long errors = Harness.bounded(pkValues, concurrency, v -> {
            DocumentQuery<Map<String, Object>> q = client.queryDocuments(db, c,
                    SqlQuery.of("SELECT * FROM c WHERE c.pk = @pk").withParameter("@pk", v),
                    RequestOptions.builder().partitionKey(v).maxItemCount(pageSize).build(),
                    DocumentType.MAP);
            return drain(q, docs, pg);
        });
        docsSeen[0] += docs.get();
        pages[0] += pg.get();
        return errors;
    }

    private static CompletableFuture<Void> drain(DocumentQuery<Map<String, Object>> q, AtomicLong docs, AtomicLong pages) {
        if (!q.hasMorePages()) {
            return CompletableFuture.completedFuture(null);
        }
        return q.nextPage().thenCompose(p -> {
            ok(p.result(), "query page");
            pages.incrementAndGet();
            docs.addAndGet(p.items().size());
            return drain(q, docs, pages);
        });
    }

    @Override
    public void readOne(String db, String c, String id, String pk) {
        ok(client.getDocument(db, c, id, pk).join(), "read " + id);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    /** Attempts seen by the client's attempt listener, by kind, between two drains. */
    private static final class Attempts {
        private static final double RU_PER_CREATE = 6;
        private long total;
        private long retried;
        private long failed;
        private long batches;
        private long batchOps;
        /** Operations per batch request (from its charge) -> requests. */
        private TreeMap<Long, Long> opsPerBatch = new TreeMap<>();
        private final Map<String, Long> statuses = new TreeMap<>();

        synchronized void record(AttemptListener.Event e) {
            total++;
            if (e.attempt() > 1) {
                retried++;
            }
            if (e.failure() != null) {
                failed++;
            }
            statuses.merge(String.valueOf(e.status()), 1L, Long::sum);
            // A write request (one create, or a bulk request): POST on .../docs charged a multiple of
            // a create (a query costs 3).
            if (e.method().equals("POST") && e.path().endsWith("/docs") && e.requestCharge() >= RU_PER_CREATE) {
                long ops = Math.round(e.requestCharge() / RU_PER_CREATE);
                batches++;
                batchOps += ops;
                opsPerBatch.merge(ops, 1L, Long::sum);
            }
        }

        synchronized Map<String, Object> drain() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("clientAttempts", total);
            m.put("clientRetries", retried);
            m.put("clientFailedAttempts", failed);
            m.put("clientStatuses", new java.util.LinkedHashMap<>(statuses));
            if (batches > 0) {
                m.put("writeRequests", batches);
                m.put("writeOps", batchOps);
                // Condensed: 100 -> n, then buckets of ten below.
                Map<String, Object> hist = new java.util.LinkedHashMap<>();
                for (var en : opsPerBatch.descendingMap().entrySet()) {
                    long k = en.getKey();
                    String bucket = k >= 100 ? String.valueOf(k) : (k / 10 * 10) + "-" + (k / 10 * 10 + 9);
                    hist.merge(bucket, en.getValue(), (x, y) -> (Long) x + (Long) y);
                }
                m.put("opsPerWriteRequest", hist);
            }
            total = retried = failed = batches = batchOps = 0;
            opsPerBatch = new TreeMap<>();
            statuses.clear();
            return m;
        }
    }
}
