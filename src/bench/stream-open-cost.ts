import http from "node:http";
import { cpuMicros } from "./proc-stats.ts";
import { startBareWorkerd, type BareWorkerd } from "./bare-workerd.ts";
import { median } from "./report.ts";

/**
 * `node src/bench/stream-open-cost.ts [streams] [rounds]`: what counting a
 * user's streams (MAX_STREAMS_PER_USER) adds to opening one on bare workerd
 * (docs/cost.md). Alternates a hub without the limit and one with it (set
 * high enough never to refuse), each opening `streams` streams of one user
 * one after another on fresh connections, then closing them; prints the
 * medians over `rounds` of the wall time to a stream's first bytes and
 * workerd's CPU per open and per close.
 */
const streams = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 3);

interface Figures {
  openMs: number;
  openCpuUs: number;
  closeCpuUs: number;
}

async function measure(vars: Record<string, string>): Promise<Figures> {
  const hub = await startBareWorkerd(vars);
  try {
    // Warm: the topic's object and the owner's exist and the code is compiled.
    for (const request of await open(hub, 20)) request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [cpu0, t0] = [cpuMicros(hub.child.pid!), performance.now()];
    const requests = await open(hub, streams);
    const [cpu1, t1] = [cpuMicros(hub.child.pid!), performance.now()];
    for (const request of requests) request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const cpu2 = cpuMicros(hub.child.pid!);
    return { openMs: (t1 - t0) / streams, openCpuUs: (cpu1 - cpu0) / streams, closeCpuUs: (cpu2 - cpu1) / streams };
  } finally {
    hub.stop();
  }
}

/** Opens `n` streams of the bench's one user, each on its own connection, waiting for its first bytes. */
async function open(hub: BareWorkerd, n: number): Promise<http.ClientRequest[]> {
  const requests: http.ClientRequest[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const request = http.get({ host: "127.0.0.1", port: hub.port, path: `/topics/open-${i % 10}`, headers: { authorization: `Bearer ${hub.token}` }, agent: false }, (response) => {
        response.once("data", () => resolve());
      });
      request.on("error", reject);
      requests.push(request);
    });
  }
  return requests;
}

const runs: Record<"off" | "on", Figures[]> = { off: [], on: [] };
for (let round = 0; round < rounds; round++) {
  runs.off.push(await measure({}));
  runs.on.push(await measure({ MAX_STREAMS_PER_USER: "1000000" }));
}
const summary = (figures: Figures[]) => ({
  openMs: Number(median(figures.map((f) => f.openMs)).toFixed(3)),
  openCpuUs: Math.round(median(figures.map((f) => f.openCpuUs))),
  closeCpuUs: Math.round(median(figures.map((f) => f.closeCpuUs))),
});
console.log(JSON.stringify({ streams, rounds, without: summary(runs.off), withLimit: summary(runs.on), runs }));
process.exit(0);
