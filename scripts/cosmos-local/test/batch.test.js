"use strict";
// Transactional (atomic) batches roll back; bulk (non-atomic) batches report per operation,
// including per-op 429s under --ru-per-second.
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir } = require("../lib/test-client");

const sleep = ms => new Promise(r => setTimeout(r, ms));
const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const ATOMIC = { "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "True", "x-ms-cosmos-batch-continue-on-error": "False" };
const BULK = { "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "False", "x-ms-cosmos-batch-continue-on-error": "True" };
const lsnOf = r => Number(r.headers["x-ms-session-token"].split("#")[1]);

async function startLocal(opts = {}) {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), ...opts });
  await local.start();
  return local;
}

async function container(B, db, coll, partitionKey = { paths: ["/pk"], kind: "Hash", version: 2 }) {
  await request(B, "POST", "/dbs", { body: { id: db } });
  assert.equal((await request(B, "POST", `/dbs/${db}/colls`, { body: { id: coll, partitionKey } })).status, 201);
  return `/dbs/${db}/colls/${coll}/docs`;
}

test("transactional batch", async t => {
  const local = await startLocal();
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "tx", "c");
  const seed = await request(B, "POST", docs, { body: { id: "y2", pk: "p8", n: 1 }, headers: pkh("p8") });
  await request(B, "POST", docs, { body: { id: "x1", pk: "p8", n: 1 }, headers: pkh("p8") });
  await request(B, "POST", docs, { body: { id: "gone", pk: "p8" }, headers: pkh("p8") });
  const before = lsnOf(seed) + 2;

  await t.test("all operations apply at one LSN, with per-op results in order", async () => {
    const r = await request(B, "POST", docs, {
      body: [
        { operationType: "Create", resourceBody: { id: "y1", pk: "p8" } },
        { operationType: "Read", id: "y1" },
        { operationType: "Replace", id: "y2", resourceBody: { id: "y2", pk: "p8", n: 2 }, ifMatch: seed.headers.etag },
        { operationType: "Patch", id: "x1", resourceBody: { operations: [{ op: "set", path: "/s", value: "v" }, { op: "incr", path: "/n", value: 4 }] } },
        { operationType: "Upsert", resourceBody: { id: "u1", pk: "p8" } },
        { operationType: "Delete", id: "gone" }
      ],
      headers: { ...ATOMIC, ...pkh("p8") }
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map(o => o.statusCode), [201, 200, 200, 200, 201, 204]);
    assert.equal(r.body[1].resourceBody.id, "y1", "a read sees the batch's own create");
    assert.equal(r.body[3].resourceBody.n, 5);
    assert.equal(r.body[0].eTag, r.body[0].resourceBody._etag);
    for (const o of r.body) assert.equal(typeof o.requestCharge, "number");
    assert.equal(lsnOf(r), before + 1, "one LSN for the whole batch");
    const changes = await request(B, "GET", docs, { headers: { "a-im": "Incremental feed", "if-none-match": String(before) } });
    assert.deepEqual(changes.body.Documents.map(d => [d.id, d._lsn]).sort(), [["u1", before + 1], ["x1", before + 1], ["y1", before + 1], ["y2", before + 1]]);
    assert.equal((await request(B, "GET", `${docs}/gone`, { headers: pkh("p8") })).status, 404);
    assert.equal((await request(B, "GET", `${docs}/y2`, { headers: pkh("p8") })).body.n, 2);
  });

  await t.test("the first failing operation rolls everything back: 207, its status, 424 for the rest", async () => {
    const token = lsnOf(await request(B, "GET", `${docs}/y1`, { headers: pkh("p8") }));
    const r = await request(B, "POST", docs, {
      body: [
        { operationType: "Create", resourceBody: { id: "new1", pk: "p8" } },
        { operationType: "Delete", id: "y2" },
        { operationType: "Create", resourceBody: { id: "y1", pk: "p8" } },
        { operationType: "Create", resourceBody: { id: "new2", pk: "p8" } }
      ],
      headers: { ...ATOMIC, ...pkh("p8") }
    });
    assert.equal(r.status, 207);
    assert.deepEqual(r.body.map(o => o.statusCode), [424, 424, 409, 424]);
    assert.equal(lsnOf(r), token, "nothing committed");
    assert.equal((await request(B, "GET", `${docs}/new1`, { headers: pkh("p8") })).status, 404);
    assert.equal((await request(B, "GET", `${docs}/y2`, { headers: pkh("p8") })).status, 200);
    const stale = await request(B, "POST", docs, {
      body: [{ operationType: "Replace", id: "y2", resourceBody: { id: "y2", pk: "p8" }, ifMatch: seed.headers.etag }],
      headers: { ...ATOMIC, ...pkh("p8") }
    });
    assert.equal(stale.status, 207);
    assert.deepEqual(stale.body.map(o => o.statusCode), [412]);
  });

  await t.test("Prefer: return=minimal drops write bodies, keeps reads and etags", async () => {
    const r = await request(B, "POST", docs, {
      body: [{ operationType: "Upsert", resourceBody: { id: "m", pk: "p8" } }, { operationType: "Read", id: "m" }],
      headers: { ...ATOMIC, ...pkh("p8"), prefer: "return=minimal" }
    });
    assert.equal(r.status, 200);
    assert.equal(r.body[0].resourceBody, undefined);
    assert.match(r.body[0].eTag, /\S/);
    assert.equal(r.body[1].resourceBody.id, "m");
  });

  await t.test("refused: more than 100 operations, mixed keys, a body that is not an array", async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ operationType: "Create", resourceBody: { id: `z${i}`, pk: "p8" } }));
    const r = await request(B, "POST", docs, { body: many, headers: { ...ATOMIC, ...pkh("p8") } });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /more operations than what is supported/);
    assert.equal((await request(B, "GET", `${docs}/z0`, { headers: pkh("p8") })).status, 404);
    const mixed = await request(B, "POST", docs, {
      body: [{ operationType: "Create", partitionKey: '["other"]', resourceBody: { id: "q", pk: "other" } }],
      headers: { ...ATOMIC, ...pkh("p8") }
    });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.headers["x-ms-substatus"], "1001");
    assert.equal((await request(B, "POST", docs, { body: { not: "array" }, headers: { ...ATOMIC, ...pkh("p8") } })).status, 400);
  });
});

