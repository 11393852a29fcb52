/**
 * One subscriber's open stream, as the fan-out sees it. Every runtime
 * provides one: a bounded ReadableStream (subscriber.ts) where the platform
 * pumps the response; the Node entry writes sockets itself.
 */
export type CloseReason = "client" | "slow" | "stalled" | "expired" | "shutdown" | "replaced";

export interface Sink {
  readonly isOpen: boolean;
  /** If set, the topic's events reach this sink through its group, not `send`. */
  readonly group?: SinkGroup;
  /** Epoch ms at which the stream ends (the token's exp), if any. */
  readonly expiresAt: number | undefined;
  /**
   * How many browser streams this sink carries, if not one: on Workers, the
   * link from a topic's object to one of its relays carries every stream
   * the relay holds.
   */
  readonly streams?: number;
  /** Queues bytes; false if the subscriber is gone or was just dropped. */
  send(bytes: Uint8Array): boolean;
  /** A heartbeat: sends the ping, or drops a reader that made no progress. */
  beat(ping: Uint8Array): void;
  /** Ends the stream cleanly after what is queued, e.g. with a last notice. */
  end(reason: CloseReason, last?: Uint8Array): void;
  /** Ends the stream at once, discarding what is queued (the client replays). */
  abort(reason: CloseReason): void;
}

/**
 * Sinks of one topic that take its events together: a broadcast is queued
 * once for all of them, not once per sink, and each member reads the queue
 * when the runtime flushes (on Node, after the commit).
 */
export interface SinkGroup {
  /** Open members. */
  readonly size: number;
  members(): Iterable<Sink>;
  /** A member takes only what is broadcast after it joins. */
  join(sink: Sink): void;
  leave(sink: Sink): void;
  /** Queues the bytes for every member; returns how many that is. */
  broadcast(bytes: Uint8Array): number;
}

export interface SinkOptions {
  /** Bytes queued before any live event: retry, gap notice, replay. */
  initial: Uint8Array[];
  /** A reader with more unread live bytes than this is dropped. */
  maxBufferedBytes: number;
  expiresAt?: number;
  onClose: (sink: Sink, reason: CloseReason) => void;
}

export type SinkFactory = (options: SinkOptions) => Sink;

export function byteLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  return total;
}

/**
 * Tells a stalled reader from a slow one. Between two heartbeats, whatever
 * is missing from the queue was read; a reader that left bytes queued and
 * read nothing through a whole interval is gone or stuck (runtimes do not
 * always report a closed client). The first beat only starts watching, so
 * a new stream always gets a full interval.
 */
export class ProgressWatch {
  private queuedAtBeat = -1;
  private sentSinceBeat = 0;

  sent(bytes: number): void {
    this.sentSinceBeat += bytes;
  }

  /** True if the reader is stalled; `queued` is what is unread now. */
  stalled(queued: number): boolean {
    const read = this.queuedAtBeat + this.sentSinceBeat - queued;
    if (this.queuedAtBeat >= 0 && queued > 0 && read <= 0) return true;
    this.queuedAtBeat = queued;
    this.sentSinceBeat = 0;
    return false;
  }
}
