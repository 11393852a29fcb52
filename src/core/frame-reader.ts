import type { TopicFrames } from "./browser-stream.js";

/**
 * Whole frames back from Herald's own SSE output, however it was cut on the
 * way (chunks of a stream, WebSocket messages from a Durable Object). This
 * is not a general SSE parser: Herald never writes a blank line inside a
 * frame (data is split into `data:` lines), so a blank line always ends one.
 */
export class FrameBuffer {
  private text = "";
  private start = 0;

  push(text: string): void {
    this.text = this.start === this.text.length ? text : this.text.slice(this.start) + text;
    this.start = 0;
  }

  /** The next whole frame without its closing blank line, if one is here. */
  take(): string | null {
    const end = this.text.indexOf("\n\n", this.start);
    if (end < 0) return null;
    const frame = this.text.slice(this.start, end + 1);
    this.start = end + 2;
    return frame;
  }
}

/** The frames of a stream (a topic's stream inside a multiplexed one, on Node). */
export class FrameReader implements TopicFrames {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private readonly buffer = new FrameBuffer();

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  async next(): Promise<string | null> {
    for (;;) {
      const frame = this.buffer.take();
      if (frame !== null) return frame;
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer.push(this.decoder.decode(value, { stream: true }));
    }
  }

  cancel(): void {
    this.reader.cancel().catch(() => undefined);
  }
}
