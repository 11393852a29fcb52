import { byteLength, ProgressWatch, type CloseReason, type Sink, type SinkOptions } from "./sink.js";

/**
 * One open stream as a ReadableStream whose queue is bounded in bytes. The
 * queue may hold the replay the subscriber was given on connect plus at most
 * `maxBufferedBytes` of live events; past that the reader is not keeping up
 * and is dropped (the stream errors, freeing the queue at once). It comes
 * back with Last-Event-ID and replays from the log, so nothing is lost.
 */

/** What the runtime logs when it sees the stream fail: one plain line, no stack. */
function droppedError(): Error {
  const error = new Error("herald: dropped a subscriber that stopped reading; it replays on reconnect");
  error.name = "SlowSubscriber";
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

export class Subscriber implements Sink {
  readonly stream: ReadableStream<Uint8Array>;
  readonly expiresAt: number | undefined;
  private readonly highWaterMark: number;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private open = true;
  private readonly progress = new ProgressWatch();
  private readonly onClose: SinkOptions["onClose"];

  constructor({ initial, maxBufferedBytes, expiresAt, onClose }: SinkOptions) {
    this.expiresAt = expiresAt;
    this.onClose = onClose;
    this.highWaterMark = byteLength(initial) + maxBufferedBytes;
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

  send(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    try {
      this.controller.enqueue(bytes);
      this.progress.sent(bytes.byteLength);
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

  beat(ping: Uint8Array): void {
    if (!this.open) return;
    if (this.progress.stalled(this.queuedBytes())) return this.drop("stalled");
    this.send(ping);
  }

  private queuedBytes(): number {
    return this.highWaterMark - (this.controller.desiredSize ?? 0);
  }

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

  abort(reason: CloseReason): void {
    if (this.open) this.drop(reason);
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
