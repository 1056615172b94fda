"use strict";
// Id lookups (lib/idlookup.js): queries that can only match a few ids read only those
// documents, and answer exactly what reading the whole scope answers.
const test = require("node:test");
const assert = require("node:assert/strict");

const cosmosQuery = require("@zeit/cosmosdb-query").default;
const { createCosmosLocal, parseArgs, DEFAULTS } = require("../server");
const { request, tmpDir } = require("../lib/test-client");
const { lookupIds, plain, bind, planIds, runPlan } = require("../lib/idlookup");

const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const QUERY = { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" };
const CROSS = { ...QUERY, "x-ms-documentdb-query-enablecrosspartition": "True" };
const range = id => ({ ...QUERY, "x-ms-documentdb-partitionkeyrangeid": id });
const admin = (local, method, path) => request(local.url, method, path, { noAuth: true });

const ids = (sql, parameters) => lookupIds(cosmosQuery(sql).ast, parameters);

test("lookupIds finds the ids of id lookups and nothing else", () => {
  const p = (name, value) => ({ name, value });
  assert.deepEqual(
    ids('SELECT * FROM c WHERE (c.id = @i0 AND c["pk"] = @k0_0) OR (c.id = @i1 AND NOT IS_DEFINED(c["pk"]))',
      [p("@i0", "a"), p("@k0_0", 42), p("@i1", "b")]),
    ["a", "b"]);
  assert.deepEqual(ids('SELECT * FROM root r WHERE r.id IN (@a, "x", 3)', [p("@a", "y")]), ["y", "x", 3]);
  assert.deepEqual(ids('SELECT VALUE c.v FROM c WHERE @a = c["id"] AND c.t.u = "v" AND IS_DEFINED(c.w)', [p("@a", "z")]), ["z"]);
  assert.deepEqual(ids("SELECT * FROM c WHERE c.id = @missing", []), [undefined], "an unbound parameter is a value");
  const no = [
    ["SELECT * FROM c", undefined],
    ["SELECT * FROM c WHERE c.id = 'a' OR c.v = 1", undefined],
    ["SELECT * FROM c WHERE c.id = 'a' AND udf.f(c)", undefined],
    ["SELECT * FROM c WHERE c.id = 'a' AND c.v > 1", undefined],
    ["SELECT * FROM c WHERE c.id = 'a' AND STARTSWITH(c.v, 'x')", undefined],
    ["SELECT * FROM c WHERE c.id != 'a'", undefined],
    ["SELECT * FROM c WHERE c.v = 'a'", undefined],
    ["SELECT * FROM c WHERE c.id = c.other", undefined],
    ["SELECT * FROM c WHERE c.id IN ('a', c.other)", undefined],
    ["SELECT * FROM c WHERE d.id = 'a'", undefined],
    ["SELECT * FROM c WHERE c.x.id = 'a'", undefined],
    ["SELECT * FROM c JOIN t IN c.tags WHERE c.id = 'a'", undefined],
    ["SELECT * FROM c.children x WHERE x.id = 'a'", undefined],
    ["SELECT * FROM c WHERE c.id = @a", { "@a": "a" }],
    ["SELECT * FROM c WHERE c.id = @a", [{ value: "a" }]]
  ];
  for (const [sql, parameters] of no) assert.equal(ids(sql, parameters), null, sql);
});

test("plain() reads readDocuments' shape from the text, and nothing else", () => {
  assert.deepEqual(plain('select * from c where (c.id = @i0 AND c["pk"] = @k0) or c.id IN (\'x\', @y)'), {
    terms: [
      [{ kind: "eq", path: ["id"], values: [{ param: "@i0" }] }, { kind: "eq", path: ["pk"], values: [{ param: "@k0" }] }],
      [{ kind: "in", path: ["id"], values: [{ constant: "x" }, { param: "@y" }] }]
    ]
  });
  assert.deepEqual(plain('SELECT * FROM c WHERE @a = c.id AND NOT IS_DEFINED(c["a"]["b"])').terms[0][1],
    { kind: "defined", path: ["a", "b"], negate: true });
  for (const sql of [
    "SELECT * FROM c",
    "SELECT c.id FROM c WHERE c.id = @a",
    "SELECT * FROM c WHERE c.id = @a ORDER BY c.id",
    "SELECT * FROM c WHERE c.id = @a -- comment",
    'SELECT * FROM c WHERE c.id = "a\\"b"',
    "SELECT * FROM c WHERE c.id = 1",
    "SELECT * FROM c WHERE c.id = @a OR c.v = @b",
    "SELECT * FROM c WHERE ((c.id = @a))",
    "SELECT * FROM c WHERE c.id = @a AND udf.f(c)",
    "SELECT * FROM c WHERE d.id = @a",
    "SELECT * FROM value WHERE value.id = @a",
    "SELECT * FROM root r WHERE r.id = @a AND r.x > @b"
  ]) {
    assert.equal(plain(sql), null, sql);
  }
});

// A small deterministic PRNG (mulberry32), so a failure can be replayed.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("runPlan answers what the engine answers: results and every page's continuation", () => {
  const random = prng(11);
  const pick = list => list[Math.floor(random() * list.length)];
  const KEYS = [42, "42", null, undefined, true, "true", { o: 1 }, [1], "k"];
  const docs = [];
  for (let i = 0; i < 60; i++) {
    const doc = { id: `d${i % 12}`, _rid: `rid${String(1000 - i).padStart(4, "0")}`, n: i };
    const key = pick(KEYS);
    if (key !== undefined) doc.pk = key;
    if (random() < 0.3) doc.a = { b: pick([1, "1", undefined]) };
    docs.push(doc);
  }
  for (let round = 0; round < 150; round++) {
    const terms = [];
    const parameters = [];
    const count = 1 + Math.floor(random() * 6);
    for (let n = 0; n < count; n++) {
      parameters.push({ name: `@i${n}`, value: pick([`d${Math.floor(random() * 14)}`, 7, undefined]) });
      const atoms = [random() < 0.2 ? `c.id IN (@i${n}, 'd3')` : `c.id = @i${n}`];
      const extra = random();
      if (extra < 0.4) {
        atoms.push(`c["pk"] = @k${n}`);
        parameters.push({ name: `@k${n}`, value: pick(KEYS) });
      } else if (extra < 0.6) {
        atoms.push('NOT IS_DEFINED(c["pk"])');
      } else if (extra < 0.7) {
        atoms.push("IS_DEFINED(c.a.b)");
      }
      terms.push(`(${atoms.join(" AND ")})`);
    }
    const sql = `SELECT * FROM c WHERE ${terms.join(" OR ")}`;
    const plan = plain(sql);
    assert.ok(plan, sql);
    const params = bind(parameters);
    const ids = new Set(planIds(plan, params));
    // the candidates only, in another order: the answer must not depend on either
    const candidates = docs.filter(d => ids.has(d.id))
      .map(d => [random(), d]).sort((x, y) => x[0] - y[0]).map(([, d]) => d);
    const maxItemCount = pick([undefined, 1, 2, 5]);
    let continuation = null;
    let pages = 0;
    do {
      const engine = cosmosQuery(sql).exec(docs, { parameters, maxItemCount, continuation });
      const ours = runPlan(plan, params, candidates, maxItemCount, continuation);
      assert.deepEqual(ours, engine, `${sql} ${JSON.stringify(parameters)} page ${pages}`);
      continuation = engine.continuation;
      pages++;
    } while (continuation && pages < 100);
  }
});

