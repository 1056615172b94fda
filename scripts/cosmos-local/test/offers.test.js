"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir, sign, KEY } = require("../lib/test-client");

async function startLocal() {
  const instance = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir() });
  await instance.start();
  return instance;
}

const byRid = rid => ({
  body: { query: "SELECT * FROM root r WHERE r.offerResourceId = @rid", parameters: [{ name: "@rid", value: rid }] },
  headers: { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" }
});

test("offers", async t => {
  const local = await startLocal();
  const B = local.url;
  t.after(() => local.close());

  const db = await request(B, "POST", "/dbs", { body: { id: "tp" }, headers: { "x-ms-offer-throughput": "400" } });
  assert.equal(db.status, 201);
  const manual = await request(B, "POST", "/dbs/tp/colls", {
    body: { id: "manual", partitionKey: { paths: ["/pk"], kind: "Hash" } },
    headers: { "x-ms-offer-throughput": "400" }
  });
  const auto = await request(B, "POST", "/dbs/tp/colls", {
    body: { id: "auto", partitionKey: { paths: ["/pk"], kind: "Hash" } },
    headers: { "x-ms-cosmos-offer-autopilot-settings": JSON.stringify({ maxThroughput: 4000 }) }
  });
  const shared = await request(B, "POST", "/dbs/tp/colls", { body: { id: "shared", partitionKey: { paths: ["/pk"], kind: "Hash" } } });
  assert.deepEqual([manual.status, auto.status, shared.status], [201, 201, 201]);

  await t.test("a resource created with throughput has one offer, found by its _rid", async () => {
    const all = await request(B, "GET", "/offers");
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.Offers.map(o => o.offerResourceId).sort(), [db.body._rid, manual.body._rid, auto.body._rid].sort());
    const found = await request(B, "POST", "/offers", byRid(manual.body._rid));
    assert.equal(found.status, 200);
    assert.equal(found.body._count, 1);
    const offer = found.body.Offers[0];
    assert.equal(offer.offerVersion, "V2");
    assert.equal(offer.resource, `dbs/${db.body._rid}/colls/${manual.body._rid}/`);
    assert.deepEqual(offer.content, { offerThroughput: 400 });
    assert.equal(offer._self, `offers/${offer.id}/`);
    assert.equal(offer.pending, undefined);
    const dbOffer = (await request(B, "POST", "/offers", byRid(db.body._rid))).body.Offers[0];
    assert.equal(dbOffer.resource, `dbs/${db.body._rid}/`);
    const autoOffer = (await request(B, "POST", "/offers", byRid(auto.body._rid))).body.Offers[0];
    assert.deepEqual(autoOffer.content, { offerAutopilotSettings: { maxThroughput: 4000 } });
  });

  await t.test("a container without its own throughput has no offer", async () => {
    const found = await request(B, "POST", "/offers", byRid(shared.body._rid));
    assert.deepEqual([found.status, found.body._count, found.body.Offers], [200, 0, []]);
    const missing = await request(B, "GET", "/offers/zzzz");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, "NotFound");
  });

  await t.test("a read answers the minimum and whether a replace is pending", async () => {
    const offer = (await request(B, "POST", "/offers", byRid(manual.body._rid))).body.Offers[0];
    const read = await request(B, "GET", `/offers/${offer.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers["x-ms-cosmos-min-throughput"], "400");
    assert.equal(read.headers["x-ms-offer-replace-pending"], "false");
    assert.equal(read.headers.etag, offer._etag);
    const autoOffer = (await request(B, "POST", "/offers", byRid(auto.body._rid))).body.Offers[0];
    const autoRead = await request(B, "GET", `/offers/${autoOffer.id}`);
    assert.equal(autoRead.headers["x-ms-cosmos-min-throughput"], "1000");
  });

  await t.test("an offer is signed by its id lower-cased, or by its link", async () => {
    const offer = (await request(B, "POST", "/offers", byRid(manual.body._rid))).body.Offers[0];
    const date = new Date().toUTCString();
    const lower = sign(KEY, "GET", "offers", offer.id.toLowerCase(), date);
    const r = await request(B, "GET", `/offers/${offer.id}`, { date, headers: { authorization: lower } });
    assert.equal(r.status, 200);
    const wrong = sign(KEY, "GET", "offers", "other", date);
    assert.equal((await request(B, "GET", `/offers/${offer.id}`, { date, headers: { authorization: wrong } })).status, 401);
  });

  await t.test("replace changes manual throughput and the etag", async () => {
    const offer = (await request(B, "POST", "/offers", byRid(manual.body._rid))).body.Offers[0];
    const put = await request(B, "PUT", `/offers/${offer.id}`, { body: { ...offer, content: { offerThroughput: 800 } } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.content, { offerThroughput: 800 });
    assert.notEqual(put.body._etag, offer._etag);
    assert.equal(put.headers["x-ms-offer-replace-pending"], "false");
    const read = await request(B, "GET", `/offers/${offer.id}`);
    assert.deepEqual(read.body.content, { offerThroughput: 800 });
    const stale = await request(B, "PUT", `/offers/${offer.id}`, {
      body: { ...offer, content: { offerThroughput: 900 } }, headers: { "if-match": offer._etag }
    });
    assert.equal(stale.status, 412);
  });

  await t.test("invalid throughput is refused, on create and on replace", async () => {
    const low = await request(B, "POST", "/dbs/tp/colls", {
      body: { id: "low", partitionKey: { paths: ["/pk"], kind: "Hash" } }, headers: { "x-ms-offer-throughput": "300" }
    });
    assert.equal(low.status, 400);
    assert.match(low.body.message, /at least 400/);
    assert.equal((await request(B, "GET", "/dbs/tp/colls/low")).status, 404);
    const both = await request(B, "POST", "/dbs", {
      body: { id: "both" }, headers: { "x-ms-offer-throughput": "400", "x-ms-cosmos-offer-autopilot-settings": "{\"maxThroughput\":1000}" }
    });
    assert.equal(both.status, 400);
    const offer = (await request(B, "POST", "/offers", byRid(manual.body._rid))).body.Offers[0];
    const bad = await request(B, "PUT", `/offers/${offer.id}`, { body: { ...offer, content: { offerThroughput: 450 } } });
    assert.equal(bad.status, 400);
    const badAuto = await request(B, "PUT", `/offers/${offer.id}`, {
      body: { ...offer, content: { offerAutopilotSettings: { maxThroughput: 500 } } },
      headers: { "x-ms-cosmos-migrate-offer-to-autopilot": "true" }
    });
    assert.equal(badAuto.status, 400);
  });

  await t.test("manual to autoscale and back needs the migration header, and is pending until read", async () => {
    let offer = (await request(B, "POST", "/offers", byRid(manual.body._rid))).body.Offers[0];
    const toAuto = { ...offer, content: { offerAutopilotSettings: { maxThroughput: 1000 } } };
    const refused = await request(B, "PUT", `/offers/${offer.id}`, { body: toAuto });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /x-ms-cosmos-migrate-offer-to-autopilot: true/);
    const migrated = await request(B, "PUT", `/offers/${offer.id}`, {
      body: toAuto, headers: { "x-ms-cosmos-migrate-offer-to-autopilot": "true" }
    });
    assert.equal(migrated.status, 200);
    assert.equal(migrated.headers["x-ms-offer-replace-pending"], "true");
    offer = migrated.body;
    const busy = await request(B, "PUT", `/offers/${offer.id}`, { body: { ...offer, content: { offerAutopilotSettings: { maxThroughput: 2000 } } } });
    assert.equal(busy.status, 423);
    const first = await request(B, "GET", `/offers/${offer.id}`);
    assert.equal(first.headers["x-ms-offer-replace-pending"], "true");
    assert.deepEqual(first.body.content, { offerAutopilotSettings: { maxThroughput: 1000 } });
    const second = await request(B, "GET", `/offers/${offer.id}`);
    assert.equal(second.headers["x-ms-offer-replace-pending"], "false");
    const back = await request(B, "PUT", `/offers/${offer.id}`, {
      body: { ...second.body, content: { offerThroughput: 600 } },
      headers: { "x-ms-cosmos-migrate-offer-to-manual-throughput": "true" }
    });
    assert.equal(back.status, 200);
    assert.deepEqual(back.body.content, { offerThroughput: 600 });
    assert.equal(back.headers["x-ms-cosmos-min-throughput"], "400");
  });

  await t.test("offer queries the server does not understand are refused, not guessed", async () => {
    const r = await request(B, "POST", "/offers", {
      body: { query: "SELECT * FROM root r WHERE r.content.offerThroughput > 100" },
      headers: { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" }
    });
    assert.equal(r.status, 400);
    const all = await request(B, "POST", "/offers", {
      body: { query: "SELECT * FROM root r" }, headers: { "content-type": "application/query+json" }
    });
    assert.equal(all.body._count, 3);
  });

  await t.test("deleting a container or database deletes its offers", async () => {
    assert.equal((await request(B, "DELETE", "/dbs/tp/colls/auto")).status, 204);
    assert.equal((await request(B, "POST", "/offers", byRid(auto.body._rid))).body._count, 0);
    assert.equal((await request(B, "DELETE", "/dbs/tp")).status, 204);
    assert.equal((await request(B, "GET", "/offers")).body._count, 0);
  });
});
