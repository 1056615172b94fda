"use strict";
// Server-side scripts of cosmos-local: stored procedures, triggers and user-defined functions
// (create, read, replace, delete, list, query), stored procedures that run, pre- and
// post-triggers on document writes, and an always-empty conflicts feed.
//
// Scripts run in Node's `vm`: a fresh context per execution, a time limit, and the part of the
// service's server-side API scripts use most (getContext(), the collection's document
// operations in the request's logical partition, getRequest()/getResponse(), console.log).
// A context is not a security boundary; this is a test server for trusted scripts.

const crypto = require("crypto");
const vm = require("vm");
const cosmosQuery = require("@zeit/cosmosdb-query").default;
const ResourceId = require("@vercel/cosmosdb-server/lib/account/resource-id").default;

const { HttpError } = require("./errors");

const KINDS = {
  sprocs: { feed: "StoredProcedures", byte: ResourceId.StoredProcedureByte, field: "storedProcedure", what: "stored procedure" },
  triggers: { feed: "Triggers", byte: ResourceId.TriggerByte, field: "trigger", what: "trigger" },
  udfs: { feed: "UserDefinedFunctions", byte: ResourceId.UserDefinedFunctionByte, field: "userDefinedFunction", what: "user-defined function" }
};
const TRIGGER_TYPES = ["Pre", "Post"];
const TRIGGER_OPERATIONS = ["All", "Create", "Update", "Replace", "Delete"];
// The request operation -> the trigger operations that run on it.
const RUNS_ON = {
  create: ["All", "Create"],
  upsert: ["All", "Create", "Replace", "Update"],
  replace: ["All", "Replace", "Update"],
  patch: ["All", "Replace", "Update"],
  delete: ["All", "Delete"]
};
const OPERATION_NAMES = { create: "Create", upsert: "Upsert", replace: "Replace", patch: "Patch", delete: "Delete" };
const DEFAULT_TIMEOUT_MS = 5000;
const LOG_HEADER = "x-ms-documentdb-script-log-results";

