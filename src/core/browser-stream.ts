import type { Config } from "./config.js";
import { formatCursor, type Positions } from "./cursor.js";
import { HeraldError } from "./errors.js";
import { framesOf } from "./frame-reader.js";
import { encodeEndNotice, encodeFrame, encodePosition, encodeRetry, PING } from "./sse.js";
import type { StreamSlot } from "./stream-owners.js";
import { Subscriber } from "./subscriber.js";

/**
 * A browser's stream built from the frames of its topics, wherever those
 * come from (on Workers, a WebSocket to each topic's Durable Object; on
 * Node, the in-memory topics of a multiplexed stream). This is where the
 * stream is held: its bounded queue (subscriber.ts), its one heartbeat, its
 * token expiry. Each topic's frames start with its position (an id-only
 * frame, after any gap notice), then its replay and live events.
 *
 * A stream of one topic passes its topic's chunks on as they are. A stream
 * of several (`cursor: true`) replaces each event's `id:` by the stream's
 * cursor: the topic it came from, then the position in every topic (see
 * cursor.ts). Event names and data pass through untouched; topic streams
 * keep their own order, and the stream interleaves them as they arrive.
 */
export interface TopicFrames {
  /**
   * Hands over the topic's frames in chunks of whole frames, in order (those
   * that came before at once), then calls `onEnd` once when its stream ends.
   */
  start(onChunk: (frames: Uint8Array) => void, onEnd: () => void): void;
  /** Stops the topic's stream (the browser went away, or another topic ended). */
  cancel(): void;
  /** Called on every heartbeat: lets the topic's side know this reader is alive. */
  beat?(): void;
  /**
   * The bytes of head and replay the topic sends before its live frames,
   * when known: the stream's bound allows them on top of MAX_BUFFERED_BYTES,
   * as a stream's replay is allowed where it is queued at once.
   */
  readonly initialBytes?: number;
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
  every: Every;
  /** The stream's place in its owner's count (stream-owners.ts), held until it closes. */
  slot?: StreamSlot;
  /** The browser client's diagnosis of a failed stream: the head is written, then the stream ends. */
  probe?: boolean;
}

/**
 * A runtime's clock: calls `tick` every `periodMs`, or more often (Node ticks
 * every stream on one shared one-second timer), until the returned function
 * is called. On Workers each stream has its own timers, and each firing is
 * billed CPU: a stream wakes once a heartbeat, and once more at its expiry.
 */
export type Every = (tick: (now: number) => void, periodMs: number) => () => void;

/** A tick this much early still beats: timers fire a little early or late. */
const BEAT_SLACK_MS = 500;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A topic's start: the notices before its position, its position, and what came after it so far. */
interface Start {
  notices: Uint8Array[];
  position?: string;
  after: Uint8Array[];
  ended: boolean;
}

