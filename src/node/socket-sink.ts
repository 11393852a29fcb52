import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { byteLength, ProgressWatch, type CloseReason, type Sink, type SinkOptions } from "../core/sink.js";
import type { Flushable } from "./write-batch.js";

/**
 * A subscriber's stream written straight to its socket: frames queued in a
 * turn of the event loop go out in one write (after the turn's commit, see
 * write-batch.ts), with no web-stream promise per chunk. The bound covers
 * what waits here plus what Node has buffered for the socket, so a reader
 * that stopped cannot grow the process's memory.
 */
export class SocketSink implements Sink, Flushable {
  readonly expiresAt: number | undefined;
  private response?: ServerResponse;
  private pending: Uint8Array[];
  private pendingBytes: number;
  private open = true;
  private readonly limit: number;
  private readonly progress = new ProgressWatch();
  private readonly onClose: SinkOptions["onClose"];

  constructor(
    { initial, maxBufferedBytes, expiresAt, onClose }: SinkOptions,
    private readonly batch: { markDirty(sink: Flushable): void },
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

  /** Starts the response; until now, frames wait here (in order). */
  attach(response: ServerResponse, headers: OutgoingHttpHeaders): void {
    if (!this.open) return void response.destroy();
    this.response = response;
    response.on("close", () => this.finish("client"));
    // The stream ends with the connection (it carries `connection: close`),
    // so no chunked framing: each write is the frames alone.
    response.useChunkedEncodingByDefault = false;
    response.writeHead(200, headers);
    response.flushHeaders();
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

  flush(): void {
    if (!this.response || !this.open || this.pendingBytes === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.response.write(chunk);
  }

  beat(ping: Uint8Array): void {
    if (!this.open) return;
    if (this.response && this.progress.stalled(this.unread())) return this.drop("stalled");
    this.send(ping);
  }

  end(reason: CloseReason, last?: Uint8Array): void {
    if (!this.open) return;
    if (last) this.pending.push(last), (this.pendingBytes += last.byteLength);
    this.flush();
    this.response?.end();
    this.finish(reason);
  }

  abort(reason: CloseReason): void {
    if (this.open) this.drop(reason);
  }

  private unread(): number {
    return this.pendingBytes + (this.response?.writableLength ?? 0);
  }

  private drop(reason: CloseReason): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.response?.destroy();
    this.finish(reason);
  }

  private finish(reason: CloseReason): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(this, reason);
  }
}
