import { createServer, type ServerResponse } from "node:http";

/**
 * The baseline: an SSE hub as people typically write it by hand on Node.
 * node:http, a Set of responses per topic, one res.write per subscriber per
 * event, an in-memory ring buffer of the last 1,000 events for Last-Event-ID
 * replay. No auth, no durability, no slow-subscriber bound: it shows what
 * Herald's extra guarantees cost against the simplest thing that works.
 *
 *   PORT=8090 node src/bench/baseline-hub.ts
 */
const RING = 1000;
const HEARTBEAT_MS = 25_000;

interface Topic {
  subscribers: Set<ServerResponse>;
  ring: string[];
  seq: number;
}

const topics = new Map<string, Topic>();

function topicOf(name: string): Topic {
  let topic = topics.get(name);
  if (!topic) {
    topic = { subscribers: new Set(), ring: new Array<string>(RING), seq: 0 };
    topics.set(name, topic);
  }
  return topic;
}

const server = createServer((req, res) => {
  const match = /^\/topics\/([A-Za-z0-9_.:@-]+)$/.exec((req.url ?? "").split("?")[0]!);
  if (req.url === "/health") return void res.end("ok");
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const topic = topicOf(match[1]!);

  if (req.method === "GET") {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const last = Number(req.headers["last-event-id"]);
    if (Number.isInteger(last) && last < topic.seq) {
      const from = Math.max(last + 1, topic.seq - RING + 1);
      for (let seq = from; seq <= topic.seq; seq++) res.write(topic.ring[seq % RING]!);
    }
    topic.subscribers.add(res);
    req.on("close", () => topic.subscribers.delete(res));
    return;
  }

  if (req.method === "POST") {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const data = Buffer.concat(chunks).toString("utf8");
      const id = ++topic.seq;
      let frame = `id: ${id}\n`;
      for (const line of data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
      frame += "\n";
      topic.ring[id % RING] = frame;
      for (const subscriber of topic.subscribers) subscriber.write(frame);
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: String(id), topic: match[1], delivered: topic.subscribers.size }));
    });
    return;
  }

  res.writeHead(405, { allow: "GET, POST" }).end();
});

setInterval(() => {
  for (const topic of topics.values()) for (const subscriber of topic.subscribers) subscriber.write(": ping\n\n");
}, HEARTBEAT_MS).unref();

const port = Number(process.env["PORT"] ?? 8090);
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`baseline: listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
