#!/usr/bin/env node
"use strict";
// Turns the RESULT lines of the benchmark programs (results.jsonl) into the side-by-side table
// scripts/bench prints, plus the raw ceiling table (raw-jdk, raw-nio: no library). Node only.
//
// usage: node table.js --results F --footprint F --status F --nproc N --elapsed S --quick 0|1
//                      [--partitions 1,4] [--load "a b c"] [--load-end "a b c"]
// Throughput rows are per partition count of the server (W1@1, W1@4, ...).

const fs = require("fs");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const readLines = (f) =>
  f && fs.existsSync(f)
    ? fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim()).flatMap((l) => {
        try { return [JSON.parse(l)]; } catch { return []; }
      })
    : [];

const results = readLines(args.results);
const foot = readLines(args.footprint);
const status = readLines(args.status);
const disk = readLines(args.disk);
const nproc = Number(args.nproc || 2);
// The server is single-threaded Node: at this share of one core it is the bottleneck.
const SATURATED = 0.85;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "-");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) + "x" : "-");

// The partition counts the server ran with (results without the field come from one range).
const partsOf = (r) => r.partitions || 1;
const PARTS = (args.partitions ? args.partitions.split(",").map(Number)
  : [...new Set(results.filter((r) => r.workload !== "W4").map(partsOf))]).filter((p) => p > 0);
if (!PARTS.length) PARTS.push(1);
const at = (w, p) => `${w}@${p}`;

function group(client, workload, partitions = PARTS[0]) {
  const rs = results.filter((r) => r.client === client && r.workload === workload && !r.unsupported &&
    (workload === "W4" || partsOf(r) === partitions));
  if (!rs.length) return null;
  const ok = rs.filter((r) => !r.timedOut);
  const ops = ok.map((r) => r.opsPerSec);
  return {
    n: rs.length,
    version: rs[0].version,
    ops: median(ops), min: Math.min(...ops), max: Math.max(...ops),
    cpu: median(ok.map((r) => r.clientCpuUsPerOp)),
    // The same CPU split by thread: JIT compilers, GC/VM threads, the rest (library, transport, TLS).
    jit: median(ok.map((r) => r.clientJitUsPerOp).filter(Number.isFinite)),
    gc: median(ok.map((r) => r.clientGcUsPerOp).filter(Number.isFinite)),
    other: median(ok.map((r) => r.clientOtherUsPerOp).filter(Number.isFinite)),
    // The rest again, from the Java threads' own nanosecond clocks (no 10 ms ticks), when known.
    javaThreads: median(ok.map((r) => r.clientJavaThreadsUsPerOp).filter(Number.isFinite)),
    server: median(ok.map((r) => r.serverCpuShare).filter(Number.isFinite)),
    machine: median(ok.map((r) => (r.clientCpuSec + (r.serverCpuSec || 0)) / r.seconds / nproc)),
    errors: rs.reduce((a, r) => a + (r.errors > 0 ? r.errors : 0), 0),
    timedOut: rs.some((r) => r.timedOut),
    concurrency: rs[0].concurrency,
    opsPerRun: rs[0].ops,
    docs: rs[0].docs, pages: rs[0].pages,
    // Requests the server counted per operation (cosmos-local /_local/stats), when known.
    reqPerOp: median(ok.map((r) => r.serverRequestsPerOp).filter(Number.isFinite)),
    // Server CPU per operation in microseconds: what a workload costs the server, whoever waits.
    serverUs: median(ok.map((r) => (r.serverCpuSec * 1e6) / r.ops).filter(Number.isFinite)),
    // Heap bytes the client's threads allocated per operation, when the JVM could say.
    alloc: median(ok.map((r) => r.clientAllocBytesPerOp).filter(Number.isFinite)),
    raw: rs
  };
}

const WL = {
  W1: "W1 creates",
  W1B: "W1B creates, bulk",
  W2: "W2 point reads",
  W3: "W3 1-partition queries"
};

