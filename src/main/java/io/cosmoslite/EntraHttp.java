package io.cosmoslite;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** What the built-in credentials share: the HTTP client, argument checks, token responses. */
final class EntraHttp {
  static final URI DEFAULT_AUTHORITY = URI.create("https://login.microsoftonline.com/");
  static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  private EntraHttp() {}

  private static final class Shared {
    static final HttpClient CLIENT = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** One HTTP client for every built-in credential that is not given one. */
  static HttpClient sharedClient() {
    return Shared.CLIENT;
  }

  static String requireText(String value, String name) {
    Objects.requireNonNull(value, name + " == null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " is blank");
    }
    return value;
  }

  /**
   * An authority host as a URI ending in {@code /}. Only {@code https}: a token request carries a
   * secret or an assertion.
   */
  static URI authority(String text, String name) {
    requireText(text, name);
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a URI: " + e.getMessage());
    }
    return authority(uri, name);
  }

  static URI authority(URI uri, String name) {
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(name + " must be an https URI with a host, got '"
          + uri.getScheme() + "://" + uri.getRawAuthority() + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(name + " must not have user info, a query or a fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return path.endsWith("/") ? uri : URI.create(uri.toString() + "/");
  }

  /** A tenant id or name as it may appear in a URL path. */
  static String tenant(String tenantId) {
    requireText(tenantId, "tenantId");
    if (!tenantId.matches("[A-Za-z0-9.\\-_]+")) {
      throw new IllegalArgumentException(
          "tenantId may hold letters, digits, '.', '-' and '_' only");
    }
    return tenantId;
  }

  /** The one scope of a request; the built-in credentials ask for one resource at a time. */
  static String singleScope(List<String> scopes) {
    Objects.requireNonNull(scopes, "scopes == null");
    if (scopes.size() != 1 || scopes.get(0) == null || scopes.get(0).isBlank()) {
      throw new IllegalArgumentException("exactly one non-blank scope is needed, got "
          + scopes.size());
    }
    return scopes.get(0);
  }

  /** The resource of a {@code .default} scope: {@code https://host/.default} -> https://host. */
  static String resource(String scope) {
    return scope.endsWith("/.default") ? scope.substring(0, scope.length() - 9) : scope;
  }

  static String form(Map<String, String> fields) {
    StringJoiner out = new StringJoiner("&");
    for (Map.Entry<String, String> e : fields.entrySet()) {
      out.add(encode(e.getKey()) + "=" + encode(e.getValue()));
    }
    return out.toString();
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /**
   * Sends a token request and reads an OAuth-style answer ({@code access_token} with
   * {@code expires_in} or {@code expires_on}). {@code what} names the credential in messages.
   * Connection failures are "unavailable" (a chain moves on); an error answer is not, except the
   * statuses in {@code unavailableStatuses}.
   */
  static CompletableFuture<AccessToken> requestToken(HttpClient http, HttpRequest request,
      String what, Clock clock, boolean unreachableIsUnavailable, int... unavailableStatuses) {
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new CredentialException(what + ": cannot send the token request: " + e, false));
    }
    return sent.handle((response, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        throw new CredentialException(what + ": " + request.uri().getHost()
            + " did not answer (" + cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")",
            unreachableIsUnavailable);
      }
      int status = response.statusCode();
      JsonObject body = parseObject(response.body());
      if (status != 200) {
        boolean unavailable = false;
        for (int s : unavailableStatuses) {
          unavailable |= s == status;
        }
        throw new CredentialException(what + ": HTTP " + status + errorText(body), unavailable);
      }
      return token(body, what, clock);
    });
  }

  /** The token of a successful JSON answer. */
  static AccessToken token(JsonObject body, String what, Clock clock) {
    String token = body == null ? null : string(body, "access_token");
    if (token == null || token.isEmpty()) {
      throw new CredentialException(what + ": the answer has no access_token", false);
    }
    Long expiresOn = number(body, "expires_on");
    if (expiresOn != null) {
      return new AccessToken(token, Instant.ofEpochSecond(expiresOn));
    }
    Long expiresIn = number(body, "expires_in");
    if (expiresIn != null) {
      return new AccessToken(token, clock.instant().plusSeconds(expiresIn));
    }
    throw new CredentialException(what + ": the answer has neither expires_on nor expires_in",
        false);
  }

  /** " (error: description first line)" for an OAuth error answer, or "". */
  static String errorText(JsonObject body) {
    if (body == null) {
      return "";
    }
    String error = string(body, "error");
    String description = string(body, "error_description");
    if (description == null && body.get("error") instanceof JsonObject) {
      // Managed identity endpoints answer {"error": {"code": ..., "message": ...}} sometimes.
      JsonObject inner = body.getAsJsonObject("error");
      error = string(inner, "code");
      description = string(inner, "message");
    }
    if (error == null && description == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(" (");
    if (error != null) {
      out.append(error);
    }
    if (description != null) {
      int end = description.indexOf('\n');
      String first = (end < 0 ? description : description.substring(0, end)).trim();
      if (first.length() > 300) {
        first = first.substring(0, 300) + "...";
      }
      out.append(error != null ? ": " : "").append(first);
    }
    return out.append(')').toString();
  }

  static JsonObject parseObject(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      JsonElement parsed = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
      return parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
    } catch (JsonParseException e) {
      return null;
    }
  }

  static String string(JsonObject body, String name) {
    JsonElement e = body.get(name);
    return e instanceof JsonPrimitive ? e.getAsString() : null;
  }

  /** A number that may be sent as a JSON number or as a string of digits. */
  static Long number(JsonObject body, String name) {
    String text = string(body, name);
    if (text == null) {
      return null;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      try {
        return (long) Double.parseDouble(text.trim());
      } catch (NumberFormatException again) {
        return null;
      }
    }
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
