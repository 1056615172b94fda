"use strict";
// Stored procedures, triggers and UDFs (managed and run), TTL that expires documents, and the
// conflicts feed.
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir } = require("../lib/test-client");

const pkh = (...values) => ({ "x-ms-documentdb-partitionkey": JSON.stringify(values) });
const QUERY = { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" };

async function startLocal(t, opts = {}) {
  const local = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir(), ...opts });
  await local.start();
  t.after(() => local.close());
  return local.url;
}

async function container(B, db, coll, extra = {}) {
  await request(B, "POST", "/dbs", { body: { id: db } });
  const r = await request(B, "POST", `/dbs/${db}/colls`, {
    body: { id: coll, partitionKey: { paths: ["/pk"], kind: "Hash" }, ...extra }
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return `/dbs/${db}/colls/${coll}`;
}

const ids = r => r.body.Documents.map(d => d.id).sort();

/** Polls `probe` until it returns true, at most `attempts` times, `everyMs` apart. */
async function eventually(probe, attempts = 60, everyMs = 100) {
  for (let i = 0; i < attempts; i += 1) {
    if (await probe()) return true;
    await new Promise(r => setTimeout(r, everyMs));
  }
  return false;
}

const CREATE_TWO = `function createTwo(prefix) {
  var collection = getContext().getCollection();
  var pk = "p";
  collection.createDocument(collection.getSelfLink(), { id: prefix + "-1", pk: pk }, function (err) {
    if (err) throw err;
    collection.createDocument(collection.getSelfLink(), { id: prefix + "-2", pk: pk }, function (err2, doc) {
      if (err2) throw err2;
      console.log("created", doc.id);
      getContext().getResponse().setBody({ created: [prefix + "-1", doc.id] });
    });
  });
}`;

const CREATE_THEN_THROW = `function createThenThrow(id) {
  var collection = getContext().getCollection();
  collection.createDocument(collection.getSelfLink(), { id: id, pk: "p" }, function (err) {
    if (err) throw err;
    console.log("about to fail");
    throw new Error("boom after " + id);
  });
}`;

test("stored procedures, triggers and UDFs are managed per container", async t => {
  const B = await startLocal(t);
  const c = await container(B, "mgmt", "c");

  for (const [kind, feed, extra] of [
    ["sprocs", "StoredProcedures", {}],
    ["triggers", "Triggers", { triggerType: "Pre", triggerOperation: "Create" }],
    ["udfs", "UserDefinedFunctions", {}]
  ]) {
    await t.test(kind, async () => {
      const created = await request(B, "POST", `${c}/${kind}`, { body: { id: "s1", body: "function () { return 1; }", ...extra } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.id, "s1");
      assert.equal(created.body.body, "function () { return 1; }");
      assert.ok(created.body._rid && created.body._etag && created.body._self.includes(`/${kind}/`));
      if (kind === "triggers") {
        assert.equal(created.body.triggerType, "Pre");
        assert.equal(created.body.triggerOperation, "Create");
      }
      assert.equal((await request(B, "POST", `${c}/${kind}`, { body: { id: "s1", body: "function () {}", ...extra } })).status, 409);
      const bad = await request(B, "POST", `${c}/${kind}`, { body: { id: "s2", body: "function ( {", ...extra } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /not a JavaScript function/);
      assert.equal((await request(B, "POST", `${c}/${kind}`, { body: { id: "s3", ...extra } })).status, 400);

      const read = await request(B, "GET", `${c}/${kind}/s1`);
      assert.equal(read.status, 200);
      assert.equal(read.body._etag, created.body._etag);
      const replaced = await request(B, "PUT", `${c}/${kind}/s1`, { body: { id: "s1", body: "function () { return 2; }", ...extra } });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.body.body, "function () { return 2; }");
      assert.equal(replaced.body._rid, created.body._rid);
      assert.notEqual(replaced.body._etag, created.body._etag);
      const stale = await request(B, "PUT", `${c}/${kind}/s1`, {
        body: { id: "s1", body: "function () {}", ...extra }, headers: { "if-match": created.body._etag }
      });
      assert.equal(stale.status, 412);
      assert.equal((await request(B, "PUT", `${c}/${kind}/nope`, { body: { id: "nope", body: "function () {}", ...extra } })).status, 404);

      await request(B, "POST", `${c}/${kind}`, { body: { id: "s4", body: "function () {}", ...extra } });
      const list = await request(B, "GET", `${c}/${kind}`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body[feed].map(x => x.id), ["s1", "s4"]);
      assert.equal(list.body._count, 2);
      const page = await request(B, "GET", `${c}/${kind}`, { headers: { "x-ms-max-item-count": "1" } });
      assert.deepEqual(page.body[feed].map(x => x.id), ["s1"]);
      const next = await request(B, "GET", `${c}/${kind}`, {
        headers: { "x-ms-max-item-count": "1", "x-ms-continuation": page.headers["x-ms-continuation"] }
      });
      assert.deepEqual(next.body[feed].map(x => x.id), ["s4"]);
      assert.equal(next.headers["x-ms-continuation"], undefined);
      const q = await request(B, "POST", `${c}/${kind}`, {
        body: { query: "SELECT * FROM r WHERE r.id = @id", parameters: [{ name: "@id", value: "s4" }] }, headers: QUERY
      });
      assert.deepEqual(q.body[feed].map(x => x.id), ["s4"]);

      assert.equal((await request(B, "DELETE", `${c}/${kind}/s1`)).status, 204);
      assert.equal((await request(B, "GET", `${c}/${kind}/s1`)).status, 404);
      assert.equal((await request(B, "DELETE", `${c}/${kind}/s1`)).status, 404);
    });
  }

  await t.test("trigger types and operations are checked", async () => {
    const r1 = await request(B, "POST", `${c}/triggers`, { body: { id: "t", body: "function () {}", triggerType: "Middle", triggerOperation: "All" } });
    assert.equal(r1.status, 400);
    const r2 = await request(B, "POST", `${c}/triggers`, { body: { id: "t", body: "function () {}", triggerType: "Pre", triggerOperation: "Sometimes" } });
    assert.equal(r2.status, 400);
  });

  await t.test("a UDF is callable from a query, and gone once deleted", async () => {
    await request(B, "POST", `${c}/udfs`, { body: { id: "double", body: "function (x) { return x * 2; }" } });
    await request(B, "POST", `${c}/docs`, { body: { id: "d", pk: "a", n: 21 }, headers: pkh("a") });
    const q = await request(B, "POST", `${c}/docs`, { body: { query: "SELECT VALUE udf.double(c.n) FROM c" }, headers: { ...QUERY, ...pkh("a") } });
    assert.equal(q.status, 200);
    assert.deepEqual(q.body.Documents, [42]);
    await request(B, "DELETE", `${c}/udfs/double`);
    const gone = await request(B, "POST", `${c}/docs`, { body: { query: "SELECT VALUE udf.double(c.n) FROM c" }, headers: { ...QUERY, ...pkh("a") } });
    assert.equal(gone.status, 400);
  });

  await t.test("a recreated container has no scripts", async () => {
    const d = await container(B, "mgmt2", "c");
    await request(B, "POST", `${d}/sprocs`, { body: { id: "x", body: "function () {}" } });
    assert.equal((await request(B, "DELETE", d)).status, 204);
    await container(B, "mgmt2", "c");
    assert.deepEqual((await request(B, "GET", `${d}/sprocs`)).body.StoredProcedures, []);
  });
});

test("stored procedures run in one logical partition", async t => {
  const B = await startLocal(t, { scriptTimeoutMs: 300 });
  const c = await container(B, "run", "c");
  for (const [id, body] of [["createTwo", CREATE_TWO], ["createThenThrow", CREATE_THEN_THROW]]) {
    assert.equal((await request(B, "POST", `${c}/sprocs`, { body: { id, body } })).status, 201);
  }

  await t.test("writes commit together; the body and the log are answered", async () => {
    const r = await request(B, "POST", `${c}/sprocs/createTwo`, {
      body: ["a"], headers: { ...pkh("p"), "x-ms-documentdb-script-enable-logging": "true" }
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { created: ["a-1", "a-2"] });
    assert.equal(decodeURIComponent(r.headers["x-ms-documentdb-script-log-results"]), "created a-2");
    assert.match(r.headers["x-ms-session-token"], /^0:-1#\d+$/);
    const feed = await request(B, "GET", `${c}/docs`, { headers: pkh("p") });
    assert.deepEqual(ids(feed), ["a-1", "a-2"]);
    // the two writes share one LSN: they committed as one
    const cf = await request(B, "GET", `${c}/docs`, { headers: { ...pkh("p"), "a-im": "Incremental feed" } });
    assert.equal(new Set(cf.body.Documents.map(d => d._lsn)).size, 1);
  });

  await t.test("no log header unless logging is asked for", async () => {
    const r = await request(B, "POST", `${c}/sprocs/createTwo`, { body: ["b"], headers: pkh("p") });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-ms-documentdb-script-log-results"], undefined);
  });

  await t.test("a script that throws writes nothing and answers 400 with its message", async () => {
    const r = await request(B, "POST", `${c}/sprocs/createThenThrow`, {
      body: ["x"], headers: { ...pkh("p"), "x-ms-documentdb-script-enable-logging": "true" }
    });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /Encountered exception while executing function\. Exception = Error: boom after x/);
    assert.equal(decodeURIComponent(r.headers["x-ms-documentdb-script-log-results"]), "about to fail");
    assert.equal((await request(B, "GET", `${c}/docs/x`, { headers: pkh("p") })).status, 404);
  });

  await t.test("an error passed to a callback carries the status; a rethrow rolls back", async () => {
    const r = await request(B, "POST", `${c}/sprocs/createTwo`, { body: ["a"], headers: pkh("p") });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /already exists/);
    const body = `function () {
      var c = getContext().getCollection();
      c.createDocument(c.getSelfLink(), { id: "dup", pk: "p" }, function (err) { if (err) throw err; });
      c.createDocument(c.getSelfLink(), { id: "dup", pk: "p" }, function (err) {
        getContext().getResponse().setBody({ number: err.number });
      });
    }`;
    await request(B, "POST", `${c}/sprocs`, { body: { id: "dupCheck", body } });
    const d = await request(B, "POST", `${c}/sprocs/dupCheck`, { body: [], headers: pkh("p") });
    assert.equal(d.status, 200);
    assert.deepEqual(d.body, { number: 409 });
    assert.equal((await request(B, "GET", `${c}/docs/dup`, { headers: pkh("p") })).status, 200);
  });

  await t.test("read, replace, delete and query see the partition and the script's own writes", async () => {
    await request(B, "POST", `${c}/docs`, { body: { id: "r1", pk: "q", n: 1 }, headers: pkh("q") });
    await request(B, "POST", `${c}/docs`, { body: { id: "other", pk: "elsewhere", n: 1 }, headers: pkh("elsewhere") });
    const body = `function (id) {
      var c = getContext().getCollection();
      var link = c.getAltLink() + "/docs/" + id;
      c.readDocument(link, function (err, doc) {
        if (err) throw err;
        doc.n = doc.n + 10;
        c.replaceDocument(doc._self, doc, function (err2) {
          if (err2) throw err2;
          c.createDocument(c.getSelfLink(), { id: "r2", pk: "q", n: 5 }, {}, function (err3) {
            if (err3) throw err3;
            c.queryDocuments(c.getSelfLink(), { query: "SELECT VALUE c.n FROM c WHERE c.n > @min", parameters: [{ name: "@min", value: 0 }] },
              function (err4, values) {
                if (err4) throw err4;
                c.deleteDocument(link, function (err5) {
                  if (err5) throw err5;
                  getContext().getResponse().setBody(values.sort());
                });
              });
          });
        });
      });
    }`;
    await request(B, "POST", `${c}/sprocs`, { body: { id: "rw", body } });
    const r = await request(B, "POST", `${c}/sprocs/rw`, { body: ["r1"], headers: pkh("q") });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, [11, 5].sort());
    assert.deepEqual(ids(await request(B, "GET", `${c}/docs`, { headers: pkh("q") })), ["r2"]);
    assert.equal((await request(B, "GET", `${c}/docs/other`, { headers: pkh("elsewhere") })).status, 200);
  });

  await t.test("a document of another partition is refused", async () => {
    const body = `function () { var c = getContext().getCollection(); c.createDocument(c.getSelfLink(), { id: "z", pk: "not-p" }); }`;
    await request(B, "POST", `${c}/sprocs`, { body: { id: "wrongPk", body } });
    const r = await request(B, "POST", `${c}/sprocs/wrongPk`, { body: [], headers: pkh("p") });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /doesn't match/);
  });

  await t.test("the partition key header is required; arguments must be an array; unknown is 404", async () => {
    const noKey = await request(B, "POST", `${c}/sprocs/createTwo`, { body: ["n"] });
    assert.equal(noKey.status, 400);
    assert.equal(noKey.headers["x-ms-substatus"], "1001");
    assert.equal((await request(B, "POST", `${c}/sprocs/createTwo`, { body: { a: 1 }, headers: pkh("p") })).status, 400);
    assert.equal((await request(B, "POST", `${c}/sprocs/missing`, { body: [], headers: pkh("p") })).status, 404);
  });

  await t.test("a script that runs too long is stopped with 408 and writes nothing", async () => {
    const body = `function () { var c = getContext().getCollection(); c.createDocument(c.getSelfLink(), { id: "slow", pk: "p" }); while (true) {} }`;
    await request(B, "POST", `${c}/sprocs`, { body: { id: "forever", body } });
    const r = await request(B, "POST", `${c}/sprocs/forever`, { body: [], headers: pkh("p") });
    assert.equal(r.status, 408);
    assert.equal((await request(B, "GET", `${c}/docs/slow`, { headers: pkh("p") })).status, 404);
  });

  await t.test("a script has no Node globals", async () => {
    const body = `function () { getContext().getResponse().setBody([typeof require, typeof process, typeof setTimeout]); }`;
    await request(B, "POST", `${c}/sprocs`, { body: { id: "globals", body } });
    const r = await request(B, "POST", `${c}/sprocs/globals`, { body: [], headers: pkh("p") });
    assert.deepEqual(r.body, ["undefined", "undefined", "undefined"]);
  });
});

test("pre- and post-triggers run on the writes that name them", async t => {
  const B = await startLocal(t);
  const c = await container(B, "trig", "c");
  const stamp = `function () {
    var req = getContext().getRequest();
    var doc = req.getBody();
    doc.stamped = req.getOperationType();
    req.setBody(doc);
  }`;
  const audit = `function () {
    var created = getContext().getResponse().getBody();
    var c = getContext().getCollection();
    c.createDocument(c.getSelfLink(), { id: "audit-" + created.id, pk: created.pk, of: created._rid });
  }`;
  const veto = `function () { throw new Error("vetoed"); }`;
  const triggers = [
    { id: "stamp", body: stamp, triggerType: "Pre", triggerOperation: "All" },
    { id: "stampCreate", body: stamp, triggerType: "Pre", triggerOperation: "Create" },
    { id: "audit", body: audit, triggerType: "Post", triggerOperation: "Create" },
    { id: "veto", body: veto, triggerType: "Post", triggerOperation: "All" }
  ];
  for (const tr of triggers) assert.equal((await request(B, "POST", `${c}/triggers`, { body: tr })).status, 201);
  const PRE = "x-ms-documentdb-pre-trigger-include";
  const POST = "x-ms-documentdb-post-trigger-include";

  await t.test("a pre-trigger changes the body that is stored", async () => {
    const r = await request(B, "POST", `${c}/docs`, { body: { id: "d1", pk: "a" }, headers: { ...pkh("a"), [PRE]: "stampCreate" } });
    assert.equal(r.status, 201);
    assert.equal(r.body.stamped, "Create");
    const read = await request(B, "GET", `${c}/docs/d1`, { headers: pkh("a") });
    assert.equal(read.body.stamped, "Create");
    const rep = await request(B, "PUT", `${c}/docs/d1`, { body: { id: "d1", pk: "a" }, headers: { ...pkh("a"), [PRE]: "stamp" } });
    assert.equal(rep.body.stamped, "Replace");
    // without the header, no trigger runs
    const plain = await request(B, "POST", `${c}/docs`, { body: { id: "d2", pk: "a" }, headers: pkh("a") });
    assert.equal(plain.body.stamped, undefined);
  });

  await t.test("a post-trigger sees the response and writes with the operation", async () => {
    const r = await request(B, "POST", `${c}/docs`, { body: { id: "d3", pk: "a" }, headers: { ...pkh("a"), [POST]: "audit" } });
    assert.equal(r.status, 201);
    const audit = await request(B, "GET", `${c}/docs/audit-d3`, { headers: pkh("a") });
    assert.equal(audit.status, 200);
    assert.equal(audit.body.of, r.body._rid);
  });

  await t.test("a trigger that throws rolls the write back", async () => {
    const r = await request(B, "POST", `${c}/docs`, { body: { id: "d4", pk: "a" }, headers: { ...pkh("a"), [POST]: "veto" } });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /vetoed/);
    assert.equal((await request(B, "GET", `${c}/docs/d4`, { headers: pkh("a") })).status, 404);
    const del = await request(B, "DELETE", `${c}/docs/d1`, { headers: { ...pkh("a"), [POST]: "veto" } });
    assert.equal(del.status, 400);
    assert.equal((await request(B, "GET", `${c}/docs/d1`, { headers: pkh("a") })).status, 200);
  });

  await t.test("type, operation and existence are honoured", async () => {
    const wrongOp = await request(B, "PUT", `${c}/docs/d1`, { body: { id: "d1", pk: "a" }, headers: { ...pkh("a"), [PRE]: "stampCreate" } });
    assert.equal(wrongOp.status, 400);
    assert.match(wrongOp.body.message, /runs on Create operations/);
    const wrongType = await request(B, "POST", `${c}/docs`, { body: { id: "d5", pk: "a" }, headers: { ...pkh("a"), [PRE]: "audit" } });
    assert.equal(wrongType.status, 400);
    const unknown = await request(B, "POST", `${c}/docs`, { body: { id: "d5", pk: "a" }, headers: { ...pkh("a"), [PRE]: "nope" } });
    assert.equal(unknown.status, 400);
    assert.equal((await request(B, "GET", `${c}/docs/d5`, { headers: pkh("a") })).status, 404);
  });
});

test("time to live expires documents", async t => {
  const B = await startLocal(t);

  await t.test("a document's ttl under defaultTtl -1; gone from reads, queries and feeds", async () => {
    const c = await container(B, "ttl", "on", { defaultTtl: -1 });
    await request(B, "POST", `${c}/docs`, { body: { id: "short", pk: "a", ttl: 1 }, headers: pkh("a") });
    await request(B, "POST", `${c}/docs`, { body: { id: "forever", pk: "a" }, headers: pkh("a") });
    await request(B, "POST", `${c}/docs`, { body: { id: "never", pk: "a", ttl: -1 }, headers: pkh("a") });
    const start = await request(B, "GET", `${c}/docs`, { headers: { ...pkh("a"), "a-im": "Full-Fidelity Feed", "if-none-match": "*" } });
    assert.equal((await request(B, "GET", `${c}/docs/short`, { headers: pkh("a") })).status, 200);
    assert.ok(await eventually(async () => (await request(B, "GET", `${c}/docs/short`, { headers: pkh("a") })).status === 404));
    assert.deepEqual(ids(await request(B, "GET", `${c}/docs`, { headers: pkh("a") })), ["forever", "never"]);
    const q = await request(B, "POST", `${c}/docs`, { body: { query: "SELECT * FROM c" }, headers: { ...QUERY, ...pkh("a") } });
    assert.deepEqual(ids(q), ["forever", "never"]);
    const ff = await request(B, "GET", `${c}/docs`, {
      headers: { ...pkh("a"), "a-im": "Full-Fidelity Feed", "if-none-match": start.headers.etag }
    });
    assert.equal(ff.status, 200);
    const expired = ff.body.Documents.filter(d => d.metadata.operationType === "delete");
    assert.equal(expired.length, 1);
    assert.equal(expired[0].metadata.id, "short");
    assert.equal(expired[0].metadata.timeToLiveExpired, true);
  });

  await t.test("defaultTtl expires every document without its own ttl", async () => {
    const c = await container(B, "ttl", "default", { defaultTtl: 1 });
    await request(B, "POST", `${c}/docs`, { body: { id: "d", pk: "a" }, headers: pkh("a") });
    await request(B, "POST", `${c}/docs`, { body: { id: "keep", pk: "a", ttl: -1 }, headers: pkh("a") });
    assert.ok(await eventually(async () => (await request(B, "GET", `${c}/docs/d`, { headers: pkh("a") })).status === 404));
    assert.equal((await request(B, "GET", `${c}/docs/keep`, { headers: pkh("a") })).status, 200);
  });

  await t.test("without defaultTtl a document's ttl is ignored", async () => {
    const c = await container(B, "ttl", "off");
    await request(B, "POST", `${c}/docs`, { body: { id: "d", pk: "a", ttl: 1 }, headers: pkh("a") });
    // TTL is off: the document outlives its ttl (observed after a stamped one expires elsewhere)
    const other = await container(B, "ttl", "witness", { defaultTtl: 1 });
    await request(B, "POST", `${other}/docs`, { body: { id: "w", pk: "a" }, headers: pkh("a") });
    assert.ok(await eventually(async () => (await request(B, "GET", `${other}/docs/w`, { headers: pkh("a") })).status === 404));
    assert.equal((await request(B, "GET", `${c}/docs/d`, { headers: pkh("a") })).status, 200);
  });
});

test("the conflicts feed is empty and its items unknown", async t => {
  const B = await startLocal(t);
  const c = await container(B, "conf", "c");
  const list = await request(B, "GET", `${c}/conflicts`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.Conflicts, []);
  assert.equal(list.body._count, 0);
  assert.equal((await request(B, "GET", `${c}/conflicts/x`)).status, 404);
  assert.equal((await request(B, "DELETE", `${c}/conflicts/x`)).status, 404);
  assert.equal((await request(B, "GET", "/dbs/conf/colls/nope/conflicts")).status, 404);
});