const rows = [];
const notes = [];
for (const p of PARTS) for (const w of ["W1", "W1B", "W2", "W3"]) {
  const lite = group("lite", w === "W1B" ? "W1" : w, p);
  const off = group("official", w, p);
  if (!lite && !off) continue;
  if (w === "W1B" && !off) continue; // W1B is the SDK's row; lite's W1 is only shown beside it
  const liteLabel = w === "W1B" ? "(W1) " : "";
  let verdict;
  const errs = [];
  if (lite && lite.errors) errs.push(`lite ${lite.errors} errors`);
  if (off && off.errors) errs.push(`official ${off.errors} errors`);
  if (lite && lite.timedOut) errs.push("lite timed out");
  if (off && off.timedOut) errs.push("official timed out");
  if (!lite || !off) verdict = `only ${lite ? "lite" : "official"} ran`;
  else if (errs.length) verdict = "not comparable: " + errs.join(", ");
  else if (lite.server >= SATURATED && off.server >= SATURATED)
    verdict = `SERVER-BOUND (server at ${fmt(lite.server * 100)}% / ${fmt(off.server * 100)}% of its one core): ops/s ratio is the server's limit, compare CPU/op`;
  else if (lite.server >= SATURATED || off.server >= SATURATED) {
    const who = lite.server >= SATURATED ? "lite" : "official";
    verdict = `server saturated during the ${who} runs (${fmt(Math.max(lite.server, off.server) * 100)}% of a core): ${who}'s ops/s is capped by the server`;
  } else if (lite.machine >= 0.9 || off.machine >= 0.9)
    verdict = `machine-bound: client + server use ~all ${nproc} cores; the client with less CPU/op leaves more to the server`;
  else {
    const r = lite.ops / off.ops;
    verdict = r >= 1.1 ? `lite ${r.toFixed(1)}x the throughput` : r <= 0.9 ? `official ${(1 / r).toFixed(1)}x the throughput` : "about even";
  }
  if (errs.length && lite && off) {
    // keep numbers visible, but flag them
  }
  rows.push([
    `${WL[w]} @${p}`,
    lite ? `${liteLabel}${fmt(lite.ops)} (${fmt(lite.min)}-${fmt(lite.max)})` : "-",
    off ? `${fmt(off.ops)} (${fmt(off.min)}-${fmt(off.max)})` : "-",
    lite && off ? ratio(lite.ops, off.ops) : "-",
    lite ? fmt(lite.cpu) : "-",
    off ? fmt(off.cpu) : "-",
    lite && off ? ratio(off.cpu, lite.cpu) : "-",
    `${lite ? fmt(lite.server * 100) + "%" : "-"} / ${off ? fmt(off.server * 100) + "%" : "-"}`,
    `${lite ? lite.errors : "-"} / ${off ? off.errors : "-"}`,
    verdict
  ]);
}

function table(head, body) {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (r) => "| " + r.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...body.map(line)].join("\n");
}

const out = [];
const liteV = results.find((r) => r.client === "lite")?.version || "cosmos-lite";
const offV = results.find((r) => r.client === "official")?.version || "azure-cosmos";
out.push(`cosmos-lite vs the official Java SDK (${offV}, GATEWAY mode) against scripts/cosmos-local`);
if (args.load) out.push(`(load average at the start: ${args.load}${args["load-end"] ? `; at the end: ${args["load-end"]}` : ""}; server partition-key ranges: ${PARTS.join(", ")})`);
out.push(`(${liteV}; one local server for all runs, ${nproc} cores shared by client and server; ` +
  `median of the measured runs, (min-max); ratios are lite/official for ops/s and official/lite for CPU, so >1 favours lite)`);
out.push("");
if (rows.length) {
  out.push(table(
    ["workload", "lite ops/s", "official ops/s", "ops/s ratio", "lite CPU us/op", "official CPU us/op", "CPU ratio", "server CPU lite/official", "errors lite/official", "verdict"],
    rows));
}

