import type { Config } from "./config.js";
import { Counters } from "./counters.js";
import { HeraldError, type ErrorCode } from "./errors.js";
import { EventLog, type AppendInput, type AppendResult, type HistoryPage, type HistoryQuery, type StartAt } from "./event-log.js";
import { Fanout } from "./fanout.js";
import { FrameCache } from "./frame-cache.js";
import { Presence, type PresenceCounts, type PresenceNotice } from "./presence.js";
import { anyMatches } from "./topic.js";
import { encodeEndNotice, encodeFrame, encodePosition, encodeRetry, PING } from "./sse.js";
import type { Sql } from "./sql.js";
import type { CloseReason, Sink, SinkFactory, SinkOptions } from "./sink.js";
import { Subscriber } from "./subscriber.js";
import { rateLimited } from "./rate-limits.js";
import { TokenBucket } from "./token-bucket.js";

export type PublishInput = AppendInput;

export interface PublishResult {
  id: string;
  topic: string;
  /** Streams the event was written to; absent for a repeated Idempotency-Key. */
  delivered?: number;
  duplicate: boolean;
}

export interface SubscribeOptions extends StartAt {
  /** The token's `sub`, for presence; a stream without one counts as anonymous. */
  subject?: string;
  /** Epoch ms at which the subscriber's token expires. */
  expiresAt?: number;
  /**
   * For a stream held elsewhere (browser-stream.ts: every stream on Workers,
   * multiplexed ones on Node): it starts with its position (an id-only
   * frame), not `retry:`, which the holder writes itself.
   */
  mux?: boolean;
}

export interface TopicStats {
  topic: string;
  subscribers: number;
  lastId: string | null;
  retained: number;
  oldestId: string | null;
  /** On Workers, the relay objects the topic's streams are spread over (docs/edge.md); `subscribers` counts theirs too. */
  relays?: number;
  /** Streams and publishes this topic refused, by error code, since it was last loaded; absent while there were none. */
  refused?: Partial<Record<ErrorCode, number>>;
}

/** Enough for a crowd resuming a few seconds back; at most 128 × 2 KB per topic. */
const REPLAY_CACHE_FRAMES = 128;

/**
 * One topic: its durable log and its open streams. Every method is
 * synchronous, so on either runtime a publish can never interleave with a
 * subscriber's replay: the replay is queued and the subscriber joins the
 * fan-out in one step, and it gets every later event exactly once.
 */
export class TopicChannel {
  private readonly log: EventLog;
  private readonly fanout = new Fanout();
  private readonly replayed = new FrameCache(REPLAY_CACHE_FRAMES);
  private lastPing = 0;
  /** TOPIC_PUBLISH_RATE: here, the topic's one place, it is exact on both runtimes. */
  private publishes?: TokenBucket;
  private readonly refusals = new Map<ErrorCode, number>();
  private readonly presence: Presence;
  /** PRESENCE_TOPICS: this topic announces its subjects' joins and leaves. */
  readonly announcesPresence: boolean;

  constructor(
    readonly topic: string,
    sql: Sql,
    private readonly config: Config,
    private readonly counters = new Counters(),
  ) {
    this.log = new EventLog(sql, topic, { limit: config.historyLimit, ttlSeconds: config.historyTtlSeconds });
    this.announcesPresence = anyMatches(config.presenceTopics, topic);
    const notices = { graceMs: config.presenceGraceSeconds * 1000, announce: (notice: PresenceNotice, subject: string) => this.announce(notice, subject) };
    this.presence = new Presence(this.announcesPresence ? notices : undefined);
  }

  /**
   * A join or leave is an event of the topic, stored and sent like any
   * other (so a late joiner rebuilds the list from the log), and never held
   * to the topic's publish rate.
   */
  private announce(notice: PresenceNotice, subject: string): void {
    const input = { event: notice, data: JSON.stringify({ topic: this.topic, sub: subject }) };
    const now = Date.now();
    this.published(input, this.log.appendAll([input], now)[0]!);
  }

  get subscribers(): number {
    return this.fanout.size;
  }

  publish(input: PublishInput, now: number): PublishResult {
    return this.prepare([input], now)()[0]!;
  }

