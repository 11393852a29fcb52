import { Histogram } from "./histogram.ts";
import type { LoadClient } from "./load-client.ts";
import { nowMs, type Endpoint, type PhaseReport } from "./messages.ts";
import { loadAverage, sample, type Sample } from "./proc-stats.ts";
import type { RunningTarget } from "./targets.ts";

/**
 * The scenarios, and one measured run of one of them against one freshly
 * started target. Every phase has a hard time bound, so a hub that stalls
 * or refuses shows up as numbers (loss, failed connects), not as a hang.
 */
export type ScenarioId = "a" | "b" | "c" | "d" | "e" | "f" | "g";
export const SCENARIO_IDS: ScenarioId[] = ["a", "b", "c", "d", "e", "f", "g"];

export interface Case {
  scenario: ScenarioId;
  /** Unique per case: "d-5000" and "d-10000" are two cases of scenario d. */
  id: string;
  title: string;
  topics: number;
  subscribersPerTopic: number;
  /** Publishes per second over all topics; 0 = as fast as acknowledged. */
  rate: number;
  inflight: number;
  durationMs: number;
  payloadBytes: number;
  /** Events per publish request (POST /publish, Herald only); absent: one per request. */
  batch?: number;
  /** Scenario f: events published before the storm, and how far back subscribers resume. */
  storm?: { prefill: number; back: number; rate: number };
}

const PAYLOAD = 256;
const INFLIGHT = 16;

export function casesFor(ids: ScenarioId[], quick: boolean): Case[] {
  const s = quick ? 3000 : 10_000;
  const k = (full: number, small: number) => (quick ? small : full);
  const base = { topics: 1, inflight: INFLIGHT, durationMs: s, payloadBytes: PAYLOAD };
  const all: Case[] = [
    { ...base, scenario: "a", id: "a", title: "one topic, 100 publishes/s", subscribersPerTopic: k(1000, 200), rate: 100 },
    { ...base, scenario: "b", id: "b", title: "one topic, 20 publishes/s (unsaturated latency)", subscribersPerTopic: k(1000, 200), rate: 20 },
    { ...base, scenario: "c", id: "c", title: "one topic, max fan-out (16 publishes in flight)", subscribersPerTopic: k(1000, 200), rate: 0 },
    { ...base, scenario: "d", id: `d-${k(5000, 1000)}`, title: "many subscribers on one topic, 20 publishes/s", subscribersPerTopic: k(5000, 1000), rate: 20 },
    { ...base, scenario: "d", id: `d-${k(10000, 2000)}`, title: "many subscribers on one topic, 20 publishes/s", subscribersPerTopic: k(10000, 2000), rate: 20 },
    { ...base, scenario: "e", id: "e", title: `${k(1000, 100)} topics x 10 subscribers, 200 publishes/s round-robin`, topics: k(1000, 100), subscribersPerTopic: 10, rate: 200 },
    {
      ...base,
      scenario: "f",
      id: "f",
      title: "reconnect storm: all drop and resume 100 events back, 20 publishes/s go on",
      subscribersPerTopic: k(2000, 500),
      rate: 20,
      durationMs: k(8000, 4000),
      storm: { prefill: 150, back: 100, rate: 100 },
    },
    { ...base, scenario: "g", id: "g", title: "durable publish throughput, no subscribers, 16 in flight", subscribersPerTopic: 0, rate: 0 },
    {
      ...base,
      scenario: "g",
      id: "g-batch",
      title: "durable publish throughput in batches of 100 events (POST /publish), no subscribers, 16 in flight",
      subscribersPerTopic: 0,
      rate: 0,
      batch: 100,
    },
  ];
  return all.filter((c) => ids.includes(c.scenario));
}

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RunResult {
  target: string;
  case: string;
  scenario: ScenarioId;
  rep: number;
  ok: boolean;
  errors: string[];
  subscribers: number;
  connectFailed: number;
  connectMs: number;
  expected: number;
  received: number;
  lost: number;
  /**
   * Of `lost`, what streams that never got a gap notice lack: loss the hub
   * did not announce. A hub that falls behind may end streams and send
   * gap notices; this must stay 0 even then.
   */
  lostUntold: number;
  duplicates: number;
  gapNotices: number;
  reconnects: number;
  deliveriesPerSec: number;
  /** Publish→receive, ms. */
  latency: Quantiles;
  /** Server RSS before any subscriber, after the first tenth, and with all of them. */
  rssBeforeKiB: number;
  rssWarmKiB: number;
  rssIdleKiB: number;
  /** KB (1,000 bytes) of server RSS per idle subscriber past the first tenth. */
  rssPerSubscriberKB: number;
  /** The same from a cold start: one-time costs spread over the subscribers. */
  rssColdPerSubscriberKB: number;
  serverCpuPct: number;
  /** Server CPU µs per delivery (per publish when there are no subscribers). */
  serverCpuUsPerDelivery: number;
  clientCpuPct: number;
  clientCpuUsPerDelivery: number;
  publishesSent: number;
  publishesAcked: number;
  publishesFailed: number;
  publishesLate: number;
  publishesPerSec: number;
  /** Request→response of a publish, ms. */
  publishLatency: Quantiles;
  storm?: { catchUpMs: number; caughtUp: number; total: number; failed: number };
  /** Publish→receive in the unmeasured warm-up, the first events a fresh server sends. */
  warmupLatency?: Quantiles;
  /** wrangler dev: the same two figures for the workerd running Herald alone (no proxy worker). */
  workerd?: { rssPerSubscriberKB: number; serverCpuUsPerDelivery: number };
  loadAverage: number;
}