// Packed paths (issue 11): lite's packed createDocuments (W1P) against the SDK's bulk API (W1B),
// and lite's readDocuments (W2P) against its own point reads (W2), per partition count.
// Targets: W1P >= W1B's ops/s and <= 1/4 of its client CPU per document; W2P >= 3x W2's ops/s.
// Where the server saturates, the ops/s ratio is the server's limit: CPU per document decides.
function saturation(a, aName, b, bName) {
  const sa = a.server >= SATURATED, sb = b.server >= SATURATED;
  if (sa && sb) return `SERVER-BOUND (server at ${fmt(a.server * 100)}% / ${fmt(b.server * 100)}% of its one core): ops/s is the server's limit, compare CPU/doc`;
  if (sa || sb) {
    const who = sa ? aName : bName;
    return `server saturated first during ${who} (${fmt(Math.max(a.server, b.server) * 100)}% of a core): ${who}'s ops/s is capped by the server, compare CPU/doc`;
  }
  if (a.machine >= 0.9 || b.machine >= 0.9) return `machine-bound: client + server use ~all ${nproc} cores`;
  return "neither saturated";
}
const mark = (ok) => (ok ? "met" : "NOT met");
// The rest of a client's CPU (neither JIT nor GC): from the Java threads' clocks when the run has
// them, else the /proc remainder.
const rest = (g) => (Number.isFinite(g.javaThreads) ? g.javaThreads : g.other);
const packedRows = [];
const packedNotes = [];
for (const p of PARTS) {
  const w1p = group("lite", "W1P", p);
  const w1b = group("official", "W1B", p);
  const w1 = group("lite", "W1", p);
  const w2p = group("lite", "W2P", p);
  const w2 = group("lite", "W2", p);
  const problems = (g, name) => [g.errors ? `${name} ${g.errors} errors` : null, g.timedOut ? `${name} timed out` : null].filter(Boolean);
  const reqs = (g) => (Number.isFinite(g.reqPerOp) ? g.reqPerOp.toFixed(3) : "-");
  const split = (g) => (Number.isFinite(g.jit) ? `${fmt(g.jit, 1)} / ${fmt(g.gc, 1)} / ${fmt(rest(g), 1)}` : "-");
  const row = (label, a, aName, b, bName, targets) => {
    const errs = [...problems(a, aName), ...problems(b, bName)];
    packedRows.push([
      label,
      `${fmt(a.ops)} (${fmt(a.min)}-${fmt(a.max)})`,
      `${fmt(b.ops)} (${fmt(b.min)}-${fmt(b.max)})`,
      ratio(a.ops, b.ops),
      fmt(a.cpu, 1), fmt(b.cpu, 1), ratio(a.cpu, b.cpu),
      split(a), split(b),
      `${fmt(a.server * 100)}% / ${fmt(b.server * 100)}%`,
      `${fmt(a.serverUs)} / ${fmt(b.serverUs)}`,
      `${reqs(a)} / ${reqs(b)}`,
      errs.length ? "not comparable: " + errs.join(", ") : targets.map(([t, ok]) => `${t}: ${mark(ok)}`).join("; ") || "-",
      saturation(a, aName, b, bName)
    ]);
  };
  if (w1p && w1b) {
    row(`W1P@${p} vs SDK W1B@${p}`, w1p, "W1P", w1b, "W1B", [
      [`ops/s >= SDK bulk (${ratio(w1p.ops, w1b.ops)})`, w1p.ops >= w1b.ops],
      [`CPU/doc <= 1/4 of SDK bulk (${ratio(w1p.cpu, w1b.cpu)})`, w1p.cpu <= w1b.cpu / 4]
    ]);
  } else if (w1p || w1b) packedNotes.push(`@${p}: ${w1p ? "W1P" : "W1B"} ran without its counterpart (${w1p ? "W1B" : "W1P"})`);
  if (w1p && w1) row(`W1P@${p} vs lite W1@${p} (1 doc/request)`, w1p, "W1P", w1, "W1", []);
  if (w2p && w2) {
    row(`W2P@${p} vs W2@${p}`, w2p, "W2P", w2, "W2", [
      [`ops/s >= 3x W2 (${ratio(w2p.ops, w2.ops)})`, w2p.ops >= 3 * w2.ops]
    ]);
  } else if (w2p || w2) packedNotes.push(`@${p}: ${w2p ? "W2P" : "W2"} ran without its counterpart`);
  // How full lite's write requests were (from the attempt listener: each request's charge / 6 RU).
  if (w1p) {
    const hist = {};
    let requests = 0, docsIn = 0;
    for (const r of w1p.raw) {
      for (const [k, v] of Object.entries(r.opsPerWriteRequest || {})) hist[k] = (hist[k] || 0) + v;
      requests += r.writeRequests || 0;
      docsIn += r.writeOps || 0;
    }
    const retries = w1p.raw.reduce((a, r) => a + (r.clientRetries || 0), 0);
    const statuses = {};
    for (const r of w1p.raw) for (const [k, v] of Object.entries(r.clientStatuses || {})) statuses[k] = (statuses[k] || 0) + v;
    if (requests) packedNotes.push(`W1P@${p} write requests (lite attempt listener, all runs): ${requests} carrying ${docsIn} documents, ` +
      `${(docsIn / requests).toFixed(1)} per request; operations per request: ` +
      Object.entries(hist).map(([k, v]) => `${k}: ${v}`).join(", ") +
      `; attempt statuses ${Object.entries(statuses).map(([k, v]) => `${k}: ${v}`).join(", ")}; resends ${retries}`);
  }
}
if (packedRows.length) {
  out.push("");
  out.push("Packed paths (issue 11): lite W1P = createDocuments as it ships (bulk requests by partition key range, up to 100 operations), " +
    "SDK W1B = executeBulkOperations; W2P = lite readDocuments of W2's ids. Ratios are first/second for ops/s AND for CPU (lower CPU ratio favours the first).");
  out.push(table(
    ["comparison", "first ops/s", "second ops/s", "ops/s ratio", "first CPU us/doc", "second CPU us/doc", "CPU ratio",
      "first JIT / GC / rest us/doc", "second JIT / GC / rest us/doc",
      "server CPU first/second", "server CPU us/doc first/second", "server requests/doc first/second", "targets", "server saturation"],
    packedRows));
  for (const n of packedNotes) out.push(n);
}