  /**
   * Checks a topic's events (a publish, or its part of a batch) before any
   * is stored: its rate, and that no idempotency key is reused for another
   * event. Either throws, having changed nothing, or returns what publishes
   * them all in order, to be called in the same synchronous step.
   */
  prepare(inputs: PublishInput[], now: number): () => PublishResult[] {
    const { rate, burst } = this.config.topicPublishRate;
    // A single publish learns of its key in its append; several must know before the first.
    const known = rate > 0 || inputs.length > 1 ? inputs.map((input) => this.log.repeated(input, now)) : [];
    // A retry of a stored event gets its answer, not a refusal: it publishes nothing.
    const fresh = inputs.length - known.filter((repeat) => repeat !== undefined).length;
    const bucket = rate > 0 && fresh > 0 ? (this.publishes ??= new TokenBucket(rate, burst, now)) : undefined;
    const wait = bucket?.waitFor(fresh, now) ?? 0;
    if (wait > 0) throw this.refuse(rateLimited(`topic ${this.topic}`, wait, fresh));
    return () => {
      bucket?.take(fresh, now);
      const appended = this.log.appendAll(known.length === 0 ? inputs : inputs.filter((_, i) => !known[i]), now);
      let next = 0;
      return inputs.map((input, i) => this.published(input, known[i] ?? appended[next++]!));
    };
  }

  /** A stored event goes to every stream; one its key already named is answered as that one. */
  private published(input: PublishInput, appended: AppendResult): PublishResult {
    if (appended.duplicate) return { id: appended.id, topic: this.topic, duplicate: true };
    const frame = encodeFrame({ id: appended.id, event: input.event, data: input.data });
    const delivered = this.fanout.broadcast(frame);
    this.counters.published++;
    this.counters.delivered += delivered;
    return { id: appended.id, topic: this.topic, delivered, duplicate: false };
  }

  /** Opens a stream; by default a bounded ReadableStream (a Subscriber). */
  subscribe(options: SubscribeOptions, now: number): Subscriber;
  subscribe<S extends Sink>(options: SubscribeOptions, now: number, createSink: (options: SinkOptions) => S): S;
  subscribe(options: SubscribeOptions, now: number, createSink: SinkFactory = (o) => new Subscriber(o)): Sink {
    this.assertRoom();
    const initial = this.open(options, now);
    return this.adopt(
      (onClose) => createSink({ initial, maxBufferedBytes: this.config.maxBufferedBytes, expiresAt: options.expiresAt, onClose }),
      { subject: options.subject },
    );
  }

  /**
   * What a new stream gets before live events: retry (unless held
   * elsewhere), gap notice, position, replay. A stream that joins the
   * fan-out in the same synchronous step as this call (`subscribe`, or on
   * Workers a relay's link queueing it) gets every later event exactly once.
   */
  open(options: SubscribeOptions, now: number): Uint8Array[] {
    const resume = this.log.resume(options, now);
    const replay = this.replayFrames(resume.startSeq, resume.endSeq);
    this.counters.replayed += replay.length;
    // The stream's position comes before any event, so a client dropped
    // before its first event still has a Last-Event-ID to resume from (and a
    // stream holder its position); but after the gap notice, or a client dropped
    // between the two would resume past the gap without being told of it.
    const notice = resume.gap ? [encodeFrame({ event: "herald.gap", data: JSON.stringify(resume.gap) })] : [];
    const position = encodePosition(this.log.idOf(resume.startSeq));
    const head = options.mux ? [...notice, position] : [encodeRetry(this.config.retryMs), ...notice, position];
    return [...head, ...replay];
  }

  /** Refuses a new stream past MAX_SUBSCRIBERS_PER_TOPIC (counting every stream a carrier carries). */
  assertRoom(): void {
    if (this.fanout.size >= this.config.maxSubscribersPerTopic) {
      throw this.refuse(new HeraldError("topic_full", `topic ${this.topic} has reached MAX_SUBSCRIBERS_PER_TOPIC`));
    }
  }

  private refuse(error: HeraldError): HeraldError {
    this.refusals.set(error.code, (this.refusals.get(error.code) ?? 0) + 1);
    return error;
  }

  /** The id of the topic's newest event, or null before the first. */
  get lastId(): string | null {
    return this.log.lastId;
  }

