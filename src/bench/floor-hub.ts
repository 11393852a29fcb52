import { createServer, type Socket } from "node:net";
import { RingTopics, type RingTopic } from "./ring-topics.ts";

/**
 * The floor: about the least a Node process can do per publish, run only
 * when asked for (`--targets ...,floor`). node:net with a bare HTTP/1.1
 * reader instead of node:http, a Set of sockets per topic, one
 * socket.write per subscriber per event, and the baseline's 1,000-event
 * ring for Last-Event-ID (ring-topics.ts). No auth, no durability, no
 * bounds, no answers to bad requests: a measuring stick for what Node
 * itself costs, not a hub.
 *
 *   PORT=8091 node src/bench/floor-hub.ts
 */
const TOPIC_PATH = /^\/topics\/([A-Za-z0-9_.:@-]+)$/;
const STREAM_HEAD =
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\nretry: 2000\n\n";

const topics = new RingTopics<Socket>();

function answer(socket: Socket, status: string, body: string): void {
  socket.write(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function subscribe(socket: Socket, topic: RingTopic<Socket>, head: string): void {
  socket.write(STREAM_HEAD + topic.after(/\r\nlast-event-id:\s*(\S+)/i.exec(head)?.[1]).join(""));
  topic.subscribers.add(socket);
  socket.once("close", () => topic.subscribers.delete(socket));
}

function publish(socket: Socket, name: string, topic: RingTopic<Socket>, data: string): void {
  const { id, frame } = topic.append(data);
  for (const subscriber of topic.subscribers) subscriber.write(frame);
  answer(socket, "201 Created", JSON.stringify({ id: String(id), topic: name, delivered: topic.subscribers.size }));
}

/** Handles one whole request; false once the connection has become a stream. */
function handle(socket: Socket, head: string, body: string): boolean {
  const [method, target = ""] = head.slice(0, head.indexOf("\r\n")).split(" ");
  const path = target.split("?")[0]!;
  if (path === "/health") return answer(socket, "200 OK", '"ok"'), true;
  const match = TOPIC_PATH.exec(path);
  if (!match) return answer(socket, "404 Not Found", "{}"), true;
  const topic = topics.get(match[1]!);
  if (method === "GET") return subscribe(socket, topic, head), false;
  if (method === "POST") return publish(socket, match[1]!, topic, body), true;
  return answer(socket, "405 Method Not Allowed", "{}"), true;
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      const headEnd = buffered.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = buffered.toString("latin1", 0, headEnd);
      const end = headEnd + 4 + Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end) return;
      const body = buffered.toString("utf8", headEnd + 4, end);
      buffered = buffered.subarray(end);
      if (!handle(socket, head, body)) return void socket.off("data", onData);
    }
  };
  socket.on("data", onData);
  socket.on("error", () => socket.destroy());
});

const port = Number(process.env["PORT"] ?? 8091);
// The listen backlog every other target has: a reconnect storm (f) measures replay, not SYN retries.
server.listen(port, "127.0.0.1", 4096, () => {
  const address = server.address();
  console.log(`floor: listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
