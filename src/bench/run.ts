import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { LoadClient } from "./load-client.ts";
import { topSelfTime } from "./profile.ts";
import { cpuModel, loadAverage, memTotalGiB } from "./proc-stats.ts";
import { chartSvg, markdown, summarise, type BenchMeta } from "./report.ts";
import { casesFor, runCase, SCENARIO_IDS, type Case, type RunResult, type ScenarioId } from "./scenarios.ts";
import {
  BATCH_TARGETS,
  buildNodeBundle,
  buildWorker,
  buildWorkerAt,
  DEFAULT_TARGETS,
  EDGE_TARGETS,
  killAll,
  mintToken,
  nchanInstall,
  REPO,
  startTarget,
  TARGET_LABELS,
  TARGET_NAMES,
  type TargetContext,
  type TargetName,
} from "./targets.ts";

/**
 * `npm run bench [-- --quick] [--targets node,nchan] [--scenarios a,c] [--reps 3] [--before <git ref>]`
 *
 * Runs every selected scenario against every selected target, repeated and
 * with the targets' order rotating, then writes docs/benchmarks.md, its SVG
 * chart and the raw JSON (quick mode writes to a temp dir unless --out is
 * given, so a smoke test never overwrites the published figures).
 */
const started = Date.now();
const USAGE = "npm run bench [-- --quick] [--targets node,nchan] [--scenarios a,c] [--reps 3] [--before <git ref>]";
/** A bad flag: one line naming it and what is expected. */
function usageError(message: string): never {
  console.error(`bench: ${message}; usage: ${USAGE}`);
  process.exit(2);
}
const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        targets: { type: "string", default: DEFAULT_TARGETS.join(",") },
        scenarios: { type: "string", default: SCENARIO_IDS.join(",") },
        reps: { type: "string" },
        out: { type: "string" },
        "cpu-prof": { type: "boolean", default: false },
        "time-limit": { type: "string" },
        "workers-all": { type: "boolean", default: false },
        report: { type: "string" },
        merge: { type: "string" },
        note: { type: "string", multiple: true },
        before: { type: "string" },
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
})();

const log = (line: string) => console.log(line);
const quick = args.quick!;
const reps = Number(args.reps ?? (quick ? 1 : 3));
const targets = args.targets!.split(",").map((t) => t.trim()) as TargetName[];
const scenarios = args.scenarios!.split(",").map((s) => s.trim()) as ScenarioId[];
for (const t of targets) if (!TARGET_NAMES.includes(t)) usageError(`unknown target ${t} (${TARGET_NAMES.join(", ")})`);
for (const s of scenarios) if (!SCENARIO_IDS.includes(s)) usageError(`unknown scenario ${s} (${SCENARIO_IDS.join(", ")})`);
const outDir = args.out ?? (quick || args["cpu-prof"] ? join(tmpdir(), "herald-bench-quick") : join(REPO, "docs"));
const timeLimitMs = Number(args["time-limit"] ?? (quick ? 25 : 75)) * 60_000;
const RUN_LIMIT_MS = 4 * 60_000;
// The edge delivers tens of thousands of events/s here: at 5,000-10,000 subscribers (d) its backlog
// outlasts any drain bound, and 1,000 topics (e) are 1,000 Durable Objects. --workers-all runs them anyway.
const WORKERS_SKIP: ScenarioId[] = ["d", "e"];
if (targets.includes("workerd-before") && !args.before) {
  console.error("bench: --targets workerd-before needs --before <git ref> (the commit whose Worker to run)");
  process.exit(2);
}
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;

// --report <benchmarks.json>: rewrite the markdown and chart from saved results, measuring nothing.
if (args.report) {
  const saved = JSON.parse(readFileSync(args.report, "utf8")) as { meta: BenchMeta; cases: Case[]; runs: RunResult[] };
  const dir = args.out ?? dirname(args.report);
  // --note "…" (repeatable) adds a remark about the saved runs, kept in the JSON too.
  for (const note of args.note ?? []) if (!saved.meta.notes.includes(note)) saved.meta.notes.push(note);
  if (args.note?.length) writeFileSync(args.report, JSON.stringify(saved, null, 1) + "\n");
  const summaries = summarise(saved.runs, saved.meta.targets, saved.cases);
  writeFileSync(join(dir, "benchmarks-chart.svg"), chartSvg(summaries, saved.cases, saved.meta.targets));
  writeFileSync(join(dir, "benchmarks.md"), markdown(saved.meta, summaries, saved.cases, "benchmarks-chart.svg"));
  console.log(`bench: rewrote ${join(dir, "benchmarks.md")} and benchmarks-chart.svg from ${args.report}`);
  process.exit(0);
}