  /**
   * Takes a stream that is already open into the fan-out, without a head:
   * on Workers, a socket the topic's object held before it was evicted.
   */
  adopt<S extends Sink>(createSink: (onClose: SinkOptions["onClose"]) => S, stream?: { subject?: string; quietly?: boolean }): S {
    // A carrier of other streams (a relay's link) is in nobody's presence: its relay counts its own.
    if (!stream) return this.join(createSink(this.onSinkClose));
    const sink = this.join(
      createSink((closed, reason) => {
        this.presence.remove(stream.subject, Date.now());
        this.onSinkClose(closed, reason);
      }),
    );
    // Once the stream is in the fan-out, so that it gets its own join too.
    this.presence.add(stream.subject, stream.quietly);
    return sink;
  }

  private join<S extends Sink>(sink: S): S {
    this.fanout.add(sink);
    this.counters.streams++;
    return sink;
  }

  /** Who has a stream open here (presence.ts). */
  presenceCounts(): PresenceCounts {
    return this.presence.counts();
  }

  /** Announces the leaves now due; answers when the next is (undefined: none waits). */
  presenceDue(now: number): number | undefined {
    return this.presence.due(now);
  }

  /** Leaves waiting for their grace, by subject (kept through a restart on Workers). */
  get leavesWaiting(): Record<string, number> {
    return this.presence.waiting;
  }

  restoreLeaves(waiting: Record<string, number>): void {
    this.presence.restore(waiting);
  }

  /** Nothing open and nothing to announce: the runtime may forget the topic. */
  get idle(): boolean {
    return this.fanout.size === 0 && Object.keys(this.presence.waiting).length === 0;
  }

  private readonly onSinkClose = (closed: Sink, reason: CloseReason): void => {
    this.fanout.remove(closed);
    this.counters.streams--;
    if (reason === "slow" || reason === "stalled") this.counters.dropped++;
  };

  /** A page of the topic's retained events (GET /topics/{topic}/events). */
  history(query: HistoryQuery, now: number): HistoryPage {
    return this.log.page(query, now);
  }

  stats(now: number): TopicStats {
    const refused = this.refusals.size > 0 ? { refused: Object.fromEntries(this.refusals) } : {};
    return { topic: this.topic, subscribers: this.fanout.size, ...this.log.stats(now), ...refused };
  }

  /** Heartbeats and token expiry; the runtime calls it about once a second. */
  tick(now: number): void {
    this.presence.due(now);
    this.fanout.expire(now, () => encodeEndNotice("herald.expired", [this.topic], false));
    // The first tick with streams only starts the clock: they have just
    // opened and sent their position, so a ping now would be one more write
    // to every socket, landing among the first publishes. A tick without
    // streams stops it (a Durable Object stops ticking then).
    if (this.fanout.size === 0) this.lastPing = 0;
    else if (this.lastPing === 0) this.lastPing = now;
    else if (now - this.lastPing >= this.config.heartbeatSeconds * 1000) {
      this.lastPing = now;
      this.fanout.beat(PING);
    }
  }

  /** Ends every stream cleanly; clients reconnect and replay. */
  close(): void {
    this.fanout.endAll("shutdown");
  }

  /** Ends every stream at once, discarding what they had queued. */
  abort(): void {
    this.fanout.abortAll("shutdown");
  }

  /**
   * The frames of the retained events after `startSeq` through `endSeq`:
   * the cached ones as they are, and the others read from the log in one
   * query over the seqs the cache is missing.
   */
  private replayFrames(startSeq: number, endSeq: number): Uint8Array[] {
    const frames: Array<Uint8Array | undefined> = [];
    let firstMissing = 0;
    let lastMissing = 0;
    for (let seq = startSeq + 1; seq <= endSeq; seq++) {
      const frame = this.replayed.cached(this.log.idOf(seq), seq);
      frames.push(frame);
      if (frame) continue;
      firstMissing ||= seq;
      lastMissing = seq;
    }
    if (firstMissing === 0) return frames as Uint8Array[];
    // Only what the log still holds: a seq it lacks (were there one) is left out, as before.
    for (const event of this.log.read(firstMissing, lastMissing)) {
      frames[event.seq - startSeq - 1] = this.replayed.frame(this.log.idOf(event.seq), event);
    }
    return frames.filter((frame) => frame !== undefined);
  }
}
