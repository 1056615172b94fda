package io.cosmoslite;

/**
 * A request's priority under priority-based throttling ({@code x-ms-cosmos-priority-level}):
 * when the account is short of request units, {@link #LOW} requests are throttled before
 * {@link #HIGH} ones.
 */
public enum PriorityLevel {
  /** Throttled last. */
  HIGH("High"),
  /** Throttled first. */
  LOW("Low");

  final String header;

  PriorityLevel(String header) {
    this.header = header;
  }
}