export async function openBrowserStream(members: BrowserStreamMember[], options: BrowserStreamOptions): Promise<ReadableStream<Uint8Array>> {
  const { config } = options;
  const cancelAll = () => members.forEach((member) => member.frames.cancel());
  const positions: Positions = new Map();
  let live: ((topic: string, frames: Uint8Array) => void) | undefined;
  let end = (): void => {};
  const starts = members.map(({ topic, frames }) => {
    const start: Start = { notices: [], after: [], ended: false };
    const started = new Promise<void>((resolve) => {
      frames.start(
        (chunk) => (live ? live(topic, chunk) : readStart(start, chunk) && resolve()),
        () => (live ? end() : ((start.ended = true), resolve())),
      );
    });
    return { topic, start, started };
  });
  await Promise.all(starts.map((s) => s.started));
  const unstarted = starts.find((s) => s.start.position === undefined);
  if (unstarted) {
    cancelAll();
    // On Workers: the topic's object went away as the stream opened; a retry reaches its next instance.
    throw new HeraldError("topic_unavailable", `the stream of ${unstarted.topic} ended before its position: retry`);
  }
  for (const { topic, start } of starts) positions.set(topic, start.position!);

  let stopTicking = () => {};
  const out = new Subscriber({
    // Gap notices before the position that moves past them (see topic-channel.ts).
    initial: [encodeRetry(config.retryMs), ...starts.flatMap((s) => s.start.notices), headOf(members, positions, options.cursor)],
    maxBufferedBytes: config.maxBufferedBytes + members.reduce((sum, member) => sum + (member.frames.initialBytes ?? 0), 0),
    expiresAt: options.expiresAt,
    onClose: () => {
      stopTicking();
      cancelAll();
      options.slot?.release();
    },
  });
  const topics = members.map((m) => m.topic);
  // A topic stream ended (its object restarted, the hub is stopping): end the
  // browser's stream too, so the client reconnects with its last id and resumes.
  end = () => out.end("shutdown");
  live = options.cursor ? cursorRewriter(positions, out) : (_, chunk) => void out.send(chunk);
  for (const { topic, start } of starts) for (const chunk of start.after) live(topic, chunk);
  // A probe learns what a stream would be answered, and is no stream.
  if (starts.some((s) => s.start.ended) || options.probe) end();
  // Only a stream that is open takes its place (and may replace another).
  if (out.isOpen) {
    options.slot?.hold((replaced) =>
      replaced ? out.end("replaced", encodeEndNotice("herald.replaced", topics, options.cursor)) : out.end("shutdown"),
    );
  }
  const beatMs = config.heartbeatSeconds * 1000;
  let lastPing = Date.now();
  const stops = [
    options.every((now) => {
      if (now - lastPing < beatMs - BEAT_SLACK_MS) return;
      lastPing = now;
      out.beat(PING);
      for (const member of members) member.frames.beat?.();
      options.slot?.beat?.();
    }, beatMs),
  ];
  const expiresAt = out.expiresAt;
  if (expiresAt !== undefined) {
    const expire = (now: number) => void (expiresAt <= now && out.end("expired", encodeEndNotice("herald.expired", topics, options.cursor)));
    stops.push(options.every(expire, Math.max(1000, expiresAt - Date.now() + 1)));
  }
  stopTicking = () => stops.forEach((stop) => stop());
  return out.stream;
}

/** Reads a chunk of a topic's start; true once its position has come. */
function readStart(start: Start, chunk: Uint8Array): boolean {
  if (start.position !== undefined) return (start.after.push(chunk), true);
  const frames = framesOf(decoder.decode(chunk));
  const at = frames.findIndex((frame) => frame.startsWith("id: "));
  for (const frame of at < 0 ? frames : frames.slice(0, at)) if (!isOwnFrame(frame)) start.notices.push(encoder.encode(`${frame}\n`));
  if (at < 0) return false;
  start.position = frames[at]!.slice(4, -1);
  const rest = frames.slice(at + 1);
  if (rest.length > 0) start.after.push(encoder.encode(rest.map((frame) => `${frame}\n`).join("")));
  return true;
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

/** For several topics: each event's id becomes the cursor; position frames only move it. */
function cursorRewriter(positions: Positions, out: Subscriber): (topic: string, chunk: Uint8Array) => void {
  return (topic, chunk) => {
    let text = "";
    for (const frame of framesOf(decoder.decode(chunk))) {
      if (isOwnFrame(frame)) continue;
      if (!frame.startsWith("id: ")) {
        text += `${frame}\n`;
        continue;
      }
      const lineEnd = frame.indexOf("\n");
      positions.set(topic, frame.slice(4, lineEnd));
      if (lineEnd < frame.length - 1) text += `id: ${formatCursor(topic, positions)}${frame.slice(lineEnd)}\n`;
    }
    if (text !== "") out.send(encoder.encode(text));
  };
}

/** A topic's own pings and retry (Node's topics send them): the browser's stream has its own. */
function isOwnFrame(frame: string): boolean {
  return frame.startsWith(":") || frame.startsWith("retry:");
}
