package io.cosmoslite;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Produces the {@code authorization} header. The secret is held only as key bytes (or the
 * resource token) inside this object; {@link #toString()} never shows it.
 */
abstract class Auth {
  private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] MONTHS =
      {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

  /** The last formatted second; requests of the same second share its date text. */
  private static volatile DatedText lastDate = new DatedText(Long.MIN_VALUE, "");

  /**
   * RFC 1123 date ({@code Fri, 05 Jan 2024 09:03:07 GMT}): English names and a two-digit day
   * whatever the default locale. Written out by hand: a locale-aware DateTimeFormatter loads
   * locale providers and resource bundles, a noticeable part of a cold start.
   */
  static String httpDate(Instant instant) {
    long second = instant.getEpochSecond();
    DatedText last = lastDate;
    if (last.second == second) {
      return last.text;
    }
    LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
    StringBuilder text = new StringBuilder(29)
        .append(DAYS[t.getDayOfWeek().ordinal()]).append(", ");
    twoDigits(text, t.getDayOfMonth()).append(' ')
        .append(MONTHS[t.getMonthValue() - 1]).append(' ')
        .append(fourDigitYear(t.getYear())).append(' ');
    twoDigits(text, t.getHour()).append(':');
    twoDigits(text, t.getMinute()).append(':');
    twoDigits(text, t.getSecond()).append(" GMT");
    String formatted = text.toString();
    lastDate = new DatedText(second, formatted);
    return formatted;
  }

  /** RFC 1123 has four-digit years; a clock outside 1000-9999 is a caller's mistake. */
  private static int fourDigitYear(int year) {
    if (year < 1000 || year > 9999) {
      throw new IllegalArgumentException("clock year " + year + " cannot be sent in x-ms-date");
    }
    return year;
  }

  private static StringBuilder twoDigits(StringBuilder out, int value) {
    return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  private static final class DatedText {
    final long second;
    final String text;

    DatedText(long second, String text) {
      this.second = second;
      this.text = text;
    }
  }

  /** The header value for one request; called afresh for every attempt. */
  abstract String authorization(String verb, String resourceType, String resourceLink, String date);

  /**
   * The pipeline's authorize step: the header value, asynchronously, so that a credential that
   * must fetch a token first never blocks a thread. Keys and resource tokens answer at once.
   */
  java.util.concurrent.CompletableFuture<String> authorize(String verb, String resourceType,
      String resourceLink, String date) {
    return java.util.concurrent.CompletableFuture.completedFuture(
        authorization(verb, resourceType, resourceLink, date));
  }

  static Auth masterKey(String base64Key) {
    return new MasterKey(base64Key);
  }

  static Auth resourceToken(String token) {
    return new ResourceToken(token);
  }

  /** Microsoft Entra ID tokens from {@code cache}: fetched asynchronously, never blocking. */
  static Auth entraId(TokenCache cache) {
    return new EntraId(cache);
  }

  /**
   * After a 401 to a request sent with {@code sent}: whether a fresh credential is worth one
   * resend. Keys and resource tokens do not change, so never.
   */
  boolean refreshAfterUnauthorized(String sent) {
    return false;
  }

  /** {@code type=aad&ver=1.0&sig=<token>}, the token cached per scope and refreshed ahead. */
  static final class EntraId extends Auth {
    private final TokenCache cache;

    EntraId(TokenCache cache) {
      this.cache = cache;
    }

    @Override String authorization(String verb, String resourceType, String resourceLink,
        String date) {
      throw new UnsupportedOperationException("Entra ID tokens are fetched asynchronously");
    }

    @Override java.util.concurrent.CompletableFuture<String> authorize(String verb,
        String resourceType, String resourceLink, String date) {
      return cache.authorizationHeader();
    }

    @Override boolean refreshAfterUnauthorized(String sent) {
      return cache.invalidate(sent);
    }
  }

  @Override public String toString() {
    return getClass().getSimpleName() + "[redacted]";
  }

  /** HMAC-SHA256 over the documented string-to-sign with the base64-decoded master key. */
  static final class MasterKey extends Auth {
    private final ThreadLocal<Mac> macs;

    MasterKey(String base64Key) {
      byte[] keyBytes;
      try {
        keyBytes = Base64.getDecoder().decode(base64Key.trim());
      } catch (IllegalArgumentException e) {
        // The key itself is never echoed.
        throw new IllegalArgumentException("key is not valid base64");
      }
      if (keyBytes.length == 0) {
        throw new IllegalArgumentException("key is empty");
      }
      SecretKeySpec spec = new SecretKeySpec(keyBytes, "HmacSHA256");
      this.macs = ThreadLocal.withInitial(() -> newMac(spec));
      newMac(spec); // fail now, not on the first request
    }

    private static Mac newMac(SecretKeySpec spec) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(spec);
        return mac;
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    }

    @Override String authorization(String verb, String resourceType, String resourceLink,
        String date) {
      String payload = verb.toLowerCase(Locale.ROOT) + '\n'
          + resourceType.toLowerCase(Locale.ROOT) + '\n'
          + resourceLink + '\n'
          + date.toLowerCase(Locale.ROOT) + '\n'
          + '\n';
      Mac mac = macs.get();
      byte[] digest = mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
      return MASTER_PREFIX + encodeBase64(Base64.getEncoder().encodeToString(digest));
    }
  }

  /** URL-encoded {@code type=master&ver=1.0&sig=}. */
  private static final String MASTER_PREFIX = "type%3Dmaster%26ver%3D1.0%26sig%3D";

  /**
   * URL-encodes base64 text: only {@code +}, {@code /} and {@code =} need it. Cheaper than
   * {@code URLEncoder} on every request, and identical for this alphabet.
   */
  static String encodeBase64(String base64) {
    StringBuilder out = new StringBuilder(base64.length() + 12);
    for (int i = 0; i < base64.length(); i++) {
      char c = base64.charAt(i);
      if (c == '+') {
        out.append("%2B");
      } else if (c == '/') {
        out.append("%2F");
      } else if (c == '=') {
        out.append("%3D");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A resource token from a permission, sent as it is (URL-encoded unless it already is). */
  static final class ResourceToken extends Auth {
    private final String header;

    ResourceToken(String token) {
      String trimmed = Names.headerValue(token.trim(), "resourceToken");
      this.header = trimmed.contains("%")
          ? trimmed : URLEncoder.encode(trimmed, StandardCharsets.UTF_8);
    }

    @Override String authorization(String verb, String resourceType, String resourceLink,
        String date) {
      return header;
    }
  }

  static Auth resourceTokens(Map<String, String> tokensByLink) {
    return new ResourceTokens(tokensByLink);
  }

  /**
   * Resource tokens per resource link: a request is sent with the token whose link is the
   * longest prefix (whole segments) of the request's signed link. The account read ({@code ""})
   * takes any token; a request no token covers is not sent.
   */
  static final class ResourceTokens extends Auth {
    /** Links without slashes at either end, longest first; headers in the same order. */
    private final List<String> links = new ArrayList<>();
    private final List<String> headers = new ArrayList<>();

    ResourceTokens(Map<String, String> tokensByLink) {
      List<Map.Entry<String, String>> entries = new ArrayList<>();
      for (Map.Entry<String, String> e : tokensByLink.entrySet()) {
        entries.add(Map.entry(trimLink(e.getKey()), e.getValue()));
      }
      entries.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length()));
      for (Map.Entry<String, String> e : entries) {
        links.add(e.getKey());
        headers.add(new ResourceToken(e.getValue()).header);
      }
    }

    static String trimLink(String link) {
      int start = 0;
      int end = link.length();
      while (start < end && link.charAt(start) == '/') {
        start++;
      }
      while (end > start && link.charAt(end - 1) == '/') {
        end--;
      }
      return link.substring(start, end);
    }

    @Override String authorization(String verb, String resourceType, String resourceLink,
        String date) {
      for (int i = 0; i < links.size(); i++) {
        String link = links.get(i);
        if (resourceLink.equals(link) || resourceLink.startsWith(link + "/")) {
          return headers.get(i);
        }
      }
      if (resourceLink.isEmpty()) {
        return headers.get(0);
      }
      throw new IllegalStateException("no resource token covers " + resourceLink
          + " (tokens are given for " + links + ")");
    }
  }
}
