"use strict";
// --split-after: a range splits after the Nth document write; the parent is gone (410/1002),
// documents and LSNs carry over, and change feeds resume on the children without gaps.
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir } = require("../lib/test-client");

const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const INCREMENTAL = { "a-im": "Incremental feed" };
const range = id => ({ "x-ms-documentdb-partitionkeyrangeid": id });

test("split after N writes", async t => {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), splitAfter: 6 });
  await local.start();
  t.after(() => local.close());
  const B = local.url;
  const coll = "/dbs/split/colls/c";
  const docs = `${coll}/docs`;
  await request(B, "POST", "/dbs", { body: { id: "split" } });
  await request(B, "POST", "/dbs/split/colls", { body: { id: "c", partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 } } });

  const before = await request(B, "GET", `${coll}/pkranges`);
  assert.deepEqual(before.body.PartitionKeyRanges.map(r => r.id), ["0"]);
  const write = i => request(B, "POST", docs, { body: { id: `d${i}`, pk: `k${i}` }, headers: pkh(`k${i}`) });
  for (let i = 1; i <= 3; i += 1) assert.equal((await write(i)).status, 201);
  const parentFeed = await request(B, "GET", docs, { headers: { ...INCREMENTAL, ...range("0") } });
  assert.deepEqual(parentFeed.body.Documents.map(d => d.id), ["d1", "d2", "d3"]);
  const parentEtag = parentFeed.headers.etag;
  assert.equal(parentEtag, '"3"');
  for (let i = 4; i <= 5; i += 1) await write(i);
  const sixth = await write(6);
  assert.equal(sixth.headers["x-ms-session-token"], "0:-1#6", "the Nth write is still the parent's");

  await t.test("pkranges lists two children of the parent under a new etag", async () => {
    const stale = await request(B, "GET", `${coll}/pkranges`, { headers: { "a-im": "Incremental Feed", "if-none-match": before.headers.etag } });
    assert.equal(stale.status, 200);
    assert.notEqual(stale.headers.etag, before.headers.etag);
    const ranges = stale.body.PartitionKeyRanges;
    assert.deepEqual(ranges.map(r => [r.id, r.parents]), [["1", ["0"]], ["2", ["0"]]]);
    assert.equal(ranges[0].minInclusive, "");
    assert.equal(ranges[0].maxExclusive, "20000000000000000000000000000000");
    assert.equal(ranges[1].minInclusive, "20000000000000000000000000000000");
    assert.equal(ranges[1].maxExclusive, "FF");
    assert.equal((await request(B, "GET", `${coll}/pkranges`, { headers: { "if-none-match": stale.headers.etag } })).status, 304);
  });

  await t.test("every request naming the parent range is gone (410/1002)", async () => {
    const requests = [
      request(B, "GET", docs, { headers: { ...INCREMENTAL, ...range("0"), "if-none-match": parentEtag } }),
      request(B, "GET", docs, { headers: range("0") }),
      request(B, "POST", docs, { body: { query: "SELECT * FROM c" }, headers: { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True", ...range("0") } }),
      request(B, "POST", docs, {
        body: [{ operationType: "Create", partitionKey: '["k1"]', resourceBody: { id: "n", pk: "k1" } }],
        headers: { "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "False", ...range("0") }
      })
    ];
    for (const r of await Promise.all(requests)) {
      assert.equal(r.status, 410);
      assert.equal(r.headers["x-ms-substatus"], "1002");
      assert.match(r.body.message, /PartitionKeyRange with id '0'/);
    }
  });

  await t.test("the children resume the parent's change feed: exactly what it had not delivered", async () => {
    const seen = [];
    for (const id of ["1", "2"]) {
      const r = await request(B, "GET", docs, { headers: { ...INCREMENTAL, ...range(id), "if-none-match": parentEtag } });
      if (r.status === 304) continue;
      assert.equal(r.status, 200);
      seen.push(...r.body.Documents.map(d => d.id));
      assert.equal(r.headers.etag, '"6"', "a child starts at the parent's LSN");
    }
    assert.deepEqual(seen.sort(), ["d4", "d5", "d6"]);
  });

  await t.test("documents carry over and LSNs continue from the parent's per child", async () => {
    for (let i = 1; i <= 6; i += 1) {
      assert.equal((await request(B, "GET", `${docs}/d${i}`, { headers: pkh(`k${i}`) })).status, 200);
    }
    const seventh = await write(7);
    const [child, token] = seventh.headers["x-ms-session-token"].split(":");
    assert.ok(["1", "2"].includes(child), child);
    assert.equal(token, "-1#7");
    // a parent token counts for its children
    const read = headers => request(B, "GET", `${docs}/d7`, { headers: { ...pkh("k7"), ...headers } });
    assert.equal((await read({ "x-ms-session-token": "0:-1#6" })).status, 200);
    const ahead = await read({ "x-ms-session-token": "0:-1#99" });
    assert.equal(ahead.status, 404);
    assert.equal(ahead.headers["x-ms-substatus"], "1002");
    const feed = await request(B, "GET", docs, { headers: { ...INCREMENTAL, ...range(child), "if-none-match": '"6"' } });
    assert.deepEqual(feed.body.Documents.map(d => d.id), ["d7"]);
    // further writes do not split again
    for (let i = 8; i <= 14; i += 1) await write(i);
    assert.equal((await request(B, "GET", `${coll}/pkranges`)).body.PartitionKeyRanges.length, 2);
  });
});

test("a bulk request that crosses --split-after is served whole by its range, then the range splits", async t => {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), splitAfter: 3 });
  await local.start();
  t.after(() => local.close());
  const B = local.url;
  await request(B, "POST", "/dbs", { body: { id: "bulk" } });
  await request(B, "POST", "/dbs/bulk/colls", { body: { id: "c", partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 } } });
  const docs = "/dbs/bulk/colls/c/docs";
  const ops = Array.from({ length: 5 }, (_, i) => ({ operationType: "Create", partitionKey: JSON.stringify([`k${i}`]), resourceBody: { id: `b${i}`, pk: `k${i}` } }));
  const headers = { "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "False", "x-ms-cosmos-batch-continue-on-error": "True", ...range("0") };
  const r = await request(B, "POST", docs, { body: ops, headers });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.map(o => o.statusCode), [201, 201, 201, 201, 201]);
  assert.equal(r.headers["x-ms-session-token"], "0:-1#5", "one range's token, as SDKs parse a bulk answer");
  const ranges = (await request(B, "GET", "/dbs/bulk/colls/c/pkranges")).body.PartitionKeyRanges;
  assert.deepEqual(ranges.map(p => p.id), ["1", "2"]);
  const again = await request(B, "POST", docs, { body: ops, headers });
  assert.equal(again.status, 410);
  assert.equal(again.headers["x-ms-substatus"], "1002");
});
