/**
 * One open stream: a ReadableStream whose queue is bounded in bytes. The
 * queue may hold the replay the subscriber was given on connect plus at most
 * `maxBufferedBytes` of live events; past that the reader is not keeping up
 * and is dropped (the stream errors, freeing the queue at once). It comes
 * back with Last-Event-ID and replays from the log, so nothing is lost.
 */
export type CloseReason = "client" | "slow" | "expired" | "shutdown";

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
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private open = true;
  private readonly onClose: SubscriberOptions["onClose"];

  constructor({ initial, maxBufferedBytes, expiresAt, onClose }: SubscriberOptions) {
    this.expiresAt = expiresAt;
    this.onClose = onClose;
    const initialBytes = initial.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          for (const chunk of initial) controller.enqueue(chunk);
        },
        cancel: () => this.finish("client"),
      },
      { highWaterMark: initialBytes + maxBufferedBytes, size: (chunk) => chunk.byteLength },
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
