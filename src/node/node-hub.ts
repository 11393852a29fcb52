import type { Config } from "../core/config.js";
import { Counters } from "../core/counters.js";
import type { TopicFrames } from "../core/browser-stream.js";
import { HeraldError } from "../core/errors.js";
import type { HistoryQuery } from "../core/event-log.js";
import { FrameReader } from "../core/frame-reader.js";
import { presenceAnswer } from "../core/presence.js";
import { partRefusal, type BatchPart, type PartOutcome } from "../core/publish-batch.js";
import type { SinkOptions } from "../core/sink.js";
import type { FramesOptions, Hub, StreamOptions } from "../core/hub.js";
import { encodeEndNotice, SSE_HEADERS } from "../core/sse.js";
import { TopicChannel, type PublishInput } from "../core/topic-channel.js";
import { DeferredStreamSink } from "./deferred-stream-sink.js";
import { SocketGroup } from "./socket-group.js";
import { SocketSink } from "./socket-sink.js";
import type { NodeSql } from "./sql.js";
import { WriteBatch } from "./write-batch.js";

/** Marks a stream Response whose socket the server must hand to its sink. */
export const ATTACH_HEADER = "x-herald-attach";
/** A stream Response not handed over by then was dropped on the way out. */
const UNCLAIMED_MS = 5000;

/**
 * Every topic of one process, over one SQLite database. Topics live in
 * memory only while they have streams; the log is always on disk. One
 * timer ticks every topic (heartbeats, token expiry), not one per stream.
 * Single-topic streams write their sockets directly (socket-sink.ts);
 * publishes in one turn of the event loop commit together (write-batch.ts).
 */
export class NodeHub implements Hub {
  readonly counters = new Counters();
  private readonly channels = new Map<string, TopicChannel>();
  private readonly groups = new WeakMap<TopicChannel, SocketGroup>();
  private readonly tickers = new Set<(now: number) => void>();
  private readonly unclaimed = new Map<string, { sink: SocketSink; since: number }>();
  private readonly batch: WriteBatch;
  private lastStreamId = 0;
  private closing = false;

  constructor(
    private readonly sql: NodeSql,
    private readonly config: Config,
    private readonly maxConnections: number,
  ) {
    this.batch = new WriteBatch(sql, (error) => this.recover(error));
  }

  get topics(): number {
    return this.channels.size;
  }

  get commits(): number {
    return this.batch.commits;
  }

  async publish(topic: string, input: PublishInput) {
    return this.batch.write(() => this.channel(topic).publish(input, Date.now()));
  }

  /** One commit for the whole batch, and only once every part is checked: all of it is stored, or none. */
  async publishBatch(parts: BatchPart[]): Promise<PartOutcome[]> {
    const results = await this.batch.write(() => {
      const now = Date.now();
      const publishes = parts.map((part) => {
        try {
          return this.channel(part.topic).prepare(part.inputs, now);
        } catch (error) {
          throw error instanceof HeraldError ? partRefusal(part, error) : error;
        }
      });
      try {
        return publishes.map((publish) => publish());
      } catch (error) {
        // A storage fault after some parts were published: they roll back with
        // the batch, but their frames are queued and their topics' positions
        // moved on. Drop every stream (clients resume from the log) and the topics.
        this.recover(error, "a batch publish failed to store");
        throw error;
      }
    });
    return results.map((results) => ({ ok: true, results }));
  }

  async presence(topic: string) {
    return presenceAnswer(topic, [this.channel(topic).presenceCounts()]);
  }

  async stats(topic: string) {
    await this.batch.settled();
    return this.channel(topic).stats(Date.now());
  }

  async history(topic: string, query: HistoryQuery) {
    // Read with no batch open, in the same step: an uncommitted event must not be served.
    while (this.sql.inBatch) await this.batch.settled();
    return this.channel(topic).history(query, Date.now());
  }

