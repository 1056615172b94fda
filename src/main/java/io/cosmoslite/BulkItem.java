package io.cosmoslite;

import java.util.Objects;

/**
 * One input of a multi-document write: a document (or, for deletes, a document or its id) with
 * the value of its partition key, or without one so that the key is taken from the document
 * along the container's partition key path(s).
 *
 * <pre>{@code
 * client.createDocuments("shop", "orders", List.of(
 *     BulkItem.of(Map.of("id", "1", "customer", "ada"), "ada"),
 *     BulkItem.of(Map.of("id", "2", "customer", "bob"))));     // key read from /customer
 * client.deleteDocuments("shop", "orders", List.of(BulkItem.of("1", "ada")));
 * }</pre>
 *
 * <p>Creating an item never fails: a null or invalid document, id or key makes that item alone
 * fail (code 0, the reason in {@code error}) when the batch reaches it, so one bad line in a large
 * input does not stop the rest.
 */
public final class BulkItem {
  /** Stands for a null key passed explicitly: that item fails (it is not "read the key"). */
  static final Object NULL_KEY = new Object() {
    @Override public String toString() {
      return "null";
    }
  };

  private final Object document;
  private final Object partitionKey;
  /** The patch operations of a {@link #patch} item; null otherwise. */
  final java.util.List<PatchOperation> operations;

  private BulkItem(Object document, Object partitionKey) {
    this(document, partitionKey, null);
  }

  private BulkItem(Object document, Object partitionKey, java.util.List<PatchOperation> ops) {
    this.document = document;
    this.partitionKey = partitionKey;
    this.operations = ops;
  }

  /**
   * A patch of the document {@code id} for {@code patchDocuments}: 1 to 10 operations. A patch
   * whose answer was lost is never resent (it could apply twice): it is reported uncertain.
   *
   * @return the item; its values are checked when the batch sends it
   */
  public static BulkItem patch(String id, Object partitionKey,
      java.util.List<PatchOperation> operations) {
    return new BulkItem(id, partitionKey == null ? NULL_KEY : partitionKey,
        java.util.List.copyOf(Objects.requireNonNull(operations, "operations == null")));
  }

  /**
   * A document with its partition key value: a {@link PartitionKey}, or a String, Number or
   * Boolean. For {@code deleteDocuments} the document may also be just its id (a String).
   *
   * @param document a {@code Map} or Gson-mappable object with a string {@code id}, or an id
   * @param partitionKey the key value; use {@link PartitionKey#NULL} for a JSON null key (a Java
   *     null makes the item fail when it is sent)
   * @return the item; its values are checked when the batch sends it
   */
  public static BulkItem of(Object document, Object partitionKey) {
    return new BulkItem(document, partitionKey == null ? NULL_KEY : partitionKey);
  }

  /**
   * A document whose partition key value is read from the document itself along the container's
   * partition key path(s), which the batch reads from the container once and then caches. A
   * missing property gives {@link PartitionKey#UNDEFINED}. Passing the bare document to a
   * multi-document write means the same.
   *
   * @param document a {@code Map} or Gson-mappable object with a string {@code id}
   * @return the item
   */
  public static BulkItem of(Object document) {
    return new BulkItem(document, null);
  }

  /** The document (or the id of a document to delete), as given; may be null. */
  public Object document() {
    return document;
  }

  /**
   * The partition key value as given (a {@link PartitionKey}, String, Number or Boolean), or
   * null when it is read from the document.
   */
  public Object partitionKey() {
    return partitionKey == NULL_KEY ? null : partitionKey;
  }

  /** True when the key is to be read from the document. */
  boolean keyFromDocument() {
    return partitionKey == null;
  }

  /** The key as given, {@link #NULL_KEY} for an explicit null. */
  Object rawKey() {
    return partitionKey;
  }

  @Override public boolean equals(Object other) {
    return other instanceof BulkItem && Objects.equals(((BulkItem) other).document, document)
        && Objects.equals(((BulkItem) other).partitionKey, partitionKey)
        && Objects.equals(((BulkItem) other).operations, operations);
  }

  @Override public int hashCode() {
    return Objects.hash(document, partitionKey, operations);
  }

  @Override public String toString() {
    return "BulkItem{document=" + document + ", partitionKey="
        + (partitionKey == null ? "(from the document)" : partitionKey) + "}";
  }
}
