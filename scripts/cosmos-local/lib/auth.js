"use strict";
// Master-key signature checking for cosmos-local, written from the protocol
// description in shared/docs/cosmos-rest.md §2.a (no SDK code involved).

const crypto = require("crypto");

const EMULATOR_KEY =
  "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

// Maximum clock skew the service tolerates for x-ms-date (and the life of a
// master-key signature).
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Resource type and resource link that a client has to sign for a URL path.
 * `rawPath` is the path part of the request URL, still percent-encoded.
 *
 * Cosmos paths alternate type/name segments: an odd number of segments names
 * a feed (type = last segment, link = its parent), an even number a single
 * resource (type = second-to-last segment, link = the whole path). Leading and
 * trailing slashes do not count; names are percent-decoded for the link.
 */
function resourceFromPath(rawPath) {
  // Hot path (every request): trims and splits by hand, and decodes only when a '%' is present.
  const path = String(rawPath || "");
  let start = 0;
  let end = path.length;
  while (start < end && path.charCodeAt(start) === 47) start += 1;
  while (end > start && path.charCodeAt(end - 1) === 47) end -= 1;
  if (start === end) {
    return { type: "", link: "", segments: [] };
  }
  const trimmed = path.slice(start, end);
  const parts = trimmed.split("/");
  const segments = trimmed.includes("%") ? parts.map(safeDecode) : parts;
  if (segments.length % 2 === 1) {
    return {
      type: segments[segments.length - 1],
      link: segments.slice(0, -1).join("/"),
      segments
    };
  }
  return {
    type: segments[segments.length - 2],
    link: segments.join("/"),
    segments
  };
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch (e) {
    return segment;
  }
}

function stringToSign(verb, type, link, xmsDate, dateHeader) {
  return (
    `${String(verb).toLowerCase()}\n` +
    `${String(type).toLowerCase()}\n` +
    `${link}\n` +
    `${String(xmsDate).toLowerCase()}\n` +
    `${dateHeader ? String(dateHeader).toLowerCase() : ""}\n`
  );
}

// Decoded master keys by their base64 text, so a request does not decode the key again.
const keyBytesCache = new Map();

function keyBytes(masterKey) {
  let bytes = keyBytesCache.get(masterKey);
  if (bytes === undefined) {
    bytes = Buffer.from(masterKey, "base64");
    if (keyBytesCache.size >= 16) keyBytesCache.clear();
    keyBytesCache.set(masterKey, bytes);
  }
  return bytes;
}

function signature(masterKey, payload) {
  return crypto
    .createHmac("sha256", keyBytes(masterKey))
    .update(payload, "utf8")
    .digest("base64");
}

/** The value of the `authorization` header for a master-key request. */
function authorizationHeader(masterKey, verb, type, link, xmsDate) {
  const sig = signature(masterKey, stringToSign(verb, type, link, xmsDate, ""));
  return encodeURIComponent(`type=master&ver=1.0&sig=${sig}`);
}

/** Parses `type=master&ver=1.0&sig=...` (URL-encoded or not). */
function parseAuthorization(value) {
  let decoded = String(value);
  try {
    decoded = decodeURIComponent(decoded);
  } catch (e) {
    return null;
  }
  const out = {};
  for (const part of decoded.split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) {
      return null;
    }
    out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  if (!out.type || !out.sig) {
    return null;
  }
  return out;
}

/**
 * Checks a request's authorization. Returns null when the request may pass,
 * otherwise a message for a 401 answer. `resource` may pass in
 * resourceFromPath(rawPath) when the caller has it already. `aad`, when the server accepts
 * Entra ID tokens, is {issuer (lib/aad.js createIssuer), audiences}. `resourceTokens`, when
 * given, verifies resource tokens (lib/users.js verify); it may answer {status: 403, message}.
 */
