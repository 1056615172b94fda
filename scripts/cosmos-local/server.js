#!/usr/bin/env node
"use strict";
// cosmos-local: @vercel/cosmosdb-server 1.0.1 run in-process behind our own
// http/https server, with the parts of Azure behaviour our client's tests need
// (auth, session tokens, 429s, fault injection, Azure-like errors).
//
// The package's index.js only exports createHttpServer/createHttpsServer, whose
// request handler cannot be post-processed, so we use the package's own router
// and resource model (lib/routes, lib/account) directly and do the response
// framing here. Those are internal paths of exactly version 1.0.1, which is
// pinned in package.json.

const fs = require("fs");
const http = require("http");
const https = require("https");
const path = require("path");
const crypto = require("crypto");

const auth = require("./lib/auth");
const aad = require("./lib/aad");
const { ensureCertificate } = require("./lib/cert");
const { createOfferStore, throughputFromHeaders } = require("./lib/offers");
const { createUserStore } = require("./lib/users");

const Account = require("@vercel/cosmosdb-server/lib/account").default;
const route = require("@vercel/cosmosdb-server/lib/routes").default;
const packageJson = require("@vercel/cosmosdb-server/lib/json");

/**
 * What the package's handlers get as `req`: they read method, url and headers, and the body
 * only through lib/json (raw-body, then JSON.parse). processRequest has read and parsed the
 * body already, so lib/json (below) hands them that instead of a stream to read and parse again.
 */
class InnerRequest {
  constructor(req, headers, rawBody, parsedBody, parsed) {
    this.method = req.method;
    this.url = req.url;
    this.headers = headers;
    this.socket = req.socket;
    this.rawBody = rawBody;
    this.parsedBody = parsedBody;
    this.parsed = parsed;
  }
}
const readJsonBody = packageJson.default;
packageJson.default = async req => {
  if (!(req instanceof InnerRequest)) return readJsonBody(req);
  return req.parsed ? req.parsedBody : JSON.parse(req.rawBody.toString());
};

const DEFAULT_STATE_DIR = path.join(__dirname, "state");
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

const { ERROR_CODES, HttpError } = require("./lib/errors");
// CHARGES: RU charged per operation kind when --ru-per-second is set (roughly what small
// documents cost on the real service).
const { createDocumentStore, parseSessionToken, CHARGES } = require("./lib/docs");
// Stored procedures, triggers, UDFs and conflicts (lib/scripts.js).
const { createScriptStore } = require("./lib/scripts");
const SCRIPT_KINDS = new Set(["sprocs", "triggers", "udfs", "conflicts"]);

const DEFAULTS = {
  port: 8081,
  http: false,
  stateDir: process.env.COSMOS_LOCAL_STATE_DIR || DEFAULT_STATE_DIR,
  key: auth.EMULATOR_KEY,
  ruPerSecond: 0,
  dropRate: 0,
  dropMode: "before",
  seed: null,
  delayMs: 0,
  partitions: 1,
  splitAfter: 0,
  scriptTimeoutMs: 5000,
  // Queries that look documents up by id read only those documents (lib/idlookup.js); false:
  // every query reads its whole scope, as before (tests compare the two).
  idLookup: true,
  verbose: false
};

// Small deterministic PRNG (mulberry32) for --seed.
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isTrue(v) {
  const value = Array.isArray(v) ? v[0] : v;
  return typeof value === "string" && value.trim().toLowerCase() === "true";
}

function header(req, name) {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function minimalQueryPlan() {
  return {
    partitionedQueryExecutionInfoVersion: 2,
    queryInfo: {
      distinctType: "None", top: null, offset: null, limit: null, orderBy: [],
      orderByExpressions: [], groupByExpressions: [], groupByAliases: [], aggregates: [],
      groupByAliasToAggregateType: {}, rewrittenQuery: "", hasSelectValue: false,
      dCountInfo: null, hasNonStreamingOrderBy: false
    },
    queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }]
  };
}

const ITEM_KINDS = { GET: "read", PUT: "replace", PATCH: "patch", DELETE: "delete" };

/**
 * What a request is, from its method, headers and decoded path segments.
 * Mirrors the package router's precedence for POST on docs: query, upsert, batch, create.
 */
