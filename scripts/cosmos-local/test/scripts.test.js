"use strict";
// End-to-end check of ./start and ./stop (child processes, temp state dir).
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
const { execFile } = require("child_process");

const { request, tmpDir } = require("../lib/test-client");

const ROOT = path.join(__dirname, "..");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(script, args) {
  return new Promise(resolve => {
    // run from an unrelated cwd: the scripts must not depend on it
    execFile(path.join(ROOT, script), args, { cwd: os.tmpdir(), timeout: 60000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

// A stopped server may linger as a zombie until init reaps it; that counts as gone.
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch (e) {
    return true;
  }
}

function parseEnv(stdout) {
  const env = {};
  for (const line of stdout.trim().split("\n")) {
    const eq = line.indexOf("=");
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

test("start prints env lines, serves, and stop stops it", async t => {
  const state = tmpDir();
  const port = await freePort();
  t.after(() => run("stop", ["--port", String(port), "--state-dir", state]));

  const started = await run("start", ["--port", String(port), "--state-dir", state]);
  assert.equal(started.code, 0, started.stderr);
  const env = parseEnv(started.stdout);
  assert.deepEqual(Object.keys(env), ["COSMOS_ENDPOINT", "COSMOS_CERT"]);
  assert.equal(env.COSMOS_ENDPOINT, `https://127.0.0.1:${port}/`);
  assert.equal(env.COSMOS_CERT, path.join(fs.realpathSync(state), "cert.pem"));
  assert.ok(fs.existsSync(env.COSMOS_CERT));
  const pidFile = path.join(fs.realpathSync(state), `server-${port}.pid`);
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  assert.ok(alive(pid));
  assert.equal((await request(env.COSMOS_ENDPOINT, "GET", "/dbs")).status, 200);
  const log = fs.readFileSync(path.join(fs.realpathSync(state), `server-${port}.log`), "utf8");
  assert.equal(log.trim(), `cosmos-local listening on https://127.0.0.1:${port}/`);

  // a second start on the same pid file refuses
  const again = await run("start", ["--port", String(port), "--state-dir", state]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already running/);

  const stopped = await run("stop", ["--port", String(port), "--state-dir", state]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.ok(!fs.existsSync(pidFile));
  for (let i = 0; i < 50 && alive(pid); i += 1) await new Promise(r => setTimeout(r, 100));
  assert.ok(!alive(pid), "server process is gone");
  // stopping again is a silent success
  const twice = await run("stop", ["--port", String(port), "--state-dir", state]);
  assert.deepEqual([twice.code, twice.stdout, twice.stderr], [0, "", ""]);
});

test("http mode with a custom pid file; stop ignores a pid that is not ours", async t => {
  const state = tmpDir();
  const port = await freePort();
  const pidFile = path.join(state, "custom.pid");
  t.after(() => run("stop", ["--pid-file", pidFile]));

  const started = await run("start", ["--port", String(port), "--http", "--state-dir", state, "--pid-file", pidFile, "--ru-per-second", "100",
    "--partitions", "3", "--split-after", "50"]);
  assert.equal(started.code, 0, started.stderr);
  const env = parseEnv(started.stdout);
  assert.equal(env.COSMOS_ENDPOINT, `http://127.0.0.1:${port}/`);
  assert.equal(env.COSMOS_CERT, "");
  // the options reach the server
  const stats = await new Promise((resolve, reject) => {
    require("http").get(`${env.COSMOS_ENDPOINT}_local/stats`, res => {
      let text = "";
      res.on("data", c => (text += c));
      res.on("end", () => resolve(JSON.parse(text)));
    }).on("error", reject);
  });
  assert.deepEqual([stats.options.ruPerSecond, stats.options.partitions, stats.options.splitAfter], [100, 3, 50]);
  assert.ok(!fs.existsSync(path.join(state, "cert.pem")));

  const foreign = path.join(state, "foreign.pid");
  fs.writeFileSync(foreign, String(process.pid));
  const r = await run("stop", ["--pid-file", foreign]);
  assert.equal(r.code, 0);
  assert.ok(alive(process.pid));
  assert.ok(!fs.existsSync(foreign));

  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  assert.equal((await run("stop", ["--pid-file", pidFile])).code, 0);
  for (let i = 0; i < 50 && alive(pid); i += 1) await new Promise(res => setTimeout(res, 100));
  assert.ok(!alive(pid));
});

test("start fails with the log tail when the port is taken", async t => {
  const state = tmpDir();
  const blocker = net.createServer();
  await new Promise(r => blocker.listen(0, "127.0.0.1", r));
  t.after(() => blocker.close());
  const port = blocker.address().port;
  const r = await run("start", ["--port", String(port), "--http", "--state-dir", state]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /EADDRINUSE/);
  assert.ok(!fs.existsSync(path.join(state, `server-${port}.pid`)));
});
