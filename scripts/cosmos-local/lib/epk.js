"use strict";
// Effective partition keys (EPKs): the uppercase hex strings that partition-key ranges'
// minInclusive/maxExclusive bound. Written from the encoding's description (type-marker bytes,
// MurmurHash3, V1 truncation and number encoding, V2 masking); checked against every row of
// shared/data/effective-partition-keys.tsv and partition-key-hashes.tsv (test/epk.test.js).
//
// A partition-key value component is a string, a number, true/false, null, or UNDEFINED (a
// document without a value at the path; `{}` in the header form `[{}]`).

/** The undefined component (no value at the partition-key path). */
const UNDEFINED = Object.freeze({ undefinedPartitionKeyComponent: true });

// Type markers of the binary encodings.
const MARKER = { undefined: 0x00, null: 0x01, false: 0x02, true: 0x03, number: 0x05, string: 0x08 };
const V1_MAX_STRING_CHARS = 100;
const V1_MAX_STRING_BYTES = 100;

function isUndefined(v) {
  return v === undefined || v === UNDEFINED;
}

function markerOf(v) {
  if (isUndefined(v)) return MARKER.undefined;
  if (v === null) return MARKER.null;
  if (v === true) return MARKER.true;
  if (v === false) return MARKER.false;
  if (typeof v === "number") return MARKER.number;
  if (typeof v === "string") return MARKER.string;
  throw new TypeError(`a partition key component must be a string, number, boolean, null or undefined, got ${typeof v}`);
}

// --- MurmurHash3 x86_32 ------------------------------------------------------------------------

