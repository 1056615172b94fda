package io.cosmoslite.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The workload shape both benchmark programs share. It makes the documents, does the warm-up,
 * times each run, measures the client's own CPU time and samples the local server's CPU from
 * /proc, and prints one line per run: {@code RESULT {json}}. scripts/bench collects those lines.
 *
 * <p>Workloads: W1 creates, W1B creates through the bulk API, W1P creates through the library's
 * packed multi-document write, W2 point reads, W2P the same ids through its many-documents read
 * ({@code --read-many-chunk} ids per call, {@code --read-many-concurrency} calls), W3 single-partition
 * queries (one per partition key value, {@code --query-rounds} rounds), W4 cold start (one
 * point read in a fresh JVM). Each write run goes into a fresh container that is deleted after
 * the run (outside the timing) so the in-memory server does not keep growing.
 */
public final class Harness {

    private final Driver driver;
    private final Args a;
    private final ServerStats serverStats;

    private Harness(Driver driver, Args a) {
        this.driver = driver;
        this.a = a;
        this.serverStats = new ServerStats(a.endpoint, a.cert);
    }

    /** Entry point used by both programs' main methods. */
    public static void main(Driver driver, String[] argv) {
        int rc = 0;
        try {
            Args a = new Args(argv);
            new Harness(driver, a).run();
        } catch (Throwable t) {
            System.err.println("bench failed: " + t);
            t.printStackTrace();
            rc = 1;
        } finally {
            try {
                driver.close();
            } catch (Throwable ignored) {
                // closing is best effort
            }
        }
        System.out.flush();
        // Some client libraries keep non-daemon threads alive; the result is printed, so leave.
        System.exit(rc);
    }

    private void run() throws Exception {
        if (!driver.supports(a.workload)) {
            unsupported();
            return;
        }
        if (a.workload.equals("W4")) {
            coldStart();
            return;
        }
        driver.open(a);
        driver.createDatabaseIfNotExists(a.db);
        switch (a.workload) {
            case "W1", "W1B", "W1P", "M1P" -> writes(a.workload);
            case "W2", "W2P" -> reads(a.workload.equals("W2P"));
            case "W3" -> queries();
            case "LOAD" -> ensureData("reads", loadedDocs());
            default -> throw new IllegalArgumentException("unknown workload " + a.workload);
        }
    }

    // ---------------------------------------------------------------- workloads

    /** W1 (one request per document), W1B (the library's bulk API), W1P (packed writes). */
    private long write(String workload, String c, List<Map<String, Object>> docs) throws Exception {
        return switch (workload) {
            case "W1B" -> driver.bulkCreateAll(a.db, c, docs, a.concurrency);
            case "W1P", "M1P" -> driver.packedCreateAll(a.db, c, docs, a.concurrency);
            default -> driver.createAll(a.db, c, docs, a.concurrency);
        };
    }

    private void writes(String workload) throws Exception {
        String prefix = driver.name() + "-" + a.workload.toLowerCase(Locale.ROOT);
        // Warm-up: the same operation into its own container, not measured.
        String warm = prefix + "-warm";
        driver.createContainerIfNotExists(a.db, warm, "/pk");
        List<Map<String, Object>> wdocs = docs("warm", a.warmup);
        long werr = write(workload, warm, wdocs);
        if (werr < 0) {
            unsupported();
            return;
        }
        driver.deleteContainer(a.db, warm);
        for (int run = 1; run <= a.runs; run++) {
            String c = prefix + "-r" + run + "-" + System.nanoTime() % 100000;
            driver.createContainerIfNotExists(a.db, c, "/pk");
            List<Map<String, Object>> docs = docs("r" + run, a.ops);
            measure(run, a.ops, () -> write(workload, c, docs), null);
            driver.deleteContainer(a.db, c);
        }
    }

