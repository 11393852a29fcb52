import type { CloseReason, Sink, SinkOptions } from "../core/sink.js";
import { Subscriber } from "../core/subscriber.js";
import type { Flushable } from "./write-batch.js";

/**
 * A topic's stream inside a multiplexed stream, on Node: a bounded
 * ReadableStream (the merger reads it) whose events are only enqueued at
 * the flush after the turn's commit, like a socket's.
 */
export class DeferredStreamSink implements Sink, Flushable {
  private readonly inner: Subscriber;
  private pending: Uint8Array[] = [];

  constructor(
    options: SinkOptions,
    private readonly batch: { markDirty(sink: Flushable): void },
  ) {
    this.inner = new Subscriber({ ...options, onClose: (_, reason) => options.onClose(this, reason) });
  }

  get stream(): ReadableStream<Uint8Array> {
    return this.inner.stream;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get expiresAt(): number | undefined {
    return this.inner.expiresAt;
  }

  send(bytes: Uint8Array): boolean {
    if (!this.inner.isOpen) return false;
    this.pending.push(bytes);
    this.batch.markDirty(this);
    return true;
  }

  flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (const bytes of pending) if (!this.inner.send(bytes)) return;
  }

  beat(ping: Uint8Array): void {
    this.inner.beat(ping);
  }

  abort(reason: CloseReason): void {
    this.pending = [];
    this.inner.abort(reason);
  }

  /** Only called from timers and shutdown, never inside an open batch. */
  end(reason: CloseReason, last?: Uint8Array): void {
    this.flush();
    this.inner.end(reason, last);
  }
}
