package io.cosmoslite;

/**
 * Provisioned throughput for a new database or container: manual RU/s
 * ({@code x-ms-offer-throughput}) or autoscale up to a maximum
 * ({@code x-ms-cosmos-offer-autopilot-settings: {"maxThroughput": N}}).
 */
public final class Throughput {
  private final int value;
  private final boolean autoscale;

  private Throughput(int value, boolean autoscale) {
    this.value = value;
    this.autoscale = autoscale;
  }

  /**
   * Manual throughput.
   *
   * @throws IllegalArgumentException below the service minimum of 400 RU/s
   */
  public static Throughput manual(int requestUnitsPerSecond) {
    if (requestUnitsPerSecond < 400) {
      throw new IllegalArgumentException(
          "throughput must be at least 400 RU/s, got " + requestUnitsPerSecond);
    }
    return new Throughput(requestUnitsPerSecond, false);
  }

  /**
   * Autoscale between a tenth of {@code maxRequestUnitsPerSecond} and that maximum.
   *
   * @throws IllegalArgumentException below the service minimum of 1000 RU/s
   */
  public static Throughput autoscale(int maxRequestUnitsPerSecond) {
    if (maxRequestUnitsPerSecond < 1000) {
      throw new IllegalArgumentException(
          "autoscale maximum must be at least 1000 RU/s, got " + maxRequestUnitsPerSecond);
    }
    return new Throughput(maxRequestUnitsPerSecond, true);
  }

  /** A value the service reported, not checked against today's minimums. */
  static Throughput reported(int value, boolean autoscale) {
    return new Throughput(value, autoscale);
  }

  /** Manual RU/s, or the autoscale maximum. */
  int value() {
    return value;
  }

  boolean isAutoscale() {
    return autoscale;
  }

  void apply(CosmosRequest.Builder request) {
    if (autoscale) {
      request.header("x-ms-cosmos-offer-autopilot-settings", "{\"maxThroughput\":" + value + "}");
    } else {
      request.header("x-ms-offer-throughput", Integer.toString(value));
    }
  }

  @Override public boolean equals(Object other) {
    return other instanceof Throughput && ((Throughput) other).value == value
        && ((Throughput) other).autoscale == autoscale;
  }

  @Override public int hashCode() {
    return value * 2 + (autoscale ? 1 : 0);
  }

  @Override public String toString() {
    return autoscale ? "autoscale(" + value + ")" : "manual(" + value + ")";
  }
}
