package io.cosmoslite.bench;

import io.cosmoslite.BulkItem;
import io.cosmoslite.BulkOptions;
import io.cosmoslite.BulkResult;
import io.cosmoslite.CosmosClient;
import io.cosmoslite.CosmosResult;
import io.cosmoslite.DocumentQuery;
import io.cosmoslite.DocumentType;
import io.cosmoslite.RequestOptions;
import io.cosmoslite.SqlQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark program for cosmos-lite: the same workloads as {@link OfficialBench}, written the
 * way a cosmos-lite user would. The client is built with {@code raiseOnFailure(false)} so a
 * failure is a result with {@code status = "failed"} that is counted, not an exception.
 */
public final class LiteBench implements Driver {

    private CosmosClient client;

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
        CosmosClient.Builder b = CosmosClient.builder()
                .endpoint(a.endpoint)
                .key(a.key)
                .maxConcurrency(Math.max(100, Math.max(a.concurrency, a.queryConcurrency)))
                .raiseOnFailure(false);
        if (a.cert != null) {
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

    /** W1: createDocuments, bounded by the library to {@code concurrency} in flight. */
    @Override
    public long createAll(String db, String c, List<Map<String, Object>> docs, int concurrency) {
        List<BulkItem> items = new ArrayList<>(docs.size());
        for (Map<String, Object> d : docs) {
            items.add(BulkItem.of(d, d.get("pk")));
        }
        BulkResult r = client.createDocuments(db, c, items.iterator(),
                BulkOptions.builder().maxConcurrency(concurrency).build()).join();
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
}
