"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");

const auth = require("../lib/auth");
const { parseSessionToken } = require("../server");
const { sign } = require("../lib/test-client");

test("signature matches the documented test vector", () => {
  const key = "dsZQi3KtZmCv1ljt3VNWNm7sQUF1y5rJfC6kv5JiwvW0EndXdDku/dkKBp8/ufDToSxLzR4y+O/0H/t4bQtVNw==";
  const expected = "type%3Dmaster%26ver%3D1.0%26sig%3Dc09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu%2Bc%2Bc%3D";
  assert.equal(auth.authorizationHeader(key, "GET", "dbs", "dbs/ToDoList", "Thu, 27 Apr 2017 00:51:12 GMT"), expected);
  assert.equal(sign(key, "GET", "dbs", "dbs/ToDoList", "Thu, 27 Apr 2017 00:51:12 GMT"), expected);
});

test("resource type and link are derived from the decoded path", () => {
  const cases = [
    ["/", "", ""],
    ["", "", ""],
    ["/dbs", "dbs", ""],
    ["/dbs/", "dbs", ""],
    ["//dbs/db1", "dbs", "dbs/db1"],
    ["/dbs/db1/colls", "colls", "dbs/db1"],
    ["/dbs/db1/colls/c1/", "colls", "dbs/db1/colls/c1"],
    ["/dbs/db1/colls/c1/docs", "docs", "dbs/db1/colls/c1"],
    ["/dbs/db1/colls/c1/docs/d%C3%A9%20x", "docs", "dbs/db1/colls/c1/docs/dé x"],
    ["/dbs/db1/colls/c1/pkranges", "pkranges", "dbs/db1/colls/c1"],
    ["/dbs/db1/colls/c1/docs/a%2Fb", "docs", "dbs/db1/colls/c1/docs/a/b"]
  ];
  for (const [p, type, link] of cases) {
    const r = auth.resourceFromPath(p);
    assert.deepEqual([r.type, r.link], [type, link], p);
  }
});

test("checkRequest: accepts good, rejects bad key, stale or missing date", () => {
  const date = new Date().toUTCString();
  const headers = { "x-ms-date": date, authorization: sign(auth.EMULATOR_KEY, "GET", "colls", "dbs/a/colls/b", date) };
  const base = { method: "GET", rawPath: "/dbs/a/colls/b", masterKey: auth.EMULATOR_KEY };
  assert.equal(auth.checkRequest({ ...base, headers }), null);
  // verb and link are part of the signature
  assert.match(auth.checkRequest({ ...base, method: "DELETE", headers }), /payload to sign: 'delete\\ncolls\\ndbs\/a\/colls\/b/);
  assert.notEqual(auth.checkRequest({ ...base, rawPath: "/dbs/a/colls/B", headers }), null);
  assert.match(auth.checkRequest({ ...base, headers: { authorization: headers.authorization } }), /x-ms-date/);
  const old = new Date(Date.now() - 16 * 60 * 1000).toUTCString();
  assert.match(
    auth.checkRequest({ ...base, headers: { "x-ms-date": old, authorization: sign(auth.EMULATOR_KEY, "GET", "colls", "dbs/a/colls/b", old) } }),
    /15 minutes/
  );
  assert.match(auth.checkRequest({ ...base, headers: { "x-ms-date": date } }), /authorization/);
  // resource tokens go to the verifier (lib/users.js); without one they are refused
  const resourceHeaders = { "x-ms-date": date, authorization: encodeURIComponent("type=resource&ver=1.0&sig=abc") };
  assert.match(auth.checkRequest({ ...base, headers: resourceHeaders }), /not accepted/);
  const seen = [];
  const verifier = (sig, ctx) => (seen.push([sig, ctx.method, ctx.resource.link]), { status: 403, message: "no" });
  assert.deepEqual(auth.checkRequest({ ...base, headers: resourceHeaders, resourceTokens: verifier }), { status: 403, message: "no" });
  assert.deepEqual(seen, [["abc", "GET", "dbs/a/colls/b"]]);
});

test("session tokens: V1, V2, compound and malformed", () => {
  assert.deepEqual([...parseSessionToken("0:-1#12")], [["0", 12]]);
  assert.deepEqual([...parseSessionToken("0:7")], [["0", 7]]);
  assert.deepEqual([...parseSessionToken("0:1#5#3=4#5=-1, 1:-1#9")], [["0", 5], ["1", 9]]);
  assert.deepEqual([...parseSessionToken("0:-1#3,0:-1#8")], [["0", 8]]);
  assert.equal(parseSessionToken("garbage"), null);
  assert.equal(parseSessionToken("0:abc"), null);
  assert.equal(parseSessionToken("0:-1#x"), null);
  assert.equal(parseSessionToken("0:-1#3#bad"), null);
});

test("checkRequest: a resource-id request may sign its owner's id lower-cased, a name link may not", () => {
  const date = new Date().toUTCString();
  const ridPath = "/dbs/gAABAA==/colls/gAABAIAAAAE=/pkranges";
  const base = { method: "GET", rawPath: ridPath, masterKey: auth.EMULATOR_KEY };
  const lower = sign(auth.EMULATOR_KEY, "GET", "pkranges", "gaabaiaaaae=", date);
  const asIs = sign(auth.EMULATOR_KEY, "GET", "pkranges", "dbs/gAABAA==/colls/gAABAIAAAAE=", date);
  assert.equal(auth.checkRequest({ ...base, headers: { "x-ms-date": date, authorization: lower } }), null);
  assert.equal(auth.checkRequest({ ...base, headers: { "x-ms-date": date, authorization: asIs } }), null);
  // A name link is not a resource-id link, whatever its last segment.
  const named = { ...base, rawPath: "/dbs/Shop/colls/Orders/pkranges" };
  const namedLower = sign(auth.EMULATOR_KEY, "GET", "pkranges", "orders", date);
  assert.notEqual(auth.checkRequest({ ...named, headers: { "x-ms-date": date, authorization: namedLower } }), null);
  // Upper-casing is never a valid spelling.
  const upper = sign(auth.EMULATOR_KEY, "GET", "pkranges", "DBS/GAABAA==/COLLS/GAABAIAAAAE=", date);
  assert.notEqual(auth.checkRequest({ ...base, headers: { "x-ms-date": date, authorization: upper } }), null);
});
