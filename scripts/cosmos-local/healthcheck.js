#!/usr/bin/env node
"use strict";
// Waits until a cosmos-local (or any Cosmos endpoint) answers a signed GET /
// with 200. Used by ./start because curl/openssl may be missing.
//
// usage: node healthcheck.js URL [--key K] [--timeout SECONDS] [--pid PID] [--log FILE]
// Exit 0 when ready; 1 on timeout, or at once when --pid is given and that
// process has exited. With --log, the file must also contain the server's
// "cosmos-local listening on" line, so that another server already holding
// the port is not mistaken for ours.

const fs = require("fs");
const http = require("http");
const https = require("https");
const auth = require("./lib/auth");

function probe(url, key) {
  return new Promise(resolve => {
    const u = new URL(url);
    const date = new Date().toUTCString();
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.request(
      {
        host: u.hostname,
        port: u.port,
        path: "/",
        method: "GET",
        rejectUnauthorized: false,
        agent: false,
        timeout: 2000,
        headers: {
          "x-ms-date": date,
          "x-ms-version": "2018-12-31",
          authorization: auth.authorizationHeader(key, "GET", "", "", date)
        }
      },
      res => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      }
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end();
  });
}

function logSaysListening(file) {
  try {
    return fs.readFileSync(file, "utf8").includes("cosmos-local listening on");
  } catch (e) {
    return false;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

async function main() {
  const args = process.argv.slice(2);
  const url = args[0];
  let key = auth.EMULATOR_KEY;
  let timeout = 20;
  let pid = null;
  let logFile = null;
  for (let i = 1; i < args.length; i += 1) {
    if (args[i] === "--key") key = args[++i];
    else if (args[i] === "--timeout") timeout = Number(args[++i]);
    else if (args[i] === "--pid") pid = Number(args[++i]);
    else if (args[i] === "--log") logFile = args[++i];
  }
  if (!url) {
    console.error("usage: node healthcheck.js URL [--key K] [--timeout SECONDS] [--pid PID]");
    process.exit(2);
  }
  const deadline = Date.now() + timeout * 1000;
  let last = 0;
  while (Date.now() < deadline) {
    if (!logFile || logSaysListening(logFile)) {
      last = await probe(url, key);
      if (last === 200) process.exit(0);
    }
    if (pid && !alive(pid)) {
      console.error(`cosmos-local: server process ${pid} exited`);
      process.exit(1);
    }
    await new Promise(r => setTimeout(r, 150));
  }
  console.error(`cosmos-local: ${url} did not answer GET / with 200 within ${timeout}s (last status: ${last || "no answer"})`);
  process.exit(1);
}

main();
