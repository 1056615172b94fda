package io.cosmoslite;

import java.time.Duration;

/**
 * Told about every attempt of every call, for metrics (in the spirit of OkHttp's
 * {@code EventListener}). Called on the thread that handled the attempt's answer, never on the
 * library's timer; it must be quick and must not block. What it throws is logged and ignored.
 * Events hold no key, token, session token or document body.
 *
 * <pre>{@code
 * CosmosClient client = CosmosClient.builder()...
 *     .attemptListener(e -> metrics.record(e.method(), e.status(), e.duration(), e.requestCharge()))
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface AttemptListener {
  /** One attempt has ended: its answer arrived, or it failed without one. */
  void attemptEnded(Event event);

  /** What one attempt did. Immutable. */
  final class Event {
    private final String method;
    private final String path;
    private final int attempt;
    private final int status;
    private final int subStatus;
    private final double requestCharge;
    private final String activityId;
    private final Duration duration;
    private final Duration retryDelay;
    private final String failure;

    Event(String method, String path, int attempt, int status, int subStatus,
        double requestCharge, String activityId, Duration duration, Duration retryDelay,
        String failure) {
      this.method = method;
      this.path = path;
      this.attempt = attempt;
      this.status = status;
      this.subStatus = subStatus;
      this.requestCharge = requestCharge;
      this.activityId = activityId;
      this.duration = duration;
      this.retryDelay = retryDelay;
      this.failure = failure;
    }

    /** The HTTP method. */
    public String method() {
      return method;
    }

    /** The resource path, e.g. {@code dbs/shop/colls/orders/docs}. */
    public String path() {
      return path;
    }

    /** 1 for the first attempt of a call, 2 for its first resend, ... */
    public int attempt() {
      return attempt;
    }

    /** The HTTP status, or 0 when no answer arrived. */
    public int status() {
      return status;
    }

    /** The {@code x-ms-substatus}, 0 when absent. */
    public int subStatus() {
      return subStatus;
    }

    /** Request units charged, 0 when absent. */
    public double requestCharge() {
      return requestCharge;
    }

    /** The service's activity id, or null. */
    public String activityId() {
      return activityId;
    }

    /** From handing the request to the HTTP client to its answer (or failure). */
    public Duration duration() {
      return duration;
    }

    /** The wait before the next attempt, or null when this was the call's last attempt. */
    public Duration retryDelay() {
      return retryDelay;
    }

    /** Why no answer arrived (the transport error's type and message), or null. */
    public String failure() {
      return failure;
    }

    @Override public String toString() {
      return method + " " + path + " attempt " + attempt + " -> "
          + (status == 0 ? "no response (" + failure + ")" : status + "/" + subStatus)
          + " " + requestCharge + " RU " + duration.toMillis() + " ms"
          + (activityId == null ? "" : " [" + activityId + "]")
          + (retryDelay == null ? "" : ", retry in " + retryDelay.toMillis() + " ms");
    }
  }
}
