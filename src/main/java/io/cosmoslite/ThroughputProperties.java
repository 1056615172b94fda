package io.cosmoslite;

import java.util.Objects;

/**
 * A database's or container's provisioned throughput as its offer reports it: manual RU/s or
 * an autoscale maximum, the lowest value it may be set to ({@code x-ms-cosmos-min-throughput})
 * and whether a replace (a scale or manual↔autoscale migration) is still in progress
 * ({@code x-ms-offer-replace-pending}). Immutable; the data of
 * {@link CosmosClient#readThroughput(String, String)} and
 * {@link CosmosClient#replaceThroughput(String, String, Throughput)}.
 */
public final class ThroughputProperties {
  private final Throughput throughput;
  private final int minimum;
  private final boolean replacePending;
  private final String offerId;

  ThroughputProperties(Throughput throughput, int minimum, boolean replacePending,
      String offerId) {
    this.throughput = throughput;
    this.minimum = minimum;
    this.replacePending = replacePending;
    this.offerId = offerId;
  }

  /** What is provisioned: {@code manual(n)} or {@code autoscale(max)}. */
  public Throughput throughput() {
    return throughput;
  }

  /** True for autoscale ({@link #throughput()} is then the maximum). */
  public boolean isAutoscale() {
    return throughput.isAutoscale();
  }

  /** Manual RU/s, or the autoscale maximum RU/s. */
  public int requestUnitsPerSecond() {
    return throughput.value();
  }

  /** The lowest manual RU/s (or autoscale maximum) it may be set to; 0 when not reported. */
  public int minimumRequestUnitsPerSecond() {
    return minimum;
  }

  /** True while a replace is still being applied by the service. */
  public boolean isReplacePending() {
    return replacePending;
  }

  /** The offer's id ({@code /offers/{id}}). */
  public String offerId() {
    return offerId;
  }

  @Override public boolean equals(Object other) {
    if (!(other instanceof ThroughputProperties)) {
      return false;
    }
    ThroughputProperties o = (ThroughputProperties) other;
    return throughput.equals(o.throughput) && minimum == o.minimum
        && replacePending == o.replacePending && offerId.equals(o.offerId);
  }

  @Override public int hashCode() {
    return Objects.hash(throughput, minimum, replacePending, offerId);
  }

  @Override public String toString() {
    return "ThroughputProperties{" + throughput + ", minimum=" + minimum + ", replacePending="
        + replacePending + ", offer=" + offerId + "}";
  }
}