// M1P: lite's packed write with every request answered in memory (no socket, TLS or server):
// the library's own cost per document, beside W1P's and the SDK bulk's in the same run.
const m1p = group("lite", "M1P", 1);
if (m1p) {
  const perDoc = (g) => `${fmt(g.cpu, 1)} (JIT / GC / rest ${fmt(g.jit, 1)} / ${fmt(g.gc, 1)} / ${fmt(rest(g), 1)}), ${fmt(g.alloc)} B allocated`;
  out.push("");
  out.push("Library alone (M1P: lite's W1P with every request answered in memory, no socket, TLS or server; median of the runs):");
  const beside = [];
  for (const [label, client, w] of [["W1P", "lite", "W1P"], ["SDK W1B", "official", "W1B"]]) {
    for (const p of PARTS) {
      const g = group(client, w, p);
      if (g) beside.push([`${label}@${p}`, `${fmt(g.ops)} (${fmt(g.min)}-${fmt(g.max)})`, perDoc(g)]);
    }
  }
  out.push(table(["", "docs/s", "client CPU us/doc (JIT / GC / rest), heap allocated per doc"], [
    ["M1P, in memory", `${fmt(m1p.ops)} (${fmt(m1p.min)}-${fmt(m1p.max)})`, perDoc(m1p)], ...beside
  ]));
}

