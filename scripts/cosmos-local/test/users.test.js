"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");

const { createCosmosLocal } = require("../server");
const { request, tmpDir, setupContainer, pk, KEY } = require("../lib/test-client");
const { createUserStore } = require("../lib/users");
const auth = require("../lib/auth");

async function startLocal() {
  const instance = createCosmosLocal({ port: 0, http: true, stateDir: tmpDir() });
  await instance.start();
  return instance;
}

/** Request options signed with a resource token instead of the master key. */
const withToken = (token, extra = {}) => ({ ...extra, headers: { ...(extra.headers || {}), authorization: encodeURIComponent(token) } });

test("users and permissions", async t => {
  const local = await startLocal();
  const B = local.url;
  t.after(() => local.close());
  await setupContainer(B, "app", "orders");
  await setupContainer(B, "app", "other");
  for (const [id, tenant] of [["o1", "t1"], ["o2", "t2"]]) {
    assert.equal((await request(B, "POST", "/dbs/app/colls/orders/docs", { body: { id, pk: tenant }, headers: pk(tenant) })).status, 201);
  }
  assert.equal((await request(B, "POST", "/dbs/app/colls/other/docs", { body: { id: "x", pk: "t1" }, headers: pk("t1") })).status, 201);

  await t.test("users: create, read, list, replace, delete", async () => {
    const created = await request(B, "POST", "/dbs/app/users", { body: { id: "ada" } });
    assert.equal(created.status, 201);
    assert.equal(created.body.id, "ada");
    assert.equal(created.body._self, "dbs/app/users/ada");
    assert.equal(typeof created.body._rid, "string");
    assert.equal(created.body._permissions, "permissions/");
    assert.equal((await request(B, "POST", "/dbs/app/users", { body: { id: "ada" } })).status, 409);
    assert.equal((await request(B, "POST", "/dbs/app/users", { body: {} })).status, 400);
    assert.equal((await request(B, "POST", "/dbs/nope/users", { body: { id: "x" } })).status, 404);
    const read = await request(B, "GET", "/dbs/app/users/ada");
    assert.deepEqual([read.status, read.body._rid], [200, created.body._rid]);
    await request(B, "POST", "/dbs/app/users", { body: { id: "bob" } });
    const list = await request(B, "GET", "/dbs/app/users");
    assert.deepEqual(list.body.Users.map(u => u.id), ["ada", "bob"]);
    assert.equal(list.body._count, 2);
    const renamed = await request(B, "PUT", "/dbs/app/users/bob", { body: { id: "bert" } });
    assert.deepEqual([renamed.status, renamed.body.id, renamed.body._rid], [200, "bert", list.body.Users[1]._rid]);
    assert.equal((await request(B, "GET", "/dbs/app/users/bob")).status, 404);
    assert.equal((await request(B, "DELETE", "/dbs/app/users/bert")).status, 204);
    assert.equal((await request(B, "GET", "/dbs/app/users/bert")).status, 404);
    assert.equal((await request(B, "DELETE", "/dbs/app/users/bert")).status, 404);
  });

  let readToken;
  await t.test("permissions: create, read, list, replace, delete, each with a fresh token", async () => {
    const created = await request(B, "POST", "/dbs/app/users/ada/permissions", {
      body: { id: "read-t1", permissionMode: "Read", resource: "dbs/app/colls/orders", resourcePartitionKey: ["t1"] }
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.permissionMode, "Read");
    assert.equal(created.body.resource, "dbs/app/colls/orders");
    assert.deepEqual(created.body.resourcePartitionKey, ["t1"]);
    assert.match(created.body._token, /^type=resource&ver=1\.0&sig=[\w-]+\.[\w-]+$/);
    readToken = created.body._token;
    // one permission per user and resource
    const again = await request(B, "POST", "/dbs/app/users/ada/permissions", {
      body: { id: "second", permissionMode: "All", resource: "dbs/app/colls/orders" }
    });
    assert.equal(again.status, 409);
    for (const body of [
      { id: "m", permissionMode: "Write", resource: "dbs/app/colls/orders" },
      { id: "r", permissionMode: "Read" },
      { id: "d", permissionMode: "Read", resource: "dbs/app" },
      { id: "k", permissionMode: "Read", resource: "dbs/app/colls/other", resourcePartitionKey: "t1" }
    ]) {
      const r = await request(B, "POST", "/dbs/app/users/ada/permissions", { body });
      assert.equal(r.status, 400, body.id);
    }
    const all = await request(B, "POST", "/dbs/app/users/ada/permissions", {
      body: { id: "all-other", permissionMode: "All", resource: "dbs/app/colls/other" },
      headers: { "x-ms-documentdb-expiry-seconds": "600" }
    });
    assert.equal(all.status, 201);
    const read = await request(B, "GET", "/dbs/app/users/ada/permissions/read-t1");
    assert.equal(read.status, 200);
    assert.match(read.body._token, /^type=resource/);
    const list = await request(B, "GET", "/dbs/app/users/ada/permissions");
    assert.deepEqual(list.body.Permissions.map(p => p.id), ["read-t1", "all-other"]);
    assert.ok(list.body.Permissions.every(p => p._token.startsWith("type=resource&")));
    const replaced = await request(B, "PUT", "/dbs/app/users/ada/permissions/all-other", {
      body: { id: "all-other", permissionMode: "Read", resource: "dbs/app/colls/other" }
    });
    assert.deepEqual([replaced.status, replaced.body.permissionMode, replaced.body._rid], [200, "Read", all.body._rid]);
    // the token minted before the replace no longer works
    const old = await request(B, "GET", "/dbs/app/colls/other/docs/x", withToken(all.body._token, { headers: pk("t1") }));
    assert.equal(old.status, 401);
    assert.match(old.body.message, /deleted or replaced/);
    assert.equal((await request(B, "DELETE", "/dbs/app/users/ada/permissions/all-other")).status, 204);
    const gone = await request(B, "GET", "/dbs/app/colls/other/docs/x", withToken(replaced.body._token, { headers: pk("t1") }));
    assert.equal(gone.status, 401);
  });

  await t.test("a read-only partition token reads its partition and nothing else", async () => {
    const ok = await request(B, "GET", "/dbs/app/colls/orders/docs/o1", withToken(readToken, { headers: pk("t1") }));
    assert.deepEqual([ok.status, ok.body.id], [200, "o1"]);
    const query = await request(B, "POST", "/dbs/app/colls/orders/docs", withToken(readToken, {
      body: { query: "SELECT * FROM c", parameters: [] },
      headers: { ...pk("t1"), "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" }
    }));
    assert.equal(query.status, 200);
    assert.deepEqual(query.body.Documents.map(d => d.id), ["o1"]);
    // the container's definition and ranges (what clients read first) and the account
    for (const p of ["/dbs/app/colls/orders", "/dbs/app/colls/orders/pkranges", "/"]) {
      assert.equal((await request(B, "GET", p, withToken(readToken))).status, 200, p);
    }
    const write = await request(B, "POST", "/dbs/app/colls/orders/docs", withToken(readToken, { body: { id: "o3", pk: "t1" }, headers: pk("t1") }));
    assert.equal(write.status, 403);
    assert.equal(write.body.code, "Forbidden");
    assert.match(write.body.message, /Insufficient permissions.*Read on 'dbs\/app\/colls\/orders'; POST needs All/);
    const del = await request(B, "DELETE", "/dbs/app/colls/orders/docs/o1", withToken(readToken, { headers: pk("t1") }));
    assert.equal(del.status, 403);
    const otherKey = await request(B, "GET", "/dbs/app/colls/orders/docs/o2", withToken(readToken, { headers: pk("t2") }));
    assert.equal(otherKey.status, 403);
    assert.match(otherKey.body.message, /partition key \["t1"\] only, the request names \["t2"\]/);
    const crossPartition = await request(B, "POST", "/dbs/app/colls/orders/docs", withToken(readToken, {
      body: { query: "SELECT * FROM c" },
      headers: { "content-type": "application/query+json", "x-ms-documentdb-isquery": "True", "x-ms-documentdb-query-enablecrosspartition": "True" }
    }));
    assert.equal(crossPartition.status, 403);
    const otherContainer = await request(B, "GET", "/dbs/app/colls/other/docs/x", withToken(readToken, { headers: pk("t1") }));
    assert.equal(otherContainer.status, 403);
    assert.match(otherContainer.body.message, /grants 'dbs\/app\/colls\/orders' only, not 'dbs\/app\/colls\/other\/docs\/x'/);
    for (const [m, p] of [["GET", "/dbs/app/users"], ["GET", "/offers"], ["GET", "/dbs"], ["DELETE", "/dbs/app/colls/orders"]]) {
      assert.equal((await request(B, m, p, withToken(readToken))).status, 403, `${m} ${p}`);
    }
    assert.equal((await request(B, "GET", "/dbs/app/colls/orders/docs/o1", { headers: pk("t1") })).status, 200);
  });

  await t.test("an All token writes inside its container", async () => {
    const perm = await request(B, "POST", "/dbs/app/users/ada/permissions", {
      body: { id: "all-other", permissionMode: "All", resource: "dbs/app/colls/other" }
    });
    const token = perm.body._token;
    const created = await request(B, "POST", "/dbs/app/colls/other/docs", withToken(token, { body: { id: "y", pk: "t9" }, headers: pk("t9") }));
    assert.equal(created.status, 201);
    const replaced = await request(B, "PUT", "/dbs/app/colls/other/docs/y", withToken(token, { body: { id: "y", pk: "t9", v: 2 }, headers: pk("t9") }));
    assert.equal(replaced.status, 200);
    assert.equal((await request(B, "DELETE", "/dbs/app/colls/other/docs/y", withToken(token, { headers: pk("t9") }))).status, 204);
    // not the container's definition
    assert.equal((await request(B, "DELETE", "/dbs/app/colls/other", withToken(token))).status, 403);
  });

  await t.test("forged, tampered, expired and unknown tokens are 401", async () => {
    const [payload, mac] = readToken.slice("type=resource&ver=1.0&sig=".length).split(".");
    const json = JSON.parse(Buffer.from(payload.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString());
    const widened = Buffer.from(JSON.stringify({ ...json, m: "All" })).toString("base64url");
    const expired = Buffer.from(JSON.stringify({ ...json, e: 1 })).toString("base64url");
    for (const sig of ["abc", `${widened}.${mac}`, `${expired}.${mac}`, `${payload}.${mac}x`]) {
      const r = await request(B, "GET", "/dbs/app/colls/orders/docs/o1", withToken(`type=resource&ver=1.0&sig=${sig}`, { headers: pk("t1") }));
      assert.equal(r.status, 401, sig);
      assert.equal(r.body.code, "Unauthorized");
      assert.ok(!r.body.message.includes(mac), "the message does not echo the token");
    }
  });

  await t.test("a token's life is bounded by x-ms-documentdb-expiry-seconds", async () => {
    const r = await request(B, "GET", "/dbs/app/users/ada/permissions/read-t1", { headers: { "x-ms-documentdb-expiry-seconds": "99999" } });
    assert.equal(r.status, 400);
    const short = await request(B, "GET", "/dbs/app/users/ada/permissions/read-t1", { headers: { "x-ms-documentdb-expiry-seconds": "1" } });
    const payload = short.body._token.slice("type=resource&ver=1.0&sig=".length).split(".")[0];
    const e = JSON.parse(Buffer.from(payload, "base64url").toString()).e;
    assert.ok(Math.abs(e - (Math.floor(Date.now() / 1000) + 1)) <= 1, `expiry ${e}`);
    const now = await request(B, "GET", "/dbs/app/colls/orders/docs/o1", withToken(short.body._token, { headers: pk("t1") }));
    assert.equal(now.status, 200);
  });

  await t.test("deleting the user or the database ends its tokens", async () => {
    assert.equal((await request(B, "DELETE", "/dbs/app/users/ada")).status, 204);
    const r = await request(B, "GET", "/dbs/app/colls/orders/docs/o1", withToken(readToken, { headers: pk("t1") }));
    assert.equal(r.status, 401);
    await request(B, "POST", "/dbs/app/users", { body: { id: "ada" } });
    assert.equal((await request(B, "DELETE", "/dbs/app")).status, 204);
    await request(B, "POST", "/dbs", { body: { id: "app" } });
    assert.equal((await request(B, "GET", "/dbs/app/users/ada")).status, 404);
  });
});

test("verify: a token is refused once its expiry passes on the server's clock", () => {
  const store = createUserStore({ masterKey: () => KEY, databaseExists: () => true });
  store.handle("POST", ["dbs", "d", "users"], { id: "u" }, {});
  const created = store.handle("POST", ["dbs", "d", "users", "u", "permissions"],
    { id: "p", permissionMode: "All", resource: "dbs/d/colls/c" }, { "x-ms-documentdb-expiry-seconds": "60" });
  const sig = created.body._token.slice("type=resource&ver=1.0&sig=".length);
  const ctx = nowMs => ({ method: "DELETE", resource: auth.resourceFromPath("/dbs/d/colls/c/docs/x"), headers: {}, nowMs });
  assert.equal(store.verify(sig, ctx(Date.now())), null);
  assert.equal(store.verify(sig, ctx(Date.now() + 59 * 1000)), null);
  assert.match(store.verify(sig, ctx(Date.now() + 61 * 1000)), /expired/);
  // a token signed with another server key is unknown here
  const other = createUserStore({ masterKey: () => "dsZQi3KtZmCv1ljt3VNWNm7sQUF1y5rJfC6kv5JiwvW0EndXdDku/dkKBp8/ufDToSxLzR4y+O/0H/t4bQtVNw==", databaseExists: () => true });
  assert.match(other.verify(sig, ctx(Date.now())), /not issued by this cosmos-local/);
});
