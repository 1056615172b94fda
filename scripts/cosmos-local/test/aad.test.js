"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const crypto = require("crypto");
const fs = require("fs");
const https = require("https");
const path = require("path");

const aad = require("../lib/aad");
const auth = require("../lib/auth");
const { createCosmosLocal, parseArgs } = require("../server");
const { request, tmpDir, setupContainer, pk } = require("../lib/test-client");

const ISSUER = "https://login.microsoftonline.com/cosmos-local/v2.0";
const AUDIENCES = aad.audiencesFor("https", 8081);

// A JWT decoded by hand (not with lib/aad.js), to check what the server mints.
function claimsOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
}

function aadHeader(token) {
  return encodeURIComponent(`type=aad&ver=1.0&sig=${token}`);
}

// POST with a body (form or JSON) to the HTTPS server, certificate not checked (self-signed).
function post(base, p, body, contentType) {
  const url = new URL(p.replace(/^\//, ""), base);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: "POST", rejectUnauthorized: false, agent: false, headers: { "content-type": contentType } },
      res => {
        let text = "";
        res.on("data", c => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      }
    );
    req.on("error", reject);
    req.end(body);
  });
}

const form = fields => new URLSearchParams(fields).toString();
const FORM = "application/x-www-form-urlencoded";

test("issuer: verify", async t => {
  const issuer = aad.createIssuer({ issuer: ISSUER });

  await t.test("accepts its own RS256 token for each audience form", () => {
    for (const aud of ["https://127.0.0.1:8081", "https://localhost:8081", "https://cosmos.azure.com", "https://cosmos.azure.com/"]) {
      assert.equal(issuer.verify(issuer.mint({ aud }), AUDIENCES), null, aud);
    }
  });

  await t.test("minted tokens are RS256 JWTs with the claims Azure's carry", () => {
    const now = Date.parse("2026-01-05T10:00:00Z");
    const jwt = issuer.mint({ aud: "https://cosmos.azure.com", now });
    const header = JSON.parse(Buffer.from(jwt.split(".")[0], "base64").toString("utf8"));
    assert.equal(header.alg, "RS256");
    assert.equal(header.typ, "JWT");
    const claims = claimsOf(jwt);
    assert.equal(claims.aud, "https://cosmos.azure.com");
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.iat, now / 1000);
    assert.equal(claims.exp, now / 1000 + 3600);
    // The signature checks with the public key alone (plain node:crypto).
    const [h, p, s] = jwt.split(".");
    const sig = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    assert.ok(crypto.verify("RSA-SHA256", Buffer.from(`${h}.${p}`), issuer.publicKey, sig));
  });

  await t.test("refuses another audience and names the accepted ones", () => {
    const msg = issuer.verify(issuer.mint({ aud: "https://other.documents.azure.com" }), AUDIENCES);
    assert.equal(
      msg,
      "Request blocked by Auth cosmos-local : Provided AAD token is intended for [https://other.documents.azure.com]. " +
        "This database account accepts tokens intended for [https://127.0.0.1:8081, https://localhost:8081, https://cosmos.azure.com]."
    );
    assert.match(issuer.verify(issuer.mint({ aud: "https://127.0.0.1:9999" }), AUDIENCES), /intended for \[https:\/\/127\.0\.0\.1:9999\]/);
  });

  await t.test("refuses an expired token with Azure's message", () => {
    const now = Date.parse("2026-01-05T14:47:35Z");
    const jwt = issuer.mint({ aud: "https://cosmos.azure.com", expiresInSeconds: -3600, now: Date.parse("2026-01-05T10:38:31Z") + 3600 * 1000 });
    assert.equal(
      issuer.verify(jwt, AUDIENCES, now),
      "Request blocked by Auth cosmos-local : Provided AAD token has been expired since [1/5/2026 10:38:31 AM (UTC)]. " +
        "Current server time is [1/5/2026 2:47:35 PM (UTC)]. Please refresh the AAD token."
    );
    // Exactly at exp it is expired; a second before, it is not.
    const at = Date.parse("2026-01-05T10:00:00Z");
    const edge = issuer.mint({ aud: "https://cosmos.azure.com", expiresInSeconds: 60, now: at });
    assert.equal(issuer.verify(edge, AUDIENCES, at + 59 * 1000), null);
    assert.match(issuer.verify(edge, AUDIENCES, at + 60 * 1000), /has been expired since/);
  });

  await t.test("refuses a token that is not valid yet", () => {
    assert.match(issuer.verify(issuer.mint({ aud: "https://cosmos.azure.com", notBeforeSeconds: 600 }), AUDIENCES), /is not valid before/);
  });

  await t.test("refuses another issuer", () => {
    assert.equal(
      issuer.verify(issuer.mint({ aud: "https://cosmos.azure.com", iss: "https://sts.windows.net/evil/" }), AUDIENCES),
      `Request blocked by Auth cosmos-local : The provided AAD token was issued by [https://sts.windows.net/evil/]; this database account trusts [${ISSUER}].`
    );
  });

  await t.test("refuses a token signed by another key, or tampered with", () => {
    const wrong = issuer.mint({ aud: "https://cosmos.azure.com", wrongKey: true });
    assert.match(issuer.verify(wrong, AUDIENCES), /signature could not be validated/);
    const other = aad.createIssuer({ issuer: ISSUER });
    assert.match(issuer.verify(other.mint({ aud: "https://cosmos.azure.com" }), AUDIENCES), /signature could not be validated/);
    const good = issuer.mint({ aud: "https://cosmos.azure.com" });
    const [h, , s] = good.split(".");
    const forged = Buffer.from(JSON.stringify({ ...claimsOf(good), aud: "https://evil" })).toString("base64url");
    assert.match(issuer.verify(`${h}.${forged}.${s}`, AUDIENCES), /signature could not be validated/);
  });

  await t.test("refuses malformed tokens and alg none", () => {
    assert.match(issuer.verify("not-a-jwt", AUDIENCES), /malformed/);
    assert.match(issuer.verify("a.b", AUDIENCES), /malformed/);
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"aud":"https://cosmos.azure.com"}').toString("base64url")}.`;
    assert.match(issuer.verify(none, AUDIENCES), /only RS256/);
  });

  await t.test("a given PEM key is used instead of a generated one", () => {
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" });
    const a = aad.createIssuer({ issuer: ISSUER, keyPem: pem });
    const b = aad.createIssuer({ issuer: ISSUER, keyPem: pem });
    assert.equal(b.verify(a.mint({ aud: "https://cosmos.azure.com" }), AUDIENCES), null);
    const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
    assert.throws(() => aad.createIssuer({ issuer: ISSUER, keyPem: ec }), /RSA private key/);
  });
});