// Whatever happens, no hub is left running.
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`bench: ${signal}, stopping every target`);
    killAll();
    process.exit(130);
  });
}
process.on("uncaughtException", (error) => {
  console.error("bench: uncaught", error);
  killAll();
  process.exit(1);
});
// The last resort, past every phase's own bound.
setTimeout(() => {
  console.error("bench: over the time limit, stopping");
  killAll();
  process.exit(2);
}, timeLimitMs + 10 * 60_000).unref();

const notes: string[] = [];
// Read before pinning: afterwards this process sees one core.
const nproc = cpus().length;
// Server on core 0 (targets.ts), this process and every thread it starts on core 1.
if (nproc >= 2) {
  const pinned = spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { encoding: "utf8" });
  if (pinned.status !== 0) notes.push(`could not pin the client to core 1: ${pinned.stderr.trim()}`);
} else notes.push("one core only: client and server not pinned apart");

const nofile = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"));
log(`bench: open files limit ${nofile?.[1]} (hard ${nofile?.[2]}); Node raises the soft limit to the hard one itself`);

function tryRun(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return "";
  }
}

const versions: Record<string, string> = {
  node: process.version,
  wrangler: (JSON.parse(readFileSync(join(REPO, "node_modules/wrangler/package.json"), "utf8")) as { version: string }).version,
  workerd: tryRun(join(REPO, "node_modules/.bin/workerd"), ["--version"]).replace(/^workerd\s*/, ""),
  herald: (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version,
  commit: tryRun("git", ["describe", "--always", "--dirty"]),
};

const ctx: TargetContext = { token: await mintToken(), nodeBundle: "" };
// Always in the same order in tables, whatever order they were asked for in.
let active = TARGET_NAMES.filter((t) => targets.includes(t));
let worker: BenchMeta["worker"];
const profileDir = args["cpu-prof"] ? mkdtempSync(join(tmpdir(), "herald-bench-prof-")) : undefined;
if (profileDir) process.env["BENCH_NODE_FLAGS"] = `--cpu-prof --cpu-prof-dir=${profileDir}`;

if (active.includes("node")) {
  log("bench: npm run build:node");
  ctx.nodeBundle = buildNodeBundle();
}
const CURRENT_WORKER: TargetName[] = ["workers", "workerd", "workerd-relays"];
if (active.some((t) => CURRENT_WORKER.includes(t))) {
  log("bench: wrangler deploy --dry-run (bundle size, and the bundle workerd and wrangler dev will run)");
  try {
    const build = await buildWorker();
    ctx.workerDir = build.dir;
    worker = build;
    log(`bench: worker.js ${build.workerJsBytes} bytes, ${build.workerJsGzipBytes} gzipped`);
  } catch (error) {
    notes.push(`the Worker targets skipped: ${(error as Error).message.slice(0, 300)}`);
    active = active.filter((t) => !CURRENT_WORKER.includes(t));
  }
}
if (active.includes("workerd-before")) {
  log(`bench: the Worker of ${args.before}, for workerd-before`);
  try {
    const build = await buildWorkerAt(args.before!);
    ctx.beforeWorkerDir = build.dir;
    versions["before"] = build.commit;
    notes.push(`${TARGET_LABELS["workerd-before"]}: the Worker and Durable Object of ${build.commit} (\`--before ${args.before}\`), on the same bare workerd`);
  } catch (error) {
    notes.push(`workerd-before skipped: ${(error as Error).message.slice(0, 300)}`);
    active = active.filter((t) => t !== "workerd-before");
  }
}
if (active.includes("nchan")) {
  const found = nchanInstall(log);
  if (typeof found === "string") {
    notes.push(`nginx+nchan skipped: ${found}`);
    active = active.filter((t) => t !== "nchan");
  } else {
    ctx.nchan = found;
    versions["nginx"] = found.nginxVersion;
    versions["nchan"] = found.nchanPackage;
  }
}

const cases = casesFor(scenarios, quick);
if (active.some((t) => EDGE_TARGETS.includes(t)) && !args["workers-all"] && cases.some((c) => WORKERS_SKIP.includes(c.scenario))) {
  notes.push(
    "the Worker targets run scenarios a, b, c, f and g (1,000 subscribers on one topic, the storm, publishing) but not d and e: " +
      "they deliver some tens of thousands of events/s here, so at 5,000-10,000 subscribers the backlog would outlast every time bound " +
      "(`--workers-all` runs them anyway)",
  );
}
const results: RunResult[] = [];
const loadStart = loadAverage();
mkdirSync(outDir, { recursive: true });
// --merge <benchmarks.json>: the runs measured now replace that file's runs of the
// same target and case (e.g. one scenario re-measured after a fix); partial
// results go elsewhere meanwhile, so an interrupted run leaves the file whole.
const jsonPath = args.merge ? join(tmpdir(), "herald-bench-merge-partial.json") : join(outDir, "benchmarks.json");

function meta(): BenchMeta {
  return {
    date: new Date(started).toISOString().replace(/\.\d+Z$/, "Z"),
    command,
    quick,
    reps,
    machine: { nproc, cpu: cpuModel(), ramGiB: memTotalGiB(), kernel: release() },
    versions,
    worker,
    notes,
    loadAverage: { start: loadStart, end: loadAverage() },
    durationMinutes: (Date.now() - started) / 60_000,
    targets: active,
  };
}

function save(): void {
  writeFileSync(jsonPath, JSON.stringify({ meta: meta(), cases, runs: results }, null, 1) + "\n");
}

function failedRun(target: TargetName, caseId: string, scenario: ScenarioId, rep: number, error: string): RunResult {
  const nan = { p50: NaN, p90: NaN, p99: NaN, max: NaN };
  return {
    target, case: caseId, scenario, rep, ok: false, errors: [error.slice(0, 500)],
    subscribers: 0, connectFailed: 0, connectMs: 0, expected: 0, received: 0, lost: 0, lostUntold: 0, duplicates: 0, gapNotices: 0, reconnects: 0,
    deliveriesPerSec: NaN, latency: nan, rssBeforeKiB: 0, rssWarmKiB: 0, rssIdleKiB: 0, rssPerSubscriberKB: NaN, rssColdPerSubscriberKB: NaN, serverCpuPct: NaN,
    serverCpuUsPerDelivery: NaN, clientCpuPct: NaN, clientCpuUsPerDelivery: NaN, publishesSent: 0, publishesAcked: 0,
    publishesFailed: 0, publishesLate: 0, publishesPerSec: NaN, publishLatency: nan, loadAverage: loadAverage(),
  };
}

log(`bench: ${active.map((t) => TARGET_LABELS[t]).join(", ")} × ${cases.map((c) => c.id).join(", ")} × ${reps} rep(s) → ${outDir}`);
let stoppedEarly = false;
outer: for (let rep = 1; rep <= reps; rep++) {
  for (const [ci, c] of cases.entries()) {
    // Rotate the order so that no target always runs first (or last) in a noisy stretch.
    const order = active.map((_, i) => active[(i + rep + ci) % active.length]!);
    for (const name of order) {
      if (EDGE_TARGETS.includes(name) && WORKERS_SKIP.includes(c.scenario) && !args["workers-all"]) continue;
      if (c.batch !== undefined && !BATCH_TARGETS.includes(name)) continue;
      if (Date.now() - started > timeLimitMs) {
        notes.push(`stopped at the time limit (${timeLimitMs / 60_000} min) before rep ${rep} of ${c.id}: later runs are missing`);
        stoppedEarly = true;
        break outer;
      }
      log(`[rep ${rep}/${reps}] ${c.id} on ${TARGET_LABELS[name]}`);
      let target: Awaited<ReturnType<typeof startTarget>> | undefined;
      const client = new LoadClient(2);
      let timer: NodeJS.Timeout | undefined;
      try {
        target = await startTarget(name, ctx);
        const run = runCase(target, c, rep, client, log);
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`run over ${RUN_LIMIT_MS / 1000} s, abandoned`)), RUN_LIMIT_MS);
        });
        const result = await Promise.race([run, limit]);
        results.push(result);
        const l = result.latency;
        log(
          `  ${result.subscribers} subs, lost ${result.lost}, dup ${result.duplicates}, ${result.deliveriesPerSec} deliveries/s, ` +
            `p50 ${l.p50} p99 ${l.p99} max ${l.max} ms, ${result.publishesPerSec} pub/s (pub p99 ${result.publishLatency.p99} ms), ` +
            `RSS/sub ${result.rssPerSubscriberKB} KB (cold ${result.rssColdPerSubscriberKB}), server ${result.serverCpuUsPerDelivery} µs/delivery (${result.serverCpuPct}%), client ${result.clientCpuPct}%` +
            (result.storm ? `, storm ${result.storm.caughtUp}/${result.storm.total} in ${result.storm.catchUpMs} ms` : "") +
            (result.errors.length > 0 ? `\n  errors: ${result.errors.slice(0, 3).join(" | ")}` : ""),
        );
      } catch (error) {
        const message = (error as Error).message;
        log(`  FAILED: ${message.slice(0, 500)}`);
        results.push(failedRun(name, c.id, c.scenario, rep, message));
      } finally {
        clearTimeout(timer);
        await client.terminate().catch(() => undefined);
        await target?.stop().catch(() => undefined);
      }
      save();
    }
  }
}

