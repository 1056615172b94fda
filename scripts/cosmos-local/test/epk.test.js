"use strict";
// Effective partition keys and raw hashes against every row of the shared test vectors.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");

const epk = require("../lib/epk");

const DATA = path.join(__dirname, "..", "..", "..", "..", "shared", "data");
const SHARED = fs.existsSync(DATA) ? DATA : "/work/shared/data";

function rows(file, headerFirstCell) {
  return fs
    .readFileSync(path.join(SHARED, file), "utf8")
    .split("\n")
    .filter(l => l && !l.startsWith("#") && !l.startsWith(`${headerFirstCell}\t`))
    .map(l => l.split("\t"));
}

// The value column is JSON; the numbers that JSON cannot spell are written as strings there.
const SPECIAL_NUMBERS = { '"NaN"': NaN, '"Infinity"': Infinity, '"-Infinity"': -Infinity };
function valueOf(group, text) {
  if (text === "UNDEFINED") return epk.UNDEFINED;
  if (group === "numbers" && text in SPECIAL_NUMBERS) return SPECIAL_NUMBERS[text];
  return JSON.parse(text);
}

test("every effective-partition-keys.tsv row: V1, V2 and MultiHash EPKs", () => {
  const all = rows("effective-partition-keys.tsv", "version");
  assert.ok(all.length >= 25, `only ${all.length} rows`);
  const seen = new Set();
  for (const [version, value, expected] of all) {
    const v = JSON.parse(value);
    const def = version === "2-multihash" ? { kind: "MultiHash", version: 2 } : { kind: "Hash", version: Number(version) };
    const components = version === "2-multihash" ? v : [v];
    assert.equal(epk.effectivePartitionKey(components, def), expected, `${version} ${value.slice(0, 40)}`);
    seen.add(version);
  }
  assert.deepEqual([...seen].sort(), ["1", "2", "2-multihash"]);
});

test("every partition-key-hashes.tsv row: raw MurmurHash3 x86_32 (V1) and x64_128 (V2) hashes", () => {
  const all = rows("partition-key-hashes.tsv", "group");
  assert.ok(all.length >= 25, `only ${all.length} rows`);
  for (const [group, description, value, hashV1, hashV2] of all) {
    const v = valueOf(group, value);
    const components = group === "lists" ? v : [v];
    assert.equal(components.map(c => "0".repeat(24) + epk.hashV1(c)).join(""), hashV1, `${description} v1`);
    assert.equal(components.map(c => epk.hashV2(c)).join(""), hashV2, `${description} v2`);
  }
});

test("definition defaults: version 1 for Hash without a version, 2 for MultiHash", () => {
  assert.deepEqual(epk.normalizeDefinition({ paths: ["/pk"] }), { paths: ["/pk"], kind: "Hash", version: 1 });
  assert.deepEqual(epk.normalizeDefinition({ paths: ["/a", "/b"], kind: "MultiHash" }), { paths: ["/a", "/b"], kind: "MultiHash", version: 2 });
  assert.equal(epk.effectivePartitionKey([""], { paths: ["/pk"] }), "05C1CF33970FF80800");
  assert.equal(epk.effectivePartitionKey([], { kind: "Hash", version: 2 }), "");
});

test("typed values hash differently: 42 is not \"42\", null is not undefined", () => {
  const def = { kind: "Hash", version: 2 };
  assert.notEqual(epk.effectivePartitionKey([42], def), epk.effectivePartitionKey(["42"], def));
  assert.notEqual(epk.effectivePartitionKey([null], def), epk.effectivePartitionKey([epk.UNDEFINED], def));
  assert.equal(epk.effectivePartitionKey([undefined], def), epk.effectivePartitionKey([epk.UNDEFINED], def));
  assert.throws(() => epk.effectivePartitionKey([{ a: 1 }], def), /partition key component/);
});

test("MurmurHash3 x86_32 known answers", () => {
  assert.equal(epk.murmur3x86_32(Buffer.alloc(0), 0), 0);
  assert.equal(epk.murmur3x86_32(Buffer.alloc(0), 1), 0x514e28b7);
  assert.equal(epk.murmur3x86_32(Buffer.from("Hello, world!"), 1234), 0xfaf6cdb3);
});
