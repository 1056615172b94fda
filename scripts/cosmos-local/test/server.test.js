"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const http = require("http");
const https = require("https");
const fs = require("fs");

const { createCosmosLocal } = require("../server");
const { request, tmpDir, setupContainer, pk, KEY } = require("../lib/test-client");

const OTHER_KEY = "dsZQi3KtZmCv1ljt3VNWNm7sQUF1y5rJfC6kv5JiwvW0EndXdDku/dkKBp8/ufDToSxLzR4y+O/0H/t4bQtVNw==";
const sleep = ms => new Promise(r => setTimeout(r, ms));

async function startLocal(opts = {}) {
  const instance = createCosmosLocal({ port: 0, stateDir: tmpDir(), ...opts });
  await instance.start();
  return instance;
}

function adminGet(instance, p) {
  return new Promise((resolve, reject) => {
    const mod = instance.scheme === "https" ? https : http;
    mod
      .get(`${instance.url}${p.replace(/^\//, "")}`, { rejectUnauthorized: false, agent: false }, res => {
        let s = "";
        res.on("data", c => (s += c));
        res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(s) }));
      })
      .on("error", reject);
  });
}

function adminPost(instance, p) {
  return new Promise((resolve, reject) => {
    const mod = instance.scheme === "https" ? https : http;
    const req = mod.request(`${instance.url}${p.replace(/^\//, "")}`, { method: "POST", rejectUnauthorized: false, agent: false }, res => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}

test("https instance", async t => {
  const local = await startLocal();
  const B = local.url;
  t.after(() => local.close());

  await t.test("certificate has SAN for 127.0.0.1 and localhost and is verifiable", async () => {
    assert.ok(fs.existsSync(local.certFile));
    const ca = fs.readFileSync(local.certFile);
    for (const host of ["127.0.0.1", "localhost"]) {
      const status = await new Promise((resolve, reject) => {
        https
          .get({ host, port: local.port, path: "/_local/stats", ca, agent: false }, res => {
            res.resume();
            resolve(res.statusCode);
          })
          .on("error", reject);
      });
      assert.equal(status, 200, host);
    }
  });

  await t.test("account document reports the real scheme and port", async () => {
    const r = await request(B, "GET", "/");
    assert.equal(r.status, 200);
    assert.equal(r.body.writableLocations[0].databaseAccountEndpoint, `https://127.0.0.1:${local.port}/`);
    assert.equal(r.body.readableLocations[0].databaseAccountEndpoint, `https://127.0.0.1:${local.port}/`);
    assert.ok(r.headers["x-ms-activity-id"]);
  });

  await t.test("signed requests pass; wrong key, stale date, missing auth give 401", async () => {
    assert.equal((await request(B, "GET", "/dbs")).status, 200);
    const wrong = await request(B, "GET", "/dbs", { key: OTHER_KEY });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, "Unauthorized");
    assert.match(wrong.body.message, /get\\ndbs\\n\\n/);
    const stale = await request(B, "GET", "/dbs", { date: new Date(Date.now() - 16 * 60 * 1000).toUTCString() });
    assert.equal(stale.status, 401);
    assert.match(stale.body.message, /15 minutes/);
    assert.equal((await request(B, "GET", "/dbs", { noAuth: true })).status, 401);
    assert.equal((await request(B, "GET", "/dbs", { headers: { "x-ms-date": undefined } })).status, 401);
    // a 401 changes nothing
    assert.equal((await request(B, "POST", "/dbs", { key: OTHER_KEY, body: { id: "nope" } })).status, 401);
    assert.equal((await request(B, "GET", "/dbs/nope")).status, 404);
  });

  await t.test("Azure-like answers where the package would give 500", async () => {
    await setupContainer(B, "fix", "c");
    const docs = "/dbs/fix/colls/c/docs";
    assert.equal((await request(B, "POST", docs, { body: { id: "a", pk: "x" }, headers: pk("x") })).status, 201);
    const missing = await request(B, "GET", `${docs}/zz`, { headers: pk("x") });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, "NotFound");
    assert.equal((await request(B, "GET", `${docs}/a`, { headers: pk("other") })).status, 404);
    assert.equal((await request(B, "GET", `${docs}/a`, { headers: pk("x") })).status, 200);
    for (const [method, body] of [["PUT", { id: "a", pk: "x" }], ["DELETE"], ["PATCH", { operations: [{ op: "set", path: "/n", value: 1 }] }]]) {
      const r = await request(B, method, `${docs}/a`, { body });
      assert.equal(r.status, 400, method);
      assert.equal(r.headers["x-ms-substatus"], "1001", method);
    }
    const upsert = await request(B, "POST", docs, { body: { id: "a", pk: "x" }, headers: { "x-ms-documentdb-is-upsert": "True" } });
    assert.equal(upsert.status, 400);
    assert.equal(upsert.headers["x-ms-substatus"], "1001");
    const bad = await request(B, "POST", docs, { raw: "{not json", headers: pk("x") });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "BadRequest");
    assert.equal((await request(B, "POST", "/dbs", { raw: "{" })).status, 400);
    const noColl = await request(B, "POST", "/dbs/fix/colls/none/docs", { body: { id: "a", pk: "x" }, headers: pk("x") });
    assert.equal(noColl.status, 404);
    assert.equal(noColl.body.code, "NotFound");
    const noDb = await request(B, "POST", "/dbs/none/colls/none/docs", { body: { id: "a", pk: "x" }, headers: pk("x") });
    assert.equal(noDb.status, 404);
    // every error body has a code
    const conflict = await request(B, "POST", "/dbs", { body: { id: "fix" } });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, "Conflict");
  });

  await t.test("pkranges id is a string", async () => {
    await setupContainer(B, "pkr", "c");
    const r = await request(B, "GET", "/dbs/pkr/colls/c/pkranges");
    assert.equal(r.status, 200);
    assert.equal(r.body.PartitionKeyRanges.length, 1);
    assert.equal(r.body.PartitionKeyRanges[0].id, "0");
  });

  await t.test("Prefer: return=minimal answers successful writes without the document", async () => {
    await setupContainer(B, "minimal", "c");
    const docs = "/dbs/minimal/colls/c/docs";
    const minimal = { ...pk("x"), prefer: "return=minimal" };
    const created = await request(B, "POST", docs, { body: { id: "a", pk: "x", n: 1 }, headers: minimal });
    assert.equal(created.status, 201);
    assert.equal(created.text, "");
    assert.match(created.headers.etag, /\S+/);
    assert.match(created.headers["x-ms-session-token"], /^0:-1#\d+$/);
    const upserted = await request(B, "POST", docs, { body: { id: "a", pk: "x", n: 2 }, headers: { ...minimal, "x-ms-documentdb-is-upsert": "True" } });
    assert.equal(upserted.status, 200);
    assert.equal(upserted.text, "");
    const replaced = await request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: "x", n: 3 }, headers: minimal });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.text, "");
    const patched = await request(B, "PATCH", `${docs}/a`, { body: { operations: [{ op: "incr", path: "/n", value: 1 }] }, headers: minimal });
    assert.equal(patched.status, 200);
    assert.equal(patched.text, "");
    // the writes happened; failures and reads keep their bodies; without the header, the document comes back
    const read = await request(B, "GET", `${docs}/a`, { headers: minimal });
    assert.equal(read.body.n, 4);
    const conflict = await request(B, "POST", docs, { body: { id: "a", pk: "x" }, headers: minimal });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, "Conflict");
    const full = await request(B, "POST", docs, { body: { id: "b", pk: "x" }, headers: pk("x") });
    assert.equal(full.status, 201);
    assert.equal(full.body.id, "b");
  });

  await t.test("session tokens grow on writes and a token ahead gets 404/1002", async () => {
    await setupContainer(B, "sess", "c");
    const docs = "/dbs/sess/colls/c/docs";
    const lsnOf = r => Number(r.headers["x-ms-session-token"].split("#")[1]);
    const w1 = await request(B, "POST", docs, { body: { id: "a", pk: "x", n: 1 }, headers: pk("x") });
    assert.match(w1.headers["x-ms-session-token"], /^0:-1#\d+$/);
    const w2 = await request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: "x", n: 2 }, headers: pk("x") });
    const w3 = await request(B, "PATCH", `${docs}/a`, { body: { operations: [{ op: "incr", path: "/n", value: 1 }] }, headers: pk("x") });
    const w4 = await request(B, "POST", docs, { body: { id: "b", pk: "x" }, headers: { ...pk("x"), "x-ms-documentdb-is-upsert": "True" } });
    assert.ok(lsnOf(w1) < lsnOf(w2) && lsnOf(w2) < lsnOf(w3) && lsnOf(w3) < lsnOf(w4));
    const batch = await request(B, "POST", docs, {
      body: [{ operationType: "Create", resourceBody: { id: "c", pk: "x" } }, { operationType: "Read", id: "a" }],
      headers: { ...pk("x"), "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "True" }
    });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body.map(o => o.statusCode), [201, 200]);
    assert.ok(lsnOf(batch) > lsnOf(w4));
    const del = await request(B, "DELETE", `${docs}/c`, { headers: pk("x") });
    assert.equal(del.status, 204);
    const current = lsnOf(del);
    assert.ok(current > lsnOf(batch));
    // a failed write does not advance the LSN
    assert.equal(lsnOf(await request(B, "POST", docs, { body: { id: "a", pk: "x" }, headers: pk("x") })), current);

    const read = await request(B, "GET", `${docs}/a`, { headers: pk("x") });
    assert.equal(read.headers["x-ms-session-token"], `0:-1#${current}`);
    assert.equal(read.headers["x-ms-alt-content-path"], "dbs/sess/colls/c");
    const withToken = tok => request(B, "GET", `${docs}/a`, { headers: { ...pk("x"), "x-ms-session-token": tok } });
    assert.equal((await withToken(`0:-1#${current}`)).status, 200);
    assert.equal((await withToken(`0:${current}`)).status, 200);
    assert.equal((await withToken(`1:-1#999,0:-1#${current - 1}`)).status, 200);
    for (const tok of [`0:-1#${current + 1}`, `0:${current + 5}`, `0:-1#${current + 1}#1=${current + 1}`]) {
      const ahead = await withToken(tok);
      assert.equal(ahead.status, 404, tok);
      assert.equal(ahead.headers["x-ms-substatus"], "1002", tok);
      assert.deepEqual(ahead.body, { code: "NotFound", message: "The read session is not available for the input session token." });
      assert.equal(ahead.headers["x-ms-alt-content-path"], "dbs/sess/colls/c", tok);
      assert.equal(ahead.headers["x-ms-content-path"], read.headers["x-ms-content-path"], tok);
    }
    // queries and feeds are checked as well
    const q = await request(B, "POST", docs, {
      body: { query: "SELECT * FROM c", parameters: [] },
      headers: {
        "content-type": "application/query+json",
        "x-ms-documentdb-isquery": "True",
        "x-ms-documentdb-query-enablecrosspartition": "True",
        "x-ms-session-token": `0:-1#${current + 1}`
      }
    });
    assert.equal(q.status, 404);
    assert.equal(q.headers["x-ms-substatus"], "1002");
    const feed = await request(B, "GET", docs, { headers: { "x-ms-session-token": `0:-1#${current}` } });
    assert.equal(feed.status, 200);
    assert.equal(feed.headers["x-ms-session-token"], `0:-1#${current}`);
    // weaker consistency ignores the token; a malformed token is a 400
    assert.equal((await request(B, "GET", `${docs}/a`, { headers: { ...pk("x"), "x-ms-session-token": "0:-1#99999", "x-ms-consistency-level": "Eventual" } })).status, 200);
    assert.equal((await withToken("nonsense")).status, 400);
    // a recreated container starts again
    assert.equal((await request(B, "DELETE", "/dbs/sess/colls/c")).status, 204);
    await setupContainer(B, "sess", "c");
    const fresh = await request(B, "POST", docs, { body: { id: "a", pk: "x" }, headers: pk("x") });
    assert.equal(lsnOf(fresh), 1);
  });

  await t.test("stats count requests and in-flight peak; exempt from auth", async () => {
    assert.equal(await adminPost(local, "/_local/stats/reset"), 200);
    const before = await adminGet(local, "/_local/stats");
    assert.equal(before.status, 200);
    assert.equal(before.body.requests, 0);
    local.options.delayMs = 150;
    try {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 3 });
      await Promise.all(Array.from({ length: 7 }, () => request(B, "GET", "/dbs", { agent })));
      agent.destroy();
    } finally {
      local.options.delayMs = 0;
    }
    const s = (await adminGet(local, "/_local/stats")).body;
    assert.equal(s.requests, 7);
    assert.equal(s.maxInFlight, 3);
    assert.equal(s.inFlight, 0);
    assert.equal(s.byMethod.GET, 7);
    assert.equal(s.byStatus["200"], 7);
  });
});