test("auth.checkRequest with type=aad", () => {
  const issuer = aad.createIssuer({ issuer: ISSUER });
  const headers = token => ({ "x-ms-date": new Date().toUTCString(), authorization: aadHeader(token) });
  const base = { method: "GET", rawPath: "/dbs", masterKey: auth.EMULATOR_KEY };
  const good = issuer.mint({ aud: "https://localhost:8081" });
  const on = { issuer, audiences: AUDIENCES };
  assert.equal(auth.checkRequest({ ...base, headers: headers(good), aad: on }), null);
  // Not URL-encoded (Python's async policy) works too.
  assert.equal(auth.checkRequest({ ...base, headers: { ...headers(good), authorization: `type=aad&ver=1.0&sig=${good}` }, aad: on }), null);
  assert.equal(
    auth.checkRequest({ ...base, headers: headers(good) }),
    "Authorization type 'aad' is not enabled on this cosmos-local; start it with --aad-issuer."
  );
  assert.match(auth.checkRequest({ ...base, headers: { ...headers(good), authorization: aadHeader(good).replace("1.0", "2.0") }, aad: on }), /version '2.0'/);
  // x-ms-date is still required with an AAD token.
  assert.match(auth.checkRequest({ ...base, headers: { authorization: aadHeader(good) }, aad: on }), /x-ms-date/);
});

