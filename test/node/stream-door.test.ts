import { mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, publishOk, sleep, statsOf, tokenFor, uniqueTopic, type Target } from "../contract/harness.js";
import { TEST_SECRET } from "../contract/profiles.js";
import { HubProcess } from "./hub-process.js";

/**
 * Single-topic stream requests are answered on the bare socket
 * (src/node/stream-door.ts); everything else goes to node:http. Both must
 * give the same answers, so these tests speak raw HTTP/1.1 and send the
 * same request whole and split over two packets (which the door passes on).
 */
let hub: HubProcess;
let target: Target;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-door-"));
  hub = await new HubProcess({ JWT_SECRET: TEST_SECRET, HERALD_DB: join(dir, "herald.db") }).start();
  target = { name: "node", profile: "standard", privateJwks: [], fetch: hub.fetch };
});
afterAll(async () => {
  await hub.stop("SIGKILL");
});

/** One raw connection: what was sent, and everything received until the server closes it. */
class RawConnection {
  received = Buffer.alloc(0);
  /** The server ended its side. */
  ended = false;
  closed = false;
  private readonly socket: Socket;

  /** `allowHalfOpen`: keep this side open after the server ends its side, like a client that never closes. */
  constructor(url = hub.url, allowHalfOpen = false) {
    const { hostname, port } = new URL(url);
    this.socket = connect({ port: Number(port), host: hostname, allowHalfOpen });
    this.socket.on("data", (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.socket.on("end", () => (this.ended = true));
    this.socket.on("close", () => (this.closed = true));
    this.socket.on("error", () => {});
  }

  /** Sends the request in `parts`, a pause between them (so they arrive as separate packets). */
  async send(...parts: string[]): Promise<this> {
    for (const [i, part] of parts.entries()) {
      if (i > 0) await sleep(100);
      this.socket.write(part);
    }
    return this;
  }

  text(): string {
    return this.received.toString("latin1");
  }

  /** The status line and lower-cased headers of the first response. */
  async head(): Promise<{ status: number; headers: Map<string, string>; body: string }> {
    await eventually(async () => this.text().includes("\r\n\r\n"), 5000, "a response head");
    const [head, ...rest] = this.text().split("\r\n\r\n");
    const [statusLine, ...lines] = head!.split("\r\n");
    const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
    return { status: Number(statusLine!.split(" ")[1]), headers, body: rest.join("\r\n\r\n") };
  }

  /** The first response's body as JSON, once the bytes its content-length promises are in. */
  async json(): Promise<unknown> {
    const { headers } = await this.head();
    const length = Number(headers.get("content-length"));
    await eventually(async () => Buffer.byteLength((await this.head()).body, "latin1") >= length, 5000, "the body");
    return JSON.parse((await this.head()).body.slice(0, length));
  }

  /** The first `count` plain (unnamed) events. */
  async messages(count: number): Promise<EventSourceMessage[]> {
    const messages = () => this.parse().filter((e) => e.event === undefined);
    await eventually(async () => messages().length >= count, 5000, `${count} messages in ${JSON.stringify(this.text())}`);
    return messages().slice(0, count);
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): EventSourceMessage[] {
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event) });
    const text = this.text();
    parser.feed(text.slice(text.indexOf("\r\n\r\n") + 4));
    return events;
  }
}

const request = (path: string, headers: Record<string, string> = {}) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;
const whole = (text: string) => [text];
const split = (text: string) => [text.slice(0, 20), text.slice(20)];

