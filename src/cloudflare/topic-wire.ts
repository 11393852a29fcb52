import type { StartAt } from "../core/event-log.js";

/**
 * What a Worker and a topic's Durable Object say to each other over the
 * WebSocket that carries one stream's topic. The Worker opens it with
 * `Upgrade: websocket` and these headers; the object answers 101 and sends
 * the topic's frames (gap notice, position, replay, then live events) as
 * text messages of whole frames (a frame larger than a message comes in
 * several; the events of one storage wait come together), or a JSON
 * refusal instead of the 101, or a 307 naming the relay to connect to
 * instead (its number in the `relay` header; see relay-wire.ts).
 * The Worker sends only PING, every few heartbeats; the platform answers PONG
 * without waking the object and notes when, which is how the object tells a
 * Worker that went away from one whose topic is quiet.
 */
export const CONNECT_HEADERS = {
  topic: "x-herald-topic",
  lastEventId: "x-herald-last-event-id",
  since: "x-herald-since",
  last: "x-herald-last",
  /** The stream's token subject, for presence, percent-encoded (a header carries only Latin-1). */
  subject: "x-herald-subject",
  /** On a relay's connect: which relay of the topic this is (relay-wire.ts). */
  relay: "x-herald-relay",
  /** On the 101: the bytes of head and replay before live frames (TopicFrames.initialBytes). */
  initialBytes: "x-herald-initial-bytes",
} as const;

/** Where the stream starts (StartAt), as the connect's headers carry it. */
export function setStartHeaders(headers: Headers, { lastEventId, since, last }: StartAt): void {
  if (lastEventId !== undefined) headers.set(CONNECT_HEADERS.lastEventId, lastEventId);
  if (since !== undefined) headers.set(CONNECT_HEADERS.since, String(since));
  if (last !== undefined) headers.set(CONNECT_HEADERS.last, String(last));
}

export function startOf(headers: Headers): StartAt {
  const number = (name: "since" | "last") => {
    const value = headers.get(CONNECT_HEADERS[name]);
    return value === null ? undefined : Number(value);
  };
  return { lastEventId: headers.get(CONNECT_HEADERS.lastEventId) ?? undefined, since: number("since"), last: number("last") };
}

export function setSubjectHeader(headers: Headers, subject: string | undefined): void {
  if (subject !== undefined) headers.set(CONNECT_HEADERS.subject, encodeURIComponent(subject));
}

export function subjectOf(headers: Headers): string | undefined {
  const value = headers.get(CONNECT_HEADERS.subject);
  return value === null ? undefined : decodeURIComponent(value);
}

export const PING = "ping";
export const PONG = "pong";

/**
 * The Worker pings a topic's object once every this many heartbeats: each
 * message into an object may be billed (as 1/20 of a request), so this is
 * most of what an idle stream costs (docs/cost.md).
 */
export const PING_EVERY_BEATS = 4;

/** A ping due after n heartbeats goes at the n-th, even if that one fires a little early. */
const PING_SLACK = 0.9;

/** When the Worker's end of a socket (to a topic, a relay, an owner) pings next: every `everyMs`. */
export class PingClock {
  private pingedAt = Date.now();

  constructor(private readonly everyMs: number) {}

  /** True, and counts from now, if a ping is due. */
  due(): boolean {
    const now = Date.now();
    if (now - this.pingedAt < this.everyMs * PING_SLACK) return false;
    this.pingedAt = now;
    return true;
  }
}

/**
 * A socket whose Worker sent no PING for this many heartbeats (three pings
 * missed) is closed the next time the object is awake (a publish, a
 * connect, a stats call).
 */
export const STALE_AFTER_BEATS = 3 * PING_EVERY_BEATS;

/** A replay is sent in messages of at most this much (the platform caps a message at 1 MiB). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * Frames go as text messages (measured cheaper to send than binary ones in
 * workerd), decoded once per broadcast: every socket and relay link gets the
 * same bytes.
 */
const decoder = new TextDecoder();
let lastBytes: Uint8Array | undefined;
let lastText = "";
export function wireText(bytes: Uint8Array): string {
  if (bytes !== lastBytes) [lastBytes, lastText] = [bytes, decoder.decode(bytes)];
  return lastText;
}

/**
 * A text in pieces of at most `maxBytes` of UTF-8, never cut inside a
 * character (the Worker joins the pieces back): most texts are one piece.
 */
export function* textPieces(text: string, maxBytes: number): Generator<string> {
  if (text.length * 3 <= maxBytes) return yield text;
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A surrogate pair counts its 4 bytes at its first half, so no cut falls between the two.
    const size = unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit < 0xdc00 ? 4 : unit >= 0xdc00 && unit < 0xe000 ? 0 : 3;
    if (bytes + size > maxBytes) {
      yield text.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  yield text.slice(start);
}

/** Reserved close codes (no status, abnormal, TLS) cannot be sent back: a plain close instead. */
export function sendableCloseCode(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
}
