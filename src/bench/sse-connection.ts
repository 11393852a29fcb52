import { connect, type Socket } from "node:net";
import type { Histogram } from "./histogram.ts";
import { nowMs, type Endpoint } from "./messages.ts";

/**
 * One subscriber as a raw socket: an HTTP/1.1 GET, a chunked-body decoder
 * and a minimal SSE frame scanner that pulls `t` and `seq` out of the bench
 * payload without JSON.parse. No EventSource objects: at 10,000 streams on
 * the same two cores as the server, the client must cost little.
 *
 * Seqs are tracked as a bitmap, not as "next expected": with 16 publishes in
 * flight a hub may order them differently from their seqs, and that is
 * neither loss nor duplication.
 */

/** Counters shared by every connection of one worker thread. */
export interface Tally {
  measuring: boolean;
  /** Events sent before this (nowMs) are the warm-up: their latency goes to `warmup`. */
  measureFrom: number;
  latency: Histogram;
  warmup: Histogram;
  frames: number;
  /** Deliveries that arrived at or after measureFrom. */
  measured: number;
  duplicates: number;
  gapNotices: number;
  reconnects: number;
  firstAt: number;
  lastAt: number;
  errors: string[];
}

/**
 * The (id, seq) pairs of one topic in the hub's order, for the reconnect
 * storm. Every subscriber appends the ids nobody has appended yet: each sees
 * the hub's order, so when one appends an id, every earlier id is already
 * in, and the log is the hub's order however far apart the subscribers are.
 * Off (empty) outside the storm scenario, where nothing needs it.
 */
export interface TopicLog {
  record: boolean;
  ids: string[];
  seqs: number[];
  known: Set<string>;
}

const DATA_PREFIX = 'data: {"t":';
/** Where this thread's sockets read into (see open()). */
const READ_BUFFER = Buffer.alloc(64 * 1024);
const MAX_ERRORS = 20;
const RECONNECT_DELAY_MS = 100;
const MAX_RECONNECTS = 20;

export function noteError(tally: Tally, message: string): void {
  if (tally.errors.length < MAX_ERRORS) tally.errors.push(message);
}

// Body states (plain numbers: type stripping allows no enums).
const HEADERS = 0;
const CHUNK_SIZE = 1;
const CHUNK_DATA = 2;
const CHUNK_END = 3;
const IDENTITY = 4;
const DONE = 5;

export class SseConnection {
  unique = 0;
  /** Lowest seq not yet received: everything below it has arrived. */
  low = 1;
  lastId = "";
  reconnects = 0;
  /** On this subscriber's streams: if 0, whatever it lacks was lost untold. */
  gapNotices = 0;
  /** For describe(): when the current stream opened, what it has read, when it last read an event. */
  private openedAt = 0;
  private bytesSinceOpen = 0;
  private lastEventAt = 0;
  caughtUpAt = 0;
  catchUpTo = 0;
  private seen = new Uint8Array(64);
  private socket?: Socket;
  private state: number = HEADERS;
  private head = "";
  private sizeLine = "";
  private chunkLeft = 0;
  private pending = "";
  private closing = false;
  private openedAfter = "";
  private established = false;

  readonly topic: string;
  private readonly endpoint: Endpoint;
  private readonly tally: Tally;
  private readonly log: TopicLog;

  constructor(topic: string, endpoint: Endpoint, tally: Tally, log: TopicLog) {
    this.topic = topic;
    this.endpoint = endpoint;
    this.tally = tally;
    this.log = log;
  }

