import type { TopicFrames } from "../core/browser-stream.js";
import { WholeFrames } from "../core/frame-reader.js";
import type { FramesOptions } from "../core/hub.js";
import type { Env } from "./env.js";
import { relayName } from "./relay-wire.js";
import { reach, refusalOf } from "./rpc.js";
import { CONNECT_HEADERS, PING, PingClock, PONG, setStartHeaders, setSubjectHeader } from "./topic-wire.js";

/** How often the Worker's end tells the object it is alive (PING), in ms: a few heartbeats. */
export type PingEvery = number;

/** The namespaces a stream's topics are reached through. */
export type TopicNamespaces = Pick<Env, "TOPICS" | "RELAYS">;

/**
 * Opens one topic of a browser's stream: a WebSocket to the topic's object
 * (see topic-wire.ts), or to the relay it names. The objects answer at once
 * (they hold no request), so a stream of many topics never waits behind the
 * platform's limit of six connections per invocation still waiting for
 * their response headers.
 */
export async function connectTopic(
  namespaces: TopicNamespaces,
  topic: string,
  options: FramesOptions,
  pingEvery: PingEvery,
): Promise<TopicFrames> {
  const headers = new Headers({ upgrade: "websocket", [CONNECT_HEADERS.topic]: topic });
  setStartHeaders(headers, options);
  setSubjectHeader(headers, options.subject);
  const root = namespaces.TOPICS.get(namespaces.TOPICS.idFromName(topic));
  let response = await reach(() => root.fetch("https://topic.internal/connect", { headers }));
  const relay = response.headers.get(CONNECT_HEADERS.relay);
  if (response.status === 307 && relay !== null) {
    headers.set(CONNECT_HEADERS.relay, relay);
    const stub = namespaces.RELAYS.get(namespaces.RELAYS.idFromName(relayName(topic, Number(relay))));
    response = await reach(() => stub.fetch("https://relay.internal/connect", { headers }));
  }
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw await refusalOf(response);
  return new SocketFrames(ws, pingEvery, Number(response.headers.get(CONNECT_HEADERS.initialBytes) ?? 0));
}

/**
 * A topic's frames as they arrive on the Worker's end of its WebSocket,
 * handed on in the message's own turn. It pings every few of the stream's
 * heartbeats, and also as it reads: a Worker busy enough to starve its
 * timers is still reading, and must not look gone.
 */
class SocketFrames implements TopicFrames {
  private readonly whole = new WholeFrames();
  private early: Uint8Array[] = [];
  private onChunk?: (frames: Uint8Array) => void;
  private onEnd?: () => void;
  private ended = false;
  private readonly pings: PingClock;

  constructor(
    private readonly ws: WebSocket,
    pingEvery: PingEvery,
    readonly initialBytes: number,
  ) {
    this.pings = new PingClock(pingEvery);
    ws.accept();
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", ({ data }) => this.receive(data));
    ws.addEventListener("close", () => this.finish());
    ws.addEventListener("error", () => this.finish());
  }

  start(onChunk: (frames: Uint8Array) => void, onEnd: () => void): void {
    this.onChunk = onChunk;
    this.onEnd = onEnd;
    for (const chunk of this.early) onChunk(chunk);
    this.early = [];
    if (this.ended) onEnd();
  }

  cancel(): void {
    if (this.ended) return;
    try {
      this.ws.close(1000, "stream closed");
    } catch {
      // already closing
    }
    this.finish();
  }

  beat(): void {
    this.ping();
  }

  /** A PING if one is due. */
  private ping(): void {
    if (this.ended || !this.pings.due()) return;
    try {
      this.ws.send(PING);
    } catch {
      this.finish();
    }
  }

  private receive(data: unknown): void {
    if (data === PONG || this.ended) return;
    this.ping();
    const bytes = typeof data === "string" ? encoder.encode(data) : new Uint8Array(data as ArrayBuffer);
    const frames = this.whole.push(bytes);
    if (!frames) return;
    if (this.onChunk) this.onChunk(frames);
    else this.early.push(frames);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
  }
}

const encoder = new TextEncoder();
