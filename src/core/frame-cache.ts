import type { StoredEvent } from "./event-log.js";
import { encodeFrame } from "./sse.js";

/** Frames larger than this are encoded each time: the cache stays small whatever the payloads. */
const MAX_CACHED_FRAME_BYTES = 2048;

/**
 * The encoded frames of a topic's recently replayed events, in a ring by
 * seq, filled as replays encode them. When a crowd reconnects at once (a
 * deploy, a network blip), each event is read from the log and encoded
 * once instead of once per subscriber. Which events a replay holds is
 * still the log's decision; a frame is reused only for the same id, and an
 * event never changes.
 */
export class FrameCache {
  private ids: Array<string | undefined> = [];
  private frames: Uint8Array[] = [];

  constructor(private readonly capacity: number) {}

  /** The frame of event `seq` if it is here under this id. */
  cached(id: string, seq: number): Uint8Array | undefined {
    const slot = seq % this.capacity;
    return this.ids[slot] === id ? this.frames[slot] : undefined;
  }

  frame(id: string, event: StoredEvent): Uint8Array {
    const slot = event.seq % this.capacity;
    if (this.ids[slot] === id) return this.frames[slot]!;
    const frame = encodeFrame({ id, event: event.event ?? undefined, data: event.data });
    if (frame.byteLength <= MAX_CACHED_FRAME_BYTES) {
      this.ids[slot] = id;
      this.frames[slot] = frame;
    }
    return frame;
  }
}