const CONNECT_CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 15_000;
const CONNECT_PHASE_MS = 90_000;
const SETTLE_MS = 1500;
/**
 * Each case first publishes this long at its own rate, unmeasured, the same
 * for every target: the figures are then a running server's, not its first
 * events (which in a JIT-compiled server run code not yet optimized).
 */
const WARMUP_MS = 2000;
/** Time for the publisher to open its connections before its first publish. */
const PUBLISHER_START_MS = 500;
const DRAIN_IDLE_MS = 10_000;
const DRAIN_MAX_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantiles(h: Histogram): Quantiles {
  const ms = (us: number) => Math.round(us) / 1000;
  return { p50: ms(h.quantile(0.5)), p90: ms(h.quantile(0.9)), p99: ms(h.quantile(0.99)), max: ms(h.max) };
}

function topicNames(c: Case, rep: number): string[] {
  return Array.from({ length: c.topics }, (_, i) => (c.topics === 1 ? `bench-${c.id}-${rep}` : `bench-${c.id}-${rep}-${i}`));
}

/**
 * Waits until every subscriber holds every acknowledged publish, or progress
 * stops. Says why it stopped short, so that "lost" can be told from "still
 * on its way when the bench stopped waiting".
 */
async function drain(client: LoadClient, want: number): Promise<string | undefined> {
  const started = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const { unique } = await client.progress();
    const have = Object.values(unique).reduce((s, n) => s + n, 0);
    if (have >= want) return undefined;
    if (have !== last) {
      last = have;
      lastChange = Date.now();
    }
    const short = `${want - have} deliveries outstanding`;
    if (Date.now() - lastChange > DRAIN_IDLE_MS) return `stopped waiting: no delivery for ${DRAIN_IDLE_MS / 1000} s, ${short}`;
    if (Date.now() - started > DRAIN_MAX_MS) return `stopped waiting after ${DRAIN_MAX_MS / 1000} s, deliveries still arriving, ${short}`;
    await sleep(50);
  }
}

function expectedDeliveries(subscribers: Record<string, number>, published: PhaseReport[]): number {
  let total = 0;
  for (const [topic, subs] of Object.entries(subscribers)) {
    const acked = published.reduce((s, p) => s + (p.ackedByTopic[topic] ?? 0), 0);
    total += subs * acked;
  }
  return total;
}

function perSubscriberKB(from: Sample, to: Sample, subscribers: number): number {
  return subscribers > 0 ? Math.round(((to.rssKiB - from.rssKiB) * 1024) / subscribers) / 1000 : NaN;
}