test("id lookups are on unless --no-id-lookup", () => {
  assert.equal(DEFAULTS.idLookup, true);
  assert.equal(parseArgs(["--no-id-lookup"]).idLookup, false);
  assert.equal(parseArgs([]).idLookup, undefined);
});

async function startLocal(opts = {}) {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), ...opts });
  await local.start();
  return local;
}

async function container(B, db, coll, definition) {
  await request(B, "POST", "/dbs", { body: { id: db } });
  assert.equal((await request(B, "POST", `/dbs/${db}/colls`, { body: { id: coll, ...definition } })).status, 201);
  return `/dbs/${db}/colls/${coll}/docs`;
}

async function put(B, docs, doc, key) {
  const r = await request(B, "POST", docs, { body: doc, headers: pkh(...key) });
  assert.equal(r.status, 201, JSON.stringify(doc));
}

/** What a request answers, without what differs between any two answers. */
function answer(r) {
  const { date, "x-ms-activity-id": activity, ...headers } = r.headers;
  assert.ok(activity);
  return { status: r.status, headers, body: r.body };
}

/**
 * Every page of a query, once scanned and once by id lookup (the continuation of each path
 * fed back to the same path); asserts the two agree and that each took the path it should.
 */
async function bothWays(local, docs, body, headers, lookup = "plain") {
  const run = async idLookup => {
    local.options.idLookup = idLookup;
    const before = (await admin(local, "GET", "/_local/stats")).body.queries;
    const pages = [];
    let continuation;
    do {
      const h = continuation ? { ...headers, "x-ms-continuation": continuation } : headers;
      const r = await request(local.url, "POST", docs, { body, headers: h });
      pages.push(answer(r));
      continuation = r.status === 200 ? r.headers["x-ms-continuation"] : undefined;
    } while (continuation);
    const after = (await admin(local, "GET", "/_local/stats")).body.queries;
    return {
      pages,
      idLookup: after.idLookup - before.idLookup,
      scan: after.scan - before.scan,
      withoutEngine: after.withoutEngine - before.withoutEngine
    };
  };
  const scan = await run(false);
  const fast = await run(true);
  local.options.idLookup = true;
  assert.deepEqual(fast.pages, scan.pages, body.query);
  // (a request refused before it is run counts on neither path)
  const answered = scan.pages.filter(p => p.status === 200).length;
  assert.deepEqual([scan.idLookup, scan.scan, scan.withoutEngine], [0, answered, 0], "the scan path, when turned off");
  const expected = lookup === "plain" ? [answered, 0, answered] : lookup === "engine" ? [answered, 0, 0] : [0, answered, 0];
  assert.deepEqual([fast.idLookup, fast.scan, fast.withoutEngine], expected, `${lookup}: ${body.query}`);
  return scan.pages;
}

