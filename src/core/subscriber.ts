/**
 * One open stream: a ReadableStream whose queue is bounded in bytes. The
 * queue may hold the replay the subscriber was given on connect plus at most
 * `maxBufferedBytes` of live events; past that the reader is not keeping up
 * and is dropped (the stream errors, freeing the queue at once). It comes
 * back with Last-Event-ID and replays from the log, so nothing is lost.
 */
export type CloseReason = "client" | "slow" | "stalled" | "expired" | "shutdown";

export interface SubscriberOptions {
  /** Bytes queued before any live event: retry, gap notice, replay. */
  initial: Uint8Array[];
  maxBufferedBytes: number;
  /** Epoch ms at which the stream ends (the token's exp), if any. */
  expiresAt?: number;
  onClose: (subscriber: Subscriber, reason: CloseReason) => void;
}

/** What the runtime logs when it sees the stream fail: one plain line, no stack. */
function droppedError(): Error {
  const error = new Error("herald: dropped a subscriber that stopped reading; it replays on reconnect");
  error.name = "SlowSubscriber";
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

export class Subscriber {
  readonly stream: ReadableStream<Uint8Array>;
  readonly expiresAt: number | undefined;
  private readonly highWaterMark: number;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private open = true;
  // Progress between heartbeats: bytes queued at the last beat, bytes queued
  // since; whatever is missing from the queue now was read. The first beat
  // only starts watching, so a new stream always gets a full interval.
  private queuedAtBeat = -1;
  private sentSinceBeat = 0;
  private readonly onClose: SubscriberOptions["onClose"];

  constructor({ initial, maxBufferedBytes, expiresAt, onClose }: SubscriberOptions) {
    this.expiresAt = expiresAt;
    this.onClose = onClose;
    const initialBytes = initial.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    this.highWaterMark = initialBytes + maxBufferedBytes;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          for (const chunk of initial) controller.enqueue(chunk);
        },
        cancel: () => this.finish("client"),
      },
      { highWaterMark: this.highWaterMark, size: (chunk) => chunk.byteLength },
    );
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Queues bytes; false if the subscriber is gone or was just dropped. */
  send(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    try {
      this.controller.enqueue(bytes);
      this.sentSinceBeat += bytes.byteLength;
    } catch {
      // The runtime closed the stream under us: the client went away.
      this.finish("client");
      return false;
    }
    if ((this.controller.desiredSize ?? 0) < 0) {
      this.drop("slow");
      return false;
    }
    return true;
  }

  /**
   * Called once per heartbeat. A reader that left bytes unread through a
   * whole heartbeat interval is gone or stuck: the runtime does not always
   * report a closed client (cancel is not reliable everywhere), so a stall
   * counts as a disconnect. Otherwise the ping goes out.
   */
  beat(ping: Uint8Array): void {
    if (!this.open) return;
    const queued = this.queuedBytes();
    const read = this.queuedAtBeat + this.sentSinceBeat - queued;
    if (this.queuedAtBeat >= 0 && queued > 0 && read <= 0) return this.drop("stalled");
    this.queuedAtBeat = queued;
    this.sentSinceBeat = 0;
    this.send(ping);
  }

  private queuedBytes(): number {
    return this.highWaterMark - (this.controller.desiredSize ?? 0);
  }

  /** Ends the stream cleanly after what is queued, e.g. with a last notice. */
  end(reason: CloseReason, last?: Uint8Array): void {
    if (!this.open) return;
    try {
      if (last) this.controller.enqueue(last);
      this.controller.close();
    } catch {
      // already closed by the runtime; nothing left to flush
    }
    this.finish(reason);
  }

  private drop(reason: CloseReason): void {
    this.controller.error(droppedError());
    this.finish(reason);
  }

  private finish(reason: CloseReason): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(this, reason);
  }
}
