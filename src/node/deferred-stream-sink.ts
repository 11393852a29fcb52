import { byteLength, type CloseReason, type Sink, type SinkOptions } from "../core/sink.js";
import { Subscriber } from "../core/subscriber.js";
import type { Flushable } from "./write-batch.js";

/**
 * A topic's stream inside a multiplexed stream, on Node: a bounded
 * ReadableStream (the stream holder reads it) into which nothing is enqueued
 * before the flush after the turn's commit, like a socket's. That includes
 * its start: a stream opened in the same turn as a publish read its
 * position and replay inside that publish's uncommitted batch.
 */
export class DeferredStreamSink implements Sink, Flushable {
  private readonly inner: Subscriber;
  private pending: Uint8Array[];

  constructor(
    options: SinkOptions,
    private readonly batch: { markDirty(sink: Flushable): void },
  ) {
    const { initial, maxBufferedBytes } = options;
    this.inner = new Subscriber({
      ...options,
      initial: [],
      // The same bound as if the start had been queued at once.
      maxBufferedBytes: maxBufferedBytes + byteLength(initial),
      onClose: (_, reason) => options.onClose(this, reason),
    });
    this.pending = [...initial];
    this.initialBytes = byteLength(initial);
    batch.markDirty(this);
  }

  /** Its head and replay, in bytes (see TopicFrames.initialBytes). */
  readonly initialBytes: number;

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

  /** Only called from ticks and shutdown, which wait for the open batch's commit (node-hub.ts). */
  end(reason: CloseReason, last?: Uint8Array): void {
    this.flush();
    this.inner.end(reason, last);
  }
}