describe("stream door", () => {
  for (const [how, packets] of [
    ["whole (answered on the bare socket)", whole],
    ["split over two packets (answered by node:http)", split],
  ] as const) {
    it(`streams a topic from a request sent ${how}, with the same head and frames`, async () => {
      const topic = uniqueTopic();
      const token = await tokenFor(target, { subscribe: [topic] });
      const first = await publishOk(target, topic, { data: "one" });
      const raw = await new RawConnection().send(
        ...packets(request(`/topics/${topic}?since=0`, { authorization: `Bearer ${token}` })),
      );
      const { status, headers } = await raw.head();
      expect(status).toBe(200);
      expect(headers.get("content-type")).toBe("text/event-stream");
      expect(headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(headers.get("connection")).toBe("close");
      expect(Date.parse(headers.get("date")!)).toBeGreaterThan(Date.now() - 60_000);
      expect(headers.has("transfer-encoding")).toBe(false);
      expect(headers.has("x-herald-attach")).toBe(false);
      await publishOk(target, topic, { data: "two" });
      expect((await raw.messages(2)).map((e) => [e.id, e.data])).toEqual([
        [first.id, "one"],
        [expect.stringMatching(/-2$/), "two"],
      ]);
      raw.close();
      await eventually(async () => (await statsOf(target, topic)).subscribers === 0, 5000, "the stream to be counted out");
    });

    it(`refuses a stream request sent ${how} with a JSON error`, async () => {
      const raw = await new RawConnection().send(...packets(request(`/topics/${uniqueTopic()}`)));
      const { status, headers } = await raw.head();
      expect(status).toBe(401);
      expect(headers.get("content-type")).toMatch(/^application\/json/);
      expect(await raw.json()).toMatchObject({ error: "unauthorized" });
    });
  }

  for (const [how, packets] of [
    ["whole", whole],
    ["split", split],
  ] as const) {
    it(`refuses a stream request sent ${how} whose Host no URL can be built from with 400, and stays up`, async () => {
      for (const host of ["1.2.3.256", "a:99999", "[:::]", "99999999999"]) {
        const raw = await new RawConnection().send(...packets(`GET /topics/${uniqueTopic()} HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
        const { status, headers } = await raw.head();
        expect([host, status]).toEqual([host, 400]);
        expect(headers.get("content-type")).toMatch(/^application\/json/);
        expect(await raw.json()).toMatchObject({ error: "bad_request" });
        raw.close();
      }
      expect((await hub.fetch("/health")).status).toBe(200);
    });

    it(`refuses a stream request sent ${how} while the hub shuts down, with 503 shutting_down`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "herald-door-"));
      const other = await new HubProcess({ JWT_SECRET: TEST_SECRET, HERALD_DB: join(dir, "herald.db") }).start();
      const topic = uniqueTopic();
      const token = await tokenFor(target, { subscribe: [topic] });
      // Accepted before the signal, asking only after it.
      const late = new RawConnection(other.url);
      await sleep(100);
      const stopped = other.stop("SIGTERM");
      await sleep(200);
      await late.send(...packets(request(`/topics/${topic}`, { authorization: `Bearer ${token}` })));
      const { status, headers } = await late.head();
      expect(status).toBe(503);
      expect(headers.get("content-type")).toMatch(/^application\/json/);
      expect(headers.get("connection")).toBe("close");
      await eventually(async () => late.closed, 1000, "the refused connection to close");
      expect(await late.json()).toMatchObject({ error: "shutting_down" });
      expect(await stopped).toBe(0);
    });
  }

  it("leaves keep-alive requests to node:http: two answers on one connection", async () => {
    const raw = await new RawConnection().send(request("/health") + request("/health"));
    await eventually(async () => raw.text().split("HTTP/1.1 200").length === 3, 5000, "two responses");
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it("on SIGTERM, neither a stream client that never closes nor a silent connection holds the exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-door-"));
    const other = await new HubProcess({ JWT_SECRET: TEST_SECRET, HERALD_DB: join(dir, "herald.db") }).start();
    const topic = uniqueTopic();
    const token = await tokenFor(target, { subscribe: [topic] });
    const stream = await new RawConnection(other.url, true).send(request(`/topics/${topic}`, { authorization: `Bearer ${token}` }));
    expect((await stream.head()).status).toBe(200);
    const silent = new RawConnection(other.url, true);
    await sleep(100);
    const started = Date.now();
    expect(await other.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
    await eventually(async () => stream.ended && silent.ended, 1000, "both connections to be ended by the server");
  });

  it("hands a connection that says nothing to node:http, which still answers it", async () => {
    const raw = new RawConnection();
    await sleep(5500);
    expect(raw.closed).toBe(false);
    await raw.send(request("/health"));
    expect((await raw.head()).status).toBe(200);
    raw.close();
  }, 10_000);
});
