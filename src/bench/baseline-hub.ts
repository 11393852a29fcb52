import { createServer, type ServerResponse } from "node:http";
import { RingTopics } from "./ring-topics.ts";

/**
 * The baseline: an SSE hub as people typically write it by hand on Node.
 * node:http, a Set of responses per topic, one res.write per subscriber per
 * event, an in-memory ring buffer of the last 1,000 events for Last-Event-ID
 * replay. No auth, no durability, no slow-subscriber bound: it shows what
 * Herald's extra guarantees cost against the simplest thing that works.
 *
 *   PORT=8090 node src/bench/baseline-hub.ts
 */
const HEARTBEAT_MS = 25_000;

const topics = new RingTopics<ServerResponse>();

const server = createServer((req, res) => {
  const match = /^\/topics\/([A-Za-z0-9_.:@-]+)$/.exec((req.url ?? "").split("?")[0]!);
  if (req.url === "/health") return void res.end("ok");
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const topic = topics.get(match[1]!);

  if (req.method === "GET") {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const lastEventId = req.headers["last-event-id"];
    for (const frame of topic.after(typeof lastEventId === "string" ? lastEventId : undefined)) res.write(frame);
    topic.subscribers.add(res);
    req.on("close", () => topic.subscribers.delete(res));
    return;
  }

  if (req.method === "POST") {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const data = Buffer.concat(chunks).toString("utf8");
      const { id, frame } = topic.append(data);
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
// The listen backlog every other target has: a reconnect storm (f) measures replay, not SYN retries.
server.listen(port, "127.0.0.1", 4096, () => {
  const address = server.address();
  console.log(`baseline: listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
