"use strict";
// Change feed: incremental (latest versions, LSN order, etag continuations, 304, paging that
// never splits an LSN, scopes, point in time) and full fidelity (every version and delete).
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir } = require("../lib/test-client");

const sleep = ms => new Promise(r => setTimeout(r, ms));
const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const INCREMENTAL = { "a-im": "Incremental feed" };
const FULL = { "a-im": "Full-Fidelity Feed", "x-ms-cosmos-changefeed-wire-format-version": "2021-09-15" };
const lsnOf = r => Number(r.headers["x-ms-session-token"].split("#")[1]);

async function startLocal(opts = {}) {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), ...opts });
  await local.start();
  return local;
}

async function container(B, db, coll) {
  await request(B, "POST", "/dbs", { body: { id: db } });
  assert.equal((await request(B, "POST", `/dbs/${db}/colls`, { body: { id: coll, partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 } } })).status, 201);
  return `/dbs/${db}/colls/${coll}/docs`;
}

test("incremental change feed", async t => {
  const local = await startLocal();
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "cf", "c");
  const feed = (headers = {}) => request(B, "GET", docs, { headers: { ...INCREMENTAL, ...headers } });

  await t.test("from the beginning: latest versions in LSN order, no deletes; etag resumes", async () => {
    assert.equal((await feed()).status, 304, "nothing yet");
    await request(B, "POST", docs, { body: { id: "a", pk: "x", v: 1 }, headers: pkh("x") });
    await request(B, "POST", docs, { body: { id: "b", pk: "y", v: 1 }, headers: pkh("y") });
    await request(B, "POST", docs, { body: { id: "gone", pk: "y" }, headers: pkh("y") });
    const last = await request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: "x", v: 2 }, headers: pkh("x") });
    await request(B, "DELETE", `${docs}/gone`, { headers: pkh("y") });
    const first = await feed();
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.Documents.map(d => `${d.id}${d.v}`), ["b1", "a2"]);
    assert.deepEqual(first.body.Documents.map(d => d._lsn), [2, lsnOf(last)]);
    assert.equal(first.headers.etag, '"5"', "the range's LSN: the delete at 5 is behind it too");
    assert.equal(first.headers["x-ms-item-count"], "2");
    const none = await feed({ "if-none-match": first.headers.etag });
    assert.equal(none.status, 304);
    assert.equal(none.text, "");
    assert.equal(none.headers.etag, first.headers.etag);
    await request(B, "POST", docs, { body: { id: "c", pk: "x" }, headers: pkh("x") });
    const next = await feed({ "if-none-match": first.headers.etag });
    assert.deepEqual(next.body.Documents.map(d => d.id), ["c"]);
    assert.equal(next.headers.etag, '"6"');
    assert.equal((await feed({ "if-none-match": "6" })).status, 304, "an unquoted etag works too");
  });

  await t.test("If-None-Match: * starts from now", async () => {
    const now = await feed({ "if-none-match": "*" });
    assert.equal(now.status, 304);
    assert.equal(now.headers.etag, '"6"');
    await request(B, "POST", docs, { body: { id: "d", pk: "z" }, headers: pkh("z") });
    const after = await feed({ "if-none-match": now.headers.etag });
    assert.deepEqual(after.body.Documents.map(d => d.id), ["d"]);
  });

  await t.test("pages honour x-ms-max-item-count and never split one LSN", async () => {
    const start = (await feed({ "if-none-match": "*" })).headers.etag;
    await request(B, "POST", docs, {
      body: [{ operationType: "Create", resourceBody: { id: "t1", pk: "x" } }, { operationType: "Create", resourceBody: { id: "t2", pk: "x" } }],
      headers: { ...pkh("x"), "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "True" }
    });
    await request(B, "POST", docs, { body: { id: "t3", pk: "x" }, headers: pkh("x") });
    const p1 = await feed({ "if-none-match": start, "x-ms-max-item-count": "1" });
    assert.deepEqual(p1.body.Documents.map(d => d.id), ["t1", "t2"], "one LSN, one page");
    assert.equal(p1.headers.etag, `"${p1.body.Documents[0]._lsn}"`);
    const p2 = await feed({ "if-none-match": p1.headers.etag, "x-ms-max-item-count": "1" });
    assert.deepEqual(p2.body.Documents.map(d => d.id), ["t3"]);
    assert.equal((await feed({ "if-none-match": p2.headers.etag, "x-ms-max-item-count": "1" })).status, 304);
  });

  await t.test("scoped to one logical partition by the partition key header", async () => {
    const all = await feed({ ...pkh("y") });
    assert.deepEqual(all.body.Documents.map(d => d.id), ["b"]);
    const rangeLsn = lsnOf(await request(B, "GET", `${docs}/b`, { headers: pkh("y") }));
    assert.equal(all.headers.etag, `"${rangeLsn}"`, "the etag is the range's LSN");
    await request(B, "POST", docs, { body: { id: "e", pk: "x" }, headers: pkh("x") });
    assert.equal((await feed({ ...pkh("y"), "if-none-match": all.headers.etag })).status, 304);
    await request(B, "POST", docs, { body: { id: "f", pk: "y" }, headers: pkh("y") });
    assert.deepEqual((await feed({ ...pkh("y"), "if-none-match": all.headers.etag })).body.Documents.map(d => d.id), ["f"]);
  });

  await t.test("If-Modified-Since starts at a point in time", async () => {
    await sleep(1000 - (Date.now() % 1000) + 20);
    const since = new Date().toUTCString();
    await request(B, "POST", docs, { body: { id: "late", pk: "q" }, headers: pkh("q") });
    const r = await feed({ "if-modified-since": since });
    assert.deepEqual(r.body.Documents.map(d => d.id), ["late"]);
    assert.equal((await feed({ "if-modified-since": "not a date" })).status, 400);
  });
});

