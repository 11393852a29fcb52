import { cpuMicros } from "./proc-stats.ts";
import { openStreams, startBareWorkerd } from "./bare-workerd.ts";

/**
 * `node src/bench/edge-idle.ts [streams]`: what an open stream costs on bare
 * workerd when nothing is published (docs/cost.md). Opens the streams on 10
 * topics one after another, then holds them for 20 s with a one-second
 * heartbeat, and prints workerd's CPU per connect and per heartbeat (a
 * `: ping` a stream received; every fourth also pings the topic's object).
 */
const streams = Number(process.argv[2] ?? 1000);
const hub = await startBareWorkerd({ HEARTBEAT_SECONDS: "1" });
let pings = 0;
const start = cpuMicros(hub.child.pid!);
await openStreams(hub, streams, (i) => `idle-${i % 10}`, (chunk) => (pings += chunk.toString().split(": ping").length - 1));
const opened = cpuMicros(hub.child.pid!);
await new Promise((resolve) => setTimeout(resolve, 2000));
const [idleStart, pingsStart] = [cpuMicros(hub.child.pid!), pings];
await new Promise((resolve) => setTimeout(resolve, 20_000));
const [idleEnd, pingsEnd] = [cpuMicros(hub.child.pid!), pings];
console.log(JSON.stringify({
  streams,
  connectCpuUsPerStream: Math.round((opened - start) / streams),
  heartbeats: pingsEnd - pingsStart,
  idleCpuUsPerHeartbeat: Math.round((idleEnd - idleStart) / (pingsEnd - pingsStart)),
}));
hub.stop();
process.exit(0);