test("parseArgs: --aad-* options", () => {
  const dir = tmpDir();
  const keyFile = path.join(dir, "aad-key.pem");
  const pem = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
  fs.writeFileSync(keyFile, pem);
  const out = parseArgs(["--aad-issuer", ISSUER, `--aad-key=${keyFile}`, "--aad-client-id", "app", "--aad-client-secret", "s", "--port", "1"]);
  assert.deepEqual(out, { aadIssuer: ISSUER, aadKeyPem: pem, aadClientId: "app", aadClientSecret: "s", port: 1 });
  assert.throws(() => parseArgs(["--aad-issuer"]), /--aad-issuer needs/);
  assert.throws(() => parseArgs(["--aad-nonsense"]), /unknown option '--aad-nonsense'/);
});

test("server with --aad-issuer", async t => {
  const local = createCosmosLocal({ port: 0, stateDir: tmpDir(), aadIssuer: ISSUER, aadClientId: "app-1", aadClientSecret: "secret-1" });
  await local.start();
  t.after(() => local.close());
  const B = local.url;
  const own = `https://127.0.0.1:${local.port}`;
  const tokenPath = "/_local/aad/tenant-1/oauth2/v2.0/token";
  const grant = (scope, extra = {}) => form({ grant_type: "client_credentials", client_id: "app-1", client_secret: "secret-1", scope, ...extra });
  await setupContainer(B, "aaddb", "c1");

  await t.test("token route mints a token for the scope's resource", async () => {
    const r = await post(B, tokenPath, grant(`${own}/.default`), FORM);
    assert.equal(r.status, 200);
    assert.equal(r.headers["cache-control"], "no-store");
    assert.equal(r.body.token_type, "Bearer");
    assert.equal(r.body.expires_in, 3600);
    const claims = claimsOf(r.body.access_token);
    assert.equal(claims.aud, own);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.tid, "tenant-1");
  });

  await t.test("documents are written and read with tokens of either audience form", async () => {
    for (const scope of [`${own}/.default`, `https://localhost:${local.port}/.default`, "https://cosmos.azure.com/.default"]) {
      const { body } = await post(B, tokenPath, grant(scope), FORM);
      const headers = { authorization: aadHeader(body.access_token) };
      const id = `doc-${crypto.randomUUID()}`;
      const created = await request(B, "POST", "/dbs/aaddb/colls/c1/docs", { body: { id, pk: "a" }, headers: { ...headers, ...pk("a") } });
      assert.equal(created.status, 201, `${scope}: ${created.text}`);
      const read = await request(B, "GET", `/dbs/aaddb/colls/c1/docs/${id}`, { headers: { ...headers, ...pk("a") } });
      assert.equal(read.status, 200);
      assert.equal(read.body.id, id);
    }
  });

  await t.test("master keys still work next to AAD", async () => {
    assert.equal((await request(B, "GET", "/dbs/aaddb")).status, 200);
  });

  await t.test("an expired token is answered 401 as Azure does", async () => {
    const minted = await post(B, "/_local/aad/mint", JSON.stringify({ aud: own, expiresInSeconds: -60 }), "application/json");
    assert.equal(minted.status, 200);
    const r = await request(B, "GET", "/dbs/aaddb", { headers: { authorization: aadHeader(minted.body.access_token) } });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, "Unauthorized");
    assert.match(r.body.message, /^Request blocked by Auth cosmos-local : Provided AAD token has been expired since \[.*\]\. Current server time is \[.*\]\. Please refresh the AAD token\.$/);
  });

  await t.test("a wrong audience is answered 401", async () => {
    const minted = await post(B, "/_local/aad/mint", JSON.stringify({ aud: "https://acct.documents.azure.com" }), "application/json");
    const r = await request(B, "GET", "/dbs/aaddb", { headers: { authorization: aadHeader(minted.body.access_token) } });
    assert.equal(r.status, 401);
    assert.match(r.body.message, /Provided AAD token is intended for \[https:\/\/acct\.documents\.azure\.com\]/);
  });

  await t.test("a token signed by another key is answered 401", async () => {
    const minted = await post(B, "/_local/aad/mint", JSON.stringify({ aud: own, wrongKey: true }), "application/json");
    const r = await request(B, "GET", "/dbs/aaddb", { headers: { authorization: aadHeader(minted.body.access_token) } });
    assert.equal(r.status, 401);
    assert.match(r.body.message, /signature could not be validated/);
  });

  await t.test("a wrong client secret is refused without echoing it", async () => {
    const r = await post(B, tokenPath, grant(`${own}/.default`, { client_secret: "guess" }), FORM);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, "invalid_client");
    assert.match(r.body.error_description, /^AADSTS7000215: Invalid client secret provided\./);
    assert.deepEqual(r.body.error_codes, [7000215]);
    assert.ok(!JSON.stringify(r.body).includes("guess"));
  });

  await t.test("an unknown client, grant or scope shape is refused", async () => {
    const unknown = await post(B, tokenPath, grant(`${own}/.default`, { client_id: "nobody" }), FORM);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error_description, /^AADSTS700016: Application with identifier 'nobody' was not found/);
    const wrongGrant = await post(B, tokenPath, grant(`${own}/.default`, { grant_type: "password" }), FORM);
    assert.equal(wrongGrant.body.error, "unsupported_grant_type");
    const noDefault = await post(B, tokenPath, grant(own), FORM);
    assert.equal(noDefault.body.error, "invalid_scope");
    const notForm = await post(B, tokenPath, JSON.stringify({ grant_type: "client_credentials" }), "application/json");
    assert.equal(notForm.status, 400);
  });

  await t.test("a resource that is not the account is AADSTS500011", async () => {
    const r = await post(B, tokenPath, grant("https://acct.documents.azure.com/.default"), FORM);
    assert.equal(r.status, 400);
    assert.equal(r.body.error, "invalid_resource");
    assert.match(r.body.error_description, /^AADSTS500011: The resource principal named https:\/\/acct\.documents\.azure\.com was not found in the tenant named tenant-1\./);
  });

  await t.test("tenant global-only knows only https://cosmos.azure.com", async () => {
    const p = "/_local/aad/global-only/oauth2/v2.0/token";
    const account = await post(B, p, grant(`${own}/.default`), FORM);
    assert.equal(account.status, 400);
    assert.match(account.body.error_description, /^AADSTS500011/);
    const global = await post(B, p, grant("https://cosmos.azure.com/.default"), FORM);
    assert.equal(global.status, 200);
    assert.equal(claimsOf(global.body.access_token).aud, "https://cosmos.azure.com");
  });

  await t.test("stats never show the client secret or the key", async () => {
    const r = await request(B, "GET", "/_local/stats", { noAuth: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.options.aadIssuer, ISSUER);
    assert.ok(!r.text.includes("secret-1"));
    assert.equal(r.body.options.aadKeyPem, undefined);
  });
});

test("server without --aad-issuer refuses type=aad and has no token route", async t => {
  const local = createCosmosLocal({ port: 0, stateDir: tmpDir() });
  await local.start();
  t.after(() => local.close());
  const issuer = aad.createIssuer({ issuer: ISSUER });
  const r = await request(local.url, "GET", "/dbs", { headers: { authorization: aadHeader(issuer.mint({ aud: "https://cosmos.azure.com" })) } });
  assert.equal(r.status, 401);
  assert.equal(r.body.message, "Authorization type 'aad' is not enabled on this cosmos-local; start it with --aad-issuer.");
  const route = await post(local.url, "/_local/aad/t/oauth2/v2.0/token", "grant_type=client_credentials", FORM);
  assert.equal(route.status, 404);
});