test("full-fidelity change feed: every version and delete with previous images", async t => {
  const local = await startLocal();
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "ff", "c");
  const feed = (headers = {}) => request(B, "GET", docs, { headers: { ...FULL, ...headers } });
  const now = await feed({ "if-none-match": "*" });
  assert.equal(now.status, 304);
  assert.equal(now.headers.etag, '"0"');
  const created = await request(B, "POST", docs, { body: { id: "a", pk: "x", v: 1 }, headers: pkh("x") });
  const upserted = await request(B, "POST", docs, { body: { id: "a", pk: "x", v: 2 }, headers: { ...pkh("x"), "x-ms-documentdb-is-upsert": "True" } });
  const deleted = await request(B, "DELETE", `${docs}/a`, { headers: pkh("x") });
  const r = await feed({ "if-none-match": now.headers.etag });
  assert.equal(r.status, 200);
  const items = r.body.Documents;
  assert.deepEqual(items.map(i => i.metadata.operationType), ["create", "replace", "delete"]);
  assert.deepEqual(items.map(i => i.metadata.lsn), [lsnOf(created), lsnOf(upserted), lsnOf(deleted)]);
  assert.equal(items[0].current.v, 1);
  assert.equal(items[0].previous, undefined);
  assert.equal(items[0].metadata.previousImageLSN, 0);
  assert.equal(items[1].current.v, 2);
  assert.equal(items[1].previous.v, 1);
  assert.equal(items[1].metadata.previousImageLSN, lsnOf(created));
  assert.equal(items[2].current, undefined);
  assert.equal(items[2].previous.v, 2);
  assert.equal(items[2].metadata.timeToLiveExpired, false);
  assert.equal(items[2].metadata.id, "a");
  for (const i of items) assert.equal(typeof i.metadata.crts, "number");
  assert.equal(r.headers.etag, `"${lsnOf(deleted)}"`);
  // a patch is a replace with the previous image
  await request(B, "POST", docs, { body: { id: "p", pk: "x", n: 1 }, headers: pkh("x") });
  await request(B, "PATCH", `${docs}/p`, { body: { operations: [{ op: "incr", path: "/n", value: 1 }] }, headers: pkh("x") });
  const patched = await feed({ "if-none-match": r.headers.etag });
  assert.deepEqual(patched.body.Documents.map(i => [i.metadata.operationType, i.current.n, i.previous && i.previous.n]),
    [["create", 1, undefined], ["replace", 2, 1]]);
  assert.equal((await feed({ "if-none-match": patched.headers.etag })).status, 304);
  // not from the beginning, not from a point in time
  const beginning = await feed();
  assert.equal(beginning.status, 400);
  assert.match(beginning.body.message, /beginning/);
  assert.equal((await feed({ "if-modified-since": new Date().toUTCString() })).status, 400);
});

test("a change feed on a container with several ranges is read per range", async t => {
  const local = await startLocal({ partitions: 3 });
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "multi", "c");
  const byRange = new Map();
  for (let i = 0; i < 12; i += 1) {
    const r = await request(B, "POST", docs, { body: { id: `d${i}`, pk: `k${i}` }, headers: pkh(`k${i}`) });
    const id = r.headers["x-ms-session-token"].split(":")[0];
    byRange.set(id, [...(byRange.get(id) || []), `d${i}`]);
  }
  const unscoped = await request(B, "GET", docs, { headers: INCREMENTAL });
  assert.equal(unscoped.status, 400);
  assert.match(unscoped.body.message, /x-ms-documentdb-partitionkeyrangeid/);
  let total = 0;
  for (const id of ["0", "1", "2"]) {
    const r = await request(B, "GET", docs, { headers: { ...INCREMENTAL, "x-ms-documentdb-partitionkeyrangeid": id } });
    const expected = byRange.get(id) || [];
    if (expected.length === 0) {
      assert.equal(r.status, 304);
      continue;
    }
    assert.deepEqual(r.body.Documents.map(d => d.id), expected);
    assert.equal(r.headers.etag, `"${expected.length}"`, "each range counts its own LSNs");
    total += expected.length;
  }
  assert.equal(total, 12);
});
