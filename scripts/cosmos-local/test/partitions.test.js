"use strict";
// --partitions: ranges over the EPK space, pkranges with etag/304, placement by effective
// partition key, range-scoped feeds and queries, per-range session tokens.
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal, parseArgs } = require("../server");
const { request, tmpDir } = require("../lib/test-client");
const epk = require("../lib/epk");

const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const range = id => ({ "x-ms-documentdb-partitionkeyrangeid": id });
const QUERY = { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" };

async function startLocal(opts = {}) {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), ...opts });
  await local.start();
  return local;
}

async function container(B, db, coll, partitionKey) {
  await request(B, "POST", "/dbs", { body: { id: db } });
  assert.equal((await request(B, "POST", `/dbs/${db}/colls`, { body: { id: coll, partitionKey } })).status, 201);
  return `/dbs/${db}/colls/${coll}`;
}

function owner(ranges, key) {
  return ranges.find(r => key >= r.minInclusive && (r.maxExclusive === "FF" || key < r.maxExclusive));
}

test("--partitions and --split-after parse; bad values are refused", () => {
  assert.deepEqual(parseArgs(["--partitions", "4", "--split-after=10"]), { partitions: 4, splitAfter: 10 });
  assert.throws(() => parseArgs(["--partitions", "0"]), /--partitions/);
  assert.throws(() => parseArgs(["--partitions", "2.5"]), /whole number/);
  assert.throws(() => parseArgs(["--split-after", "-1"]), /--split-after/);
});

test("one range by default, as before", async t => {
  const local = await startLocal();
  t.after(() => local.close());
  const coll = await container(local.url, "one", "c", { paths: ["/pk"], kind: "Hash", version: 2 });
  const r = await request(local.url, "GET", `${coll}/pkranges`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.PartitionKeyRanges.map(p => [p.id, p.minInclusive, p.maxExclusive, p.parents]), [["0", "", "FF", []]]);
});

