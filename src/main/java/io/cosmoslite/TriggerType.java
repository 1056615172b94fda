package io.cosmoslite;

/** When a trigger runs: before the write it is named on, or after it (in the same transaction). */
public enum TriggerType {
  /** Runs before the write; may change the document being written. */
  PRE("Pre"),
  /** Runs after the write, before it commits; may read the stored document. */
  POST("Post");

  final String wire;

  TriggerType(String wire) {
    this.wire = wire;
  }
}
