import type { CloseReason, Sink } from "./sink.js";

/**
 * The open streams of one topic. A broadcast hands the same bytes to every
 * subscriber without waiting on any: a subscriber whose queue is over its
 * bound drops itself, so one stalled reader never holds up the topic.
 */
export class Fanout {
  private readonly subscribers = new Set<Sink>();

  get size(): number {
    return this.subscribers.size;
  }

  add(subscriber: Sink): void {
    if (subscriber.isOpen) this.subscribers.add(subscriber);
  }

  /** Called by a subscriber as it closes, whatever the reason. */
  remove(subscriber: Sink): void {
    this.subscribers.delete(subscriber);
  }

  /** Returns how many streams the bytes were written to. */
  broadcast(bytes: Uint8Array): number {
    let delivered = 0;
    for (const subscriber of this.subscribers) {
      if (subscriber.send(bytes)) delivered++;
    }
    return delivered;
  }

  /** Ends the streams whose token expired with a notice, encoded only if one did. */
  expire(now: number, notice: () => Uint8Array): void {
    let bytes: Uint8Array | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.expiresAt !== undefined && subscriber.expiresAt <= now) {
        subscriber.end("expired", (bytes ??= notice()));
      }
    }
  }

  /** A heartbeat: pings live readers, drops the ones that stopped reading. */
  beat(ping: Uint8Array): void {
    for (const subscriber of this.subscribers) subscriber.beat(ping);
  }

  endAll(reason: CloseReason): void {
    for (const subscriber of this.subscribers) subscriber.end(reason);
  }

  abortAll(reason: CloseReason): void {
    for (const subscriber of this.subscribers) subscriber.abort(reason);
  }
}