const docIds = page => page.body.Documents.map(d => `${d.id}/${JSON.stringify(d.pk)}`);

test("an id lookup answers what the scan answers", async t => {
  const local = await startLocal({ partitions: 4 });
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "db", "c", { partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 } });
  await put(B, docs, { id: "a", pk: 42, tag: "number" }, [42]);
  await put(B, docs, { id: "a", pk: "42", tag: "string" }, ["42"]);
  await put(B, docs, { id: "b", pk: 42, v: 1 }, [42]);
  await put(B, docs, { id: "u", tag: "undefined" }, [{}]);
  await put(B, docs, { id: "n", pk: null, tag: "null" }, [null]);
  for (let i = 0; i < 30; i++) await put(B, docs, { id: `f${i}`, pk: `k${i}`, v: i }, [`k${i}`]);
  const ranges = (await request(B, "GET", docs.replace(/docs$/, "pkranges"))).body.PartitionKeyRanges;
  assert.equal(ranges.length, 4);

  // readDocuments' shape: typed keys, a missing id, a key that does not match
  const many = {
    query: 'SELECT * FROM c WHERE (c.id = @i0 AND c["pk"] = @k0_0) OR (c.id = @i1 AND c["pk"] = @k1_0)' +
      ' OR (c.id = @i2 AND c["pk"] = @k2_0) OR (c.id = @i3 AND c["pk"] = @k3_0)' +
      ' OR (c.id = @i4 AND NOT IS_DEFINED(c["pk"])) OR (c.id = @i5 AND c["pk"] = @k5_0)',
    parameters: [
      { name: "@i0", value: "a" }, { name: "@k0_0", value: 42 },
      { name: "@i1", value: "nope" }, { name: "@k1_0", value: 42 },
      { name: "@i2", value: "b" }, { name: "@k2_0", value: "42" },
      { name: "@i3", value: "f7" }, { name: "@k3_0", value: "k7" },
      { name: "@i4", value: "u" },
      { name: "@i5", value: "n" }, { name: "@k5_0", value: null }
    ]
  };
  const [all] = await bothWays(local, docs, many, CROSS);
  assert.equal(all.status, 200);
  assert.deepEqual(docIds(all).sort(), ["a/42", "f7/\"k7\"", "n/null", "u/undefined"]);
  assert.equal(all.headers["x-ms-item-count"], "4");
  assert.equal(all.headers["x-ms-session-token"].split(",").length, 4);
  let found = 0;
  for (const r of ranges) {
    const [page] = await bothWays(local, docs, many, range(r.id));
    assert.equal(page.headers["x-ms-session-token"], `${r.id}:-1#${r.lsn}`);
    found += page.body.Documents.length;
  }
  assert.equal(found, 4, "each document in its own range");

  // IN, paged two at a time through the engine's continuations
  const list = { query: 'SELECT * FROM c WHERE c.id IN ("a", "b", "f1", "f2", "f3", @x)', parameters: [{ name: "@x", value: "f4" }] };
  const pages = await bothWays(local, docs, list, { ...CROSS, "x-ms-max-item-count": "2" });
  assert.deepEqual(pages.map(p => p.body.Documents.length), [2, 2, 2, 1]);
  assert.ok(pages[0].headers["x-ms-continuation"]);
  assert.deepEqual(pages.flatMap(docIds).sort(), ['a/"42"', "a/42", "b/42", 'f1/"k1"', 'f2/"k2"', 'f3/"k3"', 'f4/"k4"']);

  // one logical partition (42 is not "42"); a projection; a TOP and an ORDER BY
  const [one] = await bothWays(local, docs, { query: 'SELECT c.id, c.tag FROM c WHERE c.id IN ("a", "b")' }, { ...QUERY, ...pkh(42) }, "engine");
  assert.deepEqual(one.body.Documents, [{ id: "a", tag: "number" }, { id: "b" }]);
  await bothWays(local, docs, { query: 'SELECT TOP 1 * FROM c WHERE c.id = "a"' }, CROSS, "engine");
  await bothWays(local, docs, { query: 'SELECT * FROM c WHERE c.id = "f1" OR c.id = "f2" ORDER BY c.v DESC' }, CROSS, "engine");
  await bothWays(local, docs, { query: 'SELECT VALUE COUNT(1) FROM c WHERE c.id = "a"' }, CROSS, "engine");

  // refusals are the same: a session token ahead of the range, a gone range, no partition scope
  const ahead = { ...range("0"), "x-ms-session-token": `0:-1#${ranges[0].lsn + 5}` };
  const [late] = await bothWays(local, docs, many, ahead);
  assert.deepEqual([late.status, late.headers["x-ms-substatus"]], [404, "1002"]);
  const [gone] = await bothWays(local, docs, many, range("9"));
  assert.deepEqual([gone.status, gone.headers["x-ms-substatus"]], [410, "1002"]);
  const [refused] = await bothWays(local, docs, { query: 'SELECT * FROM c WHERE c.id = "a"' }, QUERY);
  assert.equal(refused.status, 400);
  assert.match(refused.body.message, /Cross partition query is required/);
  // (the engine's pinning check: a query naming the key path may run without the header)
  assert.equal((await bothWays(local, docs, many, QUERY))[0].body.Documents.length, 4);

  // anything else is scanned
  const [scanned] = await bothWays(local, docs, { query: 'SELECT * FROM c WHERE c.id = "a" OR c.v = 3' }, CROSS, false);
  assert.equal(scanned.body.Documents.length, 3);
});

