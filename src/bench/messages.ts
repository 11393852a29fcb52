import type { HistogramData } from "./histogram.ts";

/**
 * What the bench's threads say to each other. A target is reduced to an
 * Endpoint, so the load client drives every hub with the same code and only
 * the URL shapes and headers differ.
 */
export interface Endpoint {
  port: number;
  /** `{topic}` is replaced by the topic name. */
  subscribePath: string;
  publishPath: string;
  subscribeHeaders: Record<string, string>;
  publishHeaders: Record<string, string>;
  /** Herald's batch publish (POST, JSON `{"events": [...]}`, the publish headers' token). */
  batchPath?: string;
}

/** Monotonic ms with µs precision, the same clock in every thread of the process. */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export interface SubscriberSpec {
  topic: string;
  count: number;
}

export type SubscriberCommand =
  | {
      type: "connect";
      endpoint: Endpoint;
      specs: SubscriberSpec[];
      concurrency: number;
      timeoutMs: number;
      deadlineMs: number;
      /** Keep each topic's ids in the hub's order (the reconnect storm needs them). */
      recordOrder: boolean;
    }
  | {
      type: "measure";
      on: boolean;
      /** Deliveries of events sent before this time (nowMs) are warm-up, counted apart. */
      from?: number;
    }
  | { type: "progress" }
  | { type: "report" }
  | { type: "storm"; back: number; timeoutMs: number }
  | { type: "close" };

export interface ConnectResult {
  type: "connected";
  ok: number;
  failed: number;
  errors: string[];
  ms: number;
}

export interface Progress {
  type: "progress";
  /** Unique in-order deliveries per topic, summed over subscribers. */
  unique: Record<string, number>;
  open: number;
  lastAt: number;
}

export interface SubscriberReport {
  type: "report";
  unique: Record<string, number>;
  subscribers: Record<string, number>;
  frames: number;
  measured: number;
  duplicates: number;
  /**
   * `subscribers` and `unique` again, over the streams that never received
   * a gap notice: what those lack was lost without the hub saying so.
   */
  ungappedSubscribers: Record<string, number>;
  ungappedUnique: Record<string, number>;
  /** The few streams without a gap notice that hold the fewest events of their topic, described. */
  ungappedShort: string[];
  gapNotices: number;
  reconnects: number;
  errors: string[];
  firstAt: number;
  lastAt: number;
  latency: HistogramData;
  /** Publish→receive of the warm-up's events (see `from` of "measure"). */
  warmup: HistogramData;
}

export interface StormResult {
  type: "storm";
  caughtUp: number;
  total: number;
  /** ms from the storm's start until this worker's last subscriber caught up. */
  lastCaughtUpMs: number;
  failed: number;
  errors: string[];
}

export interface PublishCommand {
  type: "publish";
  endpoint: Endpoint;
  topics: string[];
  /** Publishes per second over all topics; 0 = as fast as acknowledged. */
  rate: number;
  inflight: number;
  durationMs: number;
  /** Stop after this many publishes, if sooner than durationMs. */
  count?: number;
  payloadBytes: number;
  /** Events per request, sent to `endpoint.batchPath`; absent: one per request. */
  batch?: number;
  /** Where each topic's seq starts, so a second phase continues the first. */
  startSeq: Record<string, number>;
  /** When (nowMs) to send the first publish; its connections are opened before. */
  startAt?: number;
  /**
   * Publishes sent before this time (nowMs) are the warm-up, reported apart.
   * The schedule runs through it without a pause, so the measured window
   * starts in steady state, not on a server and client coming back from idle.
   */
  measureFrom?: number;
}

/** What the publishes sent in one phase of a session came to. */
export interface PhaseReport {
  sent: number;
  acked: number;
  failed: number;
  /** Acknowledged publishes per topic: what each of its subscribers must receive. */
  ackedByTopic: Record<string, number>;
  startedAt: number;
  endedAt: number;
  /** Publishes the schedule wanted but that waited for a free connection. */
  late: number;
  latency: HistogramData;
}

/** The measured phase at the top level; the warm-up's, if the command had one. */
export interface PublishReport extends PhaseReport {
  type: "published";
  errors: string[];
  /** The last seq sent per topic, where a later phase continues. */
  lastSeq: Record<string, number>;
  warmup?: PhaseReport;
}