  /** Resolves once the 200 and its headers are in: the subscriber is registered. */
  open(lastEventId?: string, timeoutMs = 30_000): Promise<void> {
    this.openedAfter = lastEventId ?? "";
    this.openedAt = nowMs();
    this.bytesSinceOpen = 0;
    this.state = HEADERS;
    this.head = "";
    this.pending = "";
    this.sizeLine = "";
    this.closing = false;
    this.established = false;
    const { port, subscribePath, subscribeHeaders } = this.endpoint;
    let request = `GET ${subscribePath.replace("{topic}", this.topic)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n`;
    for (const [name, value] of Object.entries(subscribeHeaders)) request += `${name}: ${value}\r\n`;
    if (lastEventId) request += `Last-Event-ID: ${lastEventId}\r\n`;
    request += "\r\n";

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          this.closing = true;
          socket.destroy();
          reject(error);
        } else resolve();
      };
      const timer = setTimeout(() => settle(new Error("no response headers in time")), timeoutMs);
      // Reads land in one buffer shared by every socket of this thread and
      // are parsed at once, without a Buffer and a 'data' event per read.
      const onread = {
        buffer: READ_BUFFER,
        callback: (length: number, buffer: Uint8Array): boolean => {
          onData(Buffer.from(buffer.buffer, buffer.byteOffset, length));
          return true;
        },
      };
      const socket = connect({ host: "127.0.0.1", port, onread }, () => socket.write(request));
      this.socket = socket;
      // A rewind replaces the socket: events of the old one must not touch
      // the state (or trigger a reconnect) of the new one.
      const onData = (chunk: Buffer): void => {
        if (socket !== this.socket) return;
        this.bytesSinceOpen += chunk.length;
        if (this.state === HEADERS) {
          this.head += chunk.toString("latin1", 0, chunk.length);
          const end = this.head.indexOf("\r\n\r\n");
          if (end < 0) return;
          const status = this.head.slice(9, 12);
          if (status !== "200") return settle(new Error(`HTTP ${status}: ${this.head.slice(end + 4, end + 200).trim()}`));
          const headers = this.head.slice(0, end).toLowerCase();
          this.state = /\r\ntransfer-encoding:\s*chunked/.test(headers) ? CHUNK_SIZE : IDENTITY;
          const rest = Buffer.from(this.head.slice(end + 4), "latin1");
          this.head = "";
          this.established = true;
          settle();
          if (rest.length > 0) this.onBody(rest);
          return;
        }
        this.onBody(chunk);
      };
      socket.on("error", (error) => settle(error));
      socket.on("close", () => {
        settle(new Error("closed before response headers"));
        if (socket !== this.socket || this.closing || !this.established) return;
        // The hub ended or dropped the stream: come back like EventSource
        // does, from the last id, so that only real loss counts as loss.
        this.reconnect();
      });
    });
  }

  private reconnect(): void {
    if (this.reconnects >= MAX_RECONNECTS) return noteError(this.tally, `${this.topic}: gave up after ${MAX_RECONNECTS} reconnects`);
    this.reconnects++;
    this.tally.reconnects++;
    setTimeout(() => {
      this.open(this.lastId || undefined).catch((error: Error) => {
        noteError(this.tally, `reconnect: ${error.message}`);
        this.established = true;
        this.closing = false;
        this.reconnect();
      });
    }, RECONNECT_DELAY_MS);
  }

  close(): void {
    this.closing = true;
    this.socket?.destroy();
  }

  /**
   * Drops the stream and reopens it from `back` events before this
   * subscriber's own newest one (in the hub's order), forgetting the events
   * after that point so that their replay counts as received rather than
   * duplicated. Synchronous up to the new connect, so no event slips in
   * between the reckoning and the drop.
   */
  rewind(back: number): Promise<void> {
    const { ids, seqs } = this.log;
    let at = this.lastId ? ids.lastIndexOf(this.lastId) : ids.length - 1;
    if (at < 0) at = ids.length - 1;
    const from = Math.max(0, at + 1 - back);
    for (let i = from; i <= at; i++) this.forget(seqs[i]!);
    this.close();
    return this.open(from > 0 ? ids[from - 1] : undefined);
  }

  hasSeq(seq: number): boolean {
    return ((this.seen[seq >> 3] ?? 0) & (1 << (seq & 7))) !== 0;
  }

  private forget(seq: number): void {
    if (!this.hasSeq(seq)) return;
    this.seen[seq >> 3]! &= ~(1 << (seq & 7));
    this.unique--;
    if (seq < this.low) this.low = seq;
  }

  private onBody(chunk: Buffer): void {
    let text = "";
    if (this.state === IDENTITY) text = chunk.toString("latin1", 0, chunk.length);
    else {
      let i = 0;
      const n = chunk.length;
      while (i < n) {
        if (this.state === CHUNK_DATA) {
          const take = Math.min(this.chunkLeft, n - i);
          text += chunk.toString("latin1", i, i + take);
          i += take;
          this.chunkLeft -= take;
          if (this.chunkLeft === 0) this.state = CHUNK_END;
        } else if (this.state === CHUNK_END) {
          // the CRLF after a chunk's data
          if (chunk[i] === 10) this.state = CHUNK_SIZE;
          i++;
        } else if (this.state === CHUNK_SIZE) {
          const nl = chunk.indexOf(10, i);
          if (nl < 0) {
            this.sizeLine += chunk.toString("latin1", i, n);
            break;
          }
          this.sizeLine += chunk.toString("latin1", i, nl);
          i = nl + 1;
          const size = parseInt(this.sizeLine, 16);
          this.sizeLine = "";
          if (size === 0) {
            this.state = DONE;
            break;
          }
          this.chunkLeft = size;
          this.state = CHUNK_DATA;
        } else break;
      }
    }
    if (text === "") return;
    const buffered = this.pending === "" ? text : this.pending + text;
    const end = buffered.lastIndexOf("\n\n");
    if (end < 0) {
      this.pending = buffered;
      return;
    }
    this.pending = end + 2 === buffered.length ? "" : buffered.slice(end + 2);
    this.scan(buffered, end + 2);
  }

  /** Reads every complete frame in text[0, stop). */
  private scan(text: string, stop: number): void {
    const now = nowMs();
    const tally = this.tally;
    let pos = 0;
    while (pos < stop) {
      let end = text.indexOf("\n\n", pos);
      if (end < 0 || end > stop) end = stop;
      let id: string | undefined;
      let p = pos;
      while (p < end) {
        let nl = text.indexOf("\n", p);
        if (nl < 0 || nl > end) nl = end;
        const c = text.charCodeAt(p);
        if (c === 105 /* i */ && text.startsWith("id:", p)) {
          id = text.slice(p + (text.charCodeAt(p + 3) === 32 ? 4 : 3), nl);
        } else if (c === 100 /* d */ && text.startsWith(DATA_PREFIX, p)) {
          const tStart = p + DATA_PREFIX.length;
          const comma = text.indexOf(",", tStart);
          const t = Number(text.slice(tStart, comma));
          const sStart = comma + 7; // ,"seq":
          const seq = Number(text.slice(sStart, text.indexOf(",", sStart)));
          this.deliver(seq, t, now, id);
        } else if (c === 101 /* e */ && text.startsWith("event: herald.gap", p)) {
          tally.gapNotices++;
          this.gapNotices++;
        }
        p = nl + 1;
      }
      // Like EventSource, an id without data still sets the id to resume from.
      if (id !== undefined) this.lastId = id;
      pos = end + 2;
    }
    if (tally.firstAt === 0) tally.firstAt = now;
    this.lastEventAt = now;
  }

  /** Where this subscriber stands, for a report of loss nobody was told of. */
  describe(now: number): string {
    const ago = (at: number) => (at === 0 ? "never" : `${((now - at) / 1000).toFixed(1)} s ago`);
    return (
      `${this.unique} events (lowest missing seq ${this.low}), ${this.reconnects} reconnects, ` +
      `stream opened ${ago(this.openedAt)}${this.openedAfter ? ` after ${this.openedAfter}` : ""}, ` +
      `${this.established ? "answered" : "no answer yet"}, ${this.bytesSinceOpen} bytes read on it, last frames ${ago(this.lastEventAt)}`
    );
  }

  private deliver(seq: number, t: number, now: number, id: string | undefined): void {
    const tally = this.tally;
    tally.frames++;
    // The delivery window ends at the last event, not at a later heartbeat.
    tally.lastAt = now;
    if (id !== undefined) {
      this.lastId = id;
      if (this.log.record && !this.log.known.has(id)) {
        this.log.known.add(id);
        this.log.ids.push(id);
        this.log.seqs.push(seq);
      }
    }
    const byte = seq >> 3;
    if (byte >= this.seen.length) {
      const grown = new Uint8Array(Math.max(this.seen.length * 2, byte + 64));
      grown.set(this.seen);
      this.seen = grown;
    }
    const bit = 1 << (seq & 7);
    if (this.seen[byte]! & bit) {
      tally.duplicates++;
      if (tally.duplicates <= 3) noteError(tally, `duplicate seq ${seq} (id ${id}) on a stream opened after ${this.openedAfter || "no id"}`);
      return;
    }
    this.seen[byte]! |= bit;
    this.unique++;
    if (seq === this.low) while (this.hasSeq(this.low)) this.low++;
    if (this.catchUpTo > 0 && this.caughtUpAt === 0 && this.low > this.catchUpTo) this.caughtUpAt = now;
    if (!tally.measuring) return;
    // Throughput counts what arrives in the window, whenever it was sent, as
    // the server's CPU over the window does; latency goes by send time.
    if (now >= tally.measureFrom) tally.measured++;
    (t < tally.measureFrom ? tally.warmup : tally.latency).add((now - t) * 1000);
  }
}