test("http instance: account document says http", async t => {
  const local = await startLocal({ http: true });
  t.after(() => local.close());
  const r = await request(local.url, "GET", "/");
  assert.equal(r.status, 200);
  assert.equal(r.body.writableLocations[0].databaseAccountEndpoint, `http://127.0.0.1:${local.port}/`);
  assert.equal(local.certFile, null);
  // --key overrides the emulator key
  const custom = await startLocal({ http: true, key: OTHER_KEY });
  t.after(() => custom.close());
  assert.equal((await request(custom.url, "GET", "/dbs", { key: OTHER_KEY })).status, 200);
  assert.equal((await request(custom.url, "GET", "/dbs", { key: KEY })).status, 401);
});

test("throttling: 429 with retry-after, and no change made", async t => {
  const local = await startLocal({ http: true, ruPerSecond: 10 });
  t.after(() => local.close());
  const B = local.url;
  local.options.ruPerSecond = 0;
  await setupContainer(B, "thr", "c");
  local.options.ruPerSecond = 10;
  const docs = "/dbs/thr/colls/c/docs";
  // start at the beginning of a second so that the three writes share it
  await sleep(1000 - (Date.now() % 1000) + 5);
  const a = await request(B, "POST", docs, { body: { id: "1", pk: "x" }, headers: pk("x") });
  const b = await request(B, "POST", docs, { body: { id: "2", pk: "x" }, headers: pk("x") });
  const c = await request(B, "POST", docs, { body: { id: "3", pk: "x" }, headers: pk("x") });
  assert.deepEqual([a.status, b.status, c.status], [201, 201, 429]);
  assert.equal(a.headers["x-ms-request-charge"], "6");
  assert.equal(c.headers["x-ms-substatus"], "3200");
  assert.equal(c.body.code, "TooManyRequests");
  assert.match(c.body.message, /Request rate is large/);
  const retry = Number(c.headers["x-ms-retry-after-ms"]);
  assert.ok(retry >= 1 && retry <= 1000, `retry-after ${retry}`);
  const stats = await adminGet(local, "/_local/stats");
  assert.equal(stats.body.throttled, 1);
  await sleep(retry + 5);
  const read = await request(B, "GET", `${docs}/3`, { headers: pk("x") });
  assert.equal(read.status, 404, "the throttled create was not applied");
  assert.equal(read.headers["x-ms-request-charge"], "1");
  assert.equal(read.headers["x-ms-session-token"], "0:-1#2");
});

