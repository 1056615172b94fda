package io.cosmoslite;

import java.time.Duration;

/**
 * A failed call, when the client raises on failure (the default). It carries the same
 * {@link CosmosResult} the call would otherwise have completed with, and reads like
 * {@code POST dbs/shop/colls/orders/docs -> 409 Conflict: Entity with the specified id already
 * exists}. A failure without a response has status 0 and the transport error as its cause. The
 * message never contains the key or the {@code authorization} header.
 */
public class CosmosException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient CosmosResult<?> result;
  // Kept outside the (transient) result so a deserialised exception still says what failed.
  private final int code;
  private final int subStatus;
  private final String error;
  private final String serviceCode;
  private final String activityId;

  /**
   * Creates an exception for a failed result.
   *
   * @param operation the method and path, e.g. {@code POST dbs/shop/colls/orders/docs}
   * @param result the failed result
   * @param cause the transport error when there was no response, else null
   */
  public CosmosException(String operation, CosmosResult<?> result, Throwable cause) {
    super(message(operation, result), cause);
    this.result = result;
    this.code = result.code();
    this.subStatus = result.subStatus();
    this.error = result.error();
    this.serviceCode = result.serviceCode();
    this.activityId = result.activityId();
  }

  static String message(String operation, CosmosResult<?> result) {
    StringBuilder out = new StringBuilder(operation).append(" -> ");
    if (result.code() == 0) {
      out.append("no response");
    } else {
      out.append(result.code()).append(' ').append(reason(result.code()));
      if (result.subStatus() != 0) {
        out.append(" (substatus ").append(result.subStatus()).append(')');
      }
    }
    if (result.error() != null && !result.error().isEmpty()) {
      out.append(": ").append(result.error());
    }
    if (result.activityId() != null) {
      out.append(" [activity id ").append(result.activityId()).append(']');
    }
    return out.toString();
  }

  /** The failed result (null after deserialisation: the typed accessors still answer). */
  public CosmosResult<?> result() {
    return result;
  }

  /** The HTTP status, 0 when no response arrived; as {@link CosmosResult#code()}. */
  public int code() {
    return code;
  }

  /** The {@code x-ms-substatus}, 0 when absent; as {@link CosmosResult#subStatus()}. */
  public int subStatus() {
    return subStatus;
  }

  /** The service's message, or why no response arrived; as {@link CosmosResult#error()}. */
  public String error() {
    return error;
  }

  /** The service's error code word (e.g. {@code Conflict}); as {@link CosmosResult#serviceCode()}. */
  public String serviceCode() {
    return serviceCode;
  }

  /** The service's activity id, for support requests; null when absent. */
  public String activityId() {
    return activityId;
  }

  /** Request units charged by the final attempt; 0 after deserialisation. */
  public double requestCharge() {
    return result == null ? 0 : result.requestCharge();
  }

  /** The service's wait hint of the final attempt, or null. */
  public Duration retryAfter() {
    return result == null ? null : result.retryAfter();
  }

  static String reason(int code) {
    switch (code) {
      case 200: return "OK";
      case 201: return "Created";
      case 204: return "No Content";
      case 304: return "Not Modified";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 408: return "Request Timeout";
      case 409: return "Conflict";
      case 410: return "Gone";
      case 412: return "Precondition Failed";
      case 413: return "Request Entity Too Large";
      case 423: return "Locked";
      case 424: return "Failed Dependency";
      case 429: return "Too Many Requests";
      case 449: return "Retry With";
      case 500: return "Internal Server Error";
      case 503: return "Service Unavailable";
      default: return code >= 500 ? "Server Error" : code >= 400 ? "Client Error" : "";
    }
  }
}