    private void reads(boolean packed) throws Exception {
        String c = ensureData("reads", loadedDocs());
        int n = Math.min(a.ops, loadedDocs());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < a.ops; i++) {
            order.add(i % n);
        }
        Collections.shuffle(order, new Random(42));
        List<String> ids = new ArrayList<>(order.size());
        List<String> pks = new ArrayList<>(order.size());
        for (int i : order) {
            ids.add(docId("load", i));
            pks.add(pkValue(i));
        }
        // The warm-up cycles through the same reads, so it can be longer than one run.
        List<String> warmIds = new ArrayList<>(a.warmup);
        List<String> warmPks = new ArrayList<>(a.warmup);
        for (int i = 0; i < a.warmup && !ids.isEmpty(); i++) {
            warmIds.add(ids.get(i % ids.size()));
            warmPks.add(pks.get(i % ids.size()));
        }
        if (packed) {
            // W2P: the same ids as W2, through the library's many-documents read.
            if (driver.readManyAll(a.db, c, warmIds, warmPks, a.readManyChunk, a.readManyConcurrency) < 0) {
                unsupported();
                return;
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("chunk", a.readManyChunk);
            extra.put("callsInFlight", a.readManyConcurrency);
            for (int run = 1; run <= a.runs; run++) {
                measure(run, ids.size(), () -> driver.readManyAll(a.db, c, ids, pks, a.readManyChunk,
                        a.readManyConcurrency), extra);
            }
            return;
        }
        driver.readAll(a.db, c, warmIds, warmPks, a.concurrency);
        for (int run = 1; run <= a.runs; run++) {
            measure(run, ids.size(), () -> driver.readAll(a.db, c, ids, pks, a.concurrency), null);
        }
    }

