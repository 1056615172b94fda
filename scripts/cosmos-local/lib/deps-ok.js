#!/usr/bin/env node
"use strict";
// Exit 0 when node_modules matches package-lock.json (npm's hidden lockfile
// node_modules/.package-lock.json lists the same packages, versions and
// integrity hashes), else 1. ./start runs `npm ci` on 1.

const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");

function load(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    return null;
  }
}

function upToDate() {
  const lock = load(path.join(root, "package-lock.json"));
  const installed = load(path.join(root, "node_modules", ".package-lock.json"));
  if (!lock || !installed || !lock.packages || !installed.packages) return false;
  for (const [name, want] of Object.entries(lock.packages)) {
    if (name === "") continue;
    const have = installed.packages[name];
    if (!have) {
      if (want.optional) continue;
      return false;
    }
    if (have.version !== want.version) return false;
    if (want.integrity && have.integrity && want.integrity !== have.integrity) return false;
    if (!fs.existsSync(path.join(root, name, "package.json"))) return false;
  }
  return true;
}

process.exit(upToDate() ? 0 : 1);
