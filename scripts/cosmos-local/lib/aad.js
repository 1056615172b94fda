"use strict";
// Microsoft Entra ID (AAD) tokens for cosmos-local (--aad-issuer): an RS256 test issuer whose
// key the server generates (or is given), the check of `type=aad&ver=1.0&sig=<JWT>` request
// headers, and a tiny token endpoint for tests. Written from RFC 7515/7519 and the behaviour
// described in shared/docs/cosmos-rest.md (Entra ID section); no SDK code involved.
//
// Token endpoint (only with --aad-issuer):
//   POST /_local/aad/<tenant>/oauth2/v2.0/token   form: grant_type=client_credentials,
//        client_id, client_secret, scope=<resource>/.default   -> {access_token, expires_in, ...}
//   The tenant `global-only` answers AADSTS500011 for the account's own resource, like a tenant
//   where only https://cosmos.azure.com is registered (exercises the clients' scope fallback).
//   POST /_local/aad/mint   JSON {aud, expiresInSeconds, notBeforeSeconds, iss, wrongKey}
//        -> {access_token}: test-only tokens (expired, wrong audience, wrong key or issuer).

const crypto = require("crypto");
const fs = require("fs");

const COSMOS_AUDIENCE = "https://cosmos.azure.com";
const DEFAULT_CLIENT_ID = "cosmos-local-client";
const DEFAULT_CLIENT_SECRET = "cosmos-local-secret";
const DEFAULT_LIFETIME_SECONDS = 3600;
const MAX_FORM_BYTES = 64 * 1024;
// The account name in Azure's "Request blocked by Auth <account> : ..." messages.
const ACCOUNT_NAME = "cosmos-local";