function classify(req, segments) {
  const info = { dbId: null, collId: null, docId: null, doc: null, containerScoped: false };
  if (segments[0] !== "dbs") return info;
  info.dbId = segments[1] === undefined ? null : segments[1];
  if (segments[2] !== "colls" || segments.length < 4) return info;
  info.collId = segments[3];
  if (segments.length < 5) return info;
  info.containerScoped = true;
  const method = req.method;
  if (segments[4] === "docs" && segments.length === 5) {
    if (method === "GET") info.doc = "feed";
    else if (method === "POST") {
      if (isTrue(req.headers["x-ms-documentdb-isquery"]) || header(req, "content-type") === "application/query+json") {
        info.doc = "query";
      } else if (isTrue(req.headers["x-ms-documentdb-is-upsert"])) {
        info.doc = "upsert";
      } else if (isTrue(req.headers["x-ms-cosmos-is-batch-request"])) {
        info.doc = "batch";
      } else {
        info.doc = "create";
      }
    }
  } else if (segments[4] === "docs" && segments.length === 6) {
    info.docId = segments[5];
    info.doc = ITEM_KINDS[method] || null;
  } else if (segments[4] === "pkranges" && segments.length === 5) {
    info.pkranges = true;
  } else if (SCRIPT_KINDS.has(segments[4]) && segments.length <= 6) {
    info.script = { kind: segments[4], id: segments[5] };
  }
  return info;
}

const EMPTY_BODY = Buffer.alloc(0);
const IN_FLIGHT = Symbol("cosmos-local in flight");
const WRITE_KINDS = new Set(["create", "upsert", "replace", "patch", "delete", "batch"]);
const MINIMAL_KINDS = new Set(["create", "upsert", "replace", "patch"]);

function newStats() {
  return {
    requests: 0,
    inFlight: 0,
    maxInFlight: 0,
    throttled: 0,
    dropped: 0,
    unauthorized: 0,
    sessionNotAvailable: 0,
    // document queries answered by id lookup / by reading their whole scope; of the lookups,
    // those in the plain shape answered without the package's engine
    queries: { idLookup: 0, scan: 0, withoutEngine: 0 },
    byMethod: {},
    byStatus: {},
    since: new Date().toISOString()
  };
}

/**
 * Creates (but does not start) a cosmos-local server.
 * `options` are the DEFAULTS keys; fault options can be changed on
 * `instance.options` while running (tests do).
 */