function checkRequest({ method, rawPath, headers, masterKey, now = Date.now(), resource, aad, resourceTokens }) {
  const xmsDate = headerValue(headers["x-ms-date"]);
  if (!xmsDate) {
    return "Required header 'x-ms-date' is missing; it is part of the signed payload.";
  }
  const when = parseDate(xmsDate);
  if (Number.isNaN(when)) {
    return `The x-ms-date header '${xmsDate}' is not a valid RFC 1123 date.`;
  }
  if (Math.abs(now - when) > MAX_SKEW_MS) {
    return (
      `The authorization token is not valid at the current time. x-ms-date '${xmsDate}' ` +
      `is more than 15 minutes away from the server time '${new Date(now).toUTCString()}'.`
    );
  }
  const auth = headerValue(headers.authorization);
  if (!auth) {
    return "Required header 'authorization' is missing.";
  }
  const parsed = parseAuthorization(auth);
  if (!parsed) {
    return "The authorization header is malformed; expected URL-encoded 'type=master&ver=1.0&sig=<signature>'.";
  }
  const type = parsed.type.toLowerCase();
  if (type === "resource") {
    // Resource tokens are minted by permissions (lib/users.js), which verifies them: null, a
    // message for a 401, or {status: 403, message} when the token does not grant the request.
    if (!resourceTokens) {
      return "Resource tokens are not accepted by this cosmos-local.";
    }
    return resourceTokens(parsed.sig, { method, resource: resource || resourceFromPath(rawPath), headers, nowMs: now });
  }
  if (type === "aad") {
    // Entra ID tokens: checked only when the server runs with --aad-issuer (lib/aad.js).
    if (!aad) {
      return "Authorization type 'aad' is not enabled on this cosmos-local; start it with --aad-issuer.";
    }
    if (parsed.ver !== "1.0") {
      return `Authorization version '${parsed.ver}' is not supported; expected ver=1.0.`;
    }
    return aad.issuer.verify(parsed.sig, aad.audiences, now);
  }
  if (type !== "master") {
    return `Authorization type '${parsed.type}' is not supported by cosmos-local (only 'master', 'resource' and, with --aad-issuer, 'aad').`;
  }
  if (parsed.ver !== "1.0") {
    return `Authorization version '${parsed.ver}' is not supported; expected ver=1.0.`;
  }
  const { type: resourceType, link } = resource || resourceFromPath(rawPath);
  // Requests addressed by resource ids (_rid, e.g. dbs/gAABAA==/colls/gAABAIAAAAE=/pkranges)
  // sign the owning resource's id alone, lower-cased (gaabaiaaaae=), as the REST protocol
  // defines and the official SDKs do; name-based links keep their case. So those spellings are
  // accepted only when every name in the link looks like a resource id.
  const links = [link];
  if (resourceType === "offers" && link.startsWith("offers/")) {
    // An offer is signed by its id alone, lower-cased (cosmos-rest.md §2.a).
    links.push(link.slice("offers/".length).toLowerCase());
  } else if (isRidLink(link)) {
    const names = link.split("/").filter((_, i) => i % 2 === 1);
    links.push(names[names.length - 1].toLowerCase(), link.toLowerCase());
  }
  const dateHeader = headerValue(headers.date);
  const sig = Buffer.from(parsed.sig, "utf8");
  let first = null;
  // Candidates in order: per link, without then with the `date` header. Built one at a time so
  // the usual request (first candidate) signs once.
  for (const l of links) {
    const payload = stringToSign(method, resourceType, l, xmsDate, "");
    if (first === null) first = payload;
    if (signatureMatches(masterKey, payload, sig)) return null;
    if (dateHeader && signatureMatches(masterKey, stringToSign(method, resourceType, l, xmsDate, dateHeader), sig)) {
      return null;
    }
  }
  return (
    "The input authorization token can't serve the request. The wrong key is being used or the " +
    "expected payload is not built as per the protocol. Server used the following payload to sign: '" +
    first.replace(/\n/g, "\\n") +
    "'"
  );
}

function signatureMatches(masterKey, payload, sigBytes) {
  const expected = Buffer.from(signature(masterKey, payload), "utf8");
  return expected.length === sigBytes.length && crypto.timingSafeEqual(expected, sigBytes);
}

// Date.parse of the last x-ms-date seen: clients send the same one for a whole second.
let lastDateText = null;
let lastDateValue = NaN;

function parseDate(text) {
  if (text !== lastDateText) {
    lastDateValue = Date.parse(text);
    lastDateText = text;
  }
  return lastDateValue;
}

/** True when every name segment of a link is shaped like a base64 resource id. */
function isRidLink(link) {
  const names = link.split("/").filter((_, i) => i % 2 === 1);
  return names.length > 0 && names.every(n => /^[A-Za-z0-9+=-]+$/.test(n) && [8, 12, 16, 24].includes(n.length));
}

function headerValue(v) {
  return Array.isArray(v) ? v[0] : v;
}

module.exports = {
  EMULATOR_KEY,
  MAX_SKEW_MS,
  resourceFromPath,
  stringToSign,
  signature,
  authorizationHeader,
  parseAuthorization,
  checkRequest
};
