import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SignJWT } from "jose";
import type { Endpoint } from "./messages.ts";
import { ensureNchan, writeNchanConf, type NchanInstall } from "./nchan.ts";
import { commandOf, processTree } from "./proc-stats.ts";
import { writeWorkerdConfig } from "./workerd-config.ts";

/**
 * Starting and stopping each hub under test, fresh for every measured run,
 * on core 0 (taskset), and what URL shapes and headers it takes. Every
 * child is its own process group so that stopping it (or the bench dying)
 * takes its descendants along (wrangler's workerd, nginx's worker).
 */
export type TargetName = "node" | "workerd" | "workerd-before" | "workerd-relays" | "workers" | "nchan" | "baseline" | "floor";
export const TARGET_NAMES: TargetName[] = ["node", "workerd", "workerd-before", "workerd-relays", "workers", "nchan", "baseline", "floor"];
/**
 * What `npm run bench` runs unless --targets says otherwise: the floor is a
 * measuring stick, wrangler dev (workerd behind wrangler's proxy) and the
 * Worker of another commit (`--before <ref>`) are asked for by name.
 */
export const DEFAULT_TARGETS: TargetName[] = ["node", "workerd", "nchan", "baseline"];
/** The targets that run the Worker and its Durable Objects. */
/** The targets with a batch publish (the `g-batch` case): Herald, but not a build from before it had one. */
export const BATCH_TARGETS: TargetName[] = ["node", "workerd", "workerd-relays", "workers"];
export const EDGE_TARGETS: TargetName[] = ["workerd", "workerd-before", "workerd-relays", "workers"];
/** workerd-relays: the current Worker with a topic's streams spread over relays of this many (docs/edge.md, Relays). */
const RELAY_TREE = { RELAY_AFTER: "250", MAX_RELAYS: "40" };
export const TARGET_LABELS: Record<TargetName, string> = {
  node: "Herald Node",
  workerd: "Herald workerd",
  "workerd-before": "Herald workerd, before",
  "workerd-relays": "Herald workerd, relays of 250",
  workers: "Herald wrangler dev",
  nchan: "nginx+nchan",
  baseline: "baseline Node hub",
  floor: "bare node:net floor",
};
/** The two hand-rolled Node hubs, by target. */
const SCRIPTS: Partial<Record<TargetName, string>> = { baseline: "src/bench/baseline-hub.ts", floor: "src/bench/floor-hub.ts" };

export const REPO = new URL("../../", import.meta.url).pathname;
const SERVER_CORE = "0";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
export const JWT_SECRET = "bench-secret-bench-secret-bench-secret-0123456789";
/** Caps raised above the largest scenario (10,000 on one topic), so no run measures a refusal. */
const CAPS = "20000";

export interface RunningTarget {
  name: TargetName;
  endpoint: Endpoint;
  /** The processes whose CPU and RSS are the server's. */
  serverPids(): number[];
  /** For wrangler dev: the one workerd running Herald's Worker, without wrangler's proxy. */
  herePids?(): number[];
  stop(): Promise<void>;
}

/** This Node first on PATH: wrangler's custom build runs `node` by name, and must get Node 24 here too. */
const NODE_PATH = [dirname(process.execPath), join(REPO, "node_modules/.bin"), process.env["PATH"] ?? ""].join(":");

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Kills every target still running and removes its temp dir: for exit paths, including errors and signals. */
export function killAll(): void {
  for (const child of live) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
    server.on("error", reject);
  });
}

export async function mintToken(): Promise<string> {
  return new SignJWT({ herald: { subscribe: ["*"], publish: ["*"] } })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("bench")
    .setIssuedAt()
    .setExpirationTime("6h")
    .sign(new TextEncoder().encode(JWT_SECRET));
}

