package io.cosmoslite;

import java.time.Duration;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The result of one operation. It <em>is</em> an immutable {@code Map<String, Object>} with
 * exactly the keys {@code status} ("ok" or "failed"), {@code code} (the HTTP status, 0 when no
 * response arrived), {@code session_token}, {@code error} (the service's message, or why there was
 * no response) and {@code data} (the resource, a list for feeds, null for 204 and for failures),
 * so it can be handed to anything that takes a map; the typed accessors read the same values and
 * a few more from the response headers.
 *
 * @param <T> the type of {@link #data()}
 */
public final class CosmosResult<T> extends AbstractMap<String, Object> {
  /** Status value of a successful call. */
  public static final String OK = "ok";
  /** Status value of a failed call. */
  public static final String FAILED = "failed";

  private final int code;
  private final T data;
  private final String error;
  private final String serviceCode;
  private final Map<String, String> headers;
  private final int retries;
  private final Duration retryWait;
  private final boolean uncertain;
  private final Throwable cause;
  private final String ambiguity;
  /** The map view, built on first use: many results (a bulk write's) are never read as maps. */
  private volatile Set<Map.Entry<String, Object>> entries;

  /** Only {@link Results} builds results. */
  CosmosResult(int code, T data, String error, String serviceCode, Map<String, String> headers,
      int retries, Duration retryWait, boolean uncertain, Throwable cause, String ambiguity) {
    this.ambiguity = ambiguity;
    this.code = code;
    this.cause = cause;
    this.data = data;
    this.error = error;
    this.serviceCode = serviceCode;
    this.headers = HeaderMap.of(headers);
    this.retries = retries;
    this.retryWait = retryWait;
    this.uncertain = uncertain;
  }

  /** The transport error of a failure without a response; null otherwise. */
  Throwable cause() {
    return cause;
  }

  @Override public Set<Map.Entry<String, Object>> entrySet() {
    Set<Map.Entry<String, Object>> view = entries;
    if (view == null) { // built from final fields: two threads building it build equal sets
      view = Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(
          new SimpleImmutableEntry<>("status", status()),
          new SimpleImmutableEntry<>("code", code),
          new SimpleImmutableEntry<>("session_token", sessionToken()),
          new SimpleImmutableEntry<>("error", error),
          new SimpleImmutableEntry<>("data", data))));
      entries = view;
    }
    return view;
  }

  /** {@code "ok"} when {@link #isOk()}, {@code "failed"} otherwise. */
  public String status() {
    return isOk() ? OK : FAILED;
  }

  /**
   * True when the call succeeded: a status below 400 (304 included) whose body could be read.
   * A 2xx whose body could not be mapped to the requested type is a failure with that status.
   */
  public boolean isOk() {
    return code > 0 && code < 400 && error == null;
  }

  /** The HTTP status code, or 0 when no response arrived. */
  public int code() {
    return code;
  }

  /** The {@code x-ms-substatus} code, or 0 when absent. */
  public int subStatus() {
    return intHeader("x-ms-substatus");
  }

  /** The resource, the list of a feed, or null (204, 304, failures). */
  public T data() {
    return data;
  }

  /** The service's message for a failure, or why no response arrived; null on success. */
  public String error() {
    return error;
  }

  /** The service's error code word, e.g. {@code Conflict}; null when it sent none. */
  public String serviceCode() {
    return serviceCode;
  }

  /** The {@code x-ms-session-token} of the response; null when it sent none. */
  public String sessionToken() {
    return header("x-ms-session-token");
  }

  /** Request units charged ({@code x-ms-request-charge}), 0 when absent. */
  public double requestCharge() {
    String value = header("x-ms-request-charge");
    try {
      return value == null ? 0 : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The service's {@code x-ms-activity-id}, for support requests; null when absent. */
  public String activityId() {
    return header("x-ms-activity-id");
  }

  /** The {@code etag} response header; null when absent. */
  public String etag() {
    return header("etag");
  }

  /** The {@code x-ms-continuation} response header; null on the last page. */
  public String continuation() {
    return header("x-ms-continuation");
  }

  /** The service's wait hint of the last response ({@code x-ms-retry-after-ms}), or null. */
  public Duration retryAfter() {
    String value = header("x-ms-retry-after-ms");
    try {
      return value == null ? null : Duration.ofMillis(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * One response header by case-insensitive name (first value), or null.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public String header(String name) {
    return headers.get(Objects.requireNonNull(name, "name == null"));
  }

  /**
   * A stored procedure's {@code console.log} output, decoded from the response header
   * {@code x-ms-documentdb-script-log-results}; null unless the execution asked for script
   * logging and the service sent it.
   */
  public String scriptLog() {
    String value = header(Scripts.LOG_RESULTS);
    if (value == null) {
      return null;
    }
    try {
      return java.net.URLDecoder.decode(value.replace("+", "%2B"),
          java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return value; // not URL-encoded after all: as sent
    }
  }

  /** Every response header of the final attempt (first value of each), case-insensitive. */
  public Map<String, String> headers() {
    return headers;
  }

  /** How many times the call was resent (throttling, transient failures). */
  public int retryCount() {
    return retries;
  }

  /** Total time spent waiting between attempts. */
  public Duration retryWait() {
    return retryWait;
  }

  /**
   * True when a write failed without a definite answer after its request may have reached the
   * service: it may or may not have been applied. The code is then 0 (no response, or a resend
   * whose answer could not settle an earlier unanswered attempt; {@link #ambiguity()} explains),
   * or 408 when the service itself timed out on a write that is not resent. Never true for a
   * successful result.
   */
  public boolean isUncertain() {
    return uncertain;
  }

  /**
   * Null when every attempt of the call was answered. Otherwise an attempt of a write went
   * unanswered (lost response, or 408) and this says how the outcome was settled: by resending an
   * idempotent write, by reading the document back after a {@code 409}/{@code 412} on the resend
   * (equal to what was sent: the earlier attempt wrote it, and the result is a success with the
   * code the write would have answered; different: a genuine conflict), by a resent delete finding
   * nothing, or not at all ({@link #isUncertain()} is then true).
   */
  public String ambiguity() {
    return ambiguity;
  }

  private int intHeader(String name) {
    String value = header(name);
    try {
      return value == null ? 0 : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
