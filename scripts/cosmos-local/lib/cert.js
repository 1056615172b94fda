"use strict";
// Self-signed TLS certificate for cosmos-local: generated once per state
// directory (pure JS, no openssl needed) and reused on later starts.

const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const LOCK_STALE_MS = 60 * 1000;

/** True when the PEM pair is usable: parses, not expiring within a day, SAN has 127.0.0.1 and localhost. */
function usable(certPem, keyPem) {
  try {
    const cert = new crypto.X509Certificate(certPem);
    const key = crypto.createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return false;
    if (Date.parse(cert.validTo) < Date.now() + 24 * 3600 * 1000) return false;
    const san = cert.subjectAltName || "";
    return san.includes("IP Address:127.0.0.1") && san.includes("DNS:localhost");
  } catch (e) {
    return false;
  }
}

async function generate() {
  // selfsigned 5.x is async and builds the certificate with WebCrypto.
  const selfsigned = require("selfsigned");
  const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + 10);
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" }
        ]
      }
    ]
  });
  return { cert: pems.cert, key: pems.private };
}

function readPair(certFile, keyFile) {
  try {
    return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") };
  } catch (e) {
    return null;
  }
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/**
 * Returns {cert, key, certFile, keyFile}; creates the pair under stateDir if
 * missing or unusable. A lock file keeps two servers starting at the same
 * time from writing different pairs.
 */
async function ensureCertificate(stateDir) {
  fs.mkdirSync(stateDir, { recursive: true });
  const certFile = path.join(stateDir, "cert.pem");
  const keyFile = path.join(stateDir, "key.pem");
  const lockFile = path.join(stateDir, "cert.lock");
  const deadline = Date.now() + 30 * 1000;
  for (;;) {
    const existing = readPair(certFile, keyFile);
    if (existing && usable(existing.cert, existing.key)) {
      return { ...existing, certFile, keyFile };
    }
    let fd;
    try {
      fd = fs.openSync(lockFile, "wx");
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      try {
        if (Date.now() - fs.statSync(lockFile).mtimeMs > LOCK_STALE_MS) fs.unlinkSync(lockFile);
      } catch (ignored) {
        // someone else removed it
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockFile}`);
      await sleep(100);
      continue;
    }
    try {
      fs.closeSync(fd);
      const again = readPair(certFile, keyFile);
      if (again && usable(again.cert, again.key)) {
        return { ...again, certFile, keyFile };
      }
      const pair = await generate();
      if (!usable(pair.cert, pair.key)) {
        throw new Error("generated certificate failed its own check");
      }
      fs.writeFileSync(`${keyFile}.tmp`, pair.key, { mode: 0o600 });
      fs.writeFileSync(`${certFile}.tmp`, pair.cert);
      fs.renameSync(`${keyFile}.tmp`, keyFile);
      fs.renameSync(`${certFile}.tmp`, certFile);
      return { ...pair, certFile, keyFile };
    } finally {
      try {
        fs.unlinkSync(lockFile);
      } catch (ignored) {
        // already gone
      }
    }
  }
}

module.exports = { ensureCertificate, usable };