function header(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isTrue(v) {
  return typeof v === "string" && v.trim().toLowerCase() === "true";
}

function unquote(etag) {
  const t = String(etag).trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** A plain JSON copy of a value from a script's context (or undefined). */
function plain(value) {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}

/** An error as scripts' callbacks get it: `number` is the status code. */
function scriptError(result) {
  const message = (result.body && result.body.message) || `status ${result.statusCode}`;
  const err = new Error(message);
  err.number = result.statusCode;
  err.body = JSON.stringify(result.body || {});
  return err;
}

/** The service's answer to a script that threw: 400 with the exception's message. */
function failure(what, err) {
  if (err instanceof HttpError) return err;
  if (err && err.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
    return new HttpError(408, `The ${what} exceeded its allowed time to run.`, { code: "RequestTimeout" });
  }
  const name = err && typeof err === "object" && err.name ? err.name : "Error";
  const text = err && typeof err === "object" && "message" in err ? err.message : String(err);
  return new HttpError(400, `Encountered exception while executing function. Exception = ${name}: ${text}`);
}

/** Compiles a script body ("function (...) {...}") in `context`; 400 when it is not one. */
function compileIn(context, body, what) {
  let fn;
  try {
    fn = new vm.Script(`(${body}\n)`, { filename: what }).runInContext(context, { timeout: 1000 });
  } catch (err) {
    throw new HttpError(400, `The ${what}'s body is not a JavaScript function: ${err && err.message}`);
  }
  if (typeof fn !== "function") throw new HttpError(400, `The ${what}'s body is not a JavaScript function.`);
  return fn;
}

function createScriptStore(options = {}) {
  const timeoutMs = Math.max(1, Number(options.timeoutMs) || DEFAULT_TIMEOUT_MS);
  // container key -> { rid, counter, sprocs, triggers, udfs: Map id -> resource, udfFns }
  const containers = new Map();

  function stateOf(container) {
    let s = containers.get(container.key);
    if (!s || s.rid !== container.rid) {
      s = { rid: container.rid, counter: 0, sprocs: new Map(), triggers: new Map(), udfs: new Map(), udfFns: {} };
      containers.set(container.key, s);
    }
    return s;
  }

  function dropPrefix(prefix) {
    for (const k of [...containers.keys()]) {
      if (k === prefix || (prefix.endsWith("/") && k.startsWith(prefix))) containers.delete(k);
    }
  }

  /** The UDFs a query of the document layer's container state may call. */
  function udfsOf(docState) {
    const s = containers.get(docState.key);
    return s && s.rid === docState.rid ? s.udfFns : {};
  }

  function newRid(s, kind) {
    s.counter += 1;
    const idBuffer = Buffer.alloc(8, 0);
    idBuffer.writeInt32LE(s.counter, 0);
    idBuffer.writeUInt8((KINDS[kind].byte << 4) & 0xff, 7);
    const rid = ResourceId.parse(s.rid);
    rid[KINDS[kind].field] = ResourceId.bigNumberReadIntBE(idBuffer, 0, 8).toString();
    return rid.toString();
  }

  /** A checked resource of `kind` from a request body (create and replace). */
  function validate(kind, body) {
    const what = KINDS[kind].what;
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      throw new HttpError(400, `The ${what} must be a JSON object.`);
    }
    if (typeof body.id !== "string" || body.id === "") {
      throw new HttpError(400, "The input content is invalid because the required properties - 'id; ' - are missing");
    }
    if (/[/\\?#]/.test(body.id)) throw new HttpError(400, `The ${what} id '${body.id}' contains an invalid character.`);
    if (typeof body.body !== "string" || body.body.trim() === "") {
      throw new HttpError(400, `The ${what} needs a 'body': the script's text.`);
    }
    const fields = { id: body.id, body: body.body };
    if (kind === "triggers") {
      if (!TRIGGER_TYPES.includes(body.triggerType)) {
        throw new HttpError(400, `The trigger's triggerType must be one of ${TRIGGER_TYPES.join(", ")}; got ${JSON.stringify(body.triggerType)}.`);
      }
      if (!TRIGGER_OPERATIONS.includes(body.triggerOperation)) {
        throw new HttpError(400, `The trigger's triggerOperation must be one of ${TRIGGER_OPERATIONS.join(", ")}; got ${JSON.stringify(body.triggerOperation)}.`);
      }
      fields.triggerType = body.triggerType;
      fields.triggerOperation = body.triggerOperation;
    }
    // Refuse what does not compile now, not at its first run.
    const fn = compileIn(vm.createContext({}), body.body, what);
    return { fields, fn };
  }

  function store(s, kind, fields, fn, existing, container) {
    const rid = existing ? existing._rid : newRid(s, kind);
    const resource = {
      ...fields,
      _rid: rid,
      _self: `${container.definition._self}/${kind}/${rid}`,
      _etag: crypto.randomUUID(),
      _ts: Math.floor(Date.now() / 1000)
    };
    s[kind].set(fields.id, resource);
    if (kind === "udfs") s.udfFns[fields.id] = fn;
    return resource;
  }

  function notFound(kind, id) {
    return new HttpError(404, `The ${KINDS[kind].what} '${id}' does not exist. Resource Not Found.`);
  }

  function checkIfMatch(headers, resource) {
    const ifMatch = header(headers, "if-match");
    if (ifMatch !== undefined && ifMatch.trim() !== "*" && unquote(ifMatch) !== unquote(resource._etag)) {
      throw new HttpError(412, "Operation cannot be performed because one of the specified precondition is not met.");
    }
  }

  function feed(name, rid, items, headers) {
    const max = Number(header(headers, "x-ms-max-item-count"));
    const cont = header(headers, "x-ms-continuation");
    const start = cont && /^\d+$/.test(cont) ? Number(cont) : 0;
    const end = Number.isInteger(max) && max > 0 ? start + max : items.length;
    const page = items.slice(start, end);
    const out = { "x-ms-item-count": String(page.length) };
    if (end < items.length) out["x-ms-continuation"] = String(end);
    return { status: 200, body: { _rid: rid, [name]: page, _count: page.length }, headers: out };
  }

  function query(name, rid, items, body, headers) {
    if (!body || typeof body.query !== "string" || !body.query) throw new HttpError(400, "The query body needs a 'query' text.");
    let result;
    try {
      result = cosmosQuery(body.query).exec(items, { parameters: body.parameters });
    } catch (err) {
      throw new HttpError(400, String(err && err.message));
    }
    return feed(name, rid, result.result, headers);
  }

  /**
   * Serves .../sprocs|triggers|udfs[/{id}] and .../conflicts[/{id}]. `ctx`: {container, kind,
   * id (or undefined), method, headers, body, documents}. Returns {status, body, headers}.
   */
  function handle(ctx) {
    const { container, kind, id, method, headers, body } = ctx;
    if (kind === "conflicts") {
      // A single-region account has no conflicts: an empty feed; any one of them is unknown.
      if (id === undefined && method === "GET") return feed("Conflicts", container.rid, [], headers);
      if (id === undefined && method === "POST" && (isTrue(header(headers, "x-ms-documentdb-isquery")) ||
          header(headers, "content-type") === "application/query+json")) {
        return query("Conflicts", container.rid, [], body, headers);
      }
      if (id !== undefined && (method === "GET" || method === "DELETE")) {
        throw new HttpError(404, `The conflict '${id}' does not exist. Resource Not Found.`);
      }
      throw new HttpError(405, `cosmos-local: ${method} is not allowed on conflicts.`, { code: "MethodNotAllowed" });
    }
    const s = stateOf(container);
    const map = s[kind];
    const name = KINDS[kind].feed;
    if (id === undefined) {
      if (method === "GET") return feed(name, container.rid, [...map.values()], headers);
      if (method !== "POST") throw new HttpError(405, `cosmos-local: ${method} is not allowed on ${kind}.`, { code: "MethodNotAllowed" });
      if (isTrue(header(headers, "x-ms-documentdb-isquery")) || header(headers, "content-type") === "application/query+json") {
        return query(name, container.rid, [...map.values()], body, headers);
      }
      const { fields, fn } = validate(kind, body);
      const existing = map.get(fields.id);
      if (existing && !isTrue(header(headers, "x-ms-documentdb-is-upsert"))) {
        throw new HttpError(409, "Entity with the specified id already exists in the system.");
      }
      if (existing) checkIfMatch(headers, existing);
      return { status: existing ? 200 : 201, body: store(s, kind, fields, fn, existing, container), headers: {} };
    }
    const existing = map.get(id);
    if (method === "POST" && kind === "sprocs") {
      if (!existing) throw notFound(kind, id);
      return execute(ctx, existing);
    }
    if (!existing) throw notFound(kind, id);
    if (method === "GET") return { status: 200, body: existing, headers: {} };
    if (method === "PUT") {
      const { fields, fn } = validate(kind, body);
      if (fields.id !== id) {
        throw new HttpError(400, `The id '${fields.id}' in the request body does not match the id '${id}' in the URL.`);
      }
      checkIfMatch(headers, existing);
      return { status: 200, body: store(s, kind, fields, fn, existing, container), headers: {} };
    }
    if (method === "DELETE") {
      checkIfMatch(headers, existing);
      map.delete(id);
      if (kind === "udfs") delete s.udfFns[id];
      return { status: 204, body: undefined, headers: {} };
    }
    throw new HttpError(405, `cosmos-local: ${method} is not allowed on a ${KINDS[kind].what}.`, { code: "MethodNotAllowed" });
  }

  // --- running scripts ---------------------------------------------------------------------------

  /** The last segment after "/docs/" of a document link (name- or rid-based), for `tx`. */
  function docIdOf(tx, link) {
    const text = String(link || "").replace(/\/+$/, "");
    const at = text.lastIndexOf("/docs/");
    const last = at >= 0 ? text.slice(at + 6) : text.slice(text.lastIndexOf("/") + 1);
    let id;
    try {
      id = decodeURIComponent(last);
    } catch (e) {
      id = last;
    }
    const byRid = tx.byRid(id);
    if (byRid && tx.read(id).statusCode !== 200) return byRid.id;
    return id;
  }

  /**
   * The collection object scripts get: each operation calls its callback (err, result, options)
   * at once and returns true (accepted); without a callback a failure throws.
   */
  function collectionOf(tx) {
    const finish = (result, callback, ok) => {
      const err = result.statusCode >= 400 ? scriptError(result) : null;
      if (typeof callback === "function") {
        callback(err, err ? undefined : ok(result), {});
      } else if (err) {
        throw err;
      }
      return true;
    };
    const args = (options, callback) => (typeof options === "function" ? [{}, options] : [options || {}, callback]);
    const selfLink = () => tx.selfLink() + "/";
    return {
      getSelfLink: selfLink,
      getAltLink: () => tx.altLink,
      createDocument(link, doc, options, callback) {
        const [o, cb] = args(options, callback);
        const body = plain(doc);
        const r = o.disableAutomaticIdGeneration || (body && body.id !== undefined)
          ? tx.create(body)
          : tx.create({ ...body, id: crypto.randomUUID() });
        return finish(r, cb, res => plain(res.body));
      },
      upsertDocument(link, doc, options, callback) {
        const [o, cb] = args(options, callback);
        return finish(tx.upsert(plain(doc), { ifMatch: o.etag }), cb, res => plain(res.body));
      },
      readDocument(link, options, callback) {
        const [, cb] = args(options, callback);
        return finish(tx.read(docIdOf(tx, link)), cb, res => plain(res.body));
      },
      replaceDocument(link, doc, options, callback) {
        const [o, cb] = args(options, callback);
        return finish(tx.replace(docIdOf(tx, link), plain(doc), { ifMatch: o.etag }), cb, res => plain(res.body));
      },
      deleteDocument(link, options, callback) {
        const [o, cb] = args(options, callback);
        return finish(tx.delete(docIdOf(tx, link), { ifMatch: o.etag }), cb, () => undefined);
      },
      queryDocuments(link, sql, options, callback) {
        const [, cb] = args(options, callback);
        const spec = typeof sql === "string" ? { query: sql } : plain(sql) || {};
        const r = tx.query(String(spec.query || ""), spec.parameters);
        const err = r.statusCode >= 400 ? scriptError(r) : null;
        if (typeof cb === "function") cb(err, err ? undefined : plain(r.body), { continuation: undefined });
        else if (err) throw err;
        return true;
      }
    };
  }

  /** Runs `fn` (compiled in `context`) with `args`, within the time limit. */
  function run(context, body, what, args) {
    context.__args = plain(args) || [];
    const fn = compileIn(context, body, what);
    context.__fn = fn;
    new vm.Script("__fn.apply(this, __args)", { filename: what }).runInContext(context, { timeout: timeoutMs });
  }

  function newContext(sandbox, logs) {
    return vm.createContext({
      ...sandbox,
      console: { log: (...a) => logs.push(a.map(v => (typeof v === "string" ? v : JSON.stringify(v))).join(" ")) }
    });
  }

  /** POST .../sprocs/{id}: runs it in the request's logical partition; commits when it returns. */
  function execute(ctx, sproc) {
    const args = ctx.body === undefined ? [] : ctx.body;
    if (!Array.isArray(args)) {
      throw new HttpError(400, "The stored procedure's arguments must be a JSON array, e.g. [\"World\"].");
    }
    const tx = ctx.documents.transaction(ctx.container, header(ctx.headers, "x-ms-documentdb-partitionkey"));
    tx.altLink = ctx.container.key;
    const logs = [];
    let responseBody;
    const collection = collectionOf(tx);
    const response = {
      setBody: v => {
        responseBody = plain(v);
      },
      getBody: () => responseBody
    };
    const request = { getBody: () => plain(args) };
    const context = newContext({
      getContext: () => ({ getCollection: () => collection, getResponse: () => response, getRequest: () => request }),
      __: collection
    }, logs);
    try {
      run(context, sproc.body, "stored procedure", args);
    } catch (err) {
      const e = failure("stored procedure", err);
      if (logs.length && isTrue(header(ctx.headers, "x-ms-documentdb-script-enable-logging"))) {
        e.headers = { ...e.headers, [LOG_HEADER]: encodeURIComponent(logs.join("\n")) };
      }
      throw e;
    }
    const headers = tx.commit();
    if (isTrue(header(ctx.headers, "x-ms-documentdb-script-enable-logging"))) {
      headers[LOG_HEADER] = encodeURIComponent(logs.join("\n"));
    }
    return { status: 200, body: responseBody, headers };
  }

  /**
   * The pre- and post-triggers a document write names (x-ms-documentdb-pre-trigger-include /
   * post-trigger-include, comma-separated), as hooks for the document layer; null when none.
   * Throws 400 for an unknown trigger or one of the wrong type or operation.
   */
  function triggersFor(container, kind, headers) {
    const names = h => (header(headers, h) || "").split(",").map(x => x.trim()).filter(Boolean);
    const pre = names("x-ms-documentdb-pre-trigger-include");
    const post = names("x-ms-documentdb-post-trigger-include");
    if (!pre.length && !post.length) return null;
    if (!RUNS_ON[kind]) throw new HttpError(400, `Triggers run on writes only, not on '${kind}'.`);
    const s = stateOf(container);
    const resolve = (id, type) => {
      const t = s.triggers.get(id);
      if (!t) throw new HttpError(400, `The trigger '${id}' does not exist in this container.`);
      if (t.triggerType !== type) {
        throw new HttpError(400, `The trigger '${id}' is a ${t.triggerType}-trigger; it was named as a ${type}-trigger.`);
      }
      if (!RUNS_ON[kind].includes(t.triggerOperation)) {
        throw new HttpError(400, `The trigger '${id}' runs on ${t.triggerOperation} operations, not on ${OPERATION_NAMES[kind]}.`);
      }
      return t;
    };
    const preTriggers = pre.map(id => resolve(id, "Pre"));
    const postTriggers = post.map(id => resolve(id, "Post"));
    const operation = OPERATION_NAMES[kind];
    return {
      pre: preTriggers.length ? (tx, body) => {
        let current = plain(body);
        for (const t of preTriggers) {
          const request = {
            getBody: () => plain(current),
            setBody: v => {
              current = plain(v);
            },
            getOperationType: () => operation,
            getValue: () => plain(current),
            setValue: v => {
              current = plain(v);
            }
          };
          runTrigger(tx, t, { getRequest: () => request });
        }
        return current;
      } : null,
      post: postTriggers.length ? (tx, responseBody) => {
        let current = plain(responseBody);
        for (const t of postTriggers) {
          const response = {
            getBody: () => plain(current),
            setBody: v => {
              current = plain(v);
            }
          };
          const request = { getBody: () => plain(current), getOperationType: () => operation };
          runTrigger(tx, t, { getRequest: () => request, getResponse: () => response });
        }
      } : null
    };
  }

  function runTrigger(tx, trigger, parts) {
    const collection = collectionOf(tx);
    const context = newContext({ getContext: () => ({ getCollection: () => collection, ...parts }), __: collection }, []);
    try {
      run(context, trigger.body, "trigger", []);
    } catch (err) {
      throw failure("trigger", err);
    }
  }

  return { handle, triggersFor, udfsOf, dropPrefix, reset: key => containers.delete(key) };
}

module.exports = { createScriptStore, LOG_HEADER };