test("bulk (non-atomic) batch on a range", async t => {
  const local = await startLocal({ partitions: 2 });
  t.after(() => local.close());
  const B = local.url;
  const coll = "/dbs/bulk/colls/c";
  const docs = await container(B, "bulk", "c");
  const ranges = (await request(B, "GET", `${coll}/pkranges`)).body.PartitionKeyRanges;
  // find keys of range 0 by asking the server where single writes go
  const keys = { 0: [], 1: [] };
  for (let i = 0; keys[0].length < 3 || keys[1].length < 1; i += 1) {
    const r = await request(B, "POST", docs, { body: { id: "probe", pk: `bp${i}` }, headers: pkh(`bp${i}`) });
    keys[r.headers["x-ms-session-token"].split(":")[0]].push(`bp${i}`);
  }
  assert.equal(ranges.length, 2);
  const [k0, k1, k2] = keys[0];

  await t.test("each operation applies on its own; failures are per op inside a 207", async () => {
    const r = await request(B, "POST", docs, {
      body: [
        { operationType: "Create", partitionKey: JSON.stringify([k0]), resourceBody: { id: "b1", pk: k0 } },
        { operationType: "Create", partitionKey: JSON.stringify([k1]), resourceBody: { id: "probe", pk: k1 } },
        { operationType: "Upsert", partitionKey: JSON.stringify([k2]), resourceBody: { id: "b2", pk: k2 } },
        { operationType: "Delete", partitionKey: JSON.stringify([k0]), id: "missing" },
        { operationType: "Read", partitionKey: JSON.stringify([k1]), id: "probe" }
      ],
      headers: { ...BULK, "x-ms-documentdb-partitionkeyrangeid": "0", prefer: "return=minimal" }
    });
    assert.equal(r.status, 207);
    assert.deepEqual(r.body.map(o => o.statusCode), [201, 409, 201, 404, 200]);
    assert.equal(r.body[0].resourceBody, undefined);
    assert.equal(r.body[4].resourceBody.id, "probe");
    assert.equal((await request(B, "GET", `${docs}/b1`, { headers: pkh(k0) })).status, 200);
    assert.equal((await request(B, "GET", `${docs}/b2`, { headers: pkh(k2) })).status, 200);
    assert.match(r.headers["x-ms-session-token"], /^0:-1#\d+$/);
    const ok = await request(B, "POST", docs, {
      body: [{ operationType: "Create", partitionKey: JSON.stringify([k0]), resourceBody: { id: "b3", pk: k0 } }],
      headers: { ...BULK, "x-ms-documentdb-partitionkeyrangeid": "0" }
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.map(o => o.statusCode), [201]);
  });

  await t.test("an operation whose key is not in the named range is refused, nothing applied", async () => {
    const r = await request(B, "POST", docs, {
      body: [
        { operationType: "Create", partitionKey: JSON.stringify([k0]), resourceBody: { id: "w1", pk: k0 } },
        { operationType: "Create", partitionKey: JSON.stringify([keys[1][0]]), resourceBody: { id: "w2", pk: keys[1][0] } }
      ],
      headers: { ...BULK, "x-ms-documentdb-partitionkeyrangeid": "0" }
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers["x-ms-substatus"], "1001");
    assert.match(r.body.message, /not in partition key range '0'/);
    assert.equal((await request(B, "GET", `${docs}/w1`, { headers: pkh(k0) })).status, 404);
  });

  await t.test("continue-on-error False stops at the first failure; the rest are 424", async () => {
    const r = await request(B, "POST", docs, {
      body: [
        { operationType: "Create", partitionKey: JSON.stringify([k0]), resourceBody: { id: "b1", pk: k0 } },
        { operationType: "Create", partitionKey: JSON.stringify([k0]), resourceBody: { id: "never", pk: k0 } }
      ],
      headers: { ...BULK, "x-ms-cosmos-batch-continue-on-error": "False", "x-ms-documentdb-partitionkeyrangeid": "0" }
    });
    assert.equal(r.status, 207);
    assert.deepEqual(r.body.map(o => o.statusCode), [409, 424]);
    assert.equal((await request(B, "GET", `${docs}/never`, { headers: pkh(k0) })).status, 404);
  });
});

test("throttling: per-op 429 inside a bulk 207, whole-request 429 for an atomic batch", async t => {
  const local = await startLocal({ ruPerSecond: 0 });
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "thr", "c");
  local.options.ruPerSecond = 10;
  await sleep(1000 - (Date.now() % 1000) + 5);
  const ops = ["a", "b", "c"].map(id => ({ operationType: "Create", partitionKey: '["x"]', resourceBody: { id, pk: "x" } }));
  const r = await request(B, "POST", docs, { body: ops, headers: { ...BULK, "x-ms-documentdb-partitionkeyrangeid": "0" } });
  assert.equal(r.status, 207);
  assert.deepEqual(r.body.map(o => o.statusCode), [201, 201, 429]);
  assert.equal(r.body[2].subStatusCode, 3200);
  assert.ok(r.body[2].retryAfterMilliseconds >= 1 && r.body[2].retryAfterMilliseconds <= 1000, String(r.body[2].retryAfterMilliseconds));
  assert.equal(r.body[2].requestCharge, 0);
  assert.equal(r.headers["x-ms-request-charge"], "12");
  const atomic = await request(B, "POST", docs, {
    body: [{ operationType: "Create", resourceBody: { id: "d", pk: "x" } }],
    headers: { ...ATOMIC, ...pkh("x") }
  });
  assert.equal(atomic.status, 429);
  assert.equal(atomic.headers["x-ms-substatus"], "3200");
  local.options.ruPerSecond = 0;
  assert.equal((await request(B, "GET", `${docs}/c`, { headers: pkh("x") })).status, 404, "the throttled op was not applied");
  assert.equal((await request(B, "GET", `${docs}/d`, { headers: pkh("x") })).status, 404);
  assert.equal((await request(B, "GET", `${docs}/b`, { headers: pkh("x") })).status, 200);
});
