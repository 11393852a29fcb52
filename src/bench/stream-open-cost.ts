import http from "node:http";
import { SignJWT } from "jose";
import { cpuMicros } from "./proc-stats.ts";
import { startBareWorkerd, type BareWorkerd } from "./bare-workerd.ts";
import { median } from "./report.ts";
import { JWT_SECRET } from "./targets.ts";

/**
 * `node src/bench/stream-open-cost.ts [streams] [rounds]`: what counting each
 * user's streams (MAX_STREAMS_PER_USER) adds to opening one on bare workerd
 * (docs/cost.md). Alternates a hub without the limit and one with it under
 * each policy, each opening `streams` streams one after another on fresh
 * connections, five per user (the limit, so none is refused or replaced),
 * then closing them; prints the medians over `rounds` of the wall time to a
 * stream's first bytes and workerd's CPU per open and per close.
 */
const streams = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 3);
const PER_USER = 5;

interface Figures {
  openMs: number;
  openCpuUs: number;
  closeCpuUs: number;
}

async function measure(vars: Record<string, string>): Promise<Figures> {
  const hub = await startBareWorkerd(vars);
  try {
    // Warm: the topics' objects exist and the code is compiled (the users' objects are new).
    for (const request of await open(hub, 20, "warm")) request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [cpu0, t0] = [cpuMicros(hub.child.pid!), performance.now()];
    const requests = await open(hub, streams, "user");
    const [cpu1, t1] = [cpuMicros(hub.child.pid!), performance.now()];
    for (const request of requests) request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const cpu2 = cpuMicros(hub.child.pid!);
    return { openMs: (t1 - t0) / streams, openCpuUs: (cpu1 - cpu0) / streams, closeCpuUs: (cpu2 - cpu1) / streams };
  } finally {
    hub.stop();
  }
}

/** Opens `n` streams, PER_USER per user, each on its own connection, waiting for its first bytes. */
async function open(hub: BareWorkerd, n: number, users: string): Promise<http.ClientRequest[]> {
  const tokens = await Promise.all(Array.from({ length: Math.ceil(n / PER_USER) }, (_, i) => tokenOf(`${users}-${i}`)));
  const requests: http.ClientRequest[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const headers = { authorization: `Bearer ${tokens[Math.floor(i / PER_USER)]}` };
      const request = http.get({ host: "127.0.0.1", port: hub.port, path: `/topics/open-${i % 10}`, headers, agent: false }, (response) => {
        response.once("data", () => resolve());
      });
      request.on("error", reject);
      requests.push(request);
    });
  }
  return requests;
}

function tokenOf(sub: string): Promise<string> {
  return new SignJWT({ herald: { subscribe: ["*"] } })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(JWT_SECRET));
}

const VARIANTS = {
  without: {},
  refuse: { MAX_STREAMS_PER_USER: String(PER_USER) },
  replace: { MAX_STREAMS_PER_USER: String(PER_USER), STREAMS_PER_USER_POLICY: "replace" },
};
const runs: Record<string, Figures[]> = { without: [], refuse: [], replace: [] };
for (let round = 0; round < rounds; round++) {
  for (const [name, vars] of Object.entries(VARIANTS)) runs[name]!.push(await measure(vars));
}
const summary = (figures: Figures[]) => ({
  openMs: Number(median(figures.map((f) => f.openMs)).toFixed(3)),
  openCpuUs: Math.round(median(figures.map((f) => f.openCpuUs))),
  closeCpuUs: Math.round(median(figures.map((f) => f.closeCpuUs))),
});
const medians = Object.fromEntries(Object.entries(runs).map(([name, figures]) => [name, summary(figures)]));
console.log(JSON.stringify({ streams, rounds, perUser: PER_USER, medians, runs }));
process.exit(0);
