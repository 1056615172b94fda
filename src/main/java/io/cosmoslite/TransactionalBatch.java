package io.cosmoslite;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Up to 100 operations on one logical partition, applied all or nothing by
 * {@link CosmosClient#executeBatch}. Immutable: each method returns a new batch.
 *
 * <pre>{@code
 * TransactionalBatch batch = TransactionalBatch.of("ada")
 *     .create(Map.of("id", "order-7", "customer", "ada", "total", 42))
 *     .patch("cart-ada", List.of(PatchOperation.set("/items", List.of())))
 *     .replace(profile, RequestOptions.builder().ifMatch(profileEtag).build());
 * CosmosResult<List<CosmosResult<Map<String, Object>>>> done =
 *     client.executeBatch("shop", "orders", batch).join();
 * }</pre>
 *
 * <p>Each operation may carry its own conditions: {@link RequestOptions.Builder#ifMatch},
 * {@link RequestOptions.Builder#ifNoneMatch} and, for a patch,
 * {@link RequestOptions.Builder#patchCondition}; other options are ignored here. Documents are
 * checked (a JSON object with a valid string id) when they are added, not when sent.
 */
public final class TransactionalBatch {
  /** Most operations in one batch, as the service allows. */
  public static final int MAX_OPERATIONS = 100;

  final PartitionKey partitionKey;
  final List<Batches.Op> operations;

  private TransactionalBatch(PartitionKey partitionKey, List<Batches.Op> operations) {
    this.partitionKey = partitionKey;
    this.operations = operations;
  }

  /** An empty batch on the logical partition {@code partitionKey}. */
  public static TransactionalBatch of(Object partitionKey) {
    return new TransactionalBatch(PartitionKey.from(partitionKey), List.of());
  }

  /** The operations so far. */
  public int size() {
    return operations.size();
  }

  /** Creates {@code document} (409 inside the batch when its id exists). */
  public TransactionalBatch create(Object document) {
    return create(document, RequestOptions.NONE);
  }

  /** Creates {@code document} with conditions. */
  public TransactionalBatch create(Object document, RequestOptions options) {
    return add(Batches.Op.write("Create", document, options));
  }

  /** Creates or replaces {@code document}. */
  public TransactionalBatch upsert(Object document) {
    return upsert(document, RequestOptions.NONE);
  }

  /** Creates or replaces {@code document} with conditions. */
  public TransactionalBatch upsert(Object document, RequestOptions options) {
    return add(Batches.Op.write("Upsert", document, options));
  }

  /** Replaces the document with {@code document}'s id. */
  public TransactionalBatch replace(Object document) {
    return replace(document, RequestOptions.NONE);
  }

  /** Replaces the document with {@code document}'s id, with conditions. */
  public TransactionalBatch replace(Object document, RequestOptions options) {
    return add(Batches.Op.write("Replace", document, options));
  }

  /** Reads the document {@code id}: its result holds the document. */
  public TransactionalBatch read(String id) {
    return read(id, RequestOptions.NONE);
  }

  /** Reads the document {@code id} with conditions ({@code ifNoneMatch}). */
  public TransactionalBatch read(String id, RequestOptions options) {
    return add(Batches.Op.byId("Read", id, options));
  }

  /** Deletes the document {@code id}. */
  public TransactionalBatch delete(String id) {
    return delete(id, RequestOptions.NONE);
  }

  /** Deletes the document {@code id} with conditions ({@code ifMatch}). */
  public TransactionalBatch delete(String id, RequestOptions options) {
    return add(Batches.Op.byId("Delete", id, options));
  }

  /** Applies 1 to 10 patch operations to the document {@code id}. */
  public TransactionalBatch patch(String id, List<PatchOperation> operations) {
    return patch(id, operations, RequestOptions.NONE);
  }

  /** Patches with conditions ({@code ifMatch}, {@code patchCondition}). */
  public TransactionalBatch patch(String id, List<PatchOperation> operations,
      RequestOptions options) {
    return add(Batches.Op.patch(id, operations, options));
  }

  private TransactionalBatch add(Batches.Op op) {
    if (operations.size() >= MAX_OPERATIONS) {
      throw new IllegalArgumentException("a transactional batch holds at most "
          + MAX_OPERATIONS + " operations");
    }
    List<Batches.Op> more = new ArrayList<>(operations);
    more.add(op);
    return new TransactionalBatch(partitionKey, Collections.unmodifiableList(more));
  }

  /** The key and the operation types, never the documents. */
  @Override public String toString() {
    StringBuilder out = new StringBuilder("TransactionalBatch{partitionKey=")
        .append(partitionKey).append(", operations=[");
    for (int i = 0; i < operations.size(); i++) {
      out.append(i == 0 ? "" : ", ").append(operations.get(i).type)
          .append(operations.get(i).id == null ? "" : " " + operations.get(i).id);
    }
    return out.append("]}").toString();
  }

  @Override public boolean equals(Object other) {
    return other instanceof TransactionalBatch
        && ((TransactionalBatch) other).partitionKey.equals(partitionKey)
        && ((TransactionalBatch) other).operations.equals(operations);
  }

  @Override public int hashCode() {
    return Objects.hash(partitionKey, operations);
  }
}