    private void queries() throws Exception {
        String c = ensureData("query", a.queryDocs);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < a.pkValues; i++) {
            keys.add(pkValue(i));
        }
        List<String> all = new ArrayList<>();
        for (int r = 0; r < a.queryRounds; r++) {
            all.addAll(keys);
        }
        long[] warmDocs = {0};
        long[] warmPages = {0};
        if (driver.queryAll(a.db, c, keys, a.pageSize, a.queryConcurrency, warmDocs, warmPages) < 0) {
            unsupported();
            return;
        }
        long expectedDocs = (long) a.queryDocs * a.queryRounds;
        for (int run = 1; run <= a.runs; run++) {
            long[] docs = {0};
            long[] pages = {0};
            Map<String, Object> extra = new LinkedHashMap<>();
            measure(run, all.size(), () -> {
                long e = driver.queryAll(a.db, c, all, a.pageSize, a.queryConcurrency, docs, pages);
                extra.put("docs", docs[0]);
                extra.put("pages", pages[0]);
                extra.put("expectedDocs", expectedDocs);
                // A query that silently returns too few documents is an error too.
                return e + (docs[0] == expectedDocs ? 0 : 1);
            }, extra);
        }
    }

    /** The result line of a workload the driver does not implement (table.js leaves it out). */
    private void unsupported() {
        System.out.println("RESULT " + json(Map.of("client", driver.name(), "workload", a.workload,
                "unsupported", true)));
    }

    /** W4: from process launch (time taken by the shell) to the first successful point read. */
    private void coldStart() throws Exception {
        long jvmStart = MANAGEMENT ? Management.startMillis()
                : ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(-1L);
        long mainEntered = System.currentTimeMillis();
        long cpu0 = cpuNanos();
        driver.open(a);
        driver.readOne(a.db, driver.name() + "-reads", docId("load", 0), pkValue(0));
        long done = System.currentTimeMillis();
        long cpu = cpuNanos();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client", driver.name());
        m.put("version", driver.version());
        m.put("workload", "W4");
        m.put("run", a.run);
        m.put("ops", 1);
        m.put("errors", 0);
        m.put("firstReadMs", a.launchMs > 0 ? done - a.launchMs : done - jvmStart);
        m.put("sinceJvmStartMs", done - jvmStart);
        m.put("inLibraryMs", done - mainEntered);
        m.put("clientCpuMs", cpu / 1e6);
        m.put("clientCpuMsInLibrary", (cpu - cpu0) / 1e6);
        m.put("peakRssMB", vmHwmKb() / 1024.0);
        m.put("loadedClasses", MANAGEMENT ? Management.loadedClasses() : -1);
        System.out.println("RESULT " + json(m));
    }

    // ---------------------------------------------------------------- data

    /**
     * A container the read (W2, W4) or query (W3) workload uses, created and loaded once per
     * client and kept for later JVMs. The query container is small on purpose: the server's
     * query engine costs O(n^2) in the collection size (about 1 s per query at 10,000 documents).
     */
    private String ensureData(String kind, int n) throws Exception {
        String c = driver.name() + "-" + kind;
        driver.createContainerIfNotExists(a.db, c, "/pk");
        try {
            driver.readOne(a.db, c, docId("load", n - 1), pkValue(n - 1));
            return c; // already loaded by an earlier JVM
        } catch (Exception notThere) {
            // load below
        }
        long err = driver.createAll(a.db, c, docs("load", n), a.concurrency);
        if (err > 0) {
            System.err.println("loading " + c + ": " + err + " errors (409s from an earlier partial load are fine)");
        }
        driver.readOne(a.db, c, docId("load", n - 1), pkValue(n - 1));
        return c;
    }

    /** Documents in the read container: {@code --ops} of them, capped at 10,000 (query cost grows fast). */
    private int loadedDocs() {
        return Math.max(a.pkValues, Math.min(a.ops, 10_000));
    }

    private String pkValue(int i) {
        return "pk-" + padded(i % a.pkValues, 3);
    }

    private static String docId(String tag, int i) {
        return tag + "-" + padded(i, 6);
    }

    /**
     * {@code i} with leading zeros to {@code width} digits. Not String.format: the documents of
     * the next run are made between runs, and C2 compiling java.util.Formatter (about a second
     * of CPU) would land in the measured runs of either client.
     */
    private static String padded(int i, int width) {
        String digits = Integer.toString(i);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    /** Documents of about 190 bytes of JSON each (checked in {@link #approxJsonSize}). */
    private List<Map<String, Object>> docs(String tag, int n) {
        List<Map<String, Object>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("id", docId(tag, i));
            d.put("pk", pkValue(i));
            d.put("type", "bench-item");
            d.put("n", i);
            d.put("flag", i % 2 == 0);
            d.put("score", (i % 1000) / 8.0);
            d.put("tags", List.of("alpha", "beta", "gamma"));
            d.put("text", "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor");
            out.add(d);
        }
        return out;
    }

    static int approxJsonSize(Map<String, Object> d) {
        return json(d).length();
    }

    // ---------------------------------------------------------------- measuring

    interface Body {
        long run() throws Exception;
    }

    private void measure(int run, int ops, Body body, Map<String, Object> extra) throws Exception {
        driver.runStats(); // starts the driver's counters afresh
        boolean stats = !a.workload.equals("M1P") && serverStats.reset(); // M1P has no server
        System.gc();
        long s0 = serverTicks();
        Map<String, long[]> k0 = threadKindTicks();
        long a0 = MANAGEMENT ? Management.allocatedBytes() : -1;
        Map<Long, Long> j0 = MANAGEMENT ? Management.threadCpuNanos() : null;
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-run");
            t.setDaemon(true);
            return t;
        });
        Future<Long> f = ex.submit(body::run);
        long errors;
        boolean timedOut = false;
        long a1;
        Map<Long, Long> j1;
        try {
            errors = f.get(a.maxSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException te) {
            errors = -1;
            timedOut = true;
        } finally {
            // While the run's thread is alive: an ended thread's allocations are not counted.
            a1 = MANAGEMENT ? Management.allocatedBytes() : -1;
            j1 = MANAGEMENT ? Management.threadCpuNanos() : null;
            ex.shutdownNow();
        }
        long t1 = System.nanoTime();
        long c1 = cpuNanos();
        long[] kinds = kindDelta(k0, threadKindTicks());
        long s1 = serverTicks();
        double secs = (t1 - t0) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client", driver.name());
        m.put("version", driver.version());
        m.put("workload", a.workload);
        m.put("partitions", a.partitions);
        m.put("run", run);
        m.put("ops", ops);
        m.put("concurrency", a.workload.equals("W3") ? a.queryConcurrency : a.concurrency);
        m.put("errors", errors);
        m.put("seconds", secs);
        m.put("opsPerSec", timedOut ? 0 : ops / secs);
        m.put("clientCpuSec", (c1 - c0) / 1e9);
        m.put("clientCpuUsPerOp", (c1 - c0) / 1e3 / ops);
        if (kinds != null) {
            // Of that, the JIT compiler threads and the GC/VM threads (Linux thread names, clock
            // ticks); the rest is the program's own threads: library, transport, TLS, harness.
            double jitUs = kinds[0] * 1e6 / a.clkTck;
            double gcUs = kinds[1] * 1e6 / a.clkTck;
            m.put("clientJitUsPerOp", jitUs / ops);
            m.put("clientGcUsPerOp", gcUs / ops);
            m.put("clientOtherUsPerOp", Math.max(0, (c1 - c0) / 1e3 - jitUs - gcUs) / ops);
        }
        if (j0 != null && j1 != null) {
            // The program's own (Java) threads, each on its nanosecond clock: the same "rest" as
            // above without /proc's 10 ms ticks (the JIT and GC threads are not Java threads).
            // A thread started during the run counts whole; one that ended is missing.
            long nanos = 0;
            for (Map.Entry<Long, Long> t : j1.entrySet()) {
                nanos += t.getValue() - j0.getOrDefault(t.getKey(), 0L);
            }
            m.put("clientJavaThreadsUsPerOp", nanos / 1e3 / ops);
        }
        if (a0 >= 0 && a1 >= a0) {
            // Heap bytes the program's threads allocated (those alive at the end: a lower bound).
            m.put("clientAllocBytesPerOp", (double) (a1 - a0) / ops);
        }
        if (s0 >= 0 && s1 >= 0) {
            double serverSec = (double) (s1 - s0) / a.clkTck;
            m.put("serverCpuSec", serverSec);
            m.put("serverCpuShare", serverSec / secs); // 1.0 = one full core (the server is single-threaded)
        }
        // What the server saw during the run (outside the timing): requests and their statuses.
        // (Its maxInFlight is left out: the document layer answers synchronously, so it stays ~1.)
        Map<String, Object> seen = stats ? serverStats.read() : null;
        if (seen != null) {
            Object requests = seen.get("requests");
            m.put("serverRequests", requests);
            if (requests instanceof Number n) {
                m.put("serverRequestsPerOp", n.doubleValue() / ops);
            }
            m.put("serverByStatus", seen.get("byStatus"));
        }
        m.putAll(driver.runStats());
        if (extra != null) {
            m.putAll(extra);
        }
        if (timedOut) {
            m.put("timedOut", true);
        }
        System.out.println("RESULT " + json(m));
        System.out.flush();
        if (timedOut) {
            throw new TimeoutException("run " + run + " exceeded --max-seconds " + a.maxSeconds);
        }
    }

    /**
     * Whether the runtime has the management modules. A jlink image of just the client's modules
     * (scripts/bench W4 lite-jlink) leaves them out; the cold start then reads /proc instead.
     */
    private static final boolean MANAGEMENT = ModuleLayer.boot().findModule("jdk.management").isPresent();

    /** This process's CPU time (all threads) in nanoseconds, or -1 when unknown. */
    private long cpuNanos() {
        return MANAGEMENT ? Management.cpuNanos() : procCpuNanos();
    }

    /** utime + stime of this process from /proc/self/stat (clock-tick resolution), or -1. */
    private long procCpuNanos() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / a.clkTck;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU clock ticks of each of this process's JIT compiler threads and GC and VM threads, by
     * thread id, from /proc/self/task: {@code [kind, ticks]} with kind 0 for the JIT, 1 for
     * GC/VM; null where there is no /proc.
     */
    private static Map<String, long[]> threadKindTicks() {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            Map<String, long[]> k = new java.util.HashMap<>();
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String s;
                try {
                    s = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended
                }
                String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                int kind = name.contains("CompilerThre") ? 0
                        : name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")
                                || name.startsWith("VM Periodic") ? 1 : -1;
                if (kind >= 0) {
                    k.put(t.getFileName().toString(), new long[] {kind, statTicks(s)});
                }
            }
            return k;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The ticks each kind of thread used between two {@link #threadKindTicks} snapshots: [JIT,
     * GC/VM], summed over the threads alive at the end (a thread started meanwhile counts whole;
     * one that ended meanwhile, e.g. a retired extra compiler thread, is missing, so the figures
     * are lower bounds). Null when either snapshot is.
     */
    private static long[] kindDelta(Map<String, long[]> before, Map<String, long[]> after) {
        if (before == null || after == null) {
            return null;
        }
        long[] sum = new long[2];
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] was = before.get(e.getKey());
            sum[(int) e.getValue()[0]] += e.getValue()[1] - (was == null ? 0 : was[1]);
        }
        return sum;
    }

    /**
     * utime + stime (fields 14 and 15 of proc(5)) of a stat line, scanned by hand: no
     * String.split, whose compilation would be the harness's own JIT work inside a measured run.
     */
    private static long statTicks(String stat) {
        int at = stat.lastIndexOf(')') + 2; // field 3
        for (int field = 3; field < 14; field++) {
            at = stat.indexOf(' ', at) + 1;
        }
        int end = stat.indexOf(' ', at);
        long utime = Long.parseLong(stat, at, end, 10);
        int end2 = stat.indexOf(' ', end + 1);
        return utime + Long.parseLong(stat, end + 1, end2, 10);
    }

    /** The management calls, in a class of their own that is loaded only when the modules are there. */
    private static final class Management {
        static long cpuNanos() {
            var os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getProcessCpuTime();
            }
            return -1;
        }

        /** Heap bytes allocated so far by the live threads, or -1 when the JVM cannot say. */
        static long allocatedBytes() {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
                long sum = 0;
                for (long bytes : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
                    sum += Math.max(0, bytes);
                }
                return sum;
            }
            return -1;
        }

        /** CPU time of each live Java thread by id (nanoseconds), or null when unsupported. */
        static Map<Long, Long> threadCpuNanos() {
            var t = ManagementFactory.getThreadMXBean();
            if (!t.isThreadCpuTimeSupported() || !t.isThreadCpuTimeEnabled()) {
                return null;
            }
            Map<Long, Long> out = new java.util.HashMap<>();
            for (long id : t.getAllThreadIds()) {
                long nanos = t.getThreadCpuTime(id);
                if (nanos >= 0) {
                    out.put(id, nanos);
                }
            }
            return out;
        }

        static long startMillis() {
            return ManagementFactory.getRuntimeMXBean().getStartTime();
        }

        static int loadedClasses() {
            return ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        }
    }

    /** utime + stime of the server process in clock ticks, or -1 when unknown. */
    private long serverTicks() {
        if (a.serverPid <= 0) {
            return -1;
        }
        try {
            String s = Files.readString(Path.of("/proc/" + a.serverPid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long vmHwmKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    // ---------------------------------------------------------------- helpers for drivers

    /**
     * Runs {@code op} for every item with at most {@code concurrency} in flight and waits for all.
     * Returns the number of items whose future failed. Used where a library has no bounded
     * batch API of its own.
     *
     * <p>Written the way a CompletableFuture user bounds concurrency (and the way the SDK's
     * {@code Flux.flatMap(op, concurrency)} does): {@code concurrency} lanes, each starting its
     * next item from the completion of its previous one, so no thread blocks per item. Only the
     * calling thread waits, once, for the end.
     */
    public static <T> long bounded(List<T> items, int concurrency, Function<T, CompletionStage<?>> op)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(items.size());
        java.util.function.BiConsumer<Object, Throwable> account = (v, e) -> {
            if (e != null) {
                reportError(errors, e);
            }
            done.countDown();
        };
        Runnable[] lane = new Runnable[1];
        lane[0] = () -> {
            // Loops instead of recursing while futures complete at once (a failed validation),
            // so a long run of those cannot overflow the stack.
            while (true) {
                int i = next.getAndIncrement();
                if (i >= items.size()) {
                    return;
                }
                CompletableFuture<?> f;
                try {
                    f = op.apply(items.get(i)).toCompletableFuture();
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                if (!f.isDone()) {
                    f.whenComplete((v, e) -> {
                        account.accept(v, e);
                        lane[0].run();
                    });
                    return;
                }
                f.handle((v, e) -> {
                    account.accept(v, e);
                    return null;
                });
            }
        };
        for (int l = 0; l < Math.min(concurrency, items.size()); l++) {
            lane[0].run();
        }
        done.await();
        return errors.get();
    }

    /** The version in a jar's Maven metadata, or "?". */
    public static String mavenVersion(String group, String artifact) {
        String res = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (java.io.InputStream in = Harness.class.getResourceAsStream(res)) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                return p.getProperty("version", "?");
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "?";
    }

    /** Counts an error and prints the first one of a run to stderr (drivers' error paths). */
    public static void reportError(AtomicLong errors, Throwable e) {
        if (errors.getAndIncrement() == 0) {
            System.err.println("first error: " + e);
            e.printStackTrace(); // the log keeps where it came from
        }
    }

    // ---------------------------------------------------------------- tiny JSON writer

    static String json(Object o) {
        StringBuilder sb = new StringBuilder();
        write(sb, o);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object o) {
        if (o == null) {
            sb.append("null");
        } else if (o instanceof String s) {
            sb.append('"');
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    default -> {
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                    }
                }
            }
            sb.append('"');
        } else if (o instanceof Double d) {
            sb.append(d.isNaN() || d.isInfinite() ? "null" : java.math.BigDecimal.valueOf(d).setScale(4, java.math.RoundingMode.HALF_UP).toPlainString());
        } else if (o instanceof Number || o instanceof Boolean) {
            sb.append(o);
        } else if (o instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (o instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, l.get(i));
            }
            sb.append(']');
        } else {
            write(sb, o.toString());
        }
    }
}