function rotl32(x, r) {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3 x86_32 of `bytes` (a Buffer/Uint8Array) with `seed`; an unsigned 32-bit number. */
function murmur3x86_32(bytes, seed = 0) {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const len = bytes.length;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = rotl32(k, 15);
    k = Math.imul(k, c2);
    h ^= k;
    h = rotl32(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    case 3: k ^= bytes[blocks + 2] << 16; // falls through
    case 2: k ^= bytes[blocks + 1] << 8; // falls through
    case 1:
      k ^= bytes[blocks];
      k = Math.imul(k, c1);
      k = rotl32(k, 15);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// --- MurmurHash3 x64_128 -----------------------------------------------------------------------

const MASK64 = (1n << 64n) - 1n;

function rotl64(x, r) {
  return ((x << BigInt(r)) | (x >> BigInt(64 - r))) & MASK64;
}

function fmix64(k) {
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & MASK64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK64;
  k ^= k >> 33n;
  return k;
}

function readLe64(bytes, offset, count = 8) {
  let v = 0n;
  for (let i = count - 1; i >= 0; i -= 1) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}

/** MurmurHash3 x64_128 of `bytes` with `seed`: { h1, h2 } as unsigned 64-bit BigInts. */
function murmur3x64_128(bytes, seed = 0) {
  const c1 = 0x87c37b91114253d5n;
  const c2 = 0x4cf5ad432745937fn;
  let h1 = BigInt(seed >>> 0);
  let h2 = h1;
  const len = bytes.length;
  const blocks = len - (len % 16);
  for (let i = 0; i < blocks; i += 16) {
    let k1 = readLe64(bytes, i);
    let k2 = readLe64(bytes, i + 8);
    k1 = (k1 * c1) & MASK64;
    k1 = rotl64(k1, 31);
    k1 = (k1 * c2) & MASK64;
    h1 ^= k1;
    h1 = rotl64(h1, 27);
    h1 = (h1 + h2) & MASK64;
    h1 = (h1 * 5n + 0x52dce729n) & MASK64;
    k2 = (k2 * c2) & MASK64;
    k2 = rotl64(k2, 33);
    k2 = (k2 * c1) & MASK64;
    h2 ^= k2;
    h2 = rotl64(h2, 31);
    h2 = (h2 + h1) & MASK64;
    h2 = (h2 * 5n + 0x38495ab5n) & MASK64;
  }
  const tail = len % 16;
  if (tail > 8) {
    let k2 = readLe64(bytes, blocks + 8, tail - 8);
    k2 = (k2 * c2) & MASK64;
    k2 = rotl64(k2, 33);
    k2 = (k2 * c1) & MASK64;
    h2 ^= k2;
  }
  if (tail > 0) {
    let k1 = readLe64(bytes, blocks, Math.min(tail, 8));
    k1 = (k1 * c1) & MASK64;
    k1 = rotl64(k1, 31);
    k1 = (k1 * c2) & MASK64;
    h1 ^= k1;
  }
  h1 ^= BigInt(len);
  h2 ^= BigInt(len);
  h1 = (h1 + h2) & MASK64;
  h2 = (h2 + h1) & MASK64;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 = (h1 + h2) & MASK64;
  h2 = (h2 + h1) & MASK64;
  return { h1, h2 };
}

// --- encodings ---------------------------------------------------------------------------------

// NaN as the .NET SDK and the service hash it: double.NaN's bits 0xFFF8000000000000 (JavaScript
// writes 0x7FF8000000000000).
const NAN_LE = Buffer.from([0, 0, 0, 0, 0, 0, 0xf8, 0xff]);

function doubleLe(n) {
  if (Number.isNaN(n)) return Buffer.from(NAN_LE);
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n, 0);
  return b;
}

/** The bytes a component is hashed as. V1 strings end with 0x00, V2 strings with 0xFF. */
function hashingBytes(v, version) {
  const marker = markerOf(v);
  if (marker === MARKER.number) return Buffer.concat([Buffer.from([marker]), doubleLe(v)]);
  if (marker === MARKER.string) {
    return Buffer.concat([Buffer.from([marker]), Buffer.from(v, "utf8"), Buffer.from([version === 1 ? 0x00 : 0xff])]);
  }
  return Buffer.from([marker]);
}

/**
 * The order-preserving binary encoding of a number (V1 EPKs): the double's bits with the sign
 * bit set for positives and two's-complement negated for negatives (unsigned order = numeric
 * order), as a first byte of 8 payload bits then bytes of 7
 * payload bits with a low "more follows" bit, the last one with that bit cleared.
 */
function encodeNumber(n) {
  let bits = doubleLe(n).readBigUInt64LE(0);
  bits = (bits & (1n << 63n)) !== 0n ? (~bits + 1n) & MASK64 : bits ^ (1n << 63n);
  const out = [Number(bits >> 56n)];
  let payload = (bits << 8n) & MASK64;
  let pending = null;
  do {
    if (pending !== null) out.push(pending);
    pending = Number(payload >> 56n) | 0x01;
    payload = (payload << 7n) & MASK64;
  } while (payload !== 0n);
  out.push(pending & 0xfe);
  return Buffer.from(out);
}

/** The binary encoding of a component inside a V1 EPK. */
function binaryBytes(v) {
  const marker = markerOf(v);
  if (marker === MARKER.number) return Buffer.concat([Buffer.from([marker]), encodeNumber(v)]);
  if (marker === MARKER.string) {
    const utf8 = Buffer.from(v, "utf8");
    const short = utf8.length <= V1_MAX_STRING_BYTES;
    const n = short ? utf8.length : V1_MAX_STRING_BYTES + 1;
    const out = Buffer.alloc(1 + n + (short ? 1 : 0));
    out[0] = marker;
    for (let i = 0; i < n; i += 1) out[1 + i] = utf8[i] < 0xff ? utf8[i] + 1 : 0xff;
    return out;
  }
  return Buffer.from([marker]);
}

function hex(buf) {
  return Buffer.from(buf).toString("hex").toUpperCase();
}

function hex64(v) {
  return v.toString(16).toUpperCase().padStart(16, "0");
}

/** The raw 32-bit V1 hash of one component (no truncation), as 8 hex digits. */
function hashV1(v) {
  return murmur3x86_32(hashingBytes(v, 1)).toString(16).toUpperCase().padStart(8, "0");
}

/** The raw 128-bit V2 hash of one component (no masking), as 32 hex digits. */
function hashV2(v) {
  const { h1, h2 } = murmur3x64_128(hashingBytes(v, 2));
  return hex64(h2) + hex64(h1);
}

function truncateV1(v) {
  return typeof v === "string" && v.length > V1_MAX_STRING_CHARS ? v.slice(0, V1_MAX_STRING_CHARS) : v;
}

/** V1 EPK: the binary encoding of [hash as a number, the (truncated) components...]. */
function epkV1(components) {
  const truncated = components.map(truncateV1);
  const hash = murmur3x86_32(Buffer.concat(truncated.map(c => hashingBytes(c, 1))));
  return hex(Buffer.concat([binaryBytes(hash), ...truncated.map(binaryBytes)]));
}

/** V2 EPK of one hash over all components, top two bits cleared. */
function epkV2(components) {
  const { h1, h2 } = murmur3x64_128(Buffer.concat(components.map(c => hashingBytes(c, 2))));
  const first = Number(h2 >> 56n) & 0x3f;
  return first.toString(16).toUpperCase().padStart(2, "0") + hex64(h2).slice(2) + hex64(h1);
}

/** MultiHash EPK: one masked V2 hash per component, concatenated (a prefix key gives a prefix). */
function epkMultiHash(components) {
  return components.map(c => epkV2([c])).join("");
}

/**
 * The EPK of `components` (array of values) under a container's partition-key definition
 * `{kind: "Hash"|"MultiHash", version: 1|2}`. An empty component list is the minimum EPK "".
 */
function effectivePartitionKey(components, definition) {
  if (!Array.isArray(components)) throw new TypeError("components must be an array");
  if (components.length === 0) return "";
  const def = normalizeDefinition(definition);
  if (def.kind === "MultiHash") return epkMultiHash(components);
  return def.version === 1 ? epkV1(components) : epkV2(components);
}

/**
 * The definition with the service's defaults: kind Hash; version 2 for MultiHash, otherwise 1
 * when absent (as the service does for a definition without a version).
 */
function normalizeDefinition(definition) {
  const d = definition || {};
  const kind = d.kind === "MultiHash" ? "MultiHash" : "Hash";
  const version = kind === "MultiHash" ? 2 : Number(d.version) === 2 ? 2 : 1;
  return { paths: Array.isArray(d.paths) ? d.paths : [], kind, version };
}

module.exports = {
  UNDEFINED,
  isUndefined,
  murmur3x86_32,
  murmur3x64_128,
  encodeNumber,
  hashV1,
  hashV2,
  effectivePartitionKey,
  normalizeDefinition
};