function spawnServer(command: string, args: string[], env: Record<string, string>, cwd = REPO): { child: ChildProcess; output: () => string } {
  const child = spawn("taskset", ["-c", SERVER_CORE, command, ...args], {
    cwd,
    env: { ...process.env, PATH: NODE_PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  live.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 20_000) output = output.slice(-10_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => output };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await check()) return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${output().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${START_TIMEOUT_MS / 1000} s: ${output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    await response.text();
    return response.ok;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  // Descendants that outlived the leader (same group) go too.
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // none left
  }
  live.delete(child);
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export interface TargetContext {
  token: string;
  /** dist/herald-node.mjs, built at bench start. */
  nodeBundle: string;
  /** The Worker as `wrangler deploy --dry-run` built it (wrangler dev runs it with --no-bundle). */
  workerDir?: string;
  /** The same, built from the commit `--before` names. */
  beforeWorkerDir?: string;
  nchan?: NchanInstall;
}

export async function startTarget(name: TargetName, ctx: TargetContext): Promise<RunningTarget> {
  const dir = mkdtempSync(join(tmpdir(), `herald-bench-${name}-`));
  tempDirs.add(dir);
  const port = await freePort();
  const heraldPaths = {
    subscribePath: "/topics/{topic}",
    publishPath: "/topics/{topic}",
    subscribeHeaders: bearer(ctx.token),
    publishHeaders: { ...bearer(ctx.token), "Content-Type": "text/plain" },
    batchPath: "/publish",
  };
  let child: ChildProcess;
  let output: () => string;
  let serverPids: () => number[];
  let herePids: (() => number[]) | undefined;
  let endpoint: Endpoint;

  switch (name) {
    case "node": {
      ({ child, output } = spawnServer(process.execPath, [ctx.nodeBundle], {
        HOST: "127.0.0.1",
        PORT: String(port),
        HERALD_DB: join(dir, "herald.db"),
        JWT_SECRET,
        HISTORY_LIMIT: "1000",
        MAX_CONNECTIONS: CAPS,
        MAX_SUBSCRIBERS_PER_TOPIC: CAPS,
        ...(process.env["BENCH_NODE_FLAGS"] ? { NODE_OPTIONS: process.env["BENCH_NODE_FLAGS"] } : {}),
      }));
      const pid = child.pid!;
      serverPids = () => [pid];
      endpoint = { port, ...heraldPaths };
      await waitFor("herald node", () => output().includes("listening on"), child, output);
      break;
    }
    case "baseline":
    case "floor": {
      ({ child, output } = spawnServer(process.execPath, [join(REPO, SCRIPTS[name]!)], { PORT: String(port) }));
      const pid = child.pid!;
      serverPids = () => [pid];
      endpoint = {
        port,
        subscribePath: "/topics/{topic}",
        publishPath: "/topics/{topic}",
        subscribeHeaders: {},
        publishHeaders: { "Content-Type": "text/plain" },
      };
      await waitFor(TARGET_LABELS[name], () => output().includes("listening on"), child, output);
      break;
    }
    case "nchan": {
      if (!ctx.nchan) throw new Error("nchan is not installed");
      // nginx's worker drops root for nobody, and must still reach its dirs.
      chmodSync(dir, 0o755);
      const conf = writeNchanConf(dir, ctx.nchan, port);
      ({ child, output } = spawnServer(ctx.nchan.nginx, ["-p", dir, "-e", join(dir, "logs/error.log"), "-c", conf, "-g", "daemon off;"], {}));
      const pid = child.pid!;
      serverPids = () => processTree(pid);
      endpoint = {
        port,
        subscribePath: "/sub/{topic}",
        publishPath: "/pub/{topic}",
        subscribeHeaders: {},
        publishHeaders: { "Content-Type": "text/plain" },
      };
      await waitFor("nginx", () => accepts(port), child, output);
      break;
    }
    case "workerd":
    case "workerd-before":
    case "workerd-relays": {
      const bundleDir = name === "workerd-before" ? ctx.beforeWorkerDir : ctx.workerDir;
      if (!bundleDir) throw new Error(`the Worker for ${name} was not built`);
      mkdirSync(join(dir, "storage"));
      const config = writeWorkerdConfig({
        bundleDir,
        storageDir: join(dir, "storage"),
        port,
        compatibilityDate: compatibilityDate(),
        vars: { JWT_SECRET, MAX_SUBSCRIBERS_PER_TOPIC: CAPS, HISTORY_LIMIT: "1000", ...(name === "workerd-relays" ? RELAY_TREE : {}) },
      });
      ({ child, output } = spawnServer(join(REPO, "node_modules/.bin/workerd"), ["serve", config], {}, bundleDir));
      const pid = child.pid!;
      serverPids = () => processTree(pid).filter((p) => commandOf(p).includes("workerd"));
      endpoint = { port, ...heraldPaths };
      await waitFor(`${name} /health`, () => healthy(port), child, output);
      break;
    }
    case "workers": {
      if (!ctx.workerDir) throw new Error("the Worker was not built");
      const wrangler = join(REPO, "node_modules/wrangler/bin/wrangler.js");
      ({ child, output } = spawnServer(
        process.execPath,
        [
          wrangler, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port),
          "--var", `JWT_SECRET:${JWT_SECRET}`,
          "--var", `MAX_SUBSCRIBERS_PER_TOPIC:${CAPS}`,
          "--var", "HISTORY_LIMIT:1000",
          "--persist-to", join(dir, "state"),
          "--show-interactive-dev-session=false",
          "--inspector-port", String(await freePort()),
        ],
        { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "true" },
        ctx.workerDir,
      ));
      const pid = child.pid!;
      // Both workerd processes carry the traffic: wrangler's proxy worker
      // (on the public port) and the one running Herald's Worker and its
      // Durable Object. wrangler's own node process only supervises.
      serverPids = () => processTree(pid).filter((p) => commandOf(p).includes("workerd"));
      // The user workerd is the one wrangler gives an inspector port.
      herePids = () => serverPids().filter((p) => commandOf(p).includes("--inspector-addr"));
      endpoint = { port, ...heraldPaths };
      await waitFor("wrangler dev", () => output().includes("Ready on"), child, output);
      await waitFor("wrangler dev /health", () => healthy(port), child, output);
      break;
    }
  }

  return {
    name,
    endpoint,
    serverPids,
    herePids,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
  };
}

/** `npm run build:node`'s bundle, built now so the bench measures the tree as it is. */
export function buildNodeBundle(): string {
  const result = spawnSync(process.execPath, [join(REPO, "src/tools/build-node.ts")], { cwd: REPO, encoding: "utf8", timeout: 120_000 });
  if (result.status !== 0) throw new Error(`build:node failed: ${result.stderr}`);
  return join(REPO, "dist/herald-node.mjs");
}

export interface WorkerBuild {
  dir: string;
  workerJsBytes: number;
  workerJsGzipBytes: number;
  wranglerTotal: string;
}

/**
 * `wrangler deploy --dry-run --outdir`: the bundle Cloudflare would get (its
 * gzipped size is what counts against the Worker size limit), then a
 * wrangler.toml beside it so `wrangler dev --no-bundle` runs exactly that
 * bundle and no edit to src/ during the bench reloads the server under test.
 */
export async function buildWorker(checkout = REPO): Promise<WorkerBuild> {
  const { gzipSync } = await import("node:zlib");
  const dir = mkdtempSync(join(tmpdir(), "herald-bench-worker-"));
  tempDirs.add(dir);
  const result = spawnSync(
    process.execPath,
    [join(REPO, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", dir],
    { cwd: checkout, encoding: "utf8", timeout: 120_000, env: { ...process.env, PATH: NODE_PATH, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } },
  );
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${result.stderr || result.stdout}`);
  const js = readFileSync(join(dir, "worker.js"));
  const toml = readFileSync(join(checkout, "wrangler.toml"), "utf8")
    .replace(/^main\s*=.*$/m, 'main = "worker.js"\nno_bundle = true')
    // The custom build already ran for the dry run; the bundle needs no other.
    .replace(/^\[build\][\s\S]*?(?=^\[|(?![\s\S]))/m, "");
  writeFileSync(join(dir, "wrangler.toml"), toml);
  for (const file of readdirSync(dir)) if (file.endsWith(".map")) rmSync(join(dir, file));
  const total = /Total Upload:\s*(.+)/.exec(result.stdout)?.[1]?.trim() ?? "";
  return { dir, workerJsBytes: js.length, workerJsGzipBytes: gzipSync(js).length, wranglerTotal: total };
}

/**
 * The Worker of another commit, built as the current one is: a throwaway
 * git worktree sharing this checkout's node_modules, removed once built.
 */
export async function buildWorkerAt(ref: string): Promise<WorkerBuild & { commit: string }> {
  const checkout = mkdtempSync(join(tmpdir(), "herald-bench-before-"));
  const git = (...argv: string[]) => execFileSync("git", argv, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const commit = git("rev-parse", "--short", ref);
  git("worktree", "add", "--detach", checkout, commit);
  try {
    symlinkSync(join(REPO, "node_modules"), join(checkout, "node_modules"));
    return { ...(await buildWorker(checkout)), commit };
  } finally {
    git("worktree", "remove", "--force", checkout);
  }
}

/** wrangler.toml's compatibility_date, which the bare workerd runs at too. */
export function compatibilityDate(): string {
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(REPO, "wrangler.toml"), "utf8"))?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return date;
}

export function nchanInstall(log: (line: string) => void): NchanInstall | string {
  return ensureNchan(log);
}

