import { freePort } from "./targets.ts";
import { openStreams, startBareWorkerd } from "./bare-workerd.ts";

/**
 * `node src/bench/edge-profile.ts [streams] [publishes]`: where a delivery's
 * CPU goes on bare workerd (docs/cost.md, How far one topic goes). The
 * Worker and the topic objects share one process there; a CPU profile from
 * workerd's inspector, with each sample counted under the event it ran in
 * (a publish in the object, a message in the Worker, ...), tells their
 * shares apart, and what no JavaScript frame claims (the runtime's own work).
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const streams = Number(process.argv[2] ?? 1000);
const publishes = Number(process.argv[3] ?? 100);
const inspectorPort = await freePort();
// A tree of relays if asked, e.g. RELAY_AFTER=667 MAX_RELAYS=2 for 2,000 streams over the topic's object and two relays.
const tree = Object.fromEntries(["RELAY_AFTER", "MAX_RELAYS"].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
const hub = await startBareWorkerd(tree, inspectorPort);
const topic = `profile-${Date.now()}`;
let received = 0;
await openStreams(hub, streams, () => topic, (chunk) => (received += chunk.toString().split("\ndata: ").length - 1));

const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
const inspector = new WebSocket(target!.webSocketDebuggerUrl.replace("localhost", "127.0.0.1"));
await new Promise((resolve) => inspector.addEventListener("open", resolve));
let lastId = 0;
const answers = new Map<number, (result: unknown) => void>();
inspector.addEventListener("message", ({ data }) => {
  const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
  if (message.id !== undefined) answers.get(message.id)?.(message.result);
});
const call = <T>(method: string) =>
  new Promise<T>((resolve) => {
    answers.set(++lastId, resolve as (result: unknown) => void);
    inspector.send(JSON.stringify({ id: lastId, method, params: {} }));
  });

await call("Profiler.enable");
await call("Profiler.start");
for (let i = 0; i < publishes; i++) {
  await fetch(`http://127.0.0.1:${hub.port}/topics/${topic}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hub.token}`, "content-type": "text/plain" },
    body: "x".repeat(256),
  }).then((r) => r.text());
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await new Promise((resolve) => setTimeout(resolve, 1000));
const { profile } = await call<{ profile: Profile }>("Profiler.stop");
hub.stop();

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
/** The top frame of a sample's stack: the event it ran in. */
const eventOf = (id: number): ProfileNode => {
  let node = byId.get(id)!;
  while (parentOf.has(node.id) && parentOf.get(node.id) !== profile.nodes[0]!.id) node = byId.get(parentOf.get(node.id)!)!;
  return node;
};
const micros = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const frame = eventOf(id).callFrame;
  if (frame.functionName === "(idle)") return;
  const label = frame.url === "" ? `${frame.functionName || "(anonymous)"} (runtime)` : `${frame.functionName || "(anonymous)"} worker.js:${frame.lineNumber}`;
  micros.set(label, (micros.get(label) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
});
console.log(`${streams} streams, ${publishes} publishes, ${received} deliveries; µs per delivery by event:`);
for (const [label, us] of [...micros].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${(us / received).toFixed(1).padStart(8)}  ${label}`);
process.exit(0);
