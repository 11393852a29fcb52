import { HeraldError } from "./errors.js";
import type { Sql } from "./sql.js";

/**
 * One topic's short, durable log over synchronous SQL. Ids are
 * `<epoch>-<seq>`: seq increases by one per event; the epoch is the
 * database's when the topic is first stored (with its first event), chosen
 * when the database was created, so ids are never reused for other events
 * after the storage is wiped.
 */
export interface Retention {
  limit: number;
  ttlSeconds: number;
}

export interface StoredEvent {
  seq: number;
  event: string | null;
  data: string;
}

export interface AppendInput {
  event?: string;
  data: string;
  idempotencyKey?: string;
}

export type AppendResult =
  | { duplicate: false; id: string; seq: number }
  | { duplicate: true; id: string };

export interface Gap {
  topic: string;
  requested: string;
  reason: "trimmed" | "unknown";
  oldestId: string | null;
  lastId: string | null;
}

/**
 * What a subscriber resuming from a Last-Event-ID gets before live events:
 * the retained events after `startSeq` through `endSeq`, then live ones.
 * A range, not the events: the log is one run of seqs (every delete trims
 * its oldest end), so a replay can take the frames it has already encoded
 * and read only the rest (`read`).
 */
export interface Resume {
  gap?: Gap;
  /** The stream continues after this seq: first the replay, then live events. */
  startSeq: number;
  /** The topic's last seq when the stream opened: the replay's end. */
  endSeq: number;
}

/** One retained event as the history route answers it; `time` is when it was stored (epoch ms). */
export interface HistoryEvent {
  id: string;
  event: string;
  data: string;
  time: number;
}

/** Where a page of history starts: after an id, or the last n events, or (neither) the oldest retained. */
export interface HistoryQuery {
  after?: string;
  last?: number;
  limit: number;
}

export interface HistoryPage {
  events: HistoryEvent[];
  /** The `after` of the next page; null when this one reaches the newest event. */
  next: string | null;
  /** The log no longer reaches back to `after` (or does not know it): the page starts at the oldest retained event. */
  truncated: boolean;
}

/** Where a stream (or a page of history) starts; a Last-Event-ID wins over the others. */
export interface StartAt {
  lastEventId?: string;
  /** Without a lastEventId: the retained events created since (epoch ms). */
  since?: number;
  /** Without a lastEventId: the last n retained events. */
  last?: number;
}

export interface LogStats {
  lastId: string | null;
  retained: number;
  oldestId: string | null;
}

interface TopicState {
  epoch: string;
  lastSeq: number;
}

/**
 * How often appends sweep out expired events. Reads sweep every time, so an
 * expired event is never served; an append sweeps only to keep the table
 * small (a sweep per publish was one more statement in every commit), or
 * when it brings an Idempotency-Key, which must not match an expired event.
 */
const APPEND_SWEEP_MS = 1000;

