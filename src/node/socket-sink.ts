import type { Writable } from "node:stream";
import { byteLength, ProgressWatch, type CloseReason, type Sink, type SinkOptions } from "../core/sink.js";
import type { SocketGroup } from "./socket-group.js";
import type { Flushable } from "./write-batch.js";

/** Where a stream's bytes go once its head is sent: a node:http response or a bare socket. */
export type StreamOut = Pick<Writable, "write" | "end" | "destroy" | "destroyed" | "writableLength" | "once">;

/**
 * A subscriber's stream written straight to its socket: what a turn of the
 * event loop queued for it goes out in one write (after the turn's commit,
 * see write-batch.ts), with no web-stream promise per chunk. Its topic's
 * events come through its group (socket-group.ts); it queues only its own
 * bytes (head, replay, pings, and events that arrive before its socket).
 * The bound covers what waits here plus what Node has buffered for the
 * socket, so a reader that stopped cannot grow the process's memory.
 */
export class SocketSink implements Sink, Flushable {
  readonly expiresAt: number | undefined;
  private out?: StreamOut;
  private pending: Uint8Array[];
  private pendingBytes: number;
  private open = true;
  private limit: number;
  private readonly progress = new ProgressWatch();
  private readonly onClose: SinkOptions["onClose"];

  constructor(
    { initial, maxBufferedBytes, expiresAt, onClose }: SinkOptions,
    private readonly batch: { markDirty(sink: Flushable): void },
    readonly group: SocketGroup,
  ) {
    this.expiresAt = expiresAt;
    this.onClose = onClose;
    this.pending = [...initial];
    this.pendingBytes = byteLength(initial);
    this.limit = this.pendingBytes + maxBufferedBytes;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /**
   * Starts writing to `out`; until now, frames wait here (in order). `head`
   * is the response head if it is not sent yet: it goes out in the same
   * write as the first frames.
   */
  attach(out: StreamOut, head?: Uint8Array): void {
    if (out.destroyed) return this.finish("client");
    if (!this.open) return void out.destroy();
    if (head) {
      this.pending.unshift(head);
      this.pendingBytes += head.byteLength;
      this.limit += head.byteLength;
    }
    this.out = out;
    out.once("close", () => this.finish("client"));
    this.batch.markDirty(this);
  }

  send(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    this.progress.sent(bytes.byteLength);
    if (this.unread() > this.limit) {
      this.drop("slow");
      return false;
    }
    this.batch.markDirty(this);
    return true;
  }

  /** Its topic's events of one flush, after whatever this sink queued itself. */
  receive(chunk: Uint8Array): void {
    if (!this.open) return;
    this.progress.sent(chunk.byteLength);
    if (this.out !== undefined && this.pendingBytes === 0) {
      if (this.out.writableLength + chunk.byteLength > this.limit) return this.drop("slow");
      this.out.write(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.unread() > this.limit) return this.drop("slow");
    this.flush();
  }

  flush(): void {
    if (!this.out || !this.open || this.pendingBytes === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.out.write(chunk);
  }

  beat(ping: Uint8Array): void {
    if (!this.open) return;
    if (this.out && this.progress.stalled(this.unread())) return this.drop("stalled");
    this.send(ping);
  }

  end(reason: CloseReason, last?: Uint8Array): void {
    if (!this.open) return;
    if (last) this.pending.push(last), (this.pendingBytes += last.byteLength);
    this.flush();
    this.out?.end();
    this.finish(reason);
  }

  abort(reason: CloseReason): void {
    if (this.open) this.drop(reason);
  }

  private unread(): number {
    return this.pendingBytes + (this.out?.writableLength ?? 0);
  }

  private drop(reason: CloseReason): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.out?.destroy();
    this.finish(reason);
  }

  private finish(reason: CloseReason): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(this, reason);
  }
}