// Raw ceiling: what a client with no library (hand-signed requests, string bodies) gets from the
// same server and machine. The ceiling of a workload is the better raw transport's median ops/s.
const RAW = ["raw-jdk", "raw-nio"];
const TARGET = 0.8; // the issue: lite within 80% of the raw ceiling
const rawRows = [];
for (const p of PARTS) for (const w of ["W1", "W2"]) {
  const rg = RAW.map((c) => group(c, w, p));
  if (!rg.some(Boolean)) continue;
  const lite = group("lite", w, p);
  const usable = rg.filter((g) => g && !g.errors && !g.timedOut);
  const best = usable.length ? usable.reduce((a, b) => (b.ops > a.ops ? b : a)) : null;
  const leanest = usable.length ? usable.reduce((a, b) => (b.cpu < a.cpu ? b : a)) : null;
  const notes = [];
  rg.forEach((g, i) => {
    if (g && g.errors) notes.push(`${RAW[i]} ${g.errors} errors`);
    if (g && g.timedOut) notes.push(`${RAW[i]} timed out`);
  });
  if (best && best.server >= SATURATED) notes.push(`server at ${fmt(best.server * 100)}% of its core in the ceiling run: the ceiling is the server's`);
  else if (best && best.machine >= 0.9) notes.push(`machine-bound in the ceiling run (~all ${nproc} cores busy)`);
  const pct = lite && best && !lite.errors && !lite.timedOut ? lite.ops / best.ops : NaN;
  if (Number.isFinite(pct)) notes.push(pct >= TARGET ? `lite within ${TARGET * 100}% of the ceiling` : `lite below ${TARGET * 100}% of the ceiling`);
  rawRows.push([
    `${WL[w]} @${p}`,
    ...rg.flatMap((g) => (g ? [`${fmt(g.ops)} (${fmt(g.min)}-${fmt(g.max)})`, fmt(g.cpu), `${fmt(g.server * 100)}%`] : ["-", "-", "-"])),
    best ? `${fmt(best.ops)} (${best === rg[0] ? "jdk" : "nio"})` : "-",
    Number.isFinite(pct) ? `${fmt(pct * 100)}%` : "-",
    lite && leanest ? ratio(lite.cpu, leanest.cpu) : "-",
    notes.join("; ")
  ]);
}
if (rawRows.length) {
  out.push("");
  out.push("Raw ceiling: the same workloads from a client with no library (requests signed by hand, bodies written as strings, JDK only)");
  out.push(table(
    ["workload", "raw-jdk ops/s", "raw-jdk CPU us/op", "server (jdk)", "raw-nio ops/s", "raw-nio CPU us/op", "server (nio)",
      "ceiling ops/s", "lite % of ceiling", "lite CPU / leanest raw", "notes"],
    rawRows));
}

// W4
const cold = (c) => {
  const rs = results.filter((r) => r.client === c && r.workload === "W4");
  if (!rs.length) return null;
  const t = rs.map((r) => r.firstReadMs);
  return {
    n: rs.length, ms: median(t), min: Math.min(...t), max: Math.max(...t),
    rss: median(rs.map((r) => r.peakRssMB)), cpu: median(rs.map((r) => r.clientCpuMs)),
    classes: median(rs.map((r) => r.loadedClasses).filter((n) => n >= 0))
  };
};
// Columns: lite as it ships, its cold-start recipes (scripts/bench: lite-flags, lite-cds,
// lite-jlink), the SDK, and the raw clients, whose cold start is the floor of a client on the
// same transport (no library).
const W4_LABEL = {
  lite: "lite", "lite-flags": "lite +flags", "lite-cds": "lite +flags +CDS",
  "lite-jlink": "lite jlink+CDS +flags", official: "official"
};
const cols = ["lite", "lite-flags", "lite-cds", "lite-jlink", "official", ...RAW]
  .map((c) => [c, cold(c)]).filter(([, x]) => x);
const cl = cold("lite");
const co = cold("official");
const cj = cold("lite-jlink");
if (cols.length) {
  const diskOf = (c) => disk.find((d) => d.client === c);
  const row = (name, f) => [name, ...cols.map(([c, x]) => f(x, c))];
  out.push("");
  out.push(table(
    ["W4 cold start (new JVM -> first point read)",
      ...cols.map(([c]) => (RAW.includes(c) ? `${c} (floor)` : W4_LABEL[c] || c))],
    [
      row("wall ms, median (min-max)", (x) => `${fmt(x.ms)} (${fmt(x.min)}-${fmt(x.max)})`),
      row("wall, share of lite's", (x) => (cl ? (x.ms / cl.ms).toFixed(2) : "-")),
      row("wall, share of official's", (x) => (co ? (x.ms / co.ms).toFixed(2) : "-")),
      row("client CPU ms (all threads, incl. JVM start)", (x) => fmt(x.cpu)),
      row("peak RSS MB (VmHWM)", (x) => fmt(x.rss, 1)),
      row("classes loaded", (x) => fmt(x.classes)),
      row("disk MB", (x, c) => (diskOf(c) ? `${diskOf(c).mb} (${diskOf(c).what})` : "-")),
      row("runs", (x) => x.n)
    ]));
  out.push("lite +flags: -XX:TieredStopAtLevel=1 -XX:+UseSerialGC; +CDS: and -XX:SharedArchiveFile " +
    "of a training run's -XX:ArchiveClassesAtExit; jlink: a runtime image of java.base, " +
    "java.net.http, jdk.crypto.ec, Gson, cosmos-lite, its own archive, the flags (no management " +
    "modules: its CPU is read from /proc, in clock ticks, and classes are not counted). " +
    "Disk: JDK less jmods.");
  if (cj && cl) {
    const checks = [
      [`<= 60% of lite's first read (${fmt(cj.ms / cl.ms * 100)}%)`, cj.ms <= 0.6 * cl.ms],
      co ? [`<= 25% of the SDK's (${fmt(cj.ms / co.ms * 100)}%)`, cj.ms <= 0.25 * co.ms] : null,
      [`< 60 MB RSS (${fmt(cj.rss, 1)} MB)`, cj.rss < 60]
    ].filter(Boolean);
    out.push("Target (issue 15), jlink image + archive: " +
      checks.map(([t, ok]) => `${t}: ${ok ? "met" : "NOT met"}`).join("; ") + ".");
  }
}

