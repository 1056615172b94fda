"use strict";
// Users, permissions and the resource tokens cosmos-local issues and verifies, written from
// shared/docs/cosmos-rest.md "Users and permissions" and "Resource tokens".
//
// A permission grants a user Read or All on one resource (a container, or something in it),
// optionally on one logical partition only. Every read or write of a permission answers a fresh
// resource token in `_token`: `type=resource&ver=1.0&sig=<payload>.<mac>`, where payload is the
// base64url JSON {p: permission _rid, r: resource link, m: mode, k: partition key, e: expiry
// (seconds since the epoch)} and mac the HMAC-SHA256 of the payload with the server's master key.
// A request signed with such a token passes only when the mac is right, it has not expired, the
// permission still exists with that resource, mode and key, and the request stays inside what it
// grants (401 for the first three, 403 for the last).

const crypto = require("crypto");
const { HttpError } = require("./errors");

const DEFAULT_EXPIRY_SECONDS = 3600;
const MAX_EXPIRY_SECONDS = 18000;
const MODES = new Set(["Read", "All"]);
const ID_PATTERN = /^[^/\\#?]+$/;
const FORBIDDEN =
  "Insufficient permissions provided in the authorization header for the corresponding request. " +
  "Please retry with another authorization header.";

function header(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isTrue(v) {
  return typeof v === "string" && v.trim().toLowerCase() === "true";
}

function b64url(buf) {
  return Buffer.from(buf).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function newRid() {
  return crypto.randomBytes(6).toString("base64");
}

function now() {
  return Math.floor(Date.now() / 1000);
}

function etag() {
  return `"${crypto.randomUUID()}"`;
}

/** The key of a resource link without slashes at either end. */
function trimLink(link) {
  return String(link).replace(/^\/+|\/+$/g, "");
}

/**
 * `masterKey()` gives the server's current master key (tokens are signed with it);
 * `databaseExists(id)` says whether a database exists.
 */
function createUserStore({ masterKey, databaseExists }) {
  // database id -> Map(user id -> { user, permissions: Map(id -> permission) })
  const databases = new Map();

  function usersOf(dbId, create) {
    let users = databases.get(dbId);
    if (!users && create) {
      users = new Map();
      databases.set(dbId, users);
    }
    return users || new Map();
  }

  function requireDatabase(dbId) {
    if (!databaseExists(dbId)) {
      throw new HttpError(404, `Database 'dbs/${dbId}' does not exist.`);
    }
  }

  function findUser(dbId, userId) {
    requireDatabase(dbId);
    const entry = usersOf(dbId, false).get(userId);
    if (!entry) throw new HttpError(404, `User 'dbs/${dbId}/users/${userId}' does not exist.`);
    return entry;
  }

  function checkId(body, what) {
    if (!body || typeof body !== "object" || typeof body.id !== "string" || !body.id || !ID_PATTERN.test(body.id)) {
      throw new HttpError(400, `The ${what} needs a string 'id' without '/', '\\', '#' or '?'.`);
    }
  }

  function userView(dbId, entry) {
    return { ...entry.user, _permissions: "permissions/" };
  }

  function expiryFrom(headers) {
    const text = header(headers, "x-ms-documentdb-expiry-seconds");
    if (text === undefined) return DEFAULT_EXPIRY_SECONDS;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > MAX_EXPIRY_SECONDS) {
      throw new HttpError(400, `x-ms-documentdb-expiry-seconds must be 1..${MAX_EXPIRY_SECONDS}, got '${text}'.`);
    }
    return n;
  }

  function mint(permission, seconds) {
    const payload = { p: permission._rid, r: permission.resource, m: permission.permissionMode, e: now() + seconds };
    if (permission.resourcePartitionKey !== undefined) payload.k = permission.resourcePartitionKey;
    const text = b64url(JSON.stringify(payload));
    const mac = b64url(crypto.createHmac("sha256", Buffer.from(masterKey(), "base64")).update(text).digest());
    return `type=resource&ver=1.0&sig=${text}.${mac}`;
  }

  function permissionView(permission, headers) {
    return { ...permission, _token: mint(permission, expiryFrom(headers)) };
  }

  function checkPermission(body, dbId) {
    checkId(body, "permission");
    if (!MODES.has(body.permissionMode)) {
      throw new HttpError(400, `The permission's permissionMode must be 'Read' or 'All', got '${body.permissionMode}'.`);
    }
    if (typeof body.resource !== "string") {
      throw new HttpError(400, "The permission needs a 'resource' link, e.g. dbs/{db}/colls/{container}.");
    }
    const resource = trimLink(body.resource);
    const parts = resource.split("/");
    if (parts.length < 4 || parts.length % 2 !== 0 || parts[0] !== "dbs" || parts[1] !== dbId || parts[2] !== "colls") {
      throw new HttpError(400, `The permission's resource must be a container of database '${dbId}' or a resource in it (dbs/${dbId}/colls/{container}[/...]), got '${body.resource}'.`);
    }
    const key = body.resourcePartitionKey;
    if (key !== undefined && key !== null && !Array.isArray(key)) {
      throw new HttpError(400, "The permission's resourcePartitionKey must be a JSON array, e.g. [\"tenant-1\"].");
    }
    return { resource, key: key === null ? undefined : key };
  }

  function writePermission(entry, dbId, userId, body, existing) {
    const { resource, key } = checkPermission(body, dbId);
    for (const other of entry.permissions.values()) {
      if (other !== existing && other.resource === resource) {
        throw new HttpError(409, `User '${userId}' already has permission '${other.id}' on '${resource}'.`);
      }
    }
    const permission = {
      id: body.id,
      permissionMode: body.permissionMode,
      resource,
      ...(key !== undefined ? { resourcePartitionKey: key } : {}),
      _rid: existing ? existing._rid : newRid(),
      _self: `dbs/${dbId}/users/${userId}/permissions/${body.id}`,
      _etag: etag(),
      _ts: now()
    };
    return permission;
  }

  function list(key, items, rid) {
    return { _rid: rid || "", [key]: items, _count: items.length };
  }

  /** Answers a users or permissions request, or returns null when it is not one. */
  function handle(method, segments, body, headers) {
    if (segments[0] !== "dbs" || segments[2] !== "users" || segments.length < 3) return null;
    const dbId = segments[1];
    const n = segments.length;
    if (n === 3) {
      requireDatabase(dbId);
      const users = usersOf(dbId, true);
      if (method === "GET") return { status: 200, body: list("Users", [...users.values()].map(e => userView(dbId, e))) };
      if (method === "POST") {
        if (isTrue(header(headers, "x-ms-documentdb-isquery"))) {
          throw new HttpError(400, "cosmos-local does not query users; list them with GET.");
        }
        checkId(body, "user");
        if (users.has(body.id)) throw new HttpError(409, `User '${body.id}' already exists in database '${dbId}'.`);
        const user = { id: body.id, _rid: newRid(), _self: `dbs/${dbId}/users/${body.id}`, _etag: etag(), _ts: now() };
        const entry = { user, permissions: new Map() };
        users.set(body.id, entry);
        return { status: 201, body: userView(dbId, entry) };
      }
      throw new HttpError(405, `${method} is not allowed on a users feed.`);
    }
    const userId = segments[3];
    if (n === 4) {
      const entry = findUser(dbId, userId);
      const users = usersOf(dbId, true);
      if (method === "GET") return { status: 200, body: userView(dbId, entry) };
      if (method === "DELETE") {
        users.delete(userId);
        return { status: 204, body: undefined };
      }
      if (method === "PUT") {
        checkId(body, "user");
        if (body.id !== userId && users.has(body.id)) {
          throw new HttpError(409, `User '${body.id}' already exists in database '${dbId}'.`);
        }
        users.delete(userId);
        entry.user = { ...entry.user, id: body.id, _self: `dbs/${dbId}/users/${body.id}`, _etag: etag(), _ts: now() };
        for (const p of entry.permissions.values()) p._self = `dbs/${dbId}/users/${body.id}/permissions/${p.id}`;
        users.set(body.id, entry);
        return { status: 200, body: userView(dbId, entry) };
      }
      throw new HttpError(405, `${method} is not allowed on a user.`);
    }
    if (segments[4] !== "permissions" || n > 6) return null;
    const entry = findUser(dbId, userId);
    if (n === 5) {
      if (method === "GET") {
        return { status: 200, body: list("Permissions", [...entry.permissions.values()].map(p => permissionView(p, headers)), entry.user._rid) };
      }
      if (method === "POST") {
        if (isTrue(header(headers, "x-ms-documentdb-isquery"))) {
          throw new HttpError(400, "cosmos-local does not query permissions; list them with GET.");
        }
        if (body && entry.permissions.has(body.id)) {
          throw new HttpError(409, `Permission '${body.id}' already exists for user '${userId}'.`);
        }
        const permission = writePermission(entry, dbId, userId, body, null);
        const view = permissionView(permission, headers);
        entry.permissions.set(permission.id, permission);
        return { status: 201, body: view };
      }
      throw new HttpError(405, `${method} is not allowed on a permissions feed.`);
    }
    const permissionId = segments[5];
    const existing = entry.permissions.get(permissionId);
    if (!existing) {
      throw new HttpError(404, `Permission 'dbs/${dbId}/users/${userId}/permissions/${permissionId}' does not exist.`);
    }
    if (method === "GET") return { status: 200, body: permissionView(existing, headers) };
    if (method === "DELETE") {
      entry.permissions.delete(permissionId);
      return { status: 204, body: undefined };
    }
    if (method === "PUT") {
      if (body && body.id !== permissionId && entry.permissions.has(body.id)) {
        throw new HttpError(409, `Permission '${body.id}' already exists for user '${userId}'.`);
      }
      const permission = writePermission(entry, dbId, userId, body, existing);
      const view = permissionView(permission, headers);
      entry.permissions.delete(permissionId);
      entry.permissions.set(permission.id, permission);
      return { status: 200, body: view };
    }
    throw new HttpError(405, `${method} is not allowed on a permission.`);
  }

  function dropDatabase(dbId) {
    databases.delete(dbId);
  }

  function findPermission(rid) {
    for (const users of databases.values()) {
      for (const entry of users.values()) {
        for (const p of entry.permissions.values()) if (p._rid === rid) return p;
      }
    }
    return null;
  }

  /**
   * Checks a request signed with a resource token (`sig` is the token's sig part). Returns null
   * when it may pass, a string for a 401, or {status: 403, message} when the token is valid but
   * does not grant the request. `resource` is auth.resourceFromPath of the request's path.
   */
  function verify(sig, { method, resource, headers, nowMs = Date.now() }) {
    const dot = String(sig).lastIndexOf(".");
    if (dot <= 0) return "The resource token is malformed or was not issued by this cosmos-local.";
    const text = sig.slice(0, dot);
    const mac = Buffer.from(sig.slice(dot + 1), "utf8");
    const expected = Buffer.from(b64url(crypto.createHmac("sha256", Buffer.from(masterKey(), "base64")).update(text).digest()), "utf8");
    if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) {
      return "The resource token is malformed or was not issued by this cosmos-local.";
    }
    let payload;
    try {
      payload = JSON.parse(Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
    } catch (e) {
      return "The resource token is malformed or was not issued by this cosmos-local.";
    }
    if (!payload || typeof payload.e !== "number" || payload.e * 1000 <= nowMs) {
      return "The resource token has expired; read the permission again for a fresh token.";
    }
    const permission = findPermission(payload.p);
    if (!permission || permission.resource !== payload.r || permission.permissionMode !== payload.m ||
        JSON.stringify(permission.resourcePartitionKey) !== JSON.stringify(payload.k)) {
      return "The resource token is no longer valid: its permission was deleted or replaced.";
    }
    return grants(payload, method, resource, headers);
  }

  /** null when a valid token's grant covers the request, else a 403. */
  function grants(grant, method, resource, headers) {
    const { segments, type, link } = resource;
    // The account read needs no grant: clients read it first, whatever they are allowed.
    if (segments.length === 0) return method === "GET" ? null : { status: 403, message: FORBIDDEN };
    const inside = link === grant.r || link.startsWith(`${grant.r}/`);
    if (!inside) {
      return { status: 403, message: `${FORBIDDEN} The token grants '${grant.r}' only, not '${link}'.` };
    }
    const isDocs = type === "docs";
    const feedQuery = method === "POST" && segments.length % 2 === 1 &&
      (isTrue(header(headers, "x-ms-documentdb-isquery")) || /query\+json/i.test(header(headers, "content-type") || ""));
    const reads = method === "GET" || method === "HEAD" || feedQuery;
    if (!reads && grant.m !== "All") {
      return { status: 403, message: `${FORBIDDEN} The token grants Read on '${grant.r}'; ${method} needs All.` };
    }
    // A container-level link (its definition, its ranges) carries no partition: readable with any
    // token on the container; writing the container's definition is not a document operation.
    if (!isDocs && segments.length <= 4) {
      return reads ? null : { status: 403, message: `${FORBIDDEN} A resource token cannot change '${link}'.` };
    }
    if (grant.k !== undefined && isDocs) {
      const sent = header(headers, "x-ms-documentdb-partitionkey");
      let same = false;
      try {
        same = sent !== undefined && JSON.stringify(JSON.parse(sent)) === JSON.stringify(grant.k);
      } catch (e) {
        same = false;
      }
      if (!same) {
        return {
          status: 403,
          message: `${FORBIDDEN} The token grants partition key ${JSON.stringify(grant.k)} only, the request ` +
            (sent === undefined ? "names none." : `names ${sent}.`)
        };
      }
    }
    return null;
  }

  return { handle, verify, dropDatabase };
}

module.exports = { createUserStore, FORBIDDEN, DEFAULT_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS };
