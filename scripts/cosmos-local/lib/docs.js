"use strict";
// The document layer of cosmos-local: documents keyed by their whole typed partition key,
// placed in partition-key ranges by effective partition key, per-range LSNs and session
// tokens, splits, transactional and bulk batches, read feeds, queries (through the package's
// SQL engine) and the change feed (incremental and full fidelity).
//
// Databases and containers stay in the package (@vercel/cosmosdb-server); this layer keeps the
// documents of each container itself, keyed by the container's name path and reset when a
// container of that name is created again.

const crypto = require("crypto");
const cosmosQuery = require("@zeit/cosmosdb-query").default;
const { patchOperation } = require("@vercel/cosmosdb-server/lib/handler/_patch-operations");
const ResourceId = require("@vercel/cosmosdb-server/lib/account/resource-id").default;

const { HttpError, ERROR_CODES } = require("./errors");
const epk = require("./epk");
const parts = require("./partitions");
const idlookup = require("./idlookup");

const MAX_BATCH_OPERATIONS = 100;
const CHARGES = { read: 1, feed: 3, query: 3, write: 6 };
const BATCH_OP_KINDS = { Create: "create", Upsert: "upsert", Replace: "replace", Read: "read", Delete: "delete", Patch: "patch" };

const CROSS_PARTITION_DISABLED = "Cross partition query is required but disabled. Please set " +
  "x-ms-documentdb-query-enablecrosspartition to true, specify x-ms-documentdb-partitionkey, or revise your " +
  "query to avoid this exception.";
const CHANGE_FEED_NEEDS_SCOPE = "PartitionKey value must be supplied for this operation. (cosmos-local: a change " +
  "feed on a container with several partition key ranges is read per range: send " +
  "x-ms-documentdb-partitionkeyrangeid, or x-ms-documentdb-partitionkey for one logical partition.)";
const FULL_FIDELITY_START = from => `Full-Fidelity change feed does not support starting ${from}; ` +
  "start from now (If-None-Match: *) or from a continuation.";

/** A failed operation's result (inside a batch or as the answer of a point operation). */
function badOp(message, subStatusCode) {
  const r = { statusCode: 400, body: { code: "BadRequest", message } };
  if (subStatusCode) r.subStatusCode = subStatusCode;
  return r;
}

/** 400 with substatus 1001: a partition key problem. */
function keyError(message) {
  return new HttpError(400, message, { substatus: 1001 });
}

function isTrue(v) {
  return typeof v === "string" && v.trim().toLowerCase() === "true";
}

function header(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function unquote(etag) {
  if (typeof etag !== "string") return etag;
  let t = etag.trim();
  if (t.startsWith("W/")) t = t.slice(2);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1);
  return t;
}

function etagMatches(condition, etag) {
  if (condition === undefined || condition === null) return false;
  const c = String(condition).trim();
  return c === "*" || unquote(c) === unquote(etag);
}

/** A record's document as change-feed items show it: with `_lsn`. */
function withLsn(record) {
  return { ...record.doc, _lsn: record.lsn };
}

/**
 * Parses a (compound) session token "range:token[,range:token...]" (token V2
 * "version#globalLsn[#region=lsn...]" or V1 "lsn"). Returns Map range -> highest global LSN, or
 * null when malformed.
 */
function parseSessionToken(value) {
  const out = new Map();
  for (const rawSegment of String(value).split(",")) {
    const segment = rawSegment.trim();
    if (!segment) continue;
    const colon = segment.indexOf(":");
    if (colon <= 0) return null;
    const range = segment.slice(0, colon).trim();
    const token = segment.slice(colon + 1).trim();
    let lsn;
    if (token.includes("#")) {
      const p = token.split("#");
      if (!/^-?\d+$/.test(p[0]) || !/^-?\d+$/.test(p[1] || "")) return null;
      for (const region of p.slice(2)) {
        if (!/^\d+=-?\d+$/.test(region)) return null;
      }
      lsn = Number(p[1]);
    } else {
      if (!/^-?\d+$/.test(token)) return null;
      lsn = Number(token);
    }
    out.set(range, Math.max(out.has(range) ? out.get(range) : -Infinity, lsn));
  }
  return out;
}

/** One container's documents, ranges and change log. */
class ContainerState {
  constructor({ key, rid, definition, collection, partitions, splitAfter }) {
    this.key = key;
    this.rid = rid;
    this.collection = collection;
    this.def = epk.normalizeDefinition(definition.partitionKey);
    this.uniqueKeys = ((definition.uniqueKeyPolicy || {}).uniqueKeys || []).map(u => u.paths || []).filter(p => p.length);
    this.compositeIndexes = ((definition.indexingPolicy || {}).compositeIndexes) || [];
    this.ranges = parts.initialRanges(this.def, partitions).map(r => ({ ...r, lsn: 0, ts: Math.floor(Date.now() / 1000) }));
    this.nextRangeId = this.ranges.length;
    this.splitAfter = splitAfter > 0 ? splitAfter : 0;
    this.splitDone = false;
    this.writes = 0;
    this.rangesVersion = 1;
    this.records = new Map();
    // id -> Set of record keys (one per logical partition holding that id): id lookups.
    this.byId = new Map();
    this.log = [];
    this.docCounter = 0;
  }

  get paths() {
    return this.def.paths;
  }

  /** Stores (or replaces) the record under `key` ("pkKey\u0001id"), indexed by its id. */
  putRecord(key, record) {
    this.records.set(key, record);
    let keys = this.byId.get(record.doc.id);
    if (!keys) this.byId.set(record.doc.id, (keys = new Set()));
    keys.add(key);
  }

  /** Removes the record under `key` and its index entry. */
  dropRecord(key) {
    const record = this.records.get(key);
    if (!record) return;
    this.records.delete(key);
    const keys = this.byId.get(record.doc.id);
    if (keys && keys.delete(key) && keys.size === 0) this.byId.delete(record.doc.id);
  }

  /** The records with one of these ids (each once), in no particular order. */
  recordsWithIds(ids) {
    const out = new Set();
    for (const id of ids) {
      const keys = typeof id === "string" ? this.byId.get(id) : undefined;
      if (keys) for (const k of keys) out.add(this.records.get(k));
    }
    return out;
  }

  selfPrefix() {
    if (!this.selfBase) this.selfBase = `${this.collection.read()._self}/docs/`;
    return this.selfBase;
  }

  pkranges() {
    return { etag: `"${this.rid}-${this.rangesVersion}"` };
  }

  rangeOf(key) {
    return this.ranges.find(r => parts.inRange(r, key));
  }

  /** The live range `id` (also in the "<collectionRid>,<id>" form); 410/1002 when there is none. */
  rangeById(value) {
    const text = String(value).trim();
    const id = text.includes(",") ? text.slice(text.lastIndexOf(",") + 1).trim() : text;
    const live = this.ranges.find(r => r.id === id);
    if (live) return live;
    throw new HttpError(410, `PartitionKeyRange with id '${id}' in collection '${this.rid}' doesn't exist.`, { substatus: 1002 });
  }

  epkOf(components) {
    return epk.effectivePartitionKey(components, this.def);
  }

  /** A new document _rid, built like the package's (container rid + counter), and its _self. */
  newRid() {
    this.docCounter += 1;
    if (!this.ridTemplate) this.ridTemplate = ResourceId.parse(this.rid);
    const idBuffer = Buffer.alloc(8, 0);
    idBuffer.writeInt32LE(this.docCounter, 0);
    idBuffer.writeInt8(ResourceId.DocumentByte << 4, 7);
    this.ridTemplate.document = ResourceId.bigNumberReadIntBE(idBuffer, 0, 8).toString();
    return this.ridTemplate.toString();
  }
}

/**
 * A view of a container's records for one operation or one atomic batch: reads see earlier
 * writes of the same view; nothing reaches the container until commit().
 */
class View {
  constructor(state) {
    this.state = state;
    this.overlay = new Map();
    this.changes = [];
  }

  get(key) {
    if (this.overlay.has(key)) return this.overlay.get(key);
    return this.state.records.get(key) || null;
  }

  set(key, record, change) {
    this.overlay.set(key, record);
    this.changes.push(change);
  }

  /** Records of one logical partition (for unique keys), overlay applied. */
  partition(pkKey) {
    const out = new Map();
    for (const [k, r] of this.state.records) if (r.pkKey === pkKey) out.set(k, r);
    for (const [k, r] of this.overlay) {
      if (r && r.pkKey === pkKey) out.set(k, r);
      else if (!r) out.delete(k);
    }
    return [...out.values()];
  }
}

function createDocumentStore(options = {}) {
  const containers = new Map();
  const partitions = Math.max(1, Math.floor(Number(options.partitions) || 1));
  const splitAfter = Math.max(0, Math.floor(Number(options.splitAfter) || 0));
  const queries = new Map();
  // The UDFs queries may call (lib/scripts.js keeps them; the package's map otherwise).
  const udfsOf = options.udfsOf || (state => state.collection.userDefinedFunctions.functions);
  // Whether queries that look documents up by id read only those (true unless turned off).
  const idLookup = typeof options.idLookup === "function" ? options.idLookup : () => options.idLookup !== false;

  function compile(sql) {
    let q = queries.get(sql);
    if (!q) {
      q = cosmosQuery(sql);
      if (queries.size > 200) queries.clear();
      queries.set(sql, q);
    }
    return q;
  }

  /** The state of a resolved container ({key, rid, definition, collection}), new if recreated. */
  function stateOf(container) {
    let s = containers.get(container.key);
    if (!s || s.rid !== container.rid) {
      s = new ContainerState({ ...container, partitions, splitAfter });
      containers.set(container.key, s);
    }
    return s;
  }

  function reset(key) {
    containers.delete(key);
  }

  function dropPrefix(prefix) {
    for (const k of [...containers.keys()]) {
      if (k === prefix || (prefix.endsWith("/") && k.startsWith(prefix))) containers.delete(k);
    }
  }

  // --- records and writes ----------------------------------------------------------------------

  function recordKey(pkKey, id) {
    return `${pkKey}\u0001${id}`;
  }

  function systemProperties(state, doc, rid, lsn) {
    const now = Date.now();
    const out = { ...doc };
    for (const k of ["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"]) delete out[k];
    Object.assign(out, {
      _rid: rid,
      _self: `${state.selfPrefix()}${rid}/`,
      _etag: crypto.randomUUID(),
      _attachments: "attachments/",
      _ts: Math.floor(now / 1000)
    });
    // The LSN stays beside the document: point reads and queries answer documents without
    // `_lsn`, as the service does; change-feed items carry it.
    return { doc: out, ms: now, lsn };
  }

  function checkUniqueKeys(view, state, pkKey, doc, selfKey) {
    for (const paths of state.uniqueKeys) {
      const values = JSON.stringify(paths.map(p => parts.componentsOf(doc, [p])[0]));
      for (const r of view.partition(pkKey)) {
        if (recordKey(r.pkKey, r.doc.id) === selfKey) continue;
        if (JSON.stringify(paths.map(p => parts.componentsOf(r.doc, [p])[0])) === values) {
          return { statusCode: 409, body: { code: "Conflict", message: "Unique index constraint violation." } };
        }
      }
    }
    return null;
  }

  function validDocument(body) {
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return { statusCode: 400, body: { code: "BadRequest", message: "The document body must be a JSON object." } };
    }
    if (typeof body.id !== "string" || body.id === "") {
      return badOp("The input content is invalid because the required properties - 'id; ' - are missing");
    }
    if (/[/\\]/.test(body.id)) {
      return badOp(`The document id '${body.id}' contains an invalid character ('/' or '\\').`);
    }
    return null;
  }

  /**
   * Applies one operation to `view`. `op`: {kind, id, body, pk (components or null), ifMatch,
   * ifNoneMatch, patch: {operations, condition}, lsn (the LSN its write gets)}. Returns
   * {statusCode, subStatusCode?, body?} (body: the document for successes).
   */
  function applyOp(state, view, op) {
    const paths = state.paths;
    if (op.kind === "create" || op.kind === "upsert" || op.kind === "replace") {
      const invalid = validDocument(op.body);
      if (invalid) return invalid;
      if (op.kind === "replace" && op.body.id !== op.id) {
        return badOp(`The id '${op.body.id}' in the request body does not match the id '${op.id}' in the URL.`);
      }
      const docPk = parts.componentsOf(op.body, paths);
      const pkKey = parts.keyString(docPk);
      if (op.pk && parts.keyString(op.pk) !== pkKey) {
        return badOp(
          `PartitionKey extracted from document ${parts.headerForm(docPk)} doesn't match the one ` +
            `specified in the header ${parts.headerForm(op.pk)}.`,
          1001
        );
      }
      const key = recordKey(pkKey, op.body.id);
      const existing = view.get(key);
      if (op.kind === "create" && existing) {
        return { statusCode: 409, body: { code: "Conflict", message: ERROR_CODES[409][1] } };
      }
      if (op.kind === "replace" && !existing) {
        return { statusCode: 404, body: { code: "NotFound", message: "Entity with the specified id does not exist in the system." } };
      }
      if (existing && op.ifMatch !== undefined && op.ifMatch !== null && !etagMatches(op.ifMatch, existing.doc._etag)) {
        return { statusCode: 412, body: { code: "PreconditionFailed", message: ERROR_CODES[412][1] } };
      }
      const conflict = checkUniqueKeys(view, state, pkKey, op.body, key);
      if (conflict) return conflict;
      const { doc, ms, lsn } = systemProperties(state, op.body, existing ? existing.doc._rid : state.newRid(), op.lsn);
      const record = { doc, epk: state.epkOf(docPk), pk: docPk, pkKey, ms, lsn };
      view.set(key, record, {
        key,
        record,
        operationType: existing ? "replace" : "create",
        previous: existing || undefined
      });
      return { statusCode: existing ? 200 : 201, body: doc };
    }

    const pk = op.pk || paths.map(() => epk.UNDEFINED);
    const key = recordKey(parts.keyString(pk), op.id);
    const existing = typeof op.id === "string" ? view.get(key) : null;
    if (!existing) {
      return { statusCode: 404, body: { code: "NotFound", message: "Entity with the specified id does not exist in the system." } };
    }
    if (op.kind === "read") {
      if (op.ifNoneMatch !== undefined && op.ifNoneMatch !== null && etagMatches(op.ifNoneMatch, existing.doc._etag)) {
        return { statusCode: 304, etag: existing.doc._etag };
      }
      return { statusCode: 200, body: existing.doc };
    }
    if (op.ifMatch !== undefined && op.ifMatch !== null && !etagMatches(op.ifMatch, existing.doc._etag)) {
      return { statusCode: 412, body: { code: "PreconditionFailed", message: ERROR_CODES[412][1] } };
    }
    if (op.kind === "delete") {
      view.set(key, null, { key, record: existing, operationType: "delete", previous: existing, deleted: true });
      return { statusCode: 204 };
    }
    if (op.kind === "patch") {
      const spec = op.patch || {};
      if (!Array.isArray(spec.operations)) {
        return { statusCode: 400, body: { code: "BadRequest", message: "Invalid patch request: check syntax of patch specification." } };
      }
      // The package's patch engine, run against this one document.
      let patched = null;
      const adapter = {
        document: () => ({ read: () => existing.doc }),
        documents: {
          query: (params) => compile(params.query).exec([existing.doc], { parameters: params.parameters }),
          replace: (data) => {
            patched = data;
            return data;
          }
        }
      };
      const result = patchOperation(adapter, { id: op.id, partitionKey: "[{}]", operations: spec.operations, condition: spec.condition });
      if (result.statusCode !== 200 || !patched) {
        return { statusCode: result.statusCode, body: result.body };
      }
      const newPk = parts.componentsOf(patched, state.paths);
      if (parts.keyString(newPk) !== existing.pkKey || patched.id !== existing.doc.id) {
        return badOp("Patch may not change the id or the partition key of a document.");
      }
      const { doc, ms, lsn } = systemProperties(state, patched, existing.doc._rid, op.lsn);
      const record = { ...existing, doc, ms, lsn };
      view.set(key, record, { key, record, operationType: "replace", previous: existing });
      return { statusCode: 200, body: doc };
    }
    return { statusCode: 400, body: { code: "BadRequest", message: `Unknown operation '${op.kind}'.` } };
  }

  /** Writes a view's changes into the container at `lsn` on `range`; logs them for the change feed. */
  function commit(state, view, range, lsn) {
    if (view.changes.length === 0) return 0;
    range.lsn = lsn;
    const crts = Math.floor(Date.now() / 1000);
    for (const change of view.changes) {
      if (change.deleted) state.dropRecord(change.key);
      else state.putRecord(change.key, change.record);
      state.log.push({
        lsn,
        crts,
        ms: Date.now(),
        epk: change.record.epk,
        pkKey: change.record.pkKey,
        operationType: change.operationType,
        // records, not copies: documents are never mutated, so the log shares them
        current: change.deleted ? undefined : change.record,
        previous: change.previous,
        id: change.record.doc.id
      });
    }
    state.writes += view.changes.length;
    return view.changes.length;
  }

  /** After the write that reaches --split-after, splits the range that took it (once). */
  function maybeSplit(state, range) {
    if (!state.splitAfter || state.splitDone || state.writes < state.splitAfter) return;
    const children = parts.splitRange(state.def, range, state.nextRangeId);
    if (!children) return;
    state.splitDone = true;
    state.nextRangeId += 2;
    const ts = Math.floor(Date.now() / 1000);
    const index = state.ranges.indexOf(range);
    state.ranges.splice(index, 1, ...children.map(c => ({ ...c, lsn: range.lsn, ts })));
    state.rangesVersion += 1;
  }

  // --- scope and sessions ----------------------------------------------------------------------

  function sessionToken(ranges) {
    return ranges.map(r => `${r.id}:-1#${r.lsn}`).join(",");
  }

  /**
   * Checks the request's session token against each range it reads (tokens of a range's
   * ancestors count for it); throws 404/1002 when one asks for more than the range has.
   */
  function checkSession(ctx, ranges) {
    const consistency = (header(ctx.headers, "x-ms-consistency-level") || "Session").toLowerCase();
    const value = header(ctx.headers, "x-ms-session-token");
    if (!value || !value.trim() || consistency !== "session") return;
    const parsed = parseSessionToken(value);
    if (!parsed) throw new HttpError(400, `The session token provided '${value}' is invalid.`);
    for (const r of ranges) {
      for (const id of [r.id, ...r.parents]) {
        const wanted = parsed.get(id);
        if (wanted !== undefined && wanted > r.lsn) {
          if (ctx.onSessionNotAvailable) ctx.onSessionNotAvailable();
          // (No x-ms-session-token on this answer, as before: clients must not merge it.)
          throw new HttpError(404, "The read session is not available for the input session token.", {
            substatus: 1002
          });
        }
      }
    }
  }

  function pkFromHeader(state, headers, arity) {
    const value = header(headers, "x-ms-documentdb-partitionkey");
    if (value === undefined) return null;
    return parts.parsePartitionKey(value, state.paths, arity);
  }

  /**
   * The records and ranges a feed, query or change feed reads: one range (range id header), one
   * logical partition or a MultiHash prefix (partition key header), an EPK sub-range
   * (x-ms-start-epk/x-ms-end-epk), or everything.
   */
  function scopeOf(state, headers) {
    const rangeId = header(headers, "x-ms-documentdb-partitionkeyrangeid");
    let ranges = state.ranges;
    const filters = [];
    if (rangeId !== undefined) {
      const r = state.rangeById(rangeId);
      ranges = [r];
      filters.push(rec => parts.inRange(r, rec.epk));
    }
    const pk = pkFromHeader(state, headers, "prefix");
    let logical = null;
    if (pk) {
      if (pk.length === state.paths.length) {
        const key = parts.keyString(pk);
        const e = state.epkOf(pk);
        logical = { pk, key };
        filters.push(rec => rec.pkKey === key);
        ranges = ranges.filter(r => parts.inRange(r, e));
      } else {
        const prefix = state.epkOf(pk);
        const n = pk.length;
        const keyPrefix = parts.keyString(pk);
        logical = { pk, prefix: true };
        filters.push(rec => parts.keyString(rec.pk.slice(0, n)) === keyPrefix);
        // "G" sorts after every hex digit: the prefix's keys lie in [prefix, prefix + "G").
        ranges = ranges.filter(r => (r.max === "FF" || prefix < r.max) && prefix + "G" > r.min);
      }
      if (rangeId !== undefined && ranges.length === 0) {
        const value = header(headers, "x-ms-documentdb-partitionkey");
        throw keyError(`The partition key ${value} is not in partition key range '${rangeId}'.`);
      }
    }
    const start = header(headers, "x-ms-start-epk");
    const end = header(headers, "x-ms-end-epk");
    if (start !== undefined || end !== undefined) {
      const lo = start || "";
      const hi = end || "FF";
      filters.push(rec => rec.epk >= lo && (hi === "FF" || rec.epk < hi));
    }
    const accept = rec => filters.every(f => f(rec));
    return { ranges, accept, logical, rangeId };
  }

  function feedBody(state, name, items) {
    return { _rid: state.rid, [name]: items, _count: items.length };
  }

  function pageOptions(headers) {
    const max = header(headers, "x-ms-max-item-count");
    const maxItemCount = max !== undefined && /^-?\d+$/.test(String(max).trim()) ? parseInt(max, 10) : null;
    const cont = header(headers, "x-ms-continuation");
    let continuation = null;
    if (cont) {
      try {
        continuation = JSON.parse(cont);
      } catch (e) {
        throw new HttpError(400, `The continuation token '${cont}' is invalid.`);
      }
    }
    return { maxItemCount: maxItemCount !== null && maxItemCount > 0 ? maxItemCount : undefined, continuation };
  }

  function runQuery(state, sql, parameters, headers, docs) {
    const { maxItemCount, continuation } = pageOptions(headers);
    let result;
    try {
      result = compile(sql).exec(docs, {
        parameters,
        udf: udfsOf(state),
        maxItemCount,
        continuation,
        compositeIndexes: state.compositeIndexes
      });
    } catch (err) {
      // Syntax errors and failures of the query itself, as the package answers them.
      if (err instanceof Error) throw new HttpError(400, String(err.message));
      throw err;
    }
    return pageAnswer(result);
  }

  /** One page of a query's answer: its items, their count and the next page's token. */
  function pageAnswer(result) {
    const headersOut = { "x-ms-item-count": String(result.result.length) };
    if (result.continuation) headersOut["x-ms-continuation"] = JSON.stringify(result.continuation);
    return { items: result.result, headers: headersOut };
  }

  /** runQuery for a plain id lookup (lib/idlookup.js): the same answer, without the engine. */
  function runPlain(plan, params, headers, docs) {
    const { maxItemCount, continuation } = pageOptions(headers);
    let result;
    try {
      result = idlookup.runPlan(plan, params, docs, maxItemCount, continuation);
    } catch (err) {
      if (err instanceof Error) throw new HttpError(400, String(err.message));
      throw err;
    }
    return pageAnswer(result);
  }

  // --- request handlers ------------------------------------------------------------------------

  function pkranges(state, ctx) {
    const { etag } = state.pkranges();
    const headers = { etag };
    const inm = header(ctx.headers, "if-none-match");
    if (inm !== undefined && unquote(inm) === unquote(etag)) {
      return { status: 304, body: undefined, headers: { ...headers, "x-ms-item-count": "0" } };
    }
    const pkr = state.collection.partitionKeyRanges;
    const items = state.ranges.map(r => {
      const rid = pkr._rid(Number(r.id) + 1);
      return {
        _rid: rid,
        id: r.id,
        _etag: `"${state.rid}-${r.id}"`,
        minInclusive: r.min,
        maxExclusive: r.max,
        ridPrefix: Number(r.id),
        _self: pkr._self(rid),
        throughputFraction: 1 / state.ranges.length,
        status: "online",
        parents: [...r.parents],
        _ts: r.ts,
        lsn: r.lsn
      };
    });
    headers["x-ms-item-count"] = String(items.length);
    return { status: 200, body: feedBody(state, "PartitionKeyRanges", items), headers };
  }

  function pointOp(state, ctx, kind) {
    const headers = ctx.headers;
    let pk = null;
    const value = header(headers, "x-ms-documentdb-partitionkey");
    if (value !== undefined) pk = parts.parsePartitionKey(value, state.paths, "exact");
    else if (kind !== "create" && state.paths.length > 0) {
      throw keyError(parts.FEWER_COMPONENTS);
    }
    const rangeId = header(headers, "x-ms-documentdb-partitionkeyrangeid");
    if (rangeId !== undefined) state.rangeById(rangeId);
    const target = kind === "create" || kind === "upsert" || kind === "replace"
      ? parts.componentsOf(ctx.body && typeof ctx.body === "object" ? ctx.body : {}, state.paths)
      : pk || [];
    const range = state.rangeOf(state.epkOf(pk || target));
    if (kind === "read") checkSession(ctx, [range]);
    const view = new View(state);
    const lsn = range.lsn + 1;
    const op = {
      kind,
      id: ctx.docId,
      body: ctx.body,
      pk,
      ifMatch: header(headers, "if-match"),
      ifNoneMatch: header(headers, "if-none-match"),
      patch: Array.isArray(ctx.body) ? { operations: ctx.body } : ctx.body,
      lsn
    };
    const triggers = ctx.triggers;
    let r;
    if (triggers && kind !== "read") {
      // Pre-triggers may change the body; triggers see (and may write to) the operation's own
      // view, so the write and everything its triggers did commit together or not at all.
      const tx = transactionOn(state, view, range, lsn, pk || target);
      if (triggers.pre) {
        const body = triggers.pre(tx, op.body);
        if (body !== undefined) op.body = body;
        if (kind !== "delete" && kind !== "patch") op.patch = Array.isArray(op.body) ? { operations: op.body } : op.body;
      }
      r = applyOp(state, view, op);
      if (r.statusCode < 300 && triggers.post) triggers.post(tx, r.body);
    } else {
      r = applyOp(state, view, op);
    }
    if (r.statusCode < 300) commit(state, view, range, lsn);
    const out = { "x-ms-session-token": sessionToken([range]), "x-ms-documentdb-partitionkeyrangeid": range.id };
    maybeSplit(state, range);
    if (r.statusCode === 304) return { status: 304, body: undefined, headers: { ...out, etag: r.etag } };
    if (r.statusCode >= 400) {
      return { status: r.statusCode, body: r.body, headers: out, substatus: r.subStatusCode };
    }
    return { status: r.statusCode, body: r.body, headers: out };
  }

  function readFeed(state, ctx) {
    const scope = scopeOf(state, ctx.headers);
    checkSession(ctx, scope.ranges);
    const docs = [];
    for (const rec of state.records.values()) if (scope.accept(rec)) docs.push(rec.doc);
    const { items, headers } = runQuery(state, "SELECT * FROM c", [], ctx.headers, docs);
    headers["x-ms-session-token"] = sessionToken(scope.ranges);
    return { status: 200, body: feedBody(state, "Documents", items), headers };
  }

  function query(state, ctx) {
    const body = ctx.body;
    if (!body || typeof body.query !== "string" || !body.query) {
      throw new HttpError(400, "The query body needs a 'query' text.");
    }
    const scope = scopeOf(state, ctx.headers);
    const crossPartition = isTrue(header(ctx.headers, "x-ms-documentdb-query-enablecrosspartition"));
    if (!scope.logical && scope.rangeId === undefined && !crossPartition && state.paths.length > 0) {
      let pinned = false;
      try {
        pinned = compile(body.query).containsPartitionKeys(state.paths);
      } catch (e) {
        throw new HttpError(400, String(e.message));
      }
      if (!pinned) {
        throw new HttpError(400, CROSS_PARTITION_DISABLED);
      }
    }
    checkSession(ctx, scope.ranges);
    // An id lookup reads only the documents with those ids, as the service's index does; the
    // engine still evaluates the whole query on them (its results sort by _rid, whatever the
    // input order), so the answer is the scan's.
    // The plain shape readDocuments sends is recognised from its text and answered without the
    // engine (whose parser is the slow part then); other id lookups go through the engine.
    let ids = null;
    let plan = null;
    let params = null;
    if (idLookup()) {
      plan = idlookup.plain(body.query);
      params = plan ? idlookup.bind(body.parameters) : null;
      if (plan && params) {
        ids = idlookup.planIds(plan, params);
      } else {
        plan = null;
        try {
          ids = idlookup.lookupIds(compile(body.query).ast, body.parameters);
        } catch (e) {
          ids = null; // a syntax error: the scan path answers it
        }
      }
    }
    const docs = [];
    for (const rec of ids ? state.recordsWithIds(ids) : state.records.values()) {
      if (scope.accept(rec)) docs.push(rec.doc);
    }
    if (ctx.onQuery) ctx.onQuery(ids ? "idLookup" : "scan", Boolean(plan));
    const { items, headers } = plan
      ? runPlain(plan, params, ctx.headers, docs)
      : runQuery(state, body.query, body.parameters, ctx.headers, docs);
    headers["x-ms-session-token"] = sessionToken(scope.ranges);
    return { status: 200, body: feedBody(state, "Documents", items), headers };
  }

  function changeFeed(state, ctx, mode) {
    const headers = ctx.headers;
    const scope = scopeOf(state, headers);
    if (scope.ranges.length !== 1) {
      throw new HttpError(400, state.ranges.length > 1 && scope.ranges.length > 1
        ? CHANGE_FEED_NEEDS_SCOPE
        : "The change feed request's partition key spans several partition key ranges; read it per range.");
    }
    const range = scope.ranges[0];
    checkSession(ctx, [range]);
    const fullFidelity = mode === "full";
    const inm = header(headers, "if-none-match");
    const ims = header(headers, "if-modified-since");
    let after = 0;
    let since = null;
    if (inm !== undefined && inm.trim() === "*") {
      after = range.lsn;
    } else if (inm !== undefined && inm.trim() !== "") {
      const t = unquote(inm);
      if (!/^\d+$/.test(t)) throw new HttpError(400, `The change feed continuation (If-None-Match) '${inm}' is invalid.`);
      after = Number(t);
    } else if (ims !== undefined) {
      if (fullFidelity) throw new HttpError(400, FULL_FIDELITY_START("from a point in time (If-Modified-Since)"));
      const when = Date.parse(ims);
      if (Number.isNaN(when)) throw new HttpError(400, `If-Modified-Since '${ims}' is not an HTTP date.`);
      since = when;
    } else if (fullFidelity) {
      throw new HttpError(400, FULL_FIDELITY_START("from the beginning"));
    }
    const inScope = rec => parts.inRange(range, rec.epk) && scope.accept(rec);
    let items;
    if (fullFidelity) {
      items = state.log
        .filter(e => e.lsn > after && inScope(e))
        .map(e => ({ lsn: e.lsn, item: fullFidelityItem(e) }));
    } else {
      items = [];
      for (const rec of state.records.values()) {
        if (!inScope(rec) || rec.lsn <= after) continue;
        if (since !== null && rec.ms < since) continue;
        items.push({ lsn: rec.lsn, item: withLsn(rec) });
      }
      items.sort((a, b) => a.lsn - b.lsn);
    }
    const max = pageOptions(headers).maxItemCount;
    let page = items;
    let truncated = false;
    if (max && items.length > max) {
      let n = max;
      while (n < items.length && items[n].lsn === items[n - 1].lsn) n += 1;
      truncated = n < items.length;
      page = items.slice(0, n);
    }
    const etagLsn = truncated ? page[page.length - 1].lsn : Math.max(range.lsn, after);
    const out = {
      etag: `"${etagLsn}"`,
      "x-ms-session-token": sessionToken([range]),
      "x-ms-item-count": String(page.length),
      "x-ms-documentdb-partitionkeyrangeid": range.id
    };
    if (page.length === 0) return { status: 304, body: undefined, headers: out };
    return { status: 200, body: feedBody(state, "Documents", page.map(p => p.item)), headers: out };
  }

  function fullFidelityItem(e) {
    const metadata = {
      operationType: e.operationType,
      lsn: e.lsn,
      crts: e.crts,
      previousImageLSN: e.previous ? e.previous.lsn : 0
    };
    if (e.operationType === "delete") {
      metadata.timeToLiveExpired = e.ttlExpired === true;
      metadata.id = e.id;
    }
    const item = {};
    if (e.current) item.current = withLsn(e.current);
    if (e.previous) item.previous = withLsn(e.previous);
    item.metadata = metadata;
    return item;
  }

  /**
   * A transactional (atomic) batch or a bulk (non-atomic) batch. `ctx.spend(cost)`: null when
   * the RU budget allows an operation of a non-atomic batch, else the ms to retry after.
   */
  function batch(state, ctx) {
    const headers = ctx.headers;
    const ops = ctx.body;
    if (!Array.isArray(ops)) throw new HttpError(400, "A batch request's body must be a JSON array of operations.");
    if (ops.length === 0) throw new HttpError(400, "The batch request did not have any operations to be executed.");
    if (ops.length > MAX_BATCH_OPERATIONS) {
      throw new HttpError(400, "Batch request has more operations than what is supported.");
    }
    const atomicHeader = header(headers, "x-ms-cosmos-batch-atomic");
    const pkHeader = header(headers, "x-ms-documentdb-partitionkey");
    const atomic = atomicHeader === undefined ? pkHeader !== undefined : isTrue(atomicHeader);
    const continueOnError = isTrue(header(headers, "x-ms-cosmos-batch-continue-on-error"));
    const minimal = /return=minimal/i.test(header(headers, "prefer") || "");
    const rangeIdHeader = header(headers, "x-ms-documentdb-partitionkeyrangeid");
    const namedRange = rangeIdHeader !== undefined ? state.rangeById(rangeIdHeader) : null;
    const requestPk = pkHeader !== undefined ? parts.parsePartitionKey(pkHeader, state.paths, "exact") : null;

    const decoded = ops.map((raw, i) => {
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
        throw new HttpError(400, `Batch operation ${i} is not a JSON object.`);
      }
      const kind = BATCH_OP_KINDS[raw.operationType];
      if (!kind) throw new HttpError(400, `Batch operation ${i} has an unknown operationType '${raw.operationType}'.`);
      let pk = null;
      if (raw.partitionKey !== undefined && raw.partitionKey !== null) {
        pk = parts.parsePartitionKey(raw.partitionKey, state.paths, "exact", `partitionKey of batch operation ${i}`);
      }
      if (atomic) {
        if (pk && requestPk && parts.keyString(pk) !== parts.keyString(requestPk)) {
          throw keyError(`Batch operation ${i} has a partition key other than the request's; ` +
            "all operations of a transactional batch must share one.");
        }
        pk = pk || requestPk;
      } else {
        pk = pk || requestPk;
      }
      if (!pk) {
        if (state.paths.length > 0 && (kind !== "create" && kind !== "upsert")) {
          throw keyError("Batch operations need the x-ms-documentdb-partitionkey header or a partitionKey per operation.");
        }
        pk = parts.componentsOf(raw.resourceBody && typeof raw.resourceBody === "object" ? raw.resourceBody : {}, state.paths);
      }
      const e = state.epkOf(pk);
      if (namedRange && !parts.inRange(namedRange, e)) {
        throw keyError(
          `The partition key ${parts.headerForm(pk)} of batch operation ${i} is not in partition key range ` +
            `'${namedRange.id}' (effective key ${e} is outside [${namedRange.min}, ${namedRange.max})).`
        );
      }
      return {
        kind,
        id: raw.id !== undefined ? raw.id : raw.resourceBody && raw.resourceBody.id,
        body: raw.resourceBody,
        pk,
        ifMatch: raw.ifMatch,
        ifNoneMatch: raw.ifNoneMatch,
        patch: raw.resourceBody,
        range: state.rangeOf(e),
        charge: kind === "read" ? CHARGES.read : CHARGES.write
      };
    });

    if (atomic) {
      const keys = new Set(decoded.map(d => parts.keyString(d.pk)));
      if (keys.size > 1) {
        throw new HttpError(400, "All operations of a transactional batch must share one partition key.", { substatus: 1001 });
      }
    }

    const entry = (op, r) => {
      const e = { statusCode: r.statusCode, requestCharge: r.statusCode === 424 || r.statusCode === 429 ? 0 : op.charge };
      if (r.subStatusCode) e.subStatusCode = r.subStatusCode;
      if (r.body && r.body._etag) e.eTag = r.body._etag;
      if (r.retryAfterMilliseconds !== undefined) e.retryAfterMilliseconds = r.retryAfterMilliseconds;
      if (r.statusCode < 400 && r.body && r.body._etag && !(minimal && op.kind !== "read")) e.resourceBody = r.body;
      return e;
    };

    const touched = [];
    const touch = r => {
      if (!touched.includes(r)) touched.push(r);
    };

    if (atomic) {
      const range = decoded[0].range;
      touch(range);
      const view = new View(state);
      const lsn = range.lsn + 1;
      const results = [];
      let failed = -1;
      for (let i = 0; i < decoded.length; i += 1) {
        const r = applyOp(state, view, { ...decoded[i], lsn });
        results.push(r);
        if (r.statusCode >= 400) {
          failed = i;
          break;
        }
      }
      let body;
      let status;
      if (failed >= 0) {
        body = decoded.map((op, i) => (i === failed ? entry(op, results[i]) : entry(op, { statusCode: 424 })));
        status = 207;
      } else {
        commit(state, view, range, lsn);
        body = decoded.map((op, i) => entry(op, results[i]));
        status = 200;
      }
      const out = { "x-ms-session-token": sessionToken([range]), "x-ms-documentdb-partitionkeyrangeid": range.id };
      maybeSplit(state, range);
      return { status, body, headers: out, batch: true };
    }

    const body = [];
    let anyFailed = false;
    let stop = false;
    // The range whose write reaches --split-after splits once the whole request is done, so that
    // every operation of a bulk request is applied (and answered) by the range it was sent to.
    let splitting = null;
    for (const op of decoded) {
      touch(op.range);
      if (stop) {
        body.push(entry(op, { statusCode: 424 }));
        continue;
      }
      const retryAfter = ctx.spend ? ctx.spend(op.charge) : null;
      if (retryAfter !== null && retryAfter !== undefined) {
        body.push(entry(op, { statusCode: 429, subStatusCode: 3200, retryAfterMilliseconds: retryAfter }));
        anyFailed = true;
        if (!continueOnError) stop = true;
        continue;
      }
      const view = new View(state);
      const lsn = op.range.lsn + 1;
      const r = applyOp(state, view, { ...op, lsn });
      if (r.statusCode < 300) {
        const before = state.writes;
        commit(state, view, op.range, lsn);
        if (!splitting && state.splitAfter && before < state.splitAfter && state.writes >= state.splitAfter) {
          splitting = op.range;
        }
      } else {
        anyFailed = true;
        if (!continueOnError) stop = true;
      }
      body.push(entry(op, r));
    }
    // One range's token when the request named a range (what SDKs expect of a bulk answer);
    // the tokens of every range touched otherwise.
    const out = { "x-ms-session-token": sessionToken(namedRange ? [namedRange] : touched) };
    if (splitting) maybeSplit(state, splitting);
    return { status: anyFailed ? 207 : 200, body, headers: out, batch: true };
  }

  /**
   * Serves one document-layer request. `ctx`: {container: {key, rid, definition, collection},
   * kind: create|upsert|replace|patch|delete|read|feed|query|batch|pkranges, docId, headers,
   * body, spend(cost), onSessionNotAvailable(), onQuery("idLookup"|"scan", withoutEngine)}. Returns {status, body, headers, substatus?};
   * throws HttpError.
   */
  function handle(ctx) {
    const state = stateOf(ctx.container);
    expire(state, ctx.container.definition);
    switch (ctx.kind) {
      case "pkranges":
        return pkranges(state, ctx);
      case "feed": {
        const aim = (header(ctx.headers, "a-im") || "").trim().toLowerCase();
        if (aim === "incremental feed") return changeFeed(state, ctx, "incremental");
        if (aim === "full-fidelity feed") return changeFeed(state, ctx, "full");
        if (aim) {
          throw new HttpError(400, `A-IM '${header(ctx.headers, "a-im")}' is not supported; use 'Incremental feed' or 'Full-Fidelity Feed'.`);
        }
        return readFeed(state, ctx);
      }
      case "query":
        return query(state, ctx);
      case "batch":
        return batch(state, ctx);
      case "create":
      case "upsert":
      case "replace":
      case "patch":
      case "delete":
      case "read":
        return pointOp(state, ctx, ctx.kind);
      default:
        throw new HttpError(400, `cosmos-local has no document operation '${ctx.kind}'.`);
    }
  }

  // --- time to live ------------------------------------------------------------------------------

  /**
   * The record's life in seconds under the container's definition: null when it never expires.
   * TTL is on when the container has a defaultTtl (-1: on, no default); a document's own `ttl`
   * (-1: never) overrides the default then, and counts for nothing when TTL is off.
   */
  function lifeOf(definition, doc) {
    const dflt = definition ? definition.defaultTtl : undefined;
    if (dflt === undefined || dflt === null) return null;
    const own = doc.ttl;
    const ttl = typeof own === "number" && Number.isInteger(own) && (own > 0 || own === -1) ? own : dflt;
    return typeof ttl === "number" && ttl > 0 ? ttl : null;
  }

  /**
   * Removes the container's expired documents (lazily, on the next request that touches the
   * container), each a delete in the full-fidelity change feed with timeToLiveExpired: true.
   */
  function expire(state, definition) {
    if (!definition || definition.defaultTtl === undefined || definition.defaultTtl === null) return;
    const now = Date.now();
    for (const [key, rec] of [...state.records]) {
      const life = lifeOf(definition, rec.doc);
      if (life === null || now < rec.ms + life * 1000) continue;
      const range = state.rangeOf(rec.epk);
      const lsn = range.lsn + 1;
      range.lsn = lsn;
      state.dropRecord(key);
      state.log.push({
        lsn,
        crts: Math.floor(now / 1000),
        ms: now,
        epk: rec.epk,
        pkKey: rec.pkKey,
        operationType: "delete",
        current: undefined,
        previous: rec,
        id: rec.doc.id,
        ttlExpired: true
      });
    }
  }

  // --- transactions (stored procedures and triggers) -----------------------------------------------

  /**
   * Operations on one logical partition (`pk`: its components) over `view`; nothing reaches the
   * container until commit(). Each returns {statusCode, body?}.
   */
  function transactionOn(state, view, range, lsn, pk) {
    const pkKey = parts.keyString(pk);
    const write = (kind, id, body, options = {}) => applyOp(state, view, {
      kind, id, body, pk, ifMatch: options.ifMatch, ifNoneMatch: undefined, patch: body, lsn
    });
    let committed = false;
    return {
      pk,
      create: (body, options) => write("create", undefined, body, options),
      upsert: (body, options) => write("upsert", undefined, body, options),
      replace: (id, body, options) => write("replace", id, body, options),
      delete: (id, options) => write("delete", id, undefined, options),
      read: id => applyOp(state, view, { kind: "read", id, pk, lsn }),
      /** The partition's document with this `_rid`, or null. */
      byRid: rid => {
        const rec = view.partition(pkKey).find(r => r.doc._rid === rid);
        return rec ? rec.doc : null;
      },
      query: (sql, parameters) => {
        const docs = view.partition(pkKey).map(r => r.doc);
        try {
          const result = compile(sql).exec(docs, { parameters, udf: udfsOf(state), compositeIndexes: state.compositeIndexes });
          return { statusCode: 200, body: result.result };
        } catch (err) {
          return badOp(String(err && err.message));
        }
      },
      selfLink: () => state.collection.read()._self,
      /** Commits the view (once); the answer's session headers. */
      commit: () => {
        if (!committed) commit(state, view, range, lsn);
        committed = true;
        maybeSplit(state, range);
        return { "x-ms-session-token": sessionToken([range]), "x-ms-documentdb-partitionkeyrangeid": range.id };
      }
    };
  }

  /**
   * A transaction on the logical partition of `pkHeader` (the partition key header's value) of
   * a resolved container, for a stored procedure: expired documents are gone first.
   */
  function transaction(container, pkHeader) {
    const state = stateOf(container);
    expire(state, container.definition);
    let pk;
    if (pkHeader !== undefined) pk = parts.parsePartitionKey(pkHeader, state.paths, "exact");
    else if (state.paths.length > 0) throw keyError(parts.FEWER_COMPONENTS);
    else pk = [];
    const range = state.rangeOf(state.epkOf(pk));
    return transactionOn(state, new View(state), range, range.lsn + 1, pk);
  }

  return {
    handle,
    transaction,
    reset,
    dropPrefix,
    /** The container's state (tests and stats). */
    inspect: key => containers.get(key) || null
  };
}

module.exports = { createDocumentStore, parseSessionToken, CHARGES };