test("fault injection: drop before / after, deterministic with a seed", async t => {
  const local = await startLocal({ http: true });
  t.after(() => local.close());
  const B = local.url;
  const docs = "/dbs/drop/colls/c/docs";
  await setupContainer(B, "drop", "c");
  await request(B, "POST", docs, { body: { id: "a", pk: "x", n: 1 }, headers: pk("x") });
  const replace = n => request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: "x", n }, headers: pk("x"), agent: false });
  const readN = async () => (await request(B, "GET", `${docs}/a`, { headers: pk("x") })).body.n;

  Object.assign(local.options, { dropRate: 1, dropMode: "after" });
  await assert.rejects(replace(2));
  local.options.dropRate = 0;
  assert.equal(await readN(), 2, "drop after: processed, response lost");

  Object.assign(local.options, { dropRate: 1, dropMode: "before" });
  await assert.rejects(replace(3));
  local.options.dropRate = 0;
  assert.equal(await readN(), 2, "drop before: never processed");
  assert.equal((await adminGet(local, "/_local/stats")).body.dropped, 2);

  const pattern = async () => {
    const out = [];
    for (let i = 0; i < 24; i += 1) {
      out.push(await request(B, "GET", "/dbs", { agent: false }).then(() => "ok", () => "x"));
    }
    return out.join("");
  };
  Object.assign(local.options, { dropRate: 0.5, dropMode: "both" });
  local.setSeed(42);
  const first = await pattern();
  local.setSeed(42);
  const second = await pattern();
  local.options.dropRate = 0;
  assert.equal(first, second);
  assert.match(first, /ok/);
  assert.match(first, /x/);
});