function createCosmosLocal(userOptions = {}) {
  const options = { ...DEFAULTS, ...userOptions };
  const scheme = options.http ? "http" : "https";
  let account = null;
  let actualPort = null;
  let random = options.seed === null || options.seed === undefined ? Math.random : seededRandom(Number(options.seed));
  const stats = newStats();
  const aadIssuer = aad.fromOptions(options);
  // Documents, partition-key ranges, LSNs and change feeds of every container (lib/docs.js).
  const scripts = createScriptStore({ timeoutMs: options.scriptTimeoutMs });
  const documents = createDocumentStore({
    partitions: options.partitions,
    splitAfter: options.splitAfter,
    idLookup: () => options.idLookup !== false,
    udfsOf: state => scripts.udfsOf(state)
  });
  // container key -> { second, spent }
  const budgets = new Map();
  // Offers (lib/offers.js); users, permissions and the resource tokens they issue (lib/users.js).
  const offers = createOfferStore();
  const users = createUserStore({
    masterKey: () => options.key,
    databaseExists: id => Boolean(account && account.database(id).read())
  });

  // Fixed at creation, like before; checked before building a log line.
  const verbose = Boolean(options.verbose);
  const log = verbose ? (...a) => console.log(...a) : () => {};

  // A request is in flight from its arrival until its response is handed to Node, its socket is
  // destroyed (drops) or the response closes (e.g. the client went away first), whichever is
  // first. One listener shared by all responses (`this` is the response) instead of two closures
  // per request; the paths that end a response themselves release it explicitly.
  function releaseResponse() {
    if (this[IN_FLIGHT]) {
      this[IN_FLIGHT] = false;
      stats.inFlight -= 1;
    }
  }

  function baseUrl(req) {
    let host = "127.0.0.1";
    const h = req && header(req, "host");
    if (h && /^localhost(:\d+)?$/i.test(h)) host = "localhost";
    return `${scheme}://${host}:${actualPort}/`;
  }

  function resolveContainer(dbId, collId) {
    const database = account.database(dbId);
    const db = database.read();
    if (!db) return null;
    const coll = database.collection(collId).read();
    if (!coll) return null;
    return {
      key: `dbs/${db.id}/colls/${coll.id}`,
      rid: coll._rid,
      definition: coll,
      collection: database.collection(collId)
    };
  }

  function decideDrop() {
    const rate = Number(options.dropRate) || 0;
    if (rate <= 0) return null;
    if (random() >= rate) return null;
    if (options.dropMode === "both") return random() < 0.5 ? "before" : "after";
    return options.dropMode === "after" ? "after" : "before";
  }

  function charge(info, parsedBody) {
    if (info.doc === "batch") {
      const ops = Array.isArray(parsedBody) ? parsedBody : [];
      return ops.reduce((sum, op) => sum + (op && op.operationType === "Read" ? CHARGES.read : CHARGES.write), 0) || CHARGES.write;
    }
    if (info.doc === "read") return CHARGES.read;
    if (info.doc === "feed") return CHARGES.feed;
    if (info.doc === "query") return CHARGES.query;
    if (WRITE_KINDS.has(info.doc)) return CHARGES.write;
    return 1;
  }

  /** Spends `cost` of the container's budget for this second; null, or the ms to retry after. */
  function spend(container, cost) {
    const limit = Number(options.ruPerSecond) || 0;
    if (limit <= 0) return null;
    const now = Date.now();
    const second = Math.floor(now / 1000);
    let b = budgets.get(container.key);
    if (!b || b.second !== second) {
      b = { second, spent: 0 };
      budgets.set(container.key, b);
    }
    // Like the service, a request may overdraw the second it starts in; the
    // next request in that second is refused.
    if (b.spent >= limit) {
      stats.throttled += 1;
      return Math.max(1, 1000 - (now % 1000));
    }
    b.spent += cost;
    return null;
  }

  function throttle(container, cost) {
    const retryAfter = spend(container, cost);
    if (retryAfter === null) return null;
    return new HttpError(429, ERROR_CODES[429][1], {
      substatus: 3200,
      headers: { "x-ms-retry-after-ms": String(retryAfter), "x-ms-request-charge": "0" }
    });
  }

  function readBody(req) {
    // No content-length and no transfer-encoding: HTTP/1.1 says there is no body (GET, DELETE).
    const length = req.headers["content-length"];
    if ((length === undefined || length === "0") && req.headers["transfer-encoding"] === undefined) {
      req.resume();
      return EMPTY_BODY;
    }
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on("data", c => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          reject(new HttpError(413, ERROR_CODES[413][1]));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  }

  // Runs one Cosmos request; returns { status, body, headers }.
  async function processRequest(req, res, pathname) {
    const resource = auth.resourceFromPath(pathname);
    const { segments } = resource;
    const authError = auth.checkRequest({
      method: req.method,
      rawPath: pathname,
      headers: req.headers,
      masterKey: options.key,
      resource,
      aad: aadIssuer && { issuer: aadIssuer, audiences: aad.audiencesFor(scheme, actualPort) },
      resourceTokens: users.verify
    });
    if (authError && authError.status === 403) {
      throw new HttpError(403, authError.message, { headers: { "x-ms-request-charge": "0" } });
    }
    if (authError) {
      stats.unauthorized += 1;
      throw new HttpError(401, authError, { headers: { "x-ms-request-charge": "0" } });
    }

    let rawBody = readBody(req);
    if (rawBody !== EMPTY_BODY) rawBody = await rawBody;
    const info = classify(req, segments);
    let parsedBody;
    let parsed = false;

    if (req.method === "POST" || req.method === "PUT" || req.method === "PATCH") {
      try {
        parsedBody = JSON.parse(rawBody.toString("utf8"));
        parsed = true;
      } catch (e) {
        throw new HttpError(400, `The request payload is invalid JSON: ${e.message}`);
      }
    }

    let container = null;
    if (info.containerScoped) {
      container = resolveContainer(info.dbId, info.collId);
      if (!container) {
        throw new HttpError(404, `Container 'dbs/${info.dbId}/colls/${info.collId}' does not exist. ${ERROR_CODES[404][1]}`);
      }
    }

    if (info.doc === "query" && isTrue(req.headers["x-ms-cosmos-is-query-plan-request"])) {
      // The package does not know query-plan requests and would just run the query. Official
      // SDKs ask for a plan before every new query text, even a single-partition one; a plan
      // with nothing to do client-side (no ORDER BY, TOP, aggregates...) over the one range
      // lets them run the query as sent. Good enough for the simple queries we benchmark.
      return { status: 200, body: minimalQueryPlan(), headers: {} };
    }

    if (info.doc || info.pkranges) return documentRequest(req, info, container, parsedBody, rawBody);
    if (info.script) return scriptRequest(req, info, container, parsedBody);

    const own = offers.handle(req.method, segments, parsedBody, req.headers) ||
      users.handle(req.method, segments, parsedBody, req.headers);
    if (own) return { status: own.status, body: own.body, headers: { "x-ms-request-charge": "1", ...own.headers }, own: true };
    // A database or container created with throughput gets an offer; 400 before creating when
    // the throughput is invalid.
    const creates = req.method === "POST" && (segments.length === 1 || segments.length === 3) &&
      !isTrue(req.headers["x-ms-documentdb-isquery"]) && header(req, "content-type") !== "application/query+json";
    const throughput = creates ? throughputFromHeaders(req.headers) : null;

    // Names (not rids) of what a successful DELETE removes, for the document and RU maps.
    let deletedPrefix = null;
    let deletedSelf = null;
    if (req.method === "DELETE" && segments[0] === "dbs" && segments.length === 4 && segments[2] === "colls") {
      const c = resolveContainer(segments[1], segments[3]);
      if (c) deletedPrefix = c.key;
      if (c) deletedSelf = c.definition._self;
    } else if (req.method === "DELETE" && segments[0] === "dbs" && segments.length === 2) {
      const db = account.database(segments[1]).read();
      if (db) deletedPrefix = `dbs/${db.id}/colls/`;
      if (db) deletedSelf = db._self;
    }

    // Databases, containers and the rest: the package.
    const inner = new InnerRequest(req, req.headers, rawBody, parsedBody, parsed);
    const matched = route(inner);
    if (!matched) {
      throw new HttpError(400, `cosmos-local (@vercel/cosmosdb-server) has no route for ${req.method} ${pathname}.`);
    }
    const [params, handler] = matched;
    let body;
    res.statusCode = 200;
    try {
      body = await handler(account, inner, res, params);
    } catch (err) {
      if (options.verbose) console.error(err);
      res.statusCode = 500;
      body = { code: ERROR_CODES[500][0], message: String(err && err.message) };
    }
    const status = res.statusCode;
    const headers = { "x-ms-request-charge": "1" };

    // Post-processing towards Azure behaviour.
    // Container answers name their database, as the service's do: the official SDKs build a
    // container's name link (which their change feed needs) from x-ms-alt-content-path.
    if (segments[0] === "dbs" && segments[2] === "colls" && segments.length <= 4 && status < 300) {
      const db = account.database(segments[1]).read();
      if (db) {
        headers["x-ms-alt-content-path"] = `dbs/${db.id}`;
        headers["x-ms-content-path"] = db._rid;
      }
    }
    if (segments.length === 0 && status === 200 && body && typeof body === "object") {
      body = JSON.parse(JSON.stringify(body));
      const endpoint = baseUrl(req);
      for (const list of ["writableLocations", "readableLocations"]) {
        body[list] = (body[list] || [{ name: "South Central US" }]).map(l => ({ ...l, databaseAccountEndpoint: endpoint }));
      }
    }
    // A container created anew starts empty, with fresh ranges and LSNs.
    if (segments.length === 3 && segments[2] === "colls" && req.method === "POST" && status === 201 && body && body.id) {
      const db = account.database(info.dbId).read();
      if (db) {
        documents.reset(`dbs/${db.id}/colls/${body.id}`);
        scripts.reset(`dbs/${db.id}/colls/${body.id}`);
      }
    }
    if (throughput && status === 201) offers.created(body, throughput);
    if (deletedPrefix && status === 204) {
      offers.dropResource(deletedSelf);
      if (segments.length === 2) users.dropDatabase(segments[1]);
      documents.dropPrefix(deletedPrefix);
      scripts.dropPrefix(deletedPrefix);
      for (const k of [...budgets.keys()]) {
        if (k === deletedPrefix || (deletedPrefix.endsWith("/") && k.startsWith(deletedPrefix))) budgets.delete(k);
      }
    }
    return { status, body, headers, minimal: false };
  }

  /** Documents and pkranges: the document layer (lib/docs.js), after throttling. */
  function documentRequest(req, info, container, parsedBody, rawBody) {
    const kind = info.pkranges ? "pkranges" : info.doc;
    const containerHeaders = { "x-ms-alt-content-path": container.key, "x-ms-content-path": container.rid };
    // A non-atomic batch is throttled per operation (per-op 429s inside a 207), as Azure does.
    // Atomic unless the header says False; without the header, atomic when a key is given.
    const atomicHeader = header(req, "x-ms-cosmos-batch-atomic");
    const bulk = kind === "batch" &&
      (atomicHeader === undefined ? header(req, "x-ms-documentdb-partitionkey") === undefined : !isTrue(atomicHeader));
    const cost = kind === "pkranges" ? 1 : charge(info, parsedBody);
    if (kind !== "pkranges" && !bulk) {
      const throttled = throttle(container, cost);
      if (throttled) throw throttled;
    }
    if ((kind === "create" || kind === "upsert" || kind === "replace") && rawBody.length > MAX_DOCUMENT_BYTES) {
      throw new HttpError(413, `${ERROR_CODES[413][1]} The document is larger than 2 MB.`);
    }
    let result;
    try {
      result = documents.handle({
        container,
        kind,
        docId: info.docId,
        headers: req.headers,
        body: parsedBody,
        triggers: WRITE_KINDS.has(kind) && kind !== "batch" ? scripts.triggersFor(container, kind, req.headers) : null,
        spend: bulk ? c => spend(container, c) : null,
        onSessionNotAvailable: () => {
          stats.sessionNotAvailable += 1;
        },
        onQuery: (path, withoutEngine) => {
          stats.queries[path] += 1;
          if (withoutEngine) stats.queries.withoutEngine += 1;
        }
      });
    } catch (err) {
      if (err instanceof HttpError && kind !== "pkranges") {
        err.headers = { "x-ms-request-charge": String(cost), ...containerHeaders, ...err.headers };
      }
      throw err;
    }
    const headers = { "x-ms-request-charge": String(cost), ...(kind === "pkranges" ? {} : containerHeaders), ...result.headers };
    if (result.batch) {
      const total = result.body.reduce((sum, op) => sum + (op.requestCharge || 0), 0);
      headers["x-ms-request-charge"] = String(total);
    }
    // Prefer: return=minimal (official SDKs send it unless content on write is asked for): the
    // service answers a successful write without the document; the etag header stays.
    const minimal = MINIMAL_KINDS.has(kind) && result.status >= 200 && result.status < 300 &&
      /return=minimal/i.test(header(req, "prefer") || "");
    return { status: result.status, body: result.body, headers, substatus: result.substatus, minimal, own: true };
  }

  /** Stored procedures (and their execution), triggers, UDFs and conflicts: lib/scripts.js. */
  function scriptRequest(req, info, container, parsedBody) {
    const containerHeaders = { "x-ms-alt-content-path": container.key, "x-ms-content-path": container.rid };
    const executes = info.script.kind === "sprocs" && info.script.id !== undefined && req.method === "POST";
    const cost = executes ? CHARGES.write : 1;
    if (executes) {
      const throttled = throttle(container, cost);
      if (throttled) throw throttled;
    }
    let result;
    try {
      result = scripts.handle({
        container,
        kind: info.script.kind,
        id: info.script.id,
        method: req.method,
        headers: req.headers,
        body: parsedBody,
        documents
      });
    } catch (err) {
      if (err instanceof HttpError) {
        err.headers = { "x-ms-request-charge": String(cost), ...containerHeaders, ...err.headers };
      }
      throw err;
    }
    const headers = { "x-ms-request-charge": String(cost), ...containerHeaders, ...result.headers };
    return { status: result.status, body: result.body, headers, own: true };
  }

  function send(req, res, { status, body, headers, substatus, minimal, own }) {
    if (status >= 400) {
      if (!body || typeof body !== "object" || Array.isArray(body)) body = {};
      const [code, message] = ERROR_CODES[status] || ERROR_CODES[status >= 500 ? 500 : 400];
      if (!body.code) body = { code, ...body };
      if (!body.message) body.message = message;
    }
    res.statusCode = status;
    for (const k in headers) res.setHeader(k, headers[k]);
    if (substatus) res.setHeader("x-ms-substatus", String(substatus));
    if (body && body._etag) res.setHeader("etag", body._etag);
    if (header(req, "x-ms-documentdb-populatequerymetrics")) {
      // Every field official SDKs parse (the Java SDK fails on a missing one); times are zero.
      const count = body && Array.isArray(body.Documents) ? body.Documents.length : 0;
      res.setHeader(
        "x-ms-documentdb-query-metrics",
        "totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;" +
          "queryPhysicalPlanBuildTimeInMs=0.00;queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;" +
          "indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00;" +
          "userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=" + count + ";retrievedDocumentSize=0;" +
          "outputDocumentCount=" + count + ";outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=1.00"
      );
    }
    if (header(req, "a-im") && status === 200 && !own) {
      // Feeds other than documents and pkranges (the package's): everything at first, then 304.
      if (header(req, "if-none-match")) res.statusCode = 304;
      res.setHeader("etag", "1");
    }
    res.setHeader("content-type", "application/json");
    res.setHeader("content-location", `${scheme}://${header(req, "host") || `127.0.0.1:${actualPort}`}${req.url}`);
    res.setHeader("x-ms-activity-id", crypto.randomUUID());
    if (!res.hasHeader("x-ms-request-charge")) res.setHeader("x-ms-request-charge", "1");
    stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] || 0) + 1;
    res.end(body === undefined || minimal ? "" : JSON.stringify(body));
  }

  function admin(req, res, pathname) {
    const reply = (status, obj) => {
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.setHeader("cache-control", "no-store");
      res.end(JSON.stringify(obj));
    };
    if (pathname === "/_local/stats" && req.method === "GET") {
      return reply(200, { ...stats, options: publicOptions() });
    }
    if (pathname === "/_local/stats/reset" && req.method === "POST") {
      const inFlight = stats.inFlight;
      Object.assign(stats, newStats(), { inFlight, maxInFlight: inFlight });
      return reply(200, { ...stats });
    }
    return reply(404, { code: "NotFound", message: "cosmos-local admin: use GET /_local/stats or POST /_local/stats/reset" });
  }

  function publicOptions() {
    const { key, aadClientSecret, aadKeyPem, ...rest } = options;
    return { ...rest, scheme, port: actualPort };
  }

  async function onRequest(req, res) {
    const started = Date.now();
    const url = req.url || "/";
    const query = url.indexOf("?");
    const pathname = query === -1 ? url : url.slice(0, query);
    if (aadIssuer && pathname.startsWith("/_local/aad/")) {
      aadIssuer.handle(req, res, pathname, aad.audiencesFor(scheme, actualPort));
      return;
    }
    if (pathname === "/_local" || pathname.startsWith("/_local/")) {
      admin(req, res, pathname);
      return;
    }
    stats.requests += 1;
    stats.byMethod[req.method] = (stats.byMethod[req.method] || 0) + 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res[IN_FLIGHT] = true;
    res.on("close", releaseResponse);

    const drop = decideDrop();
    if (drop === "before") {
      stats.dropped += 1;
      if (verbose) log(`${req.method} ${req.url} -> dropped before processing`);
      req.socket.destroy();
      releaseResponse.call(res);
      return;
    }
    let result;
    try {
      result = await processRequest(req, res, pathname);
    } catch (err) {
      if (err instanceof HttpError) {
        result = err;
      } else {
        if (options.verbose) console.error(err);
        result = new HttpError(500, String(err && err.message));
      }
    }
    if (options.delayMs > 0) {
      await new Promise(r => setTimeout(r, Number(options.delayMs)));
    }
    if (drop === "after") {
      stats.dropped += 1;
      if (verbose) log(`${req.method} ${req.url} -> ${result.status}, response dropped`);
      req.socket.destroy();
      releaseResponse.call(res);
      return;
    }
    send(req, res, result);
    // Not in flight once the whole response is handed to Node. Waiting for 'finish' would
    // over-count under TLS: it fires a tick after the encrypted write completes, by which time a
    // client may have read the response and sent its next request (maxInFlight > its limit).
    releaseResponse.call(res);
    if (verbose) log(`${req.method} ${req.url} -> ${res.statusCode} ${Date.now() - started}ms`);
  }

  const instance = {
    options,
    stats,
    scheme,
    server: null,
    url: null,
    port: null,
    certFile: null,
    get account() {
      return account;
    },
    aad: aadIssuer,
    setSeed(seed) {
      random = seededRandom(Number(seed));
    },
    async start() {
      let server;
      if (options.http) {
        server = http.createServer();
      } else {
        const pair = await ensureCertificate(options.stateDir);
        instance.certFile = pair.certFile;
        server = https.createServer({ cert: pair.cert, key: pair.key });
      }
      // Keep idle keep-alive connections long enough that clients with long
      // pools rarely race a server-side close.
      server.keepAliveTimeout = 120 * 1000;
      server.headersTimeout = 125 * 1000;
      server.on("request", (req, res) => {
        onRequest(req, res).catch(err => {
          console.error(err);
          releaseResponse.call(res);
          if (!res.headersSent) {
            res.statusCode = 500;
            res.end("");
          }
        });
      });
      await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
      actualPort = server.address().port;
      account = new Account("127.0.0.1", actualPort);
      instance.server = server;
      instance.port = actualPort;
      instance.url = `${scheme}://127.0.0.1:${actualPort}/`;
      return instance;
    },
    close() {
      return new Promise(resolve => {
        if (!instance.server) return resolve();
        instance.server.close(() => resolve());
        instance.server.closeAllConnections();
      });
    }
  };
  return instance;
}

