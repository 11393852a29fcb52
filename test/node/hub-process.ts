import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { NODE_BUNDLE } from "../../src/tools/build-node.ts";

const START_TIMEOUT_MS = 10_000;

/**
 * The Node entry as users run it: the built single-file bundle in its own
 * process, on an ephemeral port, read over real HTTP.
 */
export class HubProcess {
  url = "";
  output = "";
  private child?: ChildProcess;

  constructor(
    private readonly env: Record<string, string>,
    private readonly bundle = NODE_BUNDLE,
    private readonly cwd?: string,
    /** Node's own flags, before the bundle. */
    private readonly nodeArgs: string[] = [],
  ) {}

  async start(): Promise<this> {
    // HERALD_TEST_NODE runs the suite on another Node, e.g. 22.13, the oldest supported.
    const child = spawn(process.env["HERALD_TEST_NODE"] ?? process.execPath, [...this.nodeArgs, this.bundle], {
      env: { PATH: process.env["PATH"] ?? "", HOST: "127.0.0.1", PORT: "0", ...this.env },
      cwd: this.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout!.on("data", (chunk) => (this.output += chunk));
    child.stderr!.on("data", (chunk) => (this.output += chunk));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!/listening on (\S+)/.test(this.output)) {
      if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`hub did not start: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.url = /listening on (\S+)/.exec(this.output)![1]!;
    return this;
  }

  /** Sends a signal and waits for the exit, at most `ms`; returns the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", ms = 8000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, "exit");
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    this.output = "";
    return code;
  }

  /** A crash (SIGKILL) and a start on the same database. */
  async crashAndRestart(): Promise<void> {
    await this.stop("SIGKILL");
    await this.start();
  }

  fetch = (path: string, init?: RequestInit): Promise<Response> => fetch(`${this.url}${path}`, init);
}
