import { byteLength, ProgressWatch, type CloseReason, type Sink, type SinkOptions } from "./sink.js";

/**
 * One open stream as a ReadableStream whose queue is bounded in bytes. The
 * queue may hold the replay the subscriber was given on connect plus at most
 * `maxBufferedBytes` of live events; past that the reader is not keeping up
 * and is dropped (the stream errors, freeing the queue at once). It comes
 * back with Last-Event-ID and replays from the log, so nothing is lost.
 *
 * Bytes wait here until the reader asks (a pull source with no queue of its
 * own), and a read takes everything waiting as one chunk: a reader that is
 * behind catches up in a few large writes instead of one write per event.
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
  private readonly limit: number;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private waiting: Uint8Array[];
  private waitingBytes: number;
  /** The reader's pending read, answered by the next bytes. */
  private wanted?: () => void;
  /** Ended cleanly: the stream closes once what is waiting is read. */
  private ending = false;
  private open = true;
  private readonly progress = new ProgressWatch();
  private readonly onClose: SinkOptions["onClose"];

  constructor({ initial, maxBufferedBytes, expiresAt, onClose }: SinkOptions) {
    this.expiresAt = expiresAt;
    this.onClose = onClose;
    this.waiting = [...initial];
    this.waitingBytes = byteLength(initial);
    this.limit = this.waitingBytes + maxBufferedBytes;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.controller = controller),
        pull: () => this.pull(),
        cancel: () => this.finish("client"),
      },
      { highWaterMark: 0 },
    );
  }

  get isOpen(): boolean {
    return this.open;
  }

  send(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    this.waiting.push(bytes);
    this.waitingBytes += bytes.byteLength;
    this.progress.sent(bytes.byteLength);
    if (this.waitingBytes > this.limit) {
      this.drop("slow");
      return false;
    }
    this.wanted?.();
    return true;
  }

  beat(ping: Uint8Array): void {
    if (!this.open) return;
    if (this.progress.stalled(this.waitingBytes)) return this.drop("stalled");
    this.send(ping);
  }

  end(reason: CloseReason, last?: Uint8Array): void {
    if (!this.open) return;
    if (last) (this.waiting.push(last), (this.waitingBytes += last.byteLength));
    this.ending = true;
    this.finish(reason);
    this.wanted?.();
  }

  abort(reason: CloseReason): void {
    if (this.open) this.drop(reason);
  }

  private pull(): Promise<void> | void {
    if (this.waitingBytes > 0 || this.ending) return this.deliver();
    return new Promise<void>((resolve) => {
      this.wanted = () => {
        this.wanted = undefined;
        this.deliver();
        resolve();
      };
    });
  }

  /** Hands the reader everything waiting, as one chunk; closes the stream after the last. */
  private deliver(): void {
    try {
      if (this.waitingBytes > 0) this.controller.enqueue(this.take());
      if (this.ending) this.controller.close();
    } catch {
      // The runtime closed the stream under us: the client went away.
      this.finish("client");
    }
  }

  private take(): Uint8Array {
    const chunks = this.waiting;
    const size = this.waitingBytes;
    this.waiting = [];
    this.waitingBytes = 0;
    if (chunks.length === 1) return chunks[0]!;
    const joined = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) (joined.set(chunk, at), (at += chunk.byteLength));
    return joined;
  }

  private drop(reason: CloseReason): void {
    this.waiting = [];
    this.waitingBytes = 0;
    this.wanted = undefined;
    this.controller.error(droppedError());
    this.finish(reason);
  }

  private finish(reason: CloseReason): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(this, reason);
  }
}
