import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The Worker as `npm start` runs it: `wrangler dev` on local workerd,
 * offline, with storage in a temporary directory. Spawned in its own
 * process group, so that stopping it stops workerd too.
 */
const READY_TIMEOUT_MS = 60_000;

export class WranglerDev {
  url = "";
  output = "";
  private child?: ChildProcess;
  /** Kept across restarts, as a deployed Worker's storage is. */
  private readonly storage = mkdtempSync(join(tmpdir(), "herald-wrangler-"));

  constructor(
    private readonly port: number,
    private readonly vars: Record<string, string>,
  ) {}

  async start(): Promise<this> {
    const bin = resolve("node_modules/.bin");
    const vars = Object.entries(this.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
    const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(this.port), "--persist-to", this.storage, ...vars];
    const child = spawn(join(bin, "wrangler"), args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        // The [build] command runs `node`: the project's own Node 24 first.
        PATH: `${bin}:${process.env["PATH"] ?? ""}`,
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_SEND_METRICS: "false",
        CI: "true",
      },
    });
    this.child = child;
    child.stdout!.on("data", (chunk) => (this.output += chunk));
    child.stderr!.on("data", (chunk) => (this.output += chunk));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!this.output.includes("Ready on")) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`wrangler dev was not ready within ${READY_TIMEOUT_MS} ms:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** SIGTERM to the whole group, SIGKILL if it is still there after `ms` (0: at once, a crash). */
  async stop(ms = 5000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // the group is already gone
      }
    };
    group(ms === 0 ? "SIGKILL" : "SIGTERM");
    const timer = setTimeout(() => group("SIGKILL"), ms);
    await exited;
    clearTimeout(timer);
    // workerd may outlive wrangler for a moment.
    group("SIGKILL");
  }
}
