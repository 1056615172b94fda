package io.cosmoslite.bench;

import java.util.HashMap;
import java.util.Map;

/** Command-line options shared by both benchmark programs ({@code --name value} pairs). */
public final class Args {
    public final String endpoint;
    public final String key;
    /** PEM file of the local server's certificate, or null (plain HTTP or a publicly trusted cert). */
    public final String cert;
    public final String workload;
    public final String db;
    public final int ops;
    public final int concurrency;
    public final int queryConcurrency;
    public final int runs;
    public final int warmup;
    public final int pkValues;
    public final int pageSize;
    public final int queryRounds;
    /** Documents in the W3 container (spread evenly over the partition key values). */
    public final int queryDocs;
    public final long serverPid;
    public final int clkTck;
    public final int maxSeconds;
    /** Epoch milliseconds taken by the launching shell just before {@code exec java} (W4). */
    public final long launchMs;
    public final int run;
    /** Partition-key ranges the server was started with (--partitions of cosmos-local); a label. */
    public final int partitions;
    /** W2P: ids per readMany call. */
    public final int readManyChunk;
    /** W2P: readMany calls in flight. */
    public final int readManyConcurrency;

    public Args(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + a);
            }
            m.put(a.substring(2), argv[++i]);
        }
        endpoint = req(m, "endpoint");
        key = req(m, "key");
        cert = m.getOrDefault("cert", "").isEmpty() ? null : m.get("cert");
        workload = req(m, "workload").toUpperCase();
        db = m.getOrDefault("db", "bench");
        ops = num(m, "ops", 10_000);
        concurrency = num(m, "concurrency", 100);
        queryConcurrency = num(m, "query-concurrency", 10);
        runs = num(m, "runs", 5);
        warmup = num(m, "warmup", 2_000);
        pkValues = num(m, "pk-values", 100);
        pageSize = num(m, "page-size", 2);
        queryRounds = num(m, "query-rounds", 5);
        queryDocs = num(m, "query-docs", 500);
        serverPid = Long.parseLong(m.getOrDefault("server-pid", "0"));
        clkTck = num(m, "clk-tck", 100);
        maxSeconds = num(m, "max-seconds", 120);
        launchMs = Long.parseLong(m.getOrDefault("launch-ms", "0"));
        run = num(m, "run", 1);
        partitions = num(m, "partitions", 1);
        readManyChunk = num(m, "read-many-chunk", 1_000);
        readManyConcurrency = num(m, "read-many-concurrency", 4);
        for (String k : m.keySet()) {
            if (!KNOWN.contains("," + k + ",")) {
                throw new IllegalArgumentException("unknown option --" + k);
            }
        }
    }

    private static final String KNOWN = ",endpoint,key,cert,workload,db,ops,concurrency,query-concurrency,runs,warmup,"
            + "pk-values,page-size,query-rounds,query-docs,server-pid,clk-tck,max-seconds,launch-ms,run,"
            + "partitions,read-many-chunk,read-many-concurrency,";

    private static String req(Map<String, String> m, String k) {
        String v = m.get(k);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing --" + k);
        }
        return v;
    }

    private static int num(Map<String, String> m, String k, int dflt) {
        String v = m.get(k);
        return v == null ? dflt : Integer.parseInt(v);
    }
}
