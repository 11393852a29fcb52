/**
 * Reads whole frames back from a stream of Herald's own SSE output (a topic
 * stream, possibly split or merged into arbitrary chunks on the way from a
 * Durable Object). This is not a general SSE parser: Herald never writes a
 * blank line inside a frame (data is split into `data:` lines), so a blank
 * line always ends one.
 */
export class FrameReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** The next frame without its closing blank line; null when the stream ends. */
  async next(): Promise<string | null> {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const frame = this.buffer.slice(0, end + 1);
        this.buffer = this.buffer.slice(end + 2);
        return frame;
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  cancel(): void {
    this.reader.cancel().catch(() => undefined);
  }
}
