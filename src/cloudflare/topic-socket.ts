import type { CloseReason, Sink, SinkOptions } from "../core/sink.js";
import { MAX_MESSAGE_BYTES, textPieces, wireText } from "./topic-wire.js";

/** Something that queues frames and sends them when told: a socket, or a relay's link. */
export interface Flushable {
  flush(): void;
  /** What was queued is not known to be stored: it must not be sent. */
  fail(): void;
}

/** Where a socket says it has frames to send (send-batch.ts, or at once on a relay). */
export interface Flushes {
  markDirty(queued: Flushable): void;
}

/**
 * One stream of a topic as its Durable Object holds it: a hibernatable
 * WebSocket to the Worker that holds the browser's stream. The Worker owns
 * heartbeats, expiry and the slow-reader bound (browser-stream.ts); here
 * frames wait for the batch's flush (once what they follow is durable) and
 * go out as one message, or the socket is dropped.
 */
export class TopicSocket implements Sink, Flushable {
  readonly expiresAt = undefined;
  private open = true;
  private pending: string[] = [];

  constructor(
    private readonly ws: WebSocket,
    /** When the socket opened, epoch ms: the stale bound counts from it until the first PING. */
    readonly openedAt: number,
    private readonly flushes: Flushes,
    private readonly onClose: SinkOptions["onClose"],
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Queues a stream's head and replay; the flush joins them into messages. */
  sendAll(chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) this.send(chunk);
  }

  send(bytes: Uint8Array): boolean {
    return this.sendText(wireText(bytes));
  }

  /** Frames already decoded (a relay gets them as text); one over the platform's cap goes in pieces. */
  sendText(text: string): boolean {
    if (!this.open) return false;
    if (this.pending.length === 0) this.flushes.markDirty(this);
    for (const piece of textPieces(text, MAX_MESSAGE_BYTES)) this.pending.push(piece);
    return true;
  }

  /** Sends what is queued: as one message, unless together it could pass the platform's cap. */
  flush(): void {
    const pending = this.pending;
    this.pending = [];
    let message = "";
    for (const text of pending) {
      // A UTF-16 unit is at most 3 bytes of UTF-8.
      if (message !== "" && (message.length + text.length) * 3 > MAX_MESSAGE_BYTES) {
        if (!this.write(message)) return;
        message = "";
      }
      message += text;
    }
    if (message !== "") this.write(message);
  }

  beat(): void {
    // The Worker beats the browser's stream; the object keeps no clock.
  }

  fail(): void {
    this.abort("shutdown");
  }

  end(reason: CloseReason, last?: Uint8Array): void {
    if (last) this.send(last);
    this.flush();
    this.close(1000, reason);
  }

  abort(reason: CloseReason): void {
    this.pending = [];
    this.close(1011, reason);
  }

  /** The socket closed or failed on the Worker's side: forget it. */
  closed(reason: CloseReason): void {
    if (!this.open) return;
    this.open = false;
    this.pending = [];
    this.onClose(this, reason);
  }

  private write(message: string): boolean {
    if (!this.open) return false;
    try {
      this.ws.send(message);
      return true;
    } catch {
      // The Worker's end is gone; the close event may never come to a dead socket.
      this.closed("client");
      return false;
    }
  }

  private close(code: number, reason: CloseReason): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
    this.closed(reason);
  }
}