export class EventLog {
  private cached?: TopicState;
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sql: Sql,
    readonly topic: string,
    private readonly retention: Retention,
  ) {}

  idOf(seq: number): string {
    return `${this.state().epoch}-${seq}`;
  }

  /** The id of the newest event, or null before the first. */
  get lastId(): string | null {
    const { lastSeq } = this.state();
    return lastSeq > 0 ? this.idOf(lastSeq) : null;
  }

  append(input: AppendInput, now: number): AppendResult {
    return this.appendAll([input], now)[0]!;
  }

  /**
   * Appends events in order, in one transaction: each is stored, or answered
   * as the event its Idempotency-Key already names. The topic's row and the
   * trim by count are written once for them all.
   */
  appendAll(inputs: readonly AppendInput[], now: number): AppendResult[] {
    const state = this.state();
    let seq = state.lastSeq;
    const results = this.sql.transaction((): AppendResult[] => {
      const keyed = inputs.some((input) => input.idempotencyKey !== undefined);
      if (keyed || now - this.sweptAt >= APPEND_SWEEP_MS) this.trimExpired(now);
      const appended = inputs.map((input): AppendResult => {
        const duplicate = input.idempotencyKey === undefined ? undefined : this.findKey(input);
        if (duplicate) return duplicate;
        seq++;
        this.sql.query(
          "INSERT INTO herald_events (topic, seq, event, data, created_at, idem_key) VALUES (?, ?, ?, ?, ?, ?)",
          this.topic, seq, input.event ?? null, input.data, now, input.idempotencyKey ?? null,
        );
        return { duplicate: false, id: this.idOf(seq), seq };
      });
      if (seq === state.lastSeq) return appended;
      // The topic's row is stored with its first event, not when it is first read.
      this.sql.query(
        "INSERT INTO herald_topics (topic, epoch, last_seq) VALUES (?, ?, ?) ON CONFLICT (topic) DO UPDATE SET last_seq = excluded.last_seq",
        this.topic, state.epoch, seq,
      );
      this.sql.query("DELETE FROM herald_events WHERE topic = ? AND seq <= ?", this.topic, seq - this.retention.limit);
      return appended;
    });
    // Only after the commit, so a rolled-back append leaves no trace.
    state.lastSeq = seq;
    return results;
  }

  /**
   * Where a subscriber starts: after `lastEventId` if the log still holds
   * everything after it; else, with a gap notice, at the oldest retained
   * event. Without an id, live, or from `since` (epoch ms), or with the
   * `last` n retained events.
   */
  resume({ lastEventId, since, last }: StartAt, now: number): Resume {
    const { lastSeq } = this.state();
    if (lastEventId === undefined && since === undefined && !last) return { startSeq: lastSeq, endSeq: lastSeq };
    this.trimExpired(now);
    if (lastEventId === undefined) return last ? this.lastOnes(last) : this.since(since!);
    const seq = this.seqOf(lastEventId);
    if (seq === lastSeq) return { startSeq: lastSeq, endSeq: lastSeq };
    const oldest = this.oldestSeq();
    if (seq !== undefined && seq < lastSeq && oldest !== null && oldest <= seq + 1) {
      return { startSeq: seq, endSeq: lastSeq };
    }
    const reason = seq !== undefined && seq < lastSeq ? "trimmed" : "unknown";
    return { gap: this.gap(lastEventId, reason, oldest), startSeq: (oldest ?? lastSeq + 1) - 1, endSeq: lastSeq };
  }

  /** The last `n` retained events (fewer if the log holds fewer): what came before is no gap, it was not asked for. */
  private lastOnes(n: number): Resume {
    const { lastSeq } = this.state();
    const oldest = this.oldestSeq();
    return { startSeq: oldest === null ? lastSeq : Math.max(oldest - 1, lastSeq - n), endSeq: lastSeq };
  }

  /** A page of the retained events, oldest first (see HistoryQuery). */
  page({ after, last, limit }: HistoryQuery, now: number): HistoryPage {
    // resume() sweeps expired events itself, as before a replay.
    const from = after !== undefined || last ? this.resume({ lastEventId: after, last }, now) : this.fromOldest(now);
    const to = Math.min(from.endSeq, from.startSeq + limit);
    const rows = this.sql.query<{ seq: number; event: string | null; data: string; created_at: number }>(
      "SELECT seq, event, data, created_at FROM herald_events WHERE topic = ? AND seq > ? AND seq <= ? ORDER BY seq",
      this.topic,
      from.startSeq,
      to,
    );
    const events = rows.map((row) => ({ id: this.idOf(row.seq), event: row.event ?? "message", data: row.data, time: row.created_at }));
    return { events, next: to < from.endSeq ? this.idOf(to) : null, truncated: from.gap !== undefined };
  }

  /** Everything retained, from the oldest event. */
  private fromOldest(now: number): Resume {
    this.trimExpired(now);
    const { lastSeq } = this.state();
    return { startSeq: (this.oldestSeq() ?? lastSeq + 1) - 1, endSeq: lastSeq };
  }

  /** The retained events from seq `from` through `to`, in order. */
  read(from: number, to: number): StoredEvent[] {
    return this.sql.query<{ seq: number; event: string | null; data: string }>(
      "SELECT seq, event, data FROM herald_events WHERE topic = ? AND seq >= ? AND seq <= ? ORDER BY seq",
      this.topic,
      from,
      to,
    );
  }

  /**
   * Retained events from the first one created at or after `since` (then
   * every later one, whatever its clock said); a gap if trimmed ones may
   * have been newer than `since` too.
   */
  private since(since: number): Resume {
    const { lastSeq } = this.state();
    const [row] = this.sql.query<{ first: number | null }>(
      // `+ 0`: see trimExpired.
      "SELECT min(seq + 0) AS first FROM herald_events WHERE topic = ? AND created_at >= ?",
      this.topic,
      since,
    );
    const first = row?.first ?? null;
    const oldest = this.oldestSeq();
    // Trimmed events are older than every retained one: they can only be
    // newer than `since` if no retained event is older than it.
    const maybeTrimmed = oldest === null ? lastSeq > 0 : oldest > 1 && first === oldest;
    const resume: Resume = { startSeq: first === null ? lastSeq : first - 1, endSeq: lastSeq };
    if (maybeTrimmed) resume.gap = this.gap(`since=${since}`, "trimmed", oldest);
    return resume;
  }

  stats(now: number): LogStats {
    this.trimExpired(now);
    const [row] = this.sql.query<{ retained: number; oldest: number | null }>(
      "SELECT count(*) AS retained, min(seq) AS oldest FROM herald_events WHERE topic = ?",
      this.topic,
    );
    const { lastSeq } = this.state();
    return {
      lastId: lastSeq > 0 ? this.idOf(lastSeq) : null,
      retained: row?.retained ?? 0,
      oldestId: row?.oldest == null ? null : this.idOf(row.oldest),
    };
  }

  /** The seq an id of this topic's current epoch names, else undefined. */
  private seqOf(id: string): number | undefined {
    const dash = id.lastIndexOf("-");
    if (dash < 0 || id.slice(0, dash) !== this.state().epoch) return undefined;
    const digits = id.slice(dash + 1);
    return /^(0|[1-9]\d{0,15})$/.test(digits) ? Number(digits) : undefined;
  }

  private gap(requested: string, reason: Gap["reason"], oldest: number | null): Gap {
    const { lastSeq } = this.state();
    return {
      topic: this.topic,
      requested,
      reason,
      oldestId: oldest === null ? null : this.idOf(oldest),
      lastId: lastSeq > 0 ? this.idOf(lastSeq) : null,
    };
  }

  private oldestSeq(): number | null {
    const [row] = this.sql.query<{ seq: number }>(
      "SELECT seq FROM herald_events WHERE topic = ? ORDER BY seq LIMIT 1",
      this.topic,
    );
    return row?.seq ?? null;
  }

  /**
   * Deletes up to the newest expired event, so the log stays one run of
   * seqs even if the clock stepped back between two events (their
   * created_at out of seq order): a hole would replay without a gap notice.
   * `max(seq + 0)`, not `max(seq)`: SQLite would answer a plain max by
   * walking the primary key past every retained event, on every replay;
   * this way it reads the age index, which holds only the expired ones.
   */
  private trimExpired(now: number): void {
    const cutoff = now - this.retention.ttlSeconds * 1000;
    this.sql.query(
      "DELETE FROM herald_events WHERE topic = ? AND seq <= (SELECT max(seq + 0) FROM herald_events WHERE topic = ? AND created_at < ?)",
      this.topic,
      this.topic,
      cutoff,
    );
    this.sweptAt = now;
  }

  /** The stored event an Idempotency-Key already names, as `append` would answer it; undefined if none. */
  repeated(input: AppendInput, now: number): AppendResult | undefined {
    if (input.idempotencyKey === undefined) return undefined;
    this.trimExpired(now);
    return this.findKey(input);
  }

  private findKey(input: AppendInput): AppendResult | undefined {
    const [row] = this.sql.query<{ seq: number; event: string | null; data: string }>(
      "SELECT seq, event, data FROM herald_events WHERE topic = ? AND idem_key = ?",
      this.topic,
      input.idempotencyKey!,
    );
    if (!row) return undefined;
    if (row.event !== (input.event ?? null) || row.data !== input.data) {
      throw new HeraldError(
        "idempotency_key_reused",
        "this Idempotency-Key was already used on this topic for a different event",
      );
    }
    return { duplicate: true, id: this.idOf(row.seq) };
  }

  private state(): TopicState {
    if (this.cached) return this.cached;
    const [row] = this.sql.query<{ epoch: string; last_seq: number }>(
      "SELECT epoch, last_seq FROM herald_topics WHERE topic = ?",
      this.topic,
    );
    // A topic only read so far is not stored (readers alone, anyone on a
    // public pattern, must not grow the store): its epoch is the database's,
    // which its first event stores with it.
    this.cached = row ? { epoch: row.epoch, lastSeq: row.last_seq } : { epoch: this.databaseEpoch(), lastSeq: 0 };
    return this.cached;
  }

  private databaseEpoch(): string {
    const [row] = this.sql.query<{ epoch: string }>("SELECT epoch FROM herald_database");
    if (!row) throw new Error("herald: the database has no epoch (migration 0002 not applied)");
    return row.epoch;
  }
}