function b64url(buf) {
  return Buffer.from(buf).toString("base64").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

function fromB64url(text) {
  return Buffer.from(String(text).replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/** Signs claims as an RS256 JWT with a private KeyObject. */
function signJwt(claims, privateKey, kid) {
  const header = { alg: "RS256", typ: "JWT", kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = crypto.sign("RSA-SHA256", Buffer.from(input), privateKey);
  return `${input}.${b64url(sig)}`;
}

/** Azure's date shape in its AAD messages: 7/17/2022 5:09:09 PM (UTC). */
function azureDate(ms) {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = n => String(n).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:` +
    `${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"} (UTC)`;
}

function blocked(message) {
  return `Request blocked by Auth ${ACCOUNT_NAME} : ${message}`;
}

/**
 * Creates the issuer. Options: issuer (the `iss` tokens carry and must carry), keyPem (PEM
 * private key; generated when absent), clientId, clientSecret, lifetimeSeconds.
 */
function createIssuer(opts = {}) {
  if (!opts.issuer || typeof opts.issuer !== "string") throw new Error("aad issuer needs an issuer string");
  const privateKey = opts.keyPem
    ? crypto.createPrivateKey(opts.keyPem)
    : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error("aad key must be an RSA private key");
  const publicKey = crypto.createPublicKey(privateKey);
  const kid = b64url(crypto.createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest()).slice(0, 16);
  let otherKey = null;
  const state = {
    issuer: opts.issuer,
    clientId: opts.clientId || DEFAULT_CLIENT_ID,
    clientSecret: opts.clientSecret || DEFAULT_CLIENT_SECRET,
    lifetimeSeconds: Number(opts.lifetimeSeconds) > 0 ? Number(opts.lifetimeSeconds) : DEFAULT_LIFETIME_SECONDS,
    tokensIssued: 0
  };

  /** A signed token; `claims` override the defaults (aud is required). */
  function mint({ aud, expiresInSeconds, notBeforeSeconds = 0, iss, wrongKey = false, tenant = "cosmos-local", now = Date.now() } = {}) {
    if (!aud) throw new Error("mint needs aud");
    const iat = Math.floor(now / 1000);
    const lifetime = expiresInSeconds === undefined ? state.lifetimeSeconds : Number(expiresInSeconds);
    const claims = {
      aud,
      iss: iss || state.issuer,
      iat,
      nbf: iat + Number(notBeforeSeconds || 0),
      exp: iat + lifetime,
      tid: tenant,
      appid: state.clientId,
      oid: "00000000-0000-0000-0000-0000000c0511",
      sub: "00000000-0000-0000-0000-0000000c0511",
      ver: "1.0"
    };
    let key = privateKey;
    if (wrongKey) {
      if (!otherKey) otherKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
      key = otherKey;
    }
    return signJwt(claims, key, kid);
  }

  /**
   * Checks a JWT. `audiences` are the accepted `aud` values (without a trailing slash). Returns
   * null when it may pass, else the message of a 401 (Azure's "Request blocked by Auth" shape).
   */
  function verify(token, audiences, now = Date.now()) {
    const parts = String(token).split(".");
    if (parts.length !== 3 || parts.some(p => !/^[A-Za-z0-9_-]*$/.test(p))) {
      return blocked("The provided AAD token is malformed; expected a JSON Web Token (header.payload.signature).");
    }
    let header;
    let claims;
    try {
      header = JSON.parse(fromB64url(parts[0]).toString("utf8"));
      claims = JSON.parse(fromB64url(parts[1]).toString("utf8"));
    } catch (e) {
      return blocked("The provided AAD token is malformed; its header or payload is not JSON.");
    }
    if (!header || header.alg !== "RS256" || !claims || typeof claims !== "object") {
      return blocked(`The provided AAD token uses algorithm '${header && header.alg}'; only RS256 is accepted.`);
    }
    const signed = crypto.verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, fromB64url(parts[2]));
    if (!signed) {
      return blocked("The provided AAD token's signature could not be validated with the issuer's signing keys.");
    }
    if (claims.iss !== state.issuer) {
      return blocked(`The provided AAD token was issued by [${claims.iss}]; this database account trusts [${state.issuer}].`);
    }
    const aud = typeof claims.aud === "string" ? claims.aud.replace(/\/+$/, "") : claims.aud;
    if (!audiences.includes(aud)) {
      return blocked(
        `Provided AAD token is intended for [${claims.aud}]. This database account accepts tokens intended for [${audiences.join(", ")}].`
      );
    }
    const nowSec = now / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= nowSec) {
      return blocked(
        `Provided AAD token has been expired since [${azureDate((Number(claims.exp) || 0) * 1000)}]. ` +
          `Current server time is [${azureDate(now)}]. Please refresh the AAD token.`
      );
    }
    if (typeof claims.nbf === "number" && claims.nbf > nowSec) {
      return blocked(`Provided AAD token is not valid before [${azureDate(claims.nbf * 1000)}]. Current server time is [${azureDate(now)}].`);
    }
    return null;
  }

  /** Handles POST /_local/aad/...; `audiences` as for verify(). Always answers. */
  function handle(req, res, pathname, audiences) {
    const reply = (status, obj) => {
      res.statusCode = status;
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.setHeader("cache-control", "no-store");
      res.end(JSON.stringify(obj));
    };
    const oauthError = (status, error, code, description) =>
      reply(status, {
        error,
        error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${crypto.randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [code],
        timestamp: new Date().toISOString()
      });
    if (req.method !== "POST") {
      req.resume();
      return reply(405, { error: "invalid_request", error_description: "cosmos-local aad: use POST" });
    }
    const chunks = [];
    let size = 0;
    req.on("data", c => {
      size += c.length;
      if (size <= MAX_FORM_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      if (size > MAX_FORM_BYTES) return reply(413, { error: "invalid_request", error_description: "request too large" });
      const text = Buffer.concat(chunks).toString("utf8");
      if (pathname === "/_local/aad/mint") {
        let body;
        try {
          body = JSON.parse(text || "{}");
        } catch (e) {
          return reply(400, { error: "invalid_request", error_description: "body must be JSON" });
        }
        if (!body || typeof body.aud !== "string") {
          return reply(400, { error: "invalid_request", error_description: "aud (string) is required" });
        }
        return reply(200, { token_type: "Bearer", access_token: mint(body) });
      }
      const m = /^\/_local\/aad\/([A-Za-z0-9._-]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
      if (!m) {
        return reply(404, { error: "not_found", error_description: "cosmos-local aad: POST /_local/aad/<tenant>/oauth2/v2.0/token or /_local/aad/mint" });
      }
      const tenant = m[1];
      const form = new URLSearchParams(text);
      const contentType = String(req.headers["content-type"] || "");
      if (!contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
        return oauthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
      }
      if (form.get("grant_type") !== "client_credentials") {
        return oauthError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${form.get("grant_type")}'.`);
      }
      const clientId = form.get("client_id");
      if (clientId !== state.clientId) {
        return oauthError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
      }
      if (form.has("client_assertion")) {
        return oauthError(401, "invalid_client", 700024, "Client assertion is not within its valid time range (cosmos-local accepts client secrets only).");
      }
      const secret = form.get("client_secret") || "";
      const expected = Buffer.from(state.clientSecret);
      const given = Buffer.from(secret);
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
        return oauthError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
      }
      const scope = form.get("scope") || "";
      if (!scope.endsWith("/.default")) {
        return oauthError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      }
      const resource = scope.slice(0, -"/.default".length);
      const registered = tenant === "global-only" ? [COSMOS_AUDIENCE] : audiences;
      if (!registered.includes(resource)) {
        return oauthError(400, "invalid_resource", 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
      }
      state.tokensIssued += 1;
      return reply(200, {
        token_type: "Bearer",
        expires_in: state.lifetimeSeconds,
        ext_expires_in: state.lifetimeSeconds,
        access_token: mint({ aud: resource, tenant })
      });
    });
    req.on("error", () => res.destroy());
    return undefined;
  }

  return { mint, verify, handle, publicKey, state, get issuer() { return state.issuer; } };
}

/** The audiences a server on `port` accepts: its own hosts (both spellings) and Cosmos's. */
function audiencesFor(scheme, port) {
  return [`${scheme}://127.0.0.1:${port}`, `${scheme}://localhost:${port}`, COSMOS_AUDIENCE];
}

/**
 * Parses the --aad-* options into `out` (server.js's parseArgs delegates here). Returns false
 * for an option that is not ours.
 */
function parseArg(arg, next, out) {
  switch (arg) {
    case "--aad-issuer": {
      const v = next();
      if (!v) throw new Error("--aad-issuer needs the issuer (iss) tokens must carry, e.g. https://login.microsoftonline.com/cosmos-local/v2.0");
      out.aadIssuer = v;
      return true;
    }
    case "--aad-key": {
      const file = next();
      if (!file) throw new Error("--aad-key needs a PEM file with an RSA private key");
      out.aadKeyPem = fs.readFileSync(file, "utf8");
      return true;
    }
    case "--aad-client-id": out.aadClientId = next(); return true;
    case "--aad-client-secret": out.aadClientSecret = next(); return true;
    default: return false;
  }
}

/** The issuer for server options, or null when --aad-issuer is not set. */
function fromOptions(options) {
  if (!options.aadIssuer) return null;
  return createIssuer({
    issuer: options.aadIssuer,
    keyPem: options.aadKeyPem,
    clientId: options.aadClientId,
    clientSecret: options.aadClientSecret,
    lifetimeSeconds: options.aadTokenLifetimeSeconds
  });
}

module.exports = {
  COSMOS_AUDIENCE,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  createIssuer,
  audiencesFor,
  parseArg,
  fromOptions,
  signJwt,
  azureDate
};
