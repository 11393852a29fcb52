import type { Config } from "./config.js";
import { HeraldError } from "./errors.js";
import { formatCursor, type Positions } from "./cursor.js";
import { encodeFrame, encodePosition, encodeRetry, PING } from "./sse.js";
import { Subscriber } from "./subscriber.js";

/**
 * A browser's stream built from the frames of its topics, wherever those
 * come from (on Workers, a WebSocket to each topic's Durable Object; on
 * Node, the in-memory topics of a multiplexed stream). This is where the
 * stream is held: its bounded queue (subscriber.ts), its one heartbeat, its
 * token expiry. Each topic's frames start with its position (an id-only
 * frame, after any gap notice), then its replay and live events.
 *
 * A stream of one topic passes every frame on as it is. A stream of several
 * (`cursor: true`) replaces each event's `id:` by the stream's cursor: the
 * topic it came from, then the position in every topic (see cursor.ts).
 * Event names and data pass through untouched; topic streams keep their own
 * order, and the stream interleaves them as they arrive.
 */
export interface TopicFrames {
  /** The next whole frame without its closing blank line; null when the topic's stream ended. */
  next(): Promise<string | null>;
  /** Stops the topic's stream (the browser went away, or another topic ended). */
  cancel(): void;
  /** Called on every heartbeat: lets the topic's side know this reader is alive. */
  beat?(): void;
}

export interface BrowserStreamMember {
  topic: string;
  frames: TopicFrames;
}

export interface BrowserStreamOptions {
  config: Pick<Config, "retryMs" | "heartbeatSeconds" | "maxBufferedBytes">;
  /** Several topics: ids become cursors, and the stream opens with `herald.open`. */
  cursor: boolean;
  /** Epoch ms at which the subscriber's token expires. */
  expiresAt?: number;
  /** Calls `tick` about once a second until the returned function is called. */
  every: (tick: (now: number) => void) => () => void;
}

const encoder = new TextEncoder();

export async function openBrowserStream(members: BrowserStreamMember[], options: BrowserStreamOptions): Promise<ReadableStream<Uint8Array>> {
  const { config } = options;
  const cancelAll = () => members.forEach((member) => member.frames.cancel());
  const positions: Positions = new Map();
  const notices: Uint8Array[] = [];
  try {
    for (const [i, start] of (await Promise.all(members.map(startOf))).entries()) {
      positions.set(members[i]!.topic, start.id);
      notices.push(...start.notices);
    }
  } catch (error) {
    cancelAll();
    throw error;
  }

  let stopTicking = () => {};
  const out = new Subscriber({
    // Gap notices before the position that moves past them (see topic-channel.ts).
    initial: [encodeRetry(config.retryMs), ...notices, headOf(members, positions, options.cursor)],
    maxBufferedBytes: config.maxBufferedBytes,
    expiresAt: options.expiresAt,
    onClose: () => {
      stopTicking();
      cancelAll();
    },
  });
  let lastPing = Date.now();
  stopTicking = options.every((now) => {
    if (out.expiresAt !== undefined && out.expiresAt <= now) return out.end("expired", expiredNotice(members, options.cursor));
    if (now - lastPing < config.heartbeatSeconds * 1000) return;
    lastPing = now;
    out.beat(PING);
    for (const member of members) member.frames.beat?.();
  });
  const rewrite = options.cursor ? cursorRewriter(positions) : passOn;
  for (const member of members) void pump(member, rewrite, out);
  return out.stream;
}

/**
 * After `retry:` and the notices: a single topic's position as it came (an
 * id-only frame EventSource takes as its last event id); for several topics,
 * `herald.open` with the starting cursor as its id, so that EventSource
 * resumes exactly even if no other event arrived, and a client can read the
 * cursor (an id-only frame would dispatch nothing).
 */
function headOf(members: BrowserStreamMember[], positions: Positions, cursor: boolean): Uint8Array {
  const topics = members.map((m) => m.topic);
  if (!cursor) return encodePosition(positions.get(topics[0]!)!);
  return encodeFrame({ id: formatCursor("", positions), event: "herald.open", data: JSON.stringify({ topics }) });
}

function expiredNotice(members: BrowserStreamMember[], cursor: boolean): Uint8Array {
  const topics = members.map((m) => m.topic);
  return encodeFrame({ event: "herald.expired", data: JSON.stringify(cursor ? { topics } : { topic: topics[0] }) });
}

/** A topic stream's position, and the notices (a herald.gap) sent before it. */
async function startOf({ topic, frames }: BrowserStreamMember): Promise<{ id: string; notices: Uint8Array[] }> {
  const notices: Uint8Array[] = [];
  for (let frame = await frames.next(); frame !== null; frame = await frames.next()) {
    if (frame.startsWith("id: ")) return { id: frame.slice(4, -1), notices };
    const bytes = passOn(frame);
    if (bytes) notices.push(bytes);
  }
  // On Workers: the topic's object went away as the stream opened; a retry reaches its next instance.
  throw new HeraldError("topic_unavailable", `the stream of ${topic} ended before its position: retry`);
}

type Rewrite = (frame: string, topic: string) => Uint8Array | undefined;

async function pump({ topic, frames }: BrowserStreamMember, rewrite: Rewrite, out: Subscriber): Promise<void> {
  try {
    for (let frame = await frames.next(); frame !== null && out.isOpen; frame = await frames.next()) {
      const bytes = rewrite(frame, topic);
      if (bytes && !out.send(bytes)) break;
    }
  } catch {
    // The topic's stream failed; ending the whole stream below is the answer.
  }
  // A topic stream ended (its object restarted, the hub is stopping): end the
  // browser's stream too, so the client reconnects with its last id and resumes.
  out.end("shutdown");
}

/** For several topics: each event's id becomes the cursor; position frames only move it. */
function cursorRewriter(positions: Positions): Rewrite {
  return (frame, topic) => {
    if (!frame.startsWith("id: ")) return passOn(frame);
    const lineEnd = frame.indexOf("\n");
    positions.set(topic, frame.slice(4, lineEnd));
    if (lineEnd === frame.length - 1) return undefined;
    return encoder.encode(`id: ${formatCursor(topic, positions)}${frame.slice(lineEnd)}\n`);
  };
}

/** A frame as it came; a topic's own pings and retry are the stream's business, not the topic's. */
function passOn(frame: string): Uint8Array | undefined {
  if (frame.startsWith(":") || frame.startsWith("retry:")) return undefined;
  return encoder.encode(`${frame}\n`);
}
