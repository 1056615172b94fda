package io.cosmoslite;

import com.google.gson.JsonElement;
import java.time.Duration;
import java.util.Map;

/**
 * The one place results and exceptions are made: every {@link CosmosResult} and
 * {@link CosmosException} of the library comes from here.
 */
final class Results {
  private Results() {}

  /** A successful answer: {@code data} mapped from its body (null for 204/304). */
  static <T> CosmosResult<T> success(int status, T data, Map<String, String> headers,
      RetryPolicy.State state, String ambiguity) {
    return new CosmosResult<>(status, data, null, null, headers, retries(state), waited(state),
        false, null, ambiguity);
  }

  /** A 2xx whose body could not be mapped: the write did happen, so its headers are kept. */
  static <T> CosmosResult<T> unreadable(int status, Map<String, String> headers,
      RetryPolicy.State state, RuntimeException why, String ambiguity) {
    return new CosmosResult<>(status, null, "the response body could not be read as the "
        + "requested type: " + why.getMessage(), null, headers, retries(state), waited(state),
        false, null, ambiguity);
  }

  /** A service error: its message and code word read from the body. */
  static <T> CosmosResult<T> serviceError(int status, byte[] raw, Map<String, String> headers,
      RetryPolicy.State state, boolean uncertain, String ambiguity) {
    JsonElement body = Json.parseOrNull(raw);
    return new CosmosResult<>(status, null, ServiceError.message(status, body, raw),
        Json.stringMember(body, "code"), headers, retries(state), waited(state), uncertain, null,
        ambiguity);
  }

  /**
   * A write whose outcome stays unknown after a resend: code 0 (no definite answer), uncertain,
   * so that the resend's own 409, 412 or 404 is never mistaken for the outcome.
   */
  static <T> CosmosResult<T> unsettled(int status, byte[] raw, Map<String, String> headers,
      RetryPolicy.State state, String ambiguity) {
    JsonElement body = Json.parseOrNull(raw);
    String message = status < 400 ? null : ServiceError.message(status, body, raw);
    String error = "no definite answer: the last attempt answered " + status
        + (message == null || message.isEmpty() ? "" : " (" + message + ")");
    return new CosmosResult<>(0, null, error, Json.stringMember(body, "code"), headers,
        retries(state), waited(state), true, null, ambiguity);
  }

  /** No answer at all: code 0, {@code why} as the error. */
  static <T> CosmosResult<T> noResponse(String why, Throwable cause, RetryPolicy.State state,
      boolean uncertain, String ambiguity) {
    return new CosmosResult<>(0, null, why, null, Map.of(), retries(state), waited(state),
        uncertain, cause, ambiguity);
  }

  /** Nothing was sent: code 0, {@code why} as the error (an invalid bulk item, closed client). */
  static <T> CosmosResult<T> notSent(String why, Throwable cause) {
    return new CosmosResult<>(0, null, why, null, Map.of(), 0, Duration.ZERO, false, cause,
        null);
  }

  /** The same result with another error message (explaining a service refusal). */
  static <T> CosmosResult<T> withError(CosmosResult<T> result, String error) {
    return new CosmosResult<>(result.code(), null, error, result.serviceCode(), result.headers(),
        result.retryCount(), result.retryWait(), result.isUncertain(), result.cause(),
        result.ambiguity());
  }

  /** The same result without its data (for an operation whose data is another type). */
  static <U> CosmosResult<U> withoutData(CosmosResult<?> result) {
    return new CosmosResult<>(result.code(), null, result.error(), result.serviceCode(),
        result.headers(), result.retryCount(), result.retryWait(), result.isUncertain(),
        result.cause(), result.ambiguity());
  }

  /**
   * One item's part of a failure several items share (a readDocuments group query): its code,
   * error and cause, these headers, no data; its retries and wait only when {@code counted}, so
   * that summing the parts counts them once.
   */
  static <U> CosmosResult<U> partOf(CosmosResult<?> result, Map<String, String> headers,
      boolean counted) {
    return new CosmosResult<>(result.code(), null, result.error(), result.serviceCode(), headers,
        counted ? result.retryCount() : 0, counted ? result.retryWait() : Duration.ZERO,
        result.isUncertain(), result.cause(), result.ambiguity());
  }

  /** The same successful result with other data (read from its body and headers). */
  static <U> CosmosResult<U> withData(CosmosResult<?> result, U data) {
    return new CosmosResult<>(result.code(), data, result.error(), result.serviceCode(),
        result.headers(), result.retryCount(), result.retryWait(), result.isUncertain(),
        result.cause(), result.ambiguity());
  }

  /**
   * A failure the client concludes from a successful answer (no offer in an offers query):
   * {@code code} and {@code serviceCode} as the service would say it, the answer's headers.
   */
  static <U> CosmosResult<U> concluded(int code, String serviceCode, String error,
      CosmosResult<?> answer) {
    return new CosmosResult<>(code, null, error, serviceCode, answer.headers(),
        answer.retryCount(), answer.retryWait(), false, null, null);
  }

  /** A result of several requests (pages, a read-back): the last one's code, these parts. */
  static <T> CosmosResult<T> combined(int code, T data, Map<String, String> headers, int retries,
      Duration waited, String ambiguity) {
    return new CosmosResult<>(code, data, null, null, headers, retries, waited, false, null,
        ambiguity);
  }

  /**
   * A transactional batch that did not commit: the failing operation's status, substatus and
   * message, the per-operation results kept as data (the others 424).
   */
  static <T> CosmosResult<T> batchFailed(CosmosResult<T> answered, int index,
      CosmosResult<?> failing) {
    Map<String, String> headers = new HeaderMap.Builder(answered.headers().size() + 1)
        .putAll(answered.headers()).put("x-ms-substatus", failing.header("x-ms-substatus"))
        .build();
    return new CosmosResult<>(failing.code(), answered.data(), "operation " + index
        + " failed with " + failing.code() + " (" + failing.error() + "); nothing was applied",
        failing.serviceCode(), headers, answered.retryCount(), answered.retryWait(), false, null,
        null);
  }

  /** A result stored compactly by a multi-document write, as it was. */
  static <T> CosmosResult<T> restored(int code, T data, String error, String serviceCode,
      Map<String, String> headers, int retries, long waitedMs, boolean uncertain,
      Throwable cause, String ambiguity) {
    return new CosmosResult<>(code, data, error, serviceCode, headers, retries,
        Duration.ofMillis(waitedMs), uncertain, cause, ambiguity);
  }

  /** The exception of a failed result; {@code operation} is {@code METHOD path}. */
  static CosmosException exception(String operation, CosmosResult<?> result) {
    return new CosmosException(operation, result, result.cause());
  }

  private static int retries(RetryPolicy.State state) {
    return state == null ? 0 : state.retries;
  }

  private static Duration waited(RetryPolicy.State state) {
    return state == null ? Duration.ZERO : Duration.ofMillis(state.waitedMs);
  }
}
