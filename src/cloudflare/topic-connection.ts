import type { TopicFrames } from "../core/browser-stream.js";
import { HeraldError, type ErrorCode } from "../core/errors.js";
import { FrameBuffer } from "../core/frame-reader.js";
import type { TopicObject } from "./topic-object.js";
import { reach } from "./rpc.js";
import { CONNECT_HEADERS, PING, PONG } from "./topic-wire.js";

export interface ConnectOptions {
  lastEventId?: string;
  since?: number;
}

/** How often the Worker's end tells the object it is alive (PING), in ms. */
export type PingEvery = number;

/**
 * Opens one topic of a browser's stream: a WebSocket to the topic's object
 * (see topic-wire.ts). The object answers at once (it holds no request), so
 * a stream of many topics never waits behind the platform's limit of six
 * connections per invocation still waiting for their response headers.
 */
export async function connectTopic(
  stub: DurableObjectStub<TopicObject>,
  topic: string,
  options: ConnectOptions,
  pingEvery: PingEvery,
): Promise<TopicFrames> {
  const headers = new Headers({ upgrade: "websocket", [CONNECT_HEADERS.topic]: topic });
  if (options.lastEventId !== undefined) headers.set(CONNECT_HEADERS.lastEventId, options.lastEventId);
  if (options.since !== undefined) headers.set(CONNECT_HEADERS.since, String(options.since));
  const response = await reach(() => stub.fetch("https://topic.internal/connect", { headers }));
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw await refusalOf(response);
  return new SocketFrames(ws, pingEvery);
}

async function refusalOf(response: Response): Promise<HeraldError> {
  const body = (await response.json().catch(() => ({}))) as { error?: ErrorCode; message?: string };
  return new HeraldError(body.error ?? "internal", body.message ?? `the topic's object answered ${response.status}`);
}

/**
 * A topic's frames as they arrive on the Worker's end of its WebSocket. It
 * pings on the stream's heartbeat, and also as it reads: a Worker busy
 * enough to starve its timers is still reading, and must not look gone.
 */
class SocketFrames implements TopicFrames {
  private readonly buffer = new FrameBuffer();
  private readonly decoder = new TextDecoder();
  private ended = false;
  private wake?: () => void;
  private pingedAt = Date.now();

  constructor(
    private readonly ws: WebSocket,
    private readonly pingEvery: PingEvery,
  ) {
    ws.accept();
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", ({ data }) => {
      if (data === PONG) return;
      if (Date.now() - this.pingedAt >= this.pingEvery) this.beat();
      this.buffer.push(typeof data === "string" ? data : this.decoder.decode(data as ArrayBuffer, { stream: true }));
      this.notify();
    });
    ws.addEventListener("close", () => this.finish());
    ws.addEventListener("error", () => this.finish());
  }

  async next(): Promise<string | null> {
    for (;;) {
      const frame = this.buffer.take();
      if (frame !== null || this.ended) return frame;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
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
    if (this.ended) return;
    this.pingedAt = Date.now();
    try {
      this.ws.send(PING);
    } catch {
      this.finish();
    }
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
