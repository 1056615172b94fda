"use strict";
// Documents keyed by their whole, typed partition key; the partition key header on point
// operations, queries and read feeds; undefined and null keys; conditional reads.
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir } = require("../lib/test-client");

const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const QUERY = { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" };

async function startLocal(opts = {}) {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), ...opts });
  await local.start();
  return local;
}

async function container(B, db, coll, partitionKey) {
  await request(B, "POST", "/dbs", { body: { id: db } });
  const r = await request(B, "POST", `/dbs/${db}/colls`, { body: { id: coll, partitionKey } });
  assert.equal(r.status, 201);
  return `/dbs/${db}/colls/${coll}/docs`;
}

const ids = r => r.body.Documents.map(d => d.id).sort();

test("documents are keyed by their whole typed partition key", async t => {
  const local = await startLocal();
  t.after(() => local.close());
  const B = local.url;

  await t.test("42 is not \"42\", true is not \"true\", null is not undefined", async () => {
    const docs = await container(B, "typed", "c", { paths: ["/pk"], kind: "Hash", version: 2 });
    const cases = [["n", 42], ["s", "42"], ["t", true], ["ts", "true"], ["nul", null]];
    for (const [tag, value] of cases) {
      const r = await request(B, "POST", docs, { body: { id: "same", pk: value, tag }, headers: pkh(value) });
      assert.equal(r.status, 201, tag);
      assert.deepEqual(r.body.pk, value);
      assert.equal(typeof r.body._ts, "number");
      assert.equal(r.body._lsn, undefined, "documents answer without _lsn (change-feed items have it)");
    }
    // the document without the key path: undefined, addressed as [{}]
    const undef = await request(B, "POST", docs, { body: { id: "same", tag: "undef" }, headers: pkh({}) });
    assert.equal(undef.status, 201);
    for (const [tag, value] of [...cases, ["undef", {}]]) {
      const r = await request(B, "GET", `${docs}/same`, { headers: pkh(value) });
      assert.equal(r.status, 200, tag);
      assert.equal(r.body.tag, tag);
    }
    assert.equal((await request(B, "GET", `${docs}/same`, { headers: pkh(43) })).status, 404);
    // a duplicate in the same logical partition conflicts; the header must match the body
    assert.equal((await request(B, "POST", docs, { body: { id: "same", pk: 42 }, headers: pkh(42) })).status, 409);
    const mismatch = await request(B, "POST", docs, { body: { id: "other", pk: 42 }, headers: pkh("42") });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.headers["x-ms-substatus"], "1001");
    assert.match(mismatch.body.message, /doesn't match/);
    // a delete removes only its own logical partition's document
    assert.equal((await request(B, "DELETE", `${docs}/same`, { headers: pkh("42") })).status, 204);
    assert.equal((await request(B, "GET", `${docs}/same`, { headers: pkh("42") })).status, 404);
    assert.equal((await request(B, "GET", `${docs}/same`, { headers: pkh(42) })).status, 200);
    // a query with a partition key sees one logical partition, without the cross-partition header
    const q = await request(B, "POST", docs, { body: { query: "SELECT * FROM c", parameters: [] }, headers: { ...QUERY, ...pkh(null) } });
    assert.equal(q.status, 200);
    assert.deepEqual(q.body.Documents.map(d => d.tag), ["nul"]);
    const qu = await request(B, "POST", docs, { body: { query: "SELECT * FROM c" }, headers: { ...QUERY, ...pkh({}) } });
    assert.deepEqual(qu.body.Documents.map(d => d.tag), ["undef"]);
    // without it, the query needs the cross-partition header
    const refused = await request(B, "POST", docs, { body: { query: "SELECT * FROM c" }, headers: QUERY });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /Cross partition query is required but disabled/);
    const syntax = await request(B, "POST", docs, { body: { query: "SELEC * FROM c" }, headers: { ...QUERY, ...pkh(42) } });
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body.code, "BadRequest");
    const all = await request(B, "POST", docs, { body: { query: "SELECT * FROM c" }, headers: { ...QUERY, "x-ms-documentdb-query-enablecrosspartition": "True" } });
    assert.equal(all.body.Documents.length, 5);
    // a read feed with a partition key is one logical partition; without one, everything
    assert.deepEqual((await request(B, "GET", docs, { headers: pkh(true) })).body.Documents.map(d => d.tag), ["t"]);
    const feed = await request(B, "GET", docs);
    assert.equal(feed.body.Documents.length, 5);
    assert.equal(feed.headers["x-ms-item-count"], "5");
  });

  await t.test("hierarchical keys: (t1,u1) is not (t1,u2); a prefix queries the tenant", async () => {
    const docs = await container(B, "hier", "c", { paths: ["/tenant", "/user"], kind: "MultiHash", version: 2 });
    for (const [tenant, user] of [["t1", "u1"], ["t1", "u2"], ["t2", "u1"]]) {
      const r = await request(B, "POST", docs, { body: { id: "x", tenant, user }, headers: pkh(tenant, user) });
      assert.equal(r.status, 201, `${tenant}/${user}`);
    }
    assert.equal((await request(B, "GET", `${docs}/x`, { headers: pkh("t1", "u2") })).body.user, "u2");
    const short = await request(B, "GET", `${docs}/x`, { headers: pkh("t1") });
    assert.equal(short.status, 400, "a point read needs every component");
    assert.equal(short.headers["x-ms-substatus"], "1001");
    const tenant = await request(B, "POST", docs, { body: { query: "SELECT c.user FROM c" }, headers: { ...QUERY, ...pkh("t1") } });
    assert.equal(tenant.status, 200);
    assert.deepEqual(tenant.body.Documents.map(d => d.user).sort(), ["u1", "u2"]);
    const one = await request(B, "POST", docs, { body: { query: "SELECT * FROM c" }, headers: { ...QUERY, ...pkh("t2", "u1") } });
    assert.deepEqual(one.body.Documents.map(d => `${d.tenant}/${d.user}`), ["t2/u1"]);
    const tooMany = await request(B, "GET", `${docs}/x`, { headers: pkh("t1", "u1", "z") });
    assert.equal(tooMany.status, 400);
  });

  await t.test("If-None-Match on a point read: 304 while the etag matches, 200 after a change", async () => {
    const docs = await container(B, "cond", "c", { paths: ["/pk"], kind: "Hash", version: 2 });
    const created = await request(B, "POST", docs, { body: { id: "a", pk: "p", n: 1 }, headers: pkh("p") });
    const etag = created.headers.etag;
    assert.equal(etag, created.body._etag);
    const same = await request(B, "GET", `${docs}/a`, { headers: { ...pkh("p"), "if-none-match": etag } });
    assert.equal(same.status, 304);
    assert.equal(same.text, "");
    assert.equal(same.headers.etag, etag);
    assert.match(same.headers["x-ms-session-token"], /^0:-1#1$/);
    const quoted = await request(B, "GET", `${docs}/a`, { headers: { ...pkh("p"), "if-none-match": `"${etag}"` } });
    assert.equal(quoted.status, 304);
    await request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: "p", n: 2 }, headers: pkh("p") });
    const changed = await request(B, "GET", `${docs}/a`, { headers: { ...pkh("p"), "if-none-match": etag } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.n, 2);
    const stale = await request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: "p", n: 3 }, headers: { ...pkh("p"), "if-match": etag } });
    assert.equal(stale.status, 412);
  });

  await t.test("replace may not move a document to another partition key; patch works per key", async () => {
    const docs = await container(B, "move", "c", { paths: ["/pk"], kind: "Hash", version: 2 });
    await request(B, "POST", docs, { body: { id: "a", pk: 1, n: 1 }, headers: pkh(1) });
    await request(B, "POST", docs, { body: { id: "a", pk: 2, n: 10 }, headers: pkh(2) });
    const moved = await request(B, "PUT", `${docs}/a`, { body: { id: "a", pk: 3 }, headers: pkh(1) });
    assert.equal(moved.status, 400);
    assert.equal(moved.headers["x-ms-substatus"], "1001");
    const patched = await request(B, "PATCH", `${docs}/a`, { body: { operations: [{ op: "incr", path: "/n", value: 5 }] }, headers: pkh(2) });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.n, 15);
    assert.equal((await request(B, "GET", `${docs}/a`, { headers: pkh(1) })).body.n, 1);
    const keyChange = await request(B, "PATCH", `${docs}/a`, { body: { operations: [{ op: "set", path: "/pk", value: 9 }] }, headers: pkh(2) });
    assert.equal(keyChange.status, 400);
    const cond = await request(B, "PATCH", `${docs}/a`, { body: { condition: "from c where c.n > 100", operations: [{ op: "set", path: "/x", value: 1 }] }, headers: pkh(2) });
    assert.equal(cond.status, 412);
  });

  await t.test("unique keys hold per logical partition, on the combination of their paths", async () => {
    await request(B, "POST", "/dbs", { body: { id: "uniq" } });
    const made = await request(B, "POST", "/dbs/uniq/colls", {
      body: {
        id: "c",
        partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 },
        uniqueKeyPolicy: { uniqueKeys: [{ paths: ["/email"] }, { paths: ["/a", "/b"] }] }
      }
    });
    assert.equal(made.status, 201);
    const docs = "/dbs/uniq/colls/c/docs";
    const create = (id, pk, extra) => request(B, "POST", docs, { body: { id, pk, ...extra }, headers: pkh(pk) });
    assert.equal((await create("1", "p", { email: "x@y", a: 1, b: 1 })).status, 201);
    const dup = await create("2", "p", { email: "x@y", a: 2, b: 2 });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, "Conflict");
    assert.equal((await create("2", "other", { email: "x@y", a: 1, b: 1 })).status, 201, "another partition");
    assert.equal((await create("3", "p", { email: "z@y", a: 1, b: 2 })).status, 201, "(1,2) is not (1,1)");
    assert.equal((await create("4", "p", { email: "w@y", a: 1, b: 1 })).status, 409, "(1,1) again");
    const replace = (id, extra) => request(B, "PUT", `${docs}/${id}`, { body: { id, pk: "p", ...extra }, headers: pkh("p") });
    assert.equal((await replace("1", { email: "x@y", a: 1, b: 1, n: 1 })).status, 200, "a document does not conflict with itself");
    assert.equal((await replace("3", { email: "x@y", a: 5, b: 5 })).status, 409);
  });

  await t.test("a container without a version hashes with V1 and still keys by type", async () => {
    const docs = await container(B, "v1", "c", { paths: ["/pk"], kind: "Hash" });
    assert.equal((await request(B, "POST", docs, { body: { id: "a", pk: 1 }, headers: pkh(1) })).status, 201);
    assert.equal((await request(B, "POST", docs, { body: { id: "a", pk: "1" }, headers: pkh("1") })).status, 201);
    assert.equal((await request(B, "GET", `${docs}/a`, { headers: pkh("1") })).body.pk, "1");
  });
});
