"use strict";
// Partition-key values (typed, whole, hierarchical) and partition-key ranges over the
// effective-partition-key (EPK) space of a container.

const { HttpError } = require("./errors");
const epk = require("./epk");

const { UNDEFINED, isUndefined } = epk;

const FEWER_COMPONENTS = "The partition key supplied in x-ms-partitionkey header has fewer components than " +
  "defined in the collection.";
const MORE_COMPONENTS = "The partition key supplied in x-ms-partitionkey header has more components than " +
  "defined in the collection.";

function keyError(message) {
  return new HttpError(400, message, { substatus: 1001 });
}

/** The components of a document's partition key: one per path, UNDEFINED where absent. */
function componentsOf(doc, paths) {
  return paths.map(p => {
    let v = doc;
    for (const segment of p.replace(/^\//, "").split("/")) {
      if (v === null || typeof v !== "object" || Array.isArray(v) || !(segment in v)) return UNDEFINED;
      v = v[segment];
    }
    if (v === undefined) return UNDEFINED;
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    // Objects and arrays are not partition-key values; the service keys such documents as undefined.
    return UNDEFINED;
  });
}

/** A string that is equal for equal typed keys: 42 ≠ "42", null ≠ undefined. */
function keyString(components) {
  return JSON.stringify(components.map(c => (isUndefined(c) ? { u: 1 } : { v: c })));
}

/** The header form of components: JSON array, `{}` for undefined. */
function headerForm(components) {
  return JSON.stringify(components.map(c => (isUndefined(c) ? {} : c)));
}

/**
 * Parses a partition key in header form (`x-ms-documentdb-partitionkey` or a batch operation's
 * `partitionKey`, a JSON text or an already parsed array). `[]` is the "none" key: all undefined.
 * `arity`: "exact" (point operations) or "prefix" (queries and feeds; MultiHash prefixes).
 */
function parsePartitionKey(value, paths, arity, what = "x-ms-documentdb-partitionkey header") {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      throw keyError(`The partition key in the ${what} '${value}' is not valid JSON; expected e.g. ["value"].`);
    }
  }
  if (!Array.isArray(parsed)) {
    throw keyError(`The partition key in the ${what} must be a JSON array, e.g. ["value"]; got ${JSON.stringify(value)}.`);
  }
  if (paths.length === 0) return [];
  if (parsed.length === 0) return paths.map(() => UNDEFINED);
  const components = parsed.map(c => {
    if (c === null || typeof c === "string" || typeof c === "number" || typeof c === "boolean") return c;
    if (c && typeof c === "object" && !Array.isArray(c) && Object.keys(c).length === 0) return UNDEFINED;
    throw keyError(`Partition key component ${JSON.stringify(c)} in the ${what} is invalid: ` +
      "use a string, number, boolean, null or {} (undefined).");
  });
  if (components.length > paths.length) {
    throw keyError(MORE_COMPONENTS);
  }
  if (components.length < paths.length && arity === "exact") {
    throw keyError(FEWER_COMPONENTS);
  }
  return components;
}

// --- ranges ------------------------------------------------------------------------------------

/**
 * The EPK space a container's ranges divide, as integers: V1 EPKs start with the encoded 32-bit
 * hash, so boundaries are "05" + encoded hash values in [0, 2^32); V2 and MultiHash EPKs are
 * 128-bit hashes with the top two bits clear, so boundaries are 32 hex digits in [0, 2^126).
 * The ends are the service's "" and "FF".
 */
function spaceOf(def) {
  if (def.version === 1 && def.kind === "Hash") {
    return {
      size: 1n << 32n,
      boundary: v => "05" + Buffer.from(epk.encodeNumber(Number(v))).toString("hex").toUpperCase()
    };
  }
  return { size: 1n << 126n, boundary: v => v.toString(16).toUpperCase().padStart(32, "0") };
}

function boundaryString(space, v) {
  if (v <= 0n) return "";
  if (v >= space.size) return "FF";
  return space.boundary(v);
}

/** `n` ranges splitting the container's space evenly: [{id, lo, hi, min, max, parents}]. */
function initialRanges(def, n) {
  const space = spaceOf(def);
  const count = BigInt(Math.max(1, Math.floor(n)));
  const out = [];
  for (let i = 0n; i < count; i += 1n) {
    const lo = (space.size * i) / count;
    const hi = (space.size * (i + 1n)) / count;
    out.push({ id: String(i), lo, hi, min: boundaryString(space, lo), max: boundaryString(space, hi), parents: [] });
  }
  return out;
}

/** The two children of `range`, split at the middle of its space; null when it cannot split. */
function splitRange(def, range, nextId) {
  const space = spaceOf(def);
  const mid = (range.lo + range.hi) / 2n;
  if (mid <= range.lo || mid >= range.hi) return null;
  const parents = [...range.parents, range.id];
  return [
    { id: String(nextId), lo: range.lo, hi: mid, min: range.min, max: boundaryString(space, mid), parents },
    { id: String(nextId + 1), lo: mid, hi: range.hi, min: boundaryString(space, mid), max: range.max, parents }
  ];
}

function inRange(range, key) {
  return key >= range.min && (range.max === "FF" || key < range.max);
}

module.exports = {
  FEWER_COMPONENTS,
  UNDEFINED,
  componentsOf,
  keyString,
  headerForm,
  parsePartitionKey,
  initialRanges,
  splitRange,
  inRange
};