test("hierarchical keys: an id lookup answers what the scan answers", async t => {
  const local = await startLocal({ partitions: 2 });
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "db", "h", { partitionKey: { paths: ["/t", "/u"], kind: "MultiHash", version: 2 } });
  await put(B, docs, { id: "h", t: "t1", u: "u1" }, ["t1", "u1"]);
  await put(B, docs, { id: "h", t: "t1", u: "u2" }, ["t1", "u2"]);
  await put(B, docs, { id: "h", t: "t2" }, ["t2", {}]);
  await put(B, docs, { id: "other", t: "t1", u: "u1" }, ["t1", "u1"]);
  const body = {
    query: 'SELECT * FROM c WHERE (c.id = @i0 AND c["t"] = @k0_0 AND c["u"] = @k0_1)' +
      ' OR (c.id = @i1 AND c["t"] = @k1_0 AND NOT IS_DEFINED(c["u"])) OR (c.id = @i2 AND c["t"] = @k2_0 AND c["u"] = @k2_1)',
    parameters: [
      { name: "@i0", value: "h" }, { name: "@k0_0", value: "t1" }, { name: "@k0_1", value: "u2" },
      { name: "@i1", value: "h" }, { name: "@k1_0", value: "t2" },
      { name: "@i2", value: "h" }, { name: "@k2_0", value: "t9" }, { name: "@k2_1", value: "u1" }
    ]
  };
  const [page] = await bothWays(local, docs, body, CROSS);
  assert.deepEqual(page.body.Documents.map(d => [d.t, d.u]).sort(), [["t1", "u2"], ["t2", undefined]]);
  // a key prefix scopes the lookup to that prefix
  const [prefix] = await bothWays(local, docs, { query: 'SELECT * FROM c WHERE c.id IN ("h", "other")' }, { ...QUERY, ...pkh("t1") });
  assert.deepEqual(prefix.body.Documents.map(d => `${d.id}/${d.u}`).sort(), ["h/u1", "h/u2", "other/u1"]);
});

