package io.cosmoslite;

/** The document operations a trigger may be named on ({@code triggerOperation}). */
public enum TriggerOperation {
  /** Every write. */
  ALL("All"),
  /** Creates (and upserts that create). */
  CREATE("Create"),
  /** Updates: replaces, upserts that replace, patches. */
  UPDATE("Update"),
  /** Replaces. */
  REPLACE("Replace"),
  /** Deletes. */
  DELETE("Delete");

  final String wire;

  TriggerOperation(String wire) {
    this.wire = wire;
  }
}
