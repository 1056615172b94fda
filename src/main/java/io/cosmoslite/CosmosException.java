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

  /** The failed result, with every header of the last response. */
  public CosmosResult<?> result() {
    return result;
  }

  /** The HTTP status, or 0 when no response arrived. */
  public int statusCode() {
    return result.code();
  }

  /** The {@code x-ms-substatus}, or 0. */
  public int subStatusCode() {
    return result.subStatus();
  }

  /** The service's {@code x-ms-activity-id}, or null. */
  public String activityId() {
    return result.activityId();
  }

  /** Request units charged by the last attempt. */
  public double requestCharge() {
    return result.requestCharge();
  }

  /** The service's retry hint ({@code x-ms-retry-after-ms}) of the last response, or null. */
  public Duration retryAfter() {
    return result.retryAfter();
  }

  /** The service's message, or why no response arrived. */
  public String serviceMessage() {
    return result.error();
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
