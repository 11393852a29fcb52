import { formatCursor, type Positions } from "./cursor.js";
import { FrameReader } from "./frame-reader.js";
import { encodeFrame, encodeRetry, PING } from "./sse.js";
import { Subscriber } from "./subscriber.js";

/**
 * One stream carrying several topics. Each topic's own stream (opened in
 * mux mode, so it starts with its position) is read here, and every event
 * is passed on with its `id:` replaced by the stream's cursor: the topic it
 * came from, then the position in every topic (see cursor.ts). Event names
 * and data pass through untouched. Topic streams keep their own order; the
 * merged stream interleaves them as they arrive.
 */
export interface MuxMember {
  topic: string;
  stream: ReadableStream<Uint8Array>;
}

export interface MuxOptions {
  retryMs: number;
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** Epoch ms at which the subscriber's token expires. */
  expiresAt?: number;
  /** Calls `tick` about once a second until the returned function is called. */
  every: (tick: (now: number) => void) => () => void;
}

const encoder = new TextEncoder();

export async function openMux(members: MuxMember[], options: MuxOptions): Promise<ReadableStream<Uint8Array>> {
  const readers = members.map(({ topic, stream }) => ({ topic, frames: new FrameReader(stream) }));
  const cancelAll = () => readers.forEach((reader) => reader.frames.cancel());
  const positions: Positions = new Map();
  const notices: Uint8Array[] = [];
  try {
    for (const [i, start] of (await Promise.all(readers.map(startOf))).entries()) {
      positions.set(readers[i]!.topic, start.id);
      notices.push(...start.notices);
    }
  } catch (error) {
    cancelAll();
    throw error;
  }

  let stopTicking = () => {};
  const out = new Subscriber({
    // Gap notices before the cursor that moves past them (see topic-channel.ts).
    initial: [encodeRetry(options.retryMs), ...notices, openFrame(formatCursor("", positions), members)],
    maxBufferedBytes: options.maxBufferedBytes,
    expiresAt: options.expiresAt,
    onClose: () => {
      stopTicking();
      cancelAll();
    },
  });
  // One heartbeat for the connection; the topics' own pings are dropped.
  let lastPing = Date.now();
  stopTicking = options.every((now) => {
    if (out.expiresAt !== undefined && out.expiresAt <= now) {
      const topics = members.map((m) => m.topic);
      return out.end("expired", encodeFrame({ event: "herald.expired", data: JSON.stringify({ topics }) }));
    }
    if (now - lastPing >= options.heartbeatMs) {
      lastPing = now;
      out.beat(PING);
    }
  });
  for (const reader of readers) void pump(reader, positions, out);
  return out.stream;
}

interface MemberReader {
  topic: string;
  frames: FrameReader;
}

/**
 * The stream's first event, `herald.open`, carries the starting cursor as
 * its id: EventSource then resumes exactly even if no other event arrived,
 * and a client can read the cursor (an id-only frame would dispatch nothing).
 */
function openFrame(cursor: string, members: MuxMember[]): Uint8Array {
  return encodeFrame({ id: cursor, event: "herald.open", data: JSON.stringify({ topics: members.map((m) => m.topic) }) });
}

/** A topic stream's position, and the notices (a herald.gap) sent before it. */
async function startOf({ topic, frames }: MemberReader): Promise<{ id: string; notices: Uint8Array[] }> {
  const notices: Uint8Array[] = [];
  for (let frame = await frames.next(); frame !== null; frame = await frames.next()) {
    if (frame.startsWith("id: ")) return { id: frame.slice(4, -1), notices };
    const bytes = passOn(frame);
    if (bytes) notices.push(bytes);
  }
  throw new Error(`the stream of ${topic} ended before its position`);
}

async function pump({ topic, frames }: MemberReader, positions: Positions, out: Subscriber): Promise<void> {
  try {
    for (let frame = await frames.next(); frame !== null && out.isOpen; frame = await frames.next()) {
      const bytes = rewrite(frame, topic, positions);
      if (bytes && !out.send(bytes)) break;
    }
  } catch {
    // The topic's stream failed; ending the whole stream below is the answer.
  }
  // A topic stream ended (its object restarted, the hub is stopping): end the
  // merged stream too, so the client reconnects with its cursor and resumes.
  out.end("shutdown");
}

/** The frame to pass on for one frame of a topic stream, if any. */
function rewrite(frame: string, topic: string, positions: Positions): Uint8Array | undefined {
  if (frame.startsWith("id: ")) {
    const lineEnd = frame.indexOf("\n");
    positions.set(topic, frame.slice(4, lineEnd));
    if (lineEnd === frame.length - 1) return undefined;
    return encoder.encode(`id: ${formatCursor(topic, positions)}${frame.slice(lineEnd)}\n`);
  }
  return passOn(frame);
}

/** A frame without an id: herald.gap and other notices, which already name their topic, pass on. */
function passOn(frame: string): Uint8Array | undefined {
  if (frame.startsWith(":") || frame.startsWith("retry:")) return undefined;
  return encoder.encode(`${frame}\n`);
}
