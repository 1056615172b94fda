package io.cosmoslite;

/**
 * Consistency levels, strongest first. A request may only ask for a level at most as strong as
 * the account's default; the service answers 400 to a stronger one.
 */
public enum ConsistencyLevel {
  /** Linearizable reads. */
  STRONG("Strong"),
  /** Reads lag writes by a bounded amount. */
  BOUNDED_STALENESS("BoundedStaleness"),
  /** Read-your-writes within a session token. */
  SESSION("Session"),
  /** Reads never see writes out of order. */
  CONSISTENT_PREFIX("ConsistentPrefix"),
  /** No ordering guarantee. */
  EVENTUAL("Eventual");

  private final String header;

  ConsistencyLevel(String header) {
    this.header = header;
  }

  /** The {@code x-ms-consistency-level} header value. */
  public String headerValue() {
    return header;
  }

  /** True when this level is stronger than {@code other}. */
  boolean isStrongerThan(ConsistencyLevel other) {
    return ordinal() < other.ordinal();
  }

  /** Parses the account's {@code defaultConsistencyLevel}; null when unknown. */
  static ConsistencyLevel fromAccount(String value) {
    if (value == null) {
      return null;
    }
    for (ConsistencyLevel level : values()) {
      if (level.header.equalsIgnoreCase(value)
          || (level == BOUNDED_STALENESS && value.equalsIgnoreCase("Bounded"))) {
        return level;
      }
    }
    return null;
  }
}
