import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWorker, compatibilityDate, freePort, JWT_SECRET, mintToken, REPO } from "./targets.ts";
import { writeWorkerdConfig } from "./workerd-config.ts";

/**
 * The current Worker on bare workerd, pinned to core 0, for the edge's small
 * measurements beside the bench (edge-idle.ts, edge-profile.ts): the same
 * build and config as the bench's workerd target, plus settings and an
 * inspector port if asked.
 */
export interface BareWorkerd {
  child: ChildProcess;
  port: number;
  token: string;
  stop(): void;
}

export async function startBareWorkerd(vars: Record<string, string>, inspectorPort?: number): Promise<BareWorkerd> {
  const build = await buildWorker();
  const port = await freePort();
  const config = writeWorkerdConfig({
    bundleDir: build.dir,
    storageDir: mkdtempSync(join(tmpdir(), "herald-edge-storage-")),
    port,
    compatibilityDate: compatibilityDate(),
    vars: { JWT_SECRET, MAX_SUBSCRIBERS_PER_TOPIC: "20000", ...vars },
  });
  const inspector = inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${inspectorPort}`];
  const child = spawn("taskset", ["-c", "0", join(REPO, "node_modules/.bin/workerd"), "serve", config, ...inspector], { cwd: build.dir, stdio: "inherit" });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, port, token: await mintToken(), stop: () => child.kill("SIGKILL") };
}

/** Opens `n` streams one after another; `onData` sees every chunk of each. */
export async function openStreams(hub: BareWorkerd, n: number, topicOf: (i: number) => string, onData: (chunk: Buffer) => void): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const request = http.get({ host: "127.0.0.1", port: hub.port, path: `/topics/${topicOf(i)}`, headers: { authorization: `Bearer ${hub.token}` }, agent }, (response) => {
        response.on("data", onData);
        resolve();
      });
      request.on("error", reject);
    });
  }
}
