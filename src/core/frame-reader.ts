import type { TopicFrames } from "./browser-stream.js";

/**
 * Chunks of whole frames back from Herald's own SSE output, however it was
 * cut on the way (chunks of a stream, WebSocket messages from a Durable
 * Object). Herald never writes a blank line inside a frame (data is split
 * into `data:` lines), so a frame ends at the first `\n\n`; and a chunk that
 * ends on one and follows no partial frame passes as it is, uncopied, which
 * is every live event.
 */
export class WholeFrames {
  private partial: Uint8Array | undefined;

  /** The whole frames that `bytes` completes, if any; the rest waits for the next chunk. */
  push(bytes: Uint8Array): Uint8Array | undefined {
    const all = this.partial ? concat(this.partial, bytes) : bytes;
    const end = lastFrameEnd(all);
    this.partial = end === all.byteLength ? undefined : all.slice(end);
    if (end === 0) return undefined;
    return end === all.byteLength ? all : all.subarray(0, end);
  }
}

/** The offset just past the last `\n\n` in `bytes`, or 0. */
function lastFrameEnd(bytes: Uint8Array): number {
  for (let i = bytes.byteLength - 1; i > 0; i--) {
    if (bytes[i] === 10 && bytes[i - 1] === 10) return i + 1;
  }
  return 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a);
  joined.set(b, a.byteLength);
  return joined;
}

/** The frames of a chunk of whole frames, as text without their closing blank lines. */
export function framesOf(text: string): string[] {
  const frames = text.split("\n\n");
  frames.pop();
  return frames.map((frame) => `${frame}\n`);
}

/** The frames of a stream (a topic's stream inside a multiplexed one, on Node). */
export class FrameReader implements TopicFrames {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly whole = new WholeFrames();

  constructor(
    stream: ReadableStream<Uint8Array>,
    readonly initialBytes?: number,
  ) {
    this.reader = stream.getReader();
  }

  start(onChunk: (frames: Uint8Array) => void, onEnd: () => void): void {
    void (async () => {
      try {
        for (let next = await this.reader.read(); !next.done; next = await this.reader.read()) {
          const frames = this.whole.push(next.value);
          if (frames) onChunk(frames);
        }
      } catch {
        // The topic's stream failed: it ends here like one that closed.
      }
      onEnd();
    })();
  }

  cancel(): void {
    this.reader.cancel().catch(() => undefined);
  }
}