  async subscribe(topic: string, { slot, ...options }: StreamOptions): Promise<Response> {
    this.assertRoom();
    const channel = this.channel(topic);
    const now = Date.now();
    const onClosed = (o: SinkOptions): SinkOptions => (slot ? { ...o, onClose: (s, reason) => (slot.release(), o.onClose(s, reason)) } : o);
    const sink = channel.subscribe(options, now, (o) => new SocketSink(onClosed(o), this.batch, this.groups.get(channel)!));
    // After the open batch's commit, as a tick ends streams: an ending stream sends what it holds at once.
    const end = (replaced: boolean) => (replaced ? sink.end("replaced", encodeEndNotice("herald.replaced", [topic], false)) : sink.end("shutdown"));
    slot?.hold((replaced) => void this.batch.settled().then(() => end(replaced), () => {}));
    const id = String(++this.lastStreamId);
    this.unclaimed.set(id, { sink, since: now });
    return new Response(null, { headers: { ...SSE_HEADERS, connection: "close", [ATTACH_HEADER]: id } });
  }

  /** A topic of a multiplexed stream: its frames, for the stream holder (browser-stream.ts). */
  async frames(topic: string, options: FramesOptions): Promise<TopicFrames> {
    this.assertRoom();
    const sink = this.channel(topic).subscribe({ ...options, mux: true }, Date.now(), (o) => new DeferredStreamSink(o, this.batch));
    return new FrameReader(sink.stream, sink.initialBytes);
  }

  private assertRoom(): void {
    // A keep-alive connection can still ask after close(): send it elsewhere.
    if (this.closing) throw new HeraldError("shutting_down", "this hub is shutting down; reconnect in a moment");
    if (this.counters.streams >= this.maxConnections) {
      throw new HeraldError("server_full", "this hub has reached MAX_CONNECTIONS open streams");
    }
  }

  /**
   * The sink waiting for a stream Response's connection (null if it waited
   * too long), with the marker header removed; undefined for other responses.
   */
  claim(response: Response): SocketSink | null | undefined {
    const id = response.headers.get(ATTACH_HEADER);
    if (id === null) return undefined;
    response.headers.delete(ATTACH_HEADER);
    const waiting = this.unclaimed.get(id);
    this.unclaimed.delete(id);
    return waiting?.sink ?? null;
  }

  /** Runs `tick` on the process's one timer, once a second whatever the period asked, until stopped. */
  every = (tick: (now: number) => void): (() => void) => {
    this.tickers.add(tick);
    return () => this.tickers.delete(tick);
  };

  tick(now: number): void {
    // A tick may end streams, and an ending stream sends what it holds at
    // once: wait for the open batch's commit (on a failed one, recover()
    // has already dropped every stream, and the next tick comes anyway).
    if (this.sql.inBatch) return void this.batch.settled().then(() => this.tick(Date.now()), () => {});
    for (const tick of this.tickers) tick(now);
    for (const [id, { sink, since }] of this.unclaimed) {
      if (now - since > UNCLAIMED_MS) {
        this.unclaimed.delete(id);
        sink.end("client");
      }
    }
    for (const [topic, channel] of this.channels) {
      channel.tick(now);
      if (channel.idle) this.channels.delete(topic);
    }
  }

  /**
   * Ends every stream cleanly, so clients reconnect (elsewhere, or later)
   * and replay; first the open batch commits, since an ending stream sends
   * what it holds.
   */
  async close(): Promise<void> {
    this.closing = true;
    while (this.sql.inBatch) {
      try {
        await this.batch.settled();
      } catch {
        // recover() has reported the failed commit and dropped every stream.
      }
    }
    for (const channel of this.channels.values()) channel.close();
  }

  /**
   * A failed commit leaves streams holding events that are not in the log
   * and topics whose cached positions are ahead of it: abort every stream
   * without sending what it holds (clients resume from the log) and forget
   * the topics, and with them their groups' queued frames.
   */
  private recover(error: unknown, what = "a commit failed"): void {
    console.error(`herald: ${what}; dropping every stream so clients resume from the log`, error);
    for (const channel of this.channels.values()) channel.abort();
    this.channels.clear();
  }

  private channel(topic: string): TopicChannel {
    let channel = this.channels.get(topic);
    if (!channel) {
      channel = new TopicChannel(topic, this.sql, this.config, this.counters);
      this.channels.set(topic, channel);
      this.groups.set(channel, new SocketGroup(this.batch));
    }
    return channel;
  }
}