test("the id index follows deletes, re-creates, upserts and expiry", async t => {
  const local = await startLocal();
  t.after(() => local.close());
  const B = local.url;
  const docs = await container(B, "db", "t", {
    partitionKey: { paths: ["/pk"], kind: "Hash", version: 2 },
    defaultTtl: -1
  });
  const byId = { query: "SELECT * FROM c WHERE c.id = @id", parameters: [{ name: "@id", value: "x" }] };
  await put(B, docs, { id: "x", pk: "p1", n: 1 }, ["p1"]);
  assert.equal((await request(B, "DELETE", `${docs}/x`, { headers: pkh("p1") })).status, 204);
  assert.deepEqual((await bothWays(local, docs, byId, CROSS))[0].body.Documents, []);
  await put(B, docs, { id: "x", pk: "p2", n: 2 }, ["p2"]);
  assert.equal((await request(B, "POST", docs, {
    body: { id: "x", pk: "p2", n: 3 }, headers: { ...pkh("p2"), "x-ms-documentdb-is-upsert": "True" }
  })).status, 200);
  const [now] = await bothWays(local, docs, byId, CROSS);
  assert.deepEqual(now.body.Documents.map(d => [d.pk, d.n]), [["p2", 3]]);
  // a document with ttl 1 expires once its second is over (the clock moved, not waited for)
  await put(B, docs, { id: "x", pk: "p3", ttl: 1 }, ["p3"]);
  const realNow = Date.now;
  Date.now = () => realNow() + 5000;
  t.after(() => {
    Date.now = realNow;
  });
  const [later] = await bothWays(local, docs, byId, CROSS);
  Date.now = realNow;
  // (an index entry left behind would make the lookup path fail on the missing record)
  assert.deepEqual(later.body.Documents.map(d => d.pk), ["p2"]);
});
