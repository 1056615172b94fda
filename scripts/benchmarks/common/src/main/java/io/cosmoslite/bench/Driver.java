package io.cosmoslite.bench;

import java.util.List;
import java.util.Map;

/**
 * What one client library has to provide to the shared benchmark harness ({@link Harness}).
 * Each method runs a whole batch of operations the way a user of that library would, bounded to
 * {@code concurrency} operations in flight, and returns the number of failed operations.
 * Blocking is fine: the harness times the call from the outside.
 */
public interface Driver extends AutoCloseable {

    /** Short name used in the result lines, e.g. "lite" or "official". */
    String name();

    /** Library name and version for the report. */
    String version();

    /**
     * Whether this driver implements the workload (W1, W1B, W2, W3, W4). The harness records an
     * unsupported workload as skipped before opening the client. The default is all of them.
     */
    default boolean supports(String workload) {
        return true;
    }

    /** Opens the client (the first request to the server happens here or in the next call). */
    void open(Args args) throws Exception;

    void createDatabaseIfNotExists(String db) throws Exception;

    void createContainerIfNotExists(String db, String container, String pkPath) throws Exception;

    /** Deletes the container; must not fail when it is missing. */
    void deleteContainer(String db, String container) throws Exception;

    /** W1: creates every document, at most {@code concurrency} in flight. Returns errors. */
    long createAll(String db, String container, List<Map<String, Object>> docs, int concurrency) throws Exception;

    /**
     * W1B: the same through the library's bulk API. Returns errors, or -1 when the library has
     * no separate bulk API (the harness then skips the workload).
     */
    long bulkCreateAll(String db, String container, List<Map<String, Object>> docs, int concurrency) throws Exception;

    /**
     * W1P: the same through the library's packed multi-document write (many documents per
     * request). Returns errors, or -1 when the library has none (the harness skips it).
     */
    default long packedCreateAll(String db, String container, List<Map<String, Object>> docs, int concurrency)
            throws Exception {
        return -1;
    }

    /**
     * W2P: the W2 reads through the library's many-documents read ({@code readMany}), {@code chunk}
     * ids per call, at most {@code concurrency} calls in flight. Returns errors (a document not
     * returned is one), or -1 when the library has none (the harness skips it).
     */
    default long readManyAll(String db, String container, List<String> ids, List<String> pks, int chunk,
                             int concurrency) throws Exception {
        return -1;
    }

    /**
     * Counters of the driver's own (e.g. requests seen by a request listener) since the previous
     * call, added to the run's result line; called once before and once after each measured run.
     */
    default Map<String, Object> runStats() {
        return Map.of();
    }

    /** W2: point reads of {@code ids[i]} with partition key {@code pks[i]}. Returns errors. */
    long readAll(String db, String container, List<String> ids, List<String> pks, int concurrency) throws Exception;

    /**
     * W3: runs {@code SELECT * FROM c WHERE c.pk = @pk} once per entry of {@code pkValues} as a
     * single-partition query (partition key set), {@code pageSize} documents per page, draining
     * every page. Adds the documents seen to {@code docsSeen[0]} and the pages to {@code pages[0]}.
     * Returns errors, or -1 when the driver has no queries (the harness then skips the workload).
     */
    long queryAll(String db, String container, List<String> pkValues, int pageSize, int concurrency,
                  long[] docsSeen, long[] pages) throws Exception;

    /** W4: one point read; returns normally only if it succeeded. */
    void readOne(String db, String container, String id, String pk) throws Exception;

    @Override
    void close();
}