test("four ranges: evenly split, listed with etag and 304, documents placed by EPK", async t => {
  const local = await startLocal({ partitions: 4 });
  t.after(() => local.close());
  const B = local.url;
  const coll = await container(B, "four", "c", { paths: ["/pk"], kind: "Hash", version: 2 });
  const docs = `${coll}/docs`;

  const listed = await request(B, "GET", `${coll}/pkranges`, { headers: { "a-im": "Incremental Feed", "x-ms-max-item-count": "-1" } });
  assert.equal(listed.status, 200);
  const ranges = listed.body.PartitionKeyRanges;
  assert.deepEqual(ranges.map(p => [p.id, p.minInclusive, p.maxExclusive]), [
    ["0", "", "10000000000000000000000000000000"],
    ["1", "10000000000000000000000000000000", "20000000000000000000000000000000"],
    ["2", "20000000000000000000000000000000", "30000000000000000000000000000000"],
    ["3", "30000000000000000000000000000000", "FF"]
  ]);
  for (const p of ranges) {
    assert.deepEqual(p.parents, []);
    assert.match(p._rid, /\S/);
    assert.match(p._etag, /\S/);
  }
  assert.equal(listed.headers["x-ms-item-count"], "4");
  const etag = listed.headers.etag;
  assert.match(etag, /\S/);
  const again = await request(B, "GET", `${coll}/pkranges`, { headers: { "a-im": "Incremental Feed", "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, "");
  assert.equal(again.headers.etag, etag);
  assert.equal((await request(B, "GET", `${coll}/pkranges`, { headers: { "if-none-match": '"other"' } })).status, 200);

  // 40 keys land where their EPKs say; each range's session token counts its own writes
  const placed = new Map(ranges.map(p => [p.id, []]));
  for (let i = 0; i < 40; i += 1) {
    const key = `k${i}`;
    const r = await request(B, "POST", docs, { body: { id: `d${i}`, pk: key }, headers: pkh(key) });
    assert.equal(r.status, 201);
    const expected = owner(ranges, epk.effectivePartitionKey([key], { kind: "Hash", version: 2 })).id;
    placed.get(expected).push(`d${i}`);
    const [rangeId, token] = r.headers["x-ms-session-token"].split(":");
    assert.equal(rangeId, expected, key);
    assert.equal(token, `-1#${placed.get(expected).length}`, key);
  }
  for (const [id, expectedIds] of placed) {
    assert.ok(expectedIds.length > 0, `range ${id} got documents`);
    const feed = await request(B, "GET", docs, { headers: range(id) });
    assert.equal(feed.status, 200);
    assert.deepEqual(feed.body.Documents.map(d => d.id).sort(), [...expectedIds].sort(), id);
    assert.equal(feed.headers["x-ms-session-token"], `${id}:-1#${expectedIds.length}`);
    const q = await request(B, "POST", docs, { body: { query: "SELECT VALUE COUNT(1) FROM c" }, headers: { ...QUERY, ...range(id) } });
    assert.equal(q.status, 200);
    assert.deepEqual(q.body.Documents, [expectedIds.length]);
  }
  // a cross-partition read sees all; its session token names every range
  const all = await request(B, "GET", docs);
  assert.equal(all.body.Documents.length, 40);
  assert.equal(all.headers["x-ms-session-token"].split(",").length, 4);
  // the "<collection rid>,<range id>" form names the same range
  const collRid = (await request(B, "GET", coll)).body._rid;
  assert.equal((await request(B, "GET", docs, { headers: range(`${collRid},1`) })).body.Documents.length, placed.get("1").length);
  // an unknown range id is gone
  const unknown = await request(B, "GET", docs, { headers: range("9") });
  assert.equal(unknown.status, 410);
  assert.equal(unknown.headers["x-ms-substatus"], "1002");
  // session tokens are per range: a token ahead on range 1 only blocks reads of range 1
  const key = placed.get("1")[0];
  const pkOf = id => `k${id.slice(1)}`;
  const ahead = `1:-1#${placed.get("1").length + 1}`;
  const blocked = await request(B, "GET", `${docs}/${key}`, { headers: { ...pkh(pkOf(key)), "x-ms-session-token": ahead } });
  assert.equal(blocked.status, 404);
  assert.equal(blocked.headers["x-ms-substatus"], "1002");
  const other = placed.get("2")[0];
  assert.equal((await request(B, "GET", `${docs}/${other}`, { headers: { ...pkh(pkOf(other)), "x-ms-session-token": ahead } })).status, 200);
});

test("V1 and MultiHash containers split their own EPK spaces", async t => {
  const local = await startLocal({ partitions: 2 });
  t.after(() => local.close());
  const B = local.url;
  const v1 = await container(B, "v1", "c", { paths: ["/pk"], kind: "Hash", version: 1 });
  const r1 = (await request(B, "GET", `${v1}/pkranges`)).body.PartitionKeyRanges;
  // the middle of the 32-bit hash space, 2^31, encoded as a V1 EPK number
  assert.deepEqual(r1.map(p => [p.minInclusive, p.maxExclusive]), [["", "05C1E0"], ["05C1E0", "FF"]]);
  const hier = await container(B, "mh", "c", { paths: ["/a", "/b"], kind: "MultiHash", version: 2 });
  const r2 = (await request(B, "GET", `${hier}/pkranges`)).body.PartitionKeyRanges;
  assert.equal(r2[0].maxExclusive, "20000000000000000000000000000000");
  const def = { kind: "MultiHash", version: 2 };
  for (const [a, b] of [["t1", "u1"], ["t9", "u3"], ["x", "y"]]) {
    const r = await request(B, "POST", `${hier}/docs`, { body: { id: "d", a, b }, headers: pkh(a, b) });
    assert.equal(r.status, 201);
    assert.equal(r.headers["x-ms-session-token"].split(":")[0], owner(r2, epk.effectivePartitionKey([a, b], def)).id);
  }
  for (const k of ["a", "b", "c", "d"]) {
    const r = await request(B, "POST", `${v1}/docs`, { body: { id: "d", pk: k }, headers: pkh(k) });
    assert.equal(r.headers["x-ms-session-token"].split(":")[0], owner(r1, epk.effectivePartitionKey([k], { kind: "Hash", version: 1 })).id);
  }
});

test("pkranges by resource ids, and a change feed of an EPK sub-range of one range", async t => {
  const local = await startLocal({ partitions: 2 });
  t.after(() => local.close());
  const B = local.url;
  const coll = await container(B, "rid", "c", { paths: ["/pk"], kind: "Hash", version: 2 });
  const read = await request(B, "GET", coll);
  const c = read.body;
  const db = (await request(B, "GET", "/dbs/rid")).body;
  // container answers name their database (official SDKs build the container's link from it)
  assert.equal(read.headers["x-ms-alt-content-path"], "dbs/rid");
  assert.equal(read.headers["x-ms-content-path"], db._rid);
  const byRid = await request(B, "GET", `/dbs/${db._rid}/colls/${c._rid}/pkranges`);
  assert.equal(byRid.status, 200);
  assert.deepEqual(byRid.body.PartitionKeyRanges.map(r => r.id), ["0", "1"]);
  assert.equal(byRid.body._rid, c._rid);

  const def = { kind: "Hash", version: 2 };
  const keys = [];
  for (let i = 0; keys.length < 4; i += 1) {
    const e = epk.effectivePartitionKey([`s${i}`], def);
    if (e < "20000000000000000000000000000000") keys.push({ key: `s${i}`, e });
  }
  for (const { key } of keys) await request(B, "POST", `${coll}/docs`, { body: { id: key, pk: key }, headers: pkh(key) });
  const sorted = keys.map(k => k.e).sort();
  const [lo, hi] = [sorted[1], sorted[3]];
  const r = await request(B, "GET", `${coll}/docs`, {
    headers: { "a-im": "Incremental feed", ...range("0"), "x-ms-start-epk": lo, "x-ms-end-epk": hi, "x-ms-read-key-type": "EffectivePartitionKeyRange" }
  });
  assert.equal(r.status, 200);
  const expected = keys.filter(k => k.e >= lo && k.e < hi).map(k => k.key).sort();
  assert.equal(expected.length, 2);
  assert.deepEqual(r.body.Documents.map(d => d.id).sort(), expected);
});
