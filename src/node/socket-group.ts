import type { Sink, SinkGroup } from "../core/sink.js";
import type { SocketSink } from "./socket-sink.js";
import type { Flushable } from "./write-batch.js";

/**
 * The socket streams of one topic. A publish queues its frame here once,
 * not once per subscriber; at the flush after the commit, the turn's frames
 * become one buffer that every member writes. So a publish costs the same
 * before its commit whether 10 or 10,000 streams are open, and coalescing
 * a turn's frames costs one copy per topic, not one per subscriber.
 */
export class SocketGroup implements SinkGroup, Flushable {
  private readonly sinks = new Set<SocketSink>();
  private frames: Uint8Array[] = [];
  /** Members that joined after some of the queued frames, and how many those were. */
  private late = new Map<SocketSink, number>();

  constructor(private readonly batch: { markDirty(flushable: Flushable): void }) {}

  get size(): number {
    return this.sinks.size;
  }

  members(): Iterable<Sink> {
    return this.sinks;
  }

  join(sink: SocketSink): void {
    this.sinks.add(sink);
    // Those frames are in the log before this stream's starting position.
    if (this.frames.length > 0) this.late.set(sink, this.frames.length);
  }

  leave(sink: SocketSink): void {
    this.sinks.delete(sink);
    this.late.delete(sink);
  }

  broadcast(bytes: Uint8Array): number {
    if (this.sinks.size === 0) return 0;
    this.frames.push(bytes);
    this.batch.markDirty(this);
    return this.sinks.size;
  }

  flush(): void {
    const { frames, late } = this;
    if (frames.length === 0) return;
    this.frames = [];
    if (late.size > 0) this.late = new Map();
    const chunk = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    for (const sink of this.sinks) {
      const skip = late.size > 0 ? late.get(sink) : undefined;
      if (skip === undefined) sink.receive(chunk);
      else if (skip < frames.length) sink.receive(Buffer.concat(frames.slice(skip)));
    }
  }
}
