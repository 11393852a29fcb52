import type { CloseReason, Sink, SinkGroup } from "./sink.js";

/**
 * The open streams of one topic. A broadcast hands the same bytes to every
 * subscriber without waiting on any: a subscriber whose queue is over its
 * bound drops itself, so one stalled reader never holds up the topic.
 * Sinks in a group (sink.ts) are reached through it: one call per group.
 */
export class Fanout {
  private readonly single = new Set<Sink>();
  private readonly groups = new Set<SinkGroup>();
  /** The members of `single` that carry other than one stream (sink.ts: `streams`). */
  private readonly carriers = new Set<Sink>();

  /** Streams, counting every stream a carrier carries. */
  get size(): number {
    let size = this.single.size;
    for (const group of this.groups) size += group.size;
    for (const carrier of this.carriers) size += carrier.streams! - 1;
    return size;
  }

  add(subscriber: Sink): void {
    if (!subscriber.isOpen) return;
    if (subscriber.streams !== undefined) this.carriers.add(subscriber);
    const group = subscriber.group;
    if (group === undefined) return void this.single.add(subscriber);
    this.groups.add(group);
    group.join(subscriber);
  }

  /** Called by a subscriber as it closes, whatever the reason. */
  remove(subscriber: Sink): void {
    this.carriers.delete(subscriber);
    if (subscriber.group === undefined) this.single.delete(subscriber);
    else subscriber.group.leave(subscriber);
  }

  /** Returns how many streams the bytes were queued for. */
  broadcast(bytes: Uint8Array): number {
    let delivered = 0;
    for (const group of this.groups) delivered += group.broadcast(bytes);
    for (const subscriber of this.single) {
      if (subscriber.send(bytes)) delivered += subscriber.streams ?? 1;
    }
    return delivered;
  }

  /** Ends the streams whose token expired with a notice, encoded only if one did. */
  expire(now: number, notice: () => Uint8Array): void {
    let bytes: Uint8Array | undefined;
    for (const subscriber of this.all()) {
      if (subscriber.expiresAt !== undefined && subscriber.expiresAt <= now) {
        subscriber.end("expired", (bytes ??= notice()));
      }
    }
  }

  /** A heartbeat: pings live readers, drops the ones that stopped reading. */
  beat(ping: Uint8Array): void {
    for (const subscriber of this.all()) subscriber.beat(ping);
  }

  endAll(reason: CloseReason): void {
    for (const subscriber of this.all()) subscriber.end(reason);
  }

  abortAll(reason: CloseReason): void {
    for (const subscriber of this.all()) subscriber.abort(reason);
  }

  /** Every subscriber; each may close (and leave its set) as it is visited. */
  private *all(): Generator<Sink> {
    yield* this.single;
    for (const group of this.groups) yield* group.members();
  }
}