save();
let allRuns = results;
let allCases = cases;
let finalMeta = meta();
if (args.merge) {
  const saved = JSON.parse(readFileSync(args.merge, "utf8")) as { meta: BenchMeta; cases: Case[]; runs: RunResult[] };
  const fresh = new Set(results.map((r) => `${r.target}/${r.case}`));
  allRuns = [...saved.runs.filter((r) => !fresh.has(`${r.target}/${r.case}`)), ...results];
  allCases = [...saved.cases.map((c) => cases.find((n) => n.id === c.id) ?? c), ...cases.filter((c) => !saved.cases.some((o) => o.id === c.id))];
  const now = meta();
  finalMeta = {
    ...saved.meta,
    targets: TARGET_NAMES.filter((t) => saved.meta.targets.includes(t) || active.includes(t)),
    worker: worker ?? saved.meta.worker,
    versions: { ...saved.meta.versions, ...versions },
    notes: [
      ...saved.meta.notes,
      `${cases.map((c) => c.id).join(", ")} on ${active.join(", ")} re-measured on ${now.date} at ${now.versions["commit"]} (${reps} rep(s), ${now.durationMinutes.toFixed(0)} minutes, ` +
        `load average ${now.loadAverage.start} → ${now.loadAverage.end}) with \`${command}\`; those runs replace the earlier ones`,
      ...notes.filter((n) => !saved.meta.notes.includes(n)),
    ],
  };
  writeFileSync(join(outDir, "benchmarks.json"), JSON.stringify({ meta: finalMeta, cases: allCases, runs: allRuns }, null, 1) + "\n");
}
const summaries = summarise(allRuns, finalMeta.targets, allCases);
const chartFile = "benchmarks-chart.svg";
writeFileSync(join(outDir, chartFile), chartSvg(summaries, allCases, finalMeta.targets));
writeFileSync(join(outDir, "benchmarks.md"), markdown(finalMeta, summaries, allCases, chartFile));
log(`bench: wrote ${join(outDir, "benchmarks.md")}, ${chartFile}, benchmarks.json${stoppedEarly ? " (stopped early at the time limit)" : ""}`);

if (profileDir) {
  const { totalMs, top } = topSelfTime(profileDir, 30);
  const text = [`Herald Node entry, --cpu-prof over the runs above: ${totalMs} ms sampled; top self time:`]
    .concat(top.map((e) => `${String(e.pct).padStart(5)}%  ${String(e.ms).padStart(8)} ms  ${e.fn}  ${e.where}`))
    .join("\n");
  writeFileSync(join(outDir, "cpu-profile-top.txt"), text + "\n");
  log(text);
  log(`bench: profiles kept in ${profileDir}`);
}
killAll(); // nothing is running by now; this removes the Worker build's temp dir
process.exit(0);