// footprint
const fl = foot.find((f) => f.client === "lite");
const fo = foot.find((f) => f.client === "official");
if (fl || fo) {
  out.push("");
  out.push(table(
    ["footprint (runtime classpath)", "lite", "official", "official/lite"],
    [
      ["jars", fl ? fl.jars : "-", fo ? fo.jars : "-", fl && fo ? ratio(fo.jars, fl.jars) : "-"],
      ["MB", fl ? fmt(fl.mb, 2) : "-", fo ? fmt(fo.mb, 2) : "-", fl && fo ? ratio(fo.mb, fl.mb) : "-"]
    ]));
  if (fl) out.push(`lite classpath: ${fl.names.join(", ")}`);
}

// details
out.push("");
const anyW = (w) => results.find((r) => r.workload === w);
if (anyW("W1")) out.push(`W1/W1B: ${anyW("W1").ops} creates per run of ~190-byte documents into a fresh container, ${anyW("W1").concurrency} in flight (SDK bulk: its own batching).`);
if (anyW("W2")) out.push(`W2: ${anyW("W2").ops} point reads per run, ${anyW("W2").concurrency} in flight.`);
if (anyW("W1P")) out.push(`W1P: lite createDocuments with BulkOptions.DEFAULT (packed; at most the client's maxConcurrency = ${anyW("W1P").concurrency} requests in flight); lite W1 passes batching(false).`);
if (anyW("W2P")) out.push(`W2P: the W2 ids through lite readDocuments, ${anyW("W2P").chunk} (id, key) pairs per call, ${anyW("W2P").callsInFlight} calls in flight.`);
out.push("Server requests/doc: requests cosmos-local counted during the run (/_local/stats) per document.");
if (anyW("W3")) {
  const r = anyW("W3");
  out.push(`W3: ${r.ops} queries per run (one per partition key value per round), ${r.concurrency} in flight, ${r.expectedDocs} documents expected per run; ops = queries.`);
}
out.push(`Server CPU is the server process's utime+stime during the run as a share of one core (>= ${SATURATED * 100}% = saturated).`);
out.push(`CPU us/op is the client process's own CPU time (all threads, GC and JIT included) divided by operations.`);
if (packedRows.length || m1p) out.push("JIT / GC / rest: the JIT compiler threads and the GC/VM threads (from /proc, 10 ms ticks), and the rest: the program's Java threads (library, transport, TLS, harness) on their own nanosecond clocks where the JVM has them. Each is its own median, so they need not add up to the total.");
if (rawRows.length) out.push(`Raw ceiling: raw-jdk is java.net.http with blocking send() on ${anyW("W1")?.concurrency || anyW("W2")?.concurrency || 100} threads, raw-nio one thread with a Selector and SSLEngine over as many keep-alive connections; "lite % of ceiling" is lite's median ops/s over the better raw median (target >= ${TARGET * 100}%).`);
if (args.elapsed) out.push(`Benchmark time: ${Math.round(Number(args.elapsed) / 60 * 10) / 10} min${args.quick === "1" ? " (--quick: few, short runs; numbers are rough)" : ""}.`);
if (status.length) {
  out.push("");
  out.push("Problems:");
  for (const s of status) out.push(`  - ${s.client} ${s.workload}: ${s.note}`);
}
console.log(out.join("\n"));
