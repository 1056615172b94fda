package io.cosmoslite;

/** The document operations a trigger may be named on ({@code triggerOperation}). */
public enum TriggerOperation {
  ALL("All"),
  CREATE("Create"),
  UPDATE("Update"),
  REPLACE("Replace"),
  DELETE("Delete");

  final String wire;

  TriggerOperation(String wire) {
    this.wire = wire;
  }
}