export async function runCase(target: RunningTarget, c: Case, rep: number, client: LoadClient, log: (line: string) => void): Promise<RunResult> {
  const endpoint: Endpoint = target.endpoint;
  const topics = topicNames(c, rep);
  const errors: string[] = [];
  {
    await sleep(500);
    const before = sample(target.serverPids());

    // A tenth of the subscribers connect first and absorb the one-time costs
    // (code paged in, heaps and allocator arenas sized), so RSS/sub is what
    // one more subscriber costs; the cold figure is kept beside it.
    const warmPerTopic = Math.ceil(c.subscribersPerTopic / 10);
    const connect = (count: number) =>
      c.subscribersPerTopic > 0
        ? client.connect(endpoint, topics.map((topic) => ({ topic, count })), CONNECT_CONCURRENCY, CONNECT_TIMEOUT_MS, CONNECT_PHASE_MS, c.storm !== undefined)
        : Promise.resolve({ ok: 0, failed: 0, errors: [], ms: 0 });
    const warmConnected = await connect(warmPerTopic);
    await sleep(SETTLE_MS);
    const warm = sample(target.serverPids());
    const hereWarm = target.herePids ? sample(target.herePids()) : undefined;
    const rest = await connect(c.subscribersPerTopic - warmPerTopic);
    const connected = {
      ok: warmConnected.ok + rest.ok,
      failed: warmConnected.failed + rest.failed,
      errors: [...warmConnected.errors, ...rest.errors],
      ms: warmConnected.ms + rest.ms,
    };
    errors.push(...connected.errors);
    if (connected.ok === 0 && c.subscribersPerTopic > 0) throw new Error(`no subscriber connected: ${connected.errors[0] ?? ""}`);
    await sleep(SETTLE_MS);
    const idle = sample(target.serverPids());
    const hereIdle = target.herePids ? sample(target.herePids()) : undefined;
    log(`  ${connected.ok} subscribers in ${(connected.ms / 1000).toFixed(1)} s; RSS ${before.rssKiB} → ${idle.rssKiB} KiB`);

    const published: PhaseReport[] = [];
    let startSeq: Record<string, number> = {};
    let storm: RunResult["storm"];

    if (c.storm) {
      // Fill the log first, so a resume 100 events back has them to replay.
      const prefill = await client.publish({
        endpoint, topics, rate: c.storm.rate, inflight: INFLIGHT, durationMs: 60_000, count: c.storm.prefill, payloadBytes: c.payloadBytes, startSeq,
      });
      published.push(prefill);
      startSeq = prefill.lastSeq;
      const stopped = await drain(client, expectedDeliveries((await client.report()).subscribers, published));
      if (stopped) errors.push(`prefill: ${stopped}`);
    }

    // The warm-up runs into the measured window without a pause (see
    // PublishCommand.measureFrom); the storm's prefill already ran the path.
    const startAt = c.storm ? undefined : nowMs() + PUBLISHER_START_MS;
    const measureFrom = startAt === undefined ? undefined : startAt + WARMUP_MS;
    await client.measure(true, measureFrom);
    const publishing = client.publish({
      endpoint,
      topics,
      rate: c.rate,
      inflight: c.rate > 0 ? Math.min(INFLIGHT, c.inflight) : c.inflight,
      durationMs: c.durationMs + (measureFrom === undefined ? 0 : WARMUP_MS),
      payloadBytes: c.payloadBytes,
      batch: c.batch,
      startSeq,
      startAt,
      measureFrom,
    });
    if (measureFrom !== undefined) await sleep(measureFrom - nowMs());
    const clientBefore = process.cpuUsage();
    const serverBefore: Sample = sample(target.serverPids());
    const hereStart = target.herePids ? sample(target.herePids()) : undefined;
    if (c.storm) {
      // Let live delivery run for a moment, then everyone drops at once.
      await sleep(1000);
      await client.measure(false);
      const result = await client.storm(c.storm.back, 60_000);
      storm = { catchUpMs: Math.round(result.lastCaughtUpMs), caughtUp: result.caughtUp, total: result.total, failed: result.failed };
      errors.push(...result.errors);
      log(`  storm: ${result.caughtUp}/${result.total} caught up in ${Math.round(result.lastCaughtUpMs)} ms`);
    }
    const main = await publishing;
    published.push(main);
    if (main.warmup) published.push(main.warmup);
    errors.push(...main.errors);
    let report = await client.report();
    const expected = expectedDeliveries(report.subscribers, published);
    const stopped = await drain(client, expected);
    if (stopped) errors.push(stopped);
    const serverAfter = sample(target.serverPids());
    const hereEnd = target.herePids ? sample(target.herePids()) : undefined;
    const clientCpu = process.cpuUsage(clientBefore);
    await client.measure(false);
    report = await client.report();
    errors.push(...report.errors);

    const total = (counts: Record<string, number>) => Object.values(counts).reduce((s, n) => s + n, 0);
    const received = total(report.unique);
    const untold = expectedDeliveries(report.ungappedSubscribers, published) - total(report.ungappedUnique);
    if (untold > 0) errors.push(`lost untold; streams without a gap notice furthest behind: ${report.ungappedShort.join(" / ")}`);
    const windowMs = serverAfter.at - serverBefore.at;
    const deliveryWindowMs = report.lastAt > 0 ? report.lastAt - main.startedAt : 0;
    // In the storm, replayed events are deliveries too (they are the work).
    const deliveries = c.storm ? report.frames : report.measured;
    const perUnit = c.subscribersPerTopic > 0 ? deliveries : main.acked;
    const clientUs = clientCpu.user + clientCpu.system;
    const subscribers = connected.ok;
    return {
      target: target.name,
      case: c.id,
      scenario: c.scenario,
      rep,
      ok: true,
      errors: [...new Set(errors)].slice(0, 10),
      subscribers,
      connectFailed: connected.failed,
      connectMs: Math.round(connected.ms),
      expected,
      received,
      lost: Math.max(0, expected - received),
      lostUntold: Math.max(0, untold),
      duplicates: report.duplicates,
      gapNotices: report.gapNotices,
      reconnects: report.reconnects,
      deliveriesPerSec: deliveryWindowMs > 0 && !c.storm ? Math.round(deliveries / (deliveryWindowMs / 1000)) : 0,
      latency: c.storm ? { p50: NaN, p90: NaN, p99: NaN, max: NaN } : quantiles(report.latency),
      rssBeforeKiB: before.rssKiB,
      rssWarmKiB: warm.rssKiB,
      rssIdleKiB: idle.rssKiB,
      rssPerSubscriberKB: perSubscriberKB(warm, idle, rest.ok),
      rssColdPerSubscriberKB: perSubscriberKB(before, idle, subscribers),
      serverCpuPct: Math.round(((serverAfter.cpuUs - serverBefore.cpuUs) / (windowMs * 1000)) * 1000) / 10,
      serverCpuUsPerDelivery: perUnit > 0 ? Math.round(((serverAfter.cpuUs - serverBefore.cpuUs) / perUnit) * 100) / 100 : NaN,
      clientCpuPct: Math.round((clientUs / (windowMs * 1000)) * 1000) / 10,
      clientCpuUsPerDelivery: perUnit > 0 ? Math.round((clientUs / perUnit) * 100) / 100 : NaN,
      publishesSent: main.sent,
      publishesAcked: main.acked,
      publishesFailed: main.failed,
      publishesLate: main.late,
      publishesPerSec: Math.round((main.acked / (main.endedAt - main.startedAt)) * 1000 * 10) / 10,
      publishLatency: quantiles(Histogram.from(main.latency)),
      storm,
      warmupLatency: measureFrom !== undefined && c.subscribersPerTopic > 0 ? quantiles(report.warmup) : undefined,
      workerd:
        hereWarm && hereIdle && hereStart && hereEnd
          ? {
              rssPerSubscriberKB: perSubscriberKB(hereWarm, hereIdle, rest.ok),
              serverCpuUsPerDelivery: perUnit > 0 ? Math.round(((hereEnd.cpuUs - hereStart.cpuUs) / perUnit) * 100) / 100 : NaN,
            }
          : undefined,
      loadAverage: loadAverage(),
    };
  }
}
