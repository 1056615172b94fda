package io.cosmoslite;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One logical operation, immutable and free of I/O: what to sign, where to send it, what to
 * send, and how the pipeline must treat it. Built by the request factories ({@link Databases},
 * {@link Containers}, {@link Documents}, {@link Feeds}); every attempt of it is signed afresh by
 * {@link Pipeline}.
 */
final class CosmosRequest {
  /** Which endpoint serves the request. */
  enum Route {
    /** The first readable region (reads, queries, feeds). */
    READ_REGION,
    /** The first write region (writes; reads that must see a write that just landed). */
    WRITE_REGION,
    /** The configured (global) endpoint: account reads, which must work whatever regions do. */
    GLOBAL
  }

  /**
   * How a write one of whose attempts went unanswered (lost response, 408, 503, 410) is settled.
   * Idempotent requests need none: they are simply resent.
   */
  enum Settlement {
    /** Resending is harmless: reads, queries, account and feed reads. */
    IDEMPOTENT,
    /** A create: resend; a 409 on the resend is checked by reading the document back. */
    READ_BACK_ON_CONFLICT,
    /** Upsert or replace: resend (the same content twice is the same content); 412 read back. */
    SAME_CONTENT,
    /** A delete: resend; a 404 on the resend stays a 404, marked uncertain. */
    DELETE,
    /** Never resent when its outcome is unknown (patch, batch, scripts, management writes). */
    NEVER_RESEND
  }

  final String method;
  final String resourceType;
  /** The signed link: raw names, no leading or trailing slash. */
  final String resourceLink;
  /** The URL path, percent-encoded, no leading slash. */
  final String path;
  /** The path with raw names, for messages and logs. */
  final String displayPath;
  final Map<String, String> headers;
  final byte[] body;
  final String contentType;
  final Route route;
  final Settlement settlement;
  /**
   * {@code dbs/{db}/colls/{c}} whose session tokens this request's responses update; null for
   * requests outside any container (accounts, databases, container management).
   */
  final String sessionScope;
  /** Whether the container's session token is sent (reads at session consistency). */
  final boolean sendsSessionToken;
  /** The caller's session token for this call only: sent instead of the client's, never kept. */
  final String callerSessionToken;
  /** The logical partition a document request or scoped query addresses, or null. */
  final PartitionKey partitionKey;
  /** End-to-end time limit over every attempt; null for none. */
  final Duration timeout;

  private CosmosRequest(Builder b) {
    this.method = b.method;
    this.resourceType = b.resourceType;
    this.resourceLink = b.resourceLink;
    this.path = b.path;
    this.displayPath = b.displayPath;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.body = b.body;
    this.contentType = b.contentType;
    this.route = b.route;
    this.settlement = b.settlement;
    this.sessionScope = b.sessionScope;
    this.sendsSessionToken = b.sendsSessionToken;
    this.callerSessionToken = b.callerSessionToken;
    this.partitionKey = b.partitionKey;
    this.timeout = b.timeout;
  }

  /** True when resending it can change nothing. */
  boolean idempotent() {
    return settlement == Settlement.IDEMPOTENT;
  }

  /** {@code METHOD path}, for messages. */
  String operation() {
    return method + " " + displayPath;
  }

  /** A copy with other headers added or replaced (for continuation pages and range retries). */
  CosmosRequest withHeaders(Map<String, String> extra) {
    Builder b = toBuilder();
    b.headers.putAll(extra);
    return b.build();
  }

  Builder toBuilder() {
    Builder b = new Builder(method, resourceType, new Link(resourceLink, path, displayPath));
    b.headers.putAll(headers);
    b.body = body;
    b.contentType = contentType;
    b.route = route;
    b.settlement = settlement;
    b.sessionScope = sessionScope;
    b.sendsSessionToken = sendsSessionToken;
    b.callerSessionToken = callerSessionToken;
    b.partitionKey = partitionKey;
    b.timeout = timeout;
    return b;
  }

  /**
   * Starts a request on the signed resource {@code signed}. Its route and settlement default
   * from the method: GET goes to the read region and is idempotent, anything else goes to the
   * write region and is never resent when its outcome is unknown.
   */
  static Builder builder(String method, String resourceType, Link signed) {
    return new Builder(method, resourceType, signed);
  }

  static final class Builder {
    private final String method;
    private final String resourceType;
    private final String resourceLink;
    private String path;
    private String displayPath;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body;
    private String contentType;
    private Route route;
    private Settlement settlement;
    private String sessionScope;
    private boolean sendsSessionToken;
    private String callerSessionToken;
    private PartitionKey partitionKey;
    private Duration timeout;

    private Builder(String method, String resourceType, Link signed) {
      this.method = method;
      this.resourceType = resourceType;
      this.resourceLink = signed.raw;
      this.path = signed.encoded;
      this.displayPath = signed.display;
      boolean get = "GET".equals(method);
      this.route = get ? Route.READ_REGION : Route.WRITE_REGION;
      this.settlement = get ? Settlement.IDEMPOTENT : Settlement.NEVER_RESEND;
    }

    /** The URL addresses the child feed {@code type} of the signed link. */
    Builder feed(String type) {
      path = path.isEmpty() ? type : path + "/" + type;
      displayPath = displayPath.isEmpty() ? type : displayPath + "/" + type;
      return this;
    }

    /** Adds a header; a null value adds nothing. */
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

    Builder route(Route route) {
      this.route = route;
      return this;
    }

    Builder settlement(Settlement settlement) {
      this.settlement = settlement;
      return this;
    }

    /** Responses update the session tokens of {@code containerLink}. */
    Builder sessionScope(String containerLink) {
      this.sessionScope = containerLink;
      return this;
    }

    /** Sends the container's (or the caller's) session token: reads at session consistency. */
    Builder sendsSessionToken(boolean sends) {
      this.sendsSessionToken = sends;
      return this;
    }

    /** The logical partition addressed: its key header, and the range its session token is of. */
    Builder partitionKey(PartitionKey key) {
      this.partitionKey = key;
      return header("x-ms-documentdb-partitionkey", key.header());
    }

    Builder callerSessionToken(String sessionToken) {
      this.callerSessionToken = sessionToken;
      return this;
    }

    Builder timeout(Duration timeout) {
      this.timeout = timeout;
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
