package io.cosmoslite;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One logical operation, immutable: what to sign, where to send it, what to send. Every attempt
 * of it is signed afresh by {@link Exchange}.
 */
final class CosmosRequest {
  /** What kind of write this is, for deciding whether a retry after a lost response is safe. */
  enum Kind { READ, CREATE, UPSERT, REPLACE, PATCH, DELETE, QUERY, OTHER_WRITE }

  final String method;
  final String resourceType;
  /** The signed link: raw names, no leading or trailing slash. */
  final String resourceLink;
  /** The URL path, percent-encoded, no leading slash. */
  final String path;
  /** The path with raw names, for messages. */
  final String displayPath;
  final Map<String, String> headers;
  final byte[] body;
  final String contentType;
  /** {@code dbs/{db}/colls/{c}} for document-level requests (session scope); null otherwise. */
  final String containerLink;
  final Kind kind;
  /** The caller's session token for this call; wins over the container's. */
  final String sessionToken;
  /** End-to-end time limit over every attempt; null for none. */
  final Duration timeout;
  /** A read that must go to the write region (settling a write), not a read region. */
  final boolean writeRegion;

  private CosmosRequest(Builder b) {
    this.method = b.method;
    this.resourceType = b.resourceType;
    this.resourceLink = b.resourceLink;
    this.path = b.path;
    this.displayPath = b.displayPath;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.body = b.body;
    this.contentType = b.contentType;
    this.containerLink = b.containerLink;
    this.kind = b.kind;
    this.sessionToken = b.sessionToken;
    this.timeout = b.timeout;
    this.writeRegion = b.writeRegion;
  }

  /** GETs and queries: served by read regions, safe to resend, carry the session token. */
  boolean isRead() {
    return kind == Kind.READ || kind == Kind.QUERY;
  }

  /** A copy with other headers added or replaced (for continuation pages and range retries). */
  CosmosRequest withHeaders(Map<String, String> extra) {
    Builder b = toBuilder();
    b.headers.putAll(extra);
    return b.build();
  }

  Builder toBuilder() {
    Builder b = new Builder(method, kind, resourceType, new Link(resourceLink, path, displayPath));
    b.path = path;
    b.displayPath = displayPath;
    b.headers.putAll(headers);
    b.body = body;
    b.contentType = contentType;
    b.containerLink = containerLink;
    b.sessionToken = sessionToken;
    b.timeout = timeout;
    b.writeRegion = writeRegion;
    return b;
  }

  /**
   * Starts a request. {@code signed} is the resource signed; {@code feedType} non-null means the
   * URL addresses that child feed of it ({@code dbs/a/colls} signs type colls, link dbs/a).
   */
  static Builder builder(String method, Kind kind, String resourceType, Link signed) {
    return new Builder(method, kind, resourceType, signed);
  }

  static final class Builder {
    private final String method;
    private final Kind kind;
    private final String resourceType;
    private final String resourceLink;
    private String path;
    private String displayPath;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body;
    private String contentType;
    private String containerLink;
    private String sessionToken;
    private Duration timeout;
    private boolean writeRegion;

    private Builder(String method, Kind kind, String resourceType, Link signed) {
      this.method = method;
      this.kind = kind;
      this.resourceType = resourceType;
      this.resourceLink = signed.raw;
      this.path = signed.encoded;
      this.displayPath = signed.display;
    }

    /** The URL addresses the child feed {@code type} of the signed link. */
    Builder feed(String type) {
      path = path.isEmpty() ? type : path + "/" + type;
      displayPath = displayPath.isEmpty() ? type : displayPath + "/" + type;
      return this;
    }

    Builder header(String name, String value) {
      if (value != null) {
        headers.put(name, value);
      }
      return this;
    }

    Builder body(byte[] body, String contentType) {
      this.body = body;
      this.contentType = contentType;
      return this;
    }

    Builder container(String containerLink) {
      this.containerLink = containerLink;
      return this;
    }

    Builder sessionToken(String sessionToken) {
      this.sessionToken = sessionToken;
      return this;
    }

    Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    Builder writeRegion() {
      this.writeRegion = true;
      return this;
    }

    CosmosRequest build() {
      return new CosmosRequest(this);
    }
  }

  /** A resource link in its three spellings: signed (raw), URL (encoded) and for messages. */
  static final class Link {
    static final Link ROOT = new Link("", "", "");

    final String raw;
    final String encoded;
    final String display;

    Link(String raw, String encoded, String display) {
      this.raw = raw;
      this.encoded = encoded;
      this.display = display;
    }

    Link child(String type, String name) {
      String enc = Names.encodeSegment(name);
      return new Link(join(raw, type + "/" + name), join(encoded, type + "/" + enc),
          join(display, type + "/" + name));
    }

    private static String join(String parent, String child) {
      return parent.isEmpty() ? child : parent + "/" + child;
    }
  }
}