test("query-plan requests get a pass-through plan instead of query results", async t => {
  const local = await startLocal({ http: true });
  t.after(() => local.close());
  await setupContainer(local.url, "db1", "c1");
  const body = { query: "SELECT * FROM c WHERE c.pk = @pk", parameters: [{ name: "@pk", value: "a" }] };
  const plan = await request(local.url, "POST", "/dbs/db1/colls/c1/docs", {
    body,
    headers: {
      "content-type": "application/query+json",
      "x-ms-documentdb-isquery": "True",
      "x-ms-cosmos-is-query-plan-request": "True"
    }
  });
  assert.equal(plan.status, 200);
  assert.equal(plan.body.partitionedQueryExecutionInfoVersion, 2);
  assert.deepEqual(plan.body.queryInfo.orderBy, []);
  assert.deepEqual(plan.body.queryRanges, [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }]);
  assert.equal(plan.body.Documents, undefined);
  const rows = await request(local.url, "POST", "/dbs/db1/colls/c1/docs", {
    body,
    headers: {
      "content-type": "application/query+json",
      "x-ms-documentdb-isquery": "True",
      "x-ms-documentdb-populatequerymetrics": "True"
    }
  });
  assert.equal(rows.status, 200);
  assert.ok(Array.isArray(rows.body.Documents));
  // Every field the official Java SDK parses, or its queries fail.
  const metrics = Object.fromEntries(rows.headers["x-ms-documentdb-query-metrics"].split(";").map(kv => kv.split("=")));
  for (const field of ["totalExecutionTimeInMs", "queryCompileTimeInMs", "queryLogicalPlanBuildTimeInMs",
    "queryPhysicalPlanBuildTimeInMs", "queryOptimizationTimeInMs", "VMExecutionTimeInMs", "indexLookupTimeInMs",
    "documentLoadTimeInMs", "systemFunctionExecuteTimeInMs", "userFunctionExecuteTimeInMs", "retrievedDocumentCount",
    "retrievedDocumentSize", "outputDocumentCount", "outputDocumentSize", "writeOutputTimeInMs", "indexUtilizationRatio"]) {
    assert.ok(metrics[field] !== undefined, field);
  }
  assert.equal(Number(metrics.outputDocumentCount), rows.body.Documents.length);
});
