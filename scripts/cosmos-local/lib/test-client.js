"use strict";
// Test helpers (used by test/*.test.js; kept out of test/ because `node --test test/`
// runs every .js file there): a tiny Cosmos REST client that signs requests on its own
// (plain node:crypto, deliberately not reusing lib/auth.js).

const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const http = require("http");
const https = require("https");

const KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

function sign(key, verb, type, link, date) {
  const payload = `${verb.toLowerCase()}\n${type.toLowerCase()}\n${link}\n${date.toLowerCase()}\n\n`;
  const sig = crypto.createHmac("sha256", Buffer.from(key, "base64")).update(payload).digest("base64");
  return encodeURIComponent(`type=master&ver=1.0&sig=${sig}`);
}

// type/link per the documented rule, from an unencoded path like "/dbs/db1/colls".
function typeAndLink(p) {
  const segs = p.replace(/^\/+|\/+$/g, "").split("/").filter(Boolean);
  if (segs.length === 0) return ["", ""];
  if (segs.length % 2 === 1) return [segs[segs.length - 1], segs.slice(0, -1).join("/")];
  return [segs[segs.length - 2], segs.join("/")];
}

/**
 * request(base, method, path, {body, headers, key, date, agent, noAuth, raw})
 * `path` is unencoded; each segment is percent-encoded for the URL.
 * Resolves {status, headers, body, text}; rejects on socket errors.
 */
function request(base, method, p, opts = {}) {
  const url = new URL(base);
  const date = opts.date || new Date().toUTCString();
  const [type, link] = typeAndLink(p);
  const headers = {
    "x-ms-date": date,
    "x-ms-version": "2018-12-31",
    accept: "application/json",
    ...(opts.noAuth ? {} : { authorization: sign(opts.key || KEY, method, type, link, date) }),
    ...(opts.headers || {})
  };
  for (const k of Object.keys(headers)) if (headers[k] === undefined) delete headers[k];
  let payload;
  if (opts.raw !== undefined) payload = Buffer.from(opts.raw);
  else if (opts.body !== undefined) payload = Buffer.from(JSON.stringify(opts.body));
  if (payload) {
    if (!headers["content-type"]) headers["content-type"] = "application/json";
    headers["content-length"] = String(payload.length);
  }
  const encodedPath = "/" + p.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: encodedPath,
        headers,
        agent: opts.agent,
        rejectUnauthorized: false
      },
      res => {
        const chunks = [];
        res.on("data", c => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch (e) {
            body = text;
          }
          resolve({ status: res.statusCode, headers: res.headers, body, text });
        });
        res.on("error", reject);
      }
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const tmpDirs = [];
process.on("exit", () => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temporary directory, removed when the process exits. */
function tmpDir(prefix = "cosmos-local-test-") {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

async function setupContainer(base, db = "db1", coll = "c1", opts = {}) {
  await request(base, "POST", "/dbs", { ...opts, body: { id: db } });
  const r = await request(base, "POST", `/dbs/${db}/colls`, {
    ...opts,
    body: { id: coll, partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 } }
  });
  return r;
}

const pk = v => ({ "x-ms-documentdb-partitionkey": JSON.stringify([v]) });

module.exports = { KEY, sign, request, tmpDir, setupContainer, pk, typeAndLink };
