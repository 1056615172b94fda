package io.cosmoslite.bench;

import com.azure.cosmos.CosmosAsyncClient;
import com.azure.cosmos.CosmosAsyncContainer;
import com.azure.cosmos.CosmosClientBuilder;
import com.azure.cosmos.CosmosException;
import com.azure.cosmos.GatewayConnectionConfig;
import com.azure.cosmos.models.CosmosBulkOperations;
import com.azure.cosmos.models.CosmosContainerProperties;
import com.azure.cosmos.models.CosmosItemOperation;
import com.azure.cosmos.models.CosmosItemRequestOptions;
import com.azure.cosmos.models.CosmosQueryRequestOptions;
import com.azure.cosmos.models.PartitionKey;
import com.azure.cosmos.models.SqlParameter;
import com.azure.cosmos.models.SqlQuerySpec;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The benchmark program for the official Azure Cosmos DB Java SDK (com.azure:azure-cosmos) in
 * GATEWAY mode, the mode that talks the same REST API as cosmos-lite.
 *
 * <p>What the SDK needs against the local server (@vercel/cosmosdb-server behind
 * scripts/cosmos-local):
 * <ul>
 *   <li><b>Certificate.</b> The SDK has no PEM/trust option of its own; it uses the JVM default
 *       trust store. scripts/bench builds a PKCS12 trust store from the server's PEM with
 *       {@code keytool -importcert} and passes {@code -Djavax.net.ssl.trustStore=...}. When that
 *       property is not set, {@link #trustPem} builds one in a temp file here.</li>
 *   <li><b>No IMDS.</b> The SDK's client telemetry asks the Azure instance metadata service at
 *       169.254.169.254 for VM details at start-up. {@code COSMOS.DISABLE_IMDS_ACCESS=true}
 *       (set below and on the command line) stops that, so nothing leaves the loopback.</li>
 *   <li><b>Endpoint discovery off.</b> The account document lists write/read locations (the same
 *       https://127.0.0.1:port/ here); {@code endpointDiscoveryEnabled(false)} keeps every request
 *       on the configured endpoint and skips the background location refresh.</li>
 *   <li><b>Connection pool.</b> Gateway mode pools HTTP/1.1 connections (default 1000);
 *       set explicitly to at least the concurrency so requests never queue for a connection.</li>
 *   <li><b>Content on write.</b> Left at the SDK's default, {@code contentResponseOnWriteEnabled(false)}
 *       ({@code Prefer: return=minimal}), like cosmos-lite's createDocuments default
 *       ({@code keepDocuments(false)}); cosmos-local, like the service, then answers without the document.</li>
 *   <li><b>Query plan.</b> See {@link #queryAll}: with a partition key set in the request options
 *       the SDK does not ask the gateway for a query plan (verified by logging requests at the
 *       server), so single-partition queries work against this server.</li>
 * </ul>
 */
public final class OfficialBench implements Driver {

    private CosmosAsyncClient client;
    private int poolSize;

    public static void main(String[] argv) {
        // Before any SDK class reads its Configs: never call the Azure instance metadata service.
        System.setProperty("COSMOS.DISABLE_IMDS_ACCESS", "true");
        Harness.main(new OfficialBench(), argv);
    }

    @Override
    public String name() {
        return "official";
    }

    @Override
    public String version() {
        return "azure-cosmos " + Harness.mavenVersion("com.azure", "azure-cosmos");
    }

    @Override
    public void open(Args a) throws Exception {
        if (a.cert != null && System.getProperty("javax.net.ssl.trustStore") == null) {
            trustPem(Path.of(a.cert));
        }
        poolSize = Math.max(100, Math.max(a.concurrency, a.queryConcurrency));
        GatewayConnectionConfig gw = new GatewayConnectionConfig().setMaxConnectionPoolSize(poolSize);
        client = new CosmosClientBuilder()
                .endpoint(a.endpoint)
                .key(a.key)
                .gatewayMode(gw)
                .endpointDiscoveryEnabled(false)
                .buildAsyncClient();
    }

    @Override
    public void createDatabaseIfNotExists(String db) {
        client.createDatabaseIfNotExists(db).block();
    }

    @Override
    public void createContainerIfNotExists(String db, String container, String pkPath) {
        client.getDatabase(db).createContainerIfNotExists(new CosmosContainerProperties(container, pkPath)).block();
    }

    @Override
    public void deleteContainer(String db, String container) {
        try {
            client.getDatabase(db).getContainer(container).delete().block();
        } catch (CosmosException e) {
            if (e.getStatusCode() != 404) {
                throw e;
            }
        }
    }

    private CosmosAsyncContainer container(String db, String c) {
        return client.getDatabase(db).getContainer(c);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Class<Map<String, Object>> MAP = (Class) Map.class;

    /** W1: the async API, {@code Flux.flatMap(..., concurrency)} keeps that many creates in flight. */
    @Override
    public long createAll(String db, String c, List<Map<String, Object>> docs, int concurrency) {
        CosmosAsyncContainer ct = container(db, c);
        AtomicLong errors = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        CosmosItemRequestOptions opts = new CosmosItemRequestOptions();
        Flux.fromIterable(docs)
                .flatMap(d -> ct.createItem(d, new PartitionKey(d.get("pk")), opts)
                        .doOnNext(r -> {
                            if (r.getStatusCode() == 201) {
                                ok.incrementAndGet();
                            }
                        })
                        .then()
                        .onErrorResume(e -> {
                            Harness.reportError(errors, e);
                            return Mono.empty();
                        }), concurrency)
                .blockLast();
        return docs.size() - ok.get();
    }

    /** W1B: the SDK's bulk API; it groups operations per partition key range into batch requests. */
    @Override
    public long bulkCreateAll(String db, String c, List<Map<String, Object>> docs, int concurrency) {
        CosmosAsyncContainer ct = container(db, c);
        List<CosmosItemOperation> ops = new ArrayList<>(docs.size());
        for (Map<String, Object> d : docs) {
            ops.add(CosmosBulkOperations.getCreateItemOperation(d, new PartitionKey(d.get("pk"))));
        }
        AtomicLong errors = new AtomicLong();
        AtomicLong seen = new AtomicLong();
        ct.executeBulkOperations(Flux.fromIterable(ops))
                .doOnNext(r -> {
                    seen.incrementAndGet();
                    if (r.getException() != null || r.getResponse() == null || !r.getResponse().isSuccessStatusCode()) {
                        Harness.reportError(errors, r.getException() != null ? r.getException()
                                : new RuntimeException("status " + (r.getResponse() == null ? "none" : r.getResponse().getStatusCode())));
                    }
                })
                .blockLast();
        return errors.get() + (docs.size() - seen.get());
    }

    @Override
    public long readAll(String db, String c, List<String> ids, List<String> pks, int concurrency) {
        CosmosAsyncContainer ct = container(db, c);
        AtomicLong errors = new AtomicLong();
        Flux.range(0, ids.size())
                .flatMap(i -> ct.readItem(ids.get(i), new PartitionKey(pks.get(i)), MAP)
                        .doOnNext(r -> {
                            if (r.getItem() == null) {
                                errors.incrementAndGet();
                            }
                        })
                        .then()
                        .onErrorResume(e -> {
                            Harness.reportError(errors, e);
                            return Mono.empty();
                        }), concurrency)
                .blockLast();
        return errors.get();
    }

    /**
     * W3. Query plan: for a query without a partition key the SDK first POSTs the query with
     * {@code x-ms-cosmos-is-query-plan-request: True} and expects a plan back; this server does not
     * know that header and answers with the query's result, which the SDK cannot use. With
     * {@code setPartitionKey} the SDK skips the plan for a plain SELECT (it is only needed for
     * cross-partition execution) and sends the query once per page with the pk header.
     */
    @Override
    public long queryAll(String db, String c, List<String> pkValues, int pageSize, int concurrency,
                         long[] docsSeen, long[] pages) {
        CosmosAsyncContainer ct = container(db, c);
        AtomicLong errors = new AtomicLong();
        AtomicLong docs = new AtomicLong();
        AtomicLong pg = new AtomicLong();
        Flux.fromIterable(pkValues)
                .flatMap(v -> {
                    SqlQuerySpec q = new SqlQuerySpec("SELECT * FROM c WHERE c.pk = @pk", new SqlParameter("@pk", v));
                    CosmosQueryRequestOptions o = new CosmosQueryRequestOptions().setPartitionKey(new PartitionKey(v));
                    return ct.queryItems(q, o, MAP).byPage(pageSize)
                            .doOnNext(p -> {
                                pg.incrementAndGet();
                                docs.addAndGet(p.getResults().size());
                            })
                            .then()
                            .onErrorResume(e -> {
                                Harness.reportError(errors, explainQueryError(e));
                                return Mono.empty();
                            });
                }, concurrency)
                .blockLast();
        docsSeen[0] += docs.get();
        pages[0] += pg.get();
        return errors.get();
    }

    /** Names the usual cause of a W3 failure against a server without query-plan support. */
    private static Throwable explainQueryError(Throwable e) {
        if (e instanceof NullPointerException && String.valueOf(e.getMessage()).contains("queryInfo")) {
            return new IllegalStateException("the server does not answer the SDK's query-plan request "
                    + "(x-ms-cosmos-is-query-plan-request): it ran the query instead, so the SDK found no queryInfo", e);
        }
        return e;
    }

    @Override
    public void readOne(String db, String c, String id, String pk) {
        if (container(db, c).readItem(id, new PartitionKey(pk), MAP).block().getItem() == null) {
            throw new IllegalStateException("empty read");
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    /** Fallback when no trust store was given: a PKCS12 trust store holding the server's PEM. */
    private static void trustPem(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("local-" + i++, (X509Certificate) cert);
            }
        }
        Path p = Files.createTempFile("bench-trust", ".p12");
        p.toFile().deleteOnExit();
        char[] pw = "changeit".toCharArray();
        try (OutputStream out = Files.newOutputStream(p)) {
            ks.store(out, pw);
        }
        System.setProperty("javax.net.ssl.trustStore", p.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    }

}