const USAGE = `usage: node server.js [--port N] [--http] [--state-dir D] [--key K]
                      [--ru-per-second N] [--drop-rate F] [--drop-mode before|after|both]
                      [--seed N] [--delay-ms N] [--partitions N] [--split-after N] [--no-id-lookup] [--verbose]
                      [--aad-issuer ISS [--aad-key PEM] [--aad-client-id ID] [--aad-client-secret S]]`;

function parseArgs(argv) {
  const out = {};
  const numeric = (name, v, min, max) => {
    const n = Number(v);
    if (v === undefined || v === "" || !Number.isFinite(n) || n < min || (max !== undefined && n > max)) {
      throw new Error(`${name} needs a number${max !== undefined ? ` in ${min}..${max}` : ` >= ${min}`}, got '${v}'`);
    }
    return n;
  };
  const integer = (name, v, min, max) => {
    const n = numeric(name, v, min, max);
    if (!Number.isInteger(n)) throw new Error(`${name} needs a whole number, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (arg) {
      case "--port": out.port = numeric(arg, next(), 0, 65535); break;
      case "--http": out.http = true; break;
      case "--https": out.http = false; break;
      case "--state-dir": out.stateDir = path.resolve(next() || ""); break;
      case "--key": out.key = next(); break;
      case "--ru-per-second": out.ruPerSecond = numeric(arg, next(), 0); break;
      case "--drop-rate": out.dropRate = numeric(arg, next(), 0, 1); break;
      case "--drop-mode": {
        const m = next();
        if (!["before", "after", "both"].includes(m)) throw new Error(`--drop-mode must be before, after or both, got '${m}'`);
        out.dropMode = m;
        break;
      }
      case "--seed": out.seed = numeric(arg, next(), -Infinity); break;
      case "--delay-ms": out.delayMs = numeric(arg, next(), 0); break;
      case "--partitions": out.partitions = integer(arg, next(), 1, 64); break;
      case "--split-after": out.splitAfter = integer(arg, next(), 0); break;
      case "--no-id-lookup": out.idLookup = false; break;
      case "--verbose": out.verbose = true; break;
      case "-h":
      case "--help": out.help = true; break;
      default: if (!aad.parseArg(arg, next, out)) throw new Error(`unknown option '${arg}'`);
    }
  }
  if (out.key !== undefined && (!out.key || Buffer.from(out.key, "base64").length === 0)) {
    throw new Error("--key needs a base64 master key");
  }
  return out;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`cosmos-local: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const instance = createCosmosLocal(args);
  try {
    await instance.start();
  } catch (e) {
    console.error(`cosmos-local: cannot start: ${e.message}`);
    process.exit(1);
  }
  const shutdown = () => instance.close().then(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  console.log(`cosmos-local listening on ${instance.url}`);
}

if (require.main === module) {
  main();
}

module.exports = { createCosmosLocal, parseArgs, parseSessionToken, classify, DEFAULTS };
