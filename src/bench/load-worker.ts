import { parentPort, workerData } from "node:worker_threads";
import { Histogram } from "./histogram.ts";
import { PostConnection } from "./http-post.ts";
import {
  nowMs,
  type ConnectResult,
  type Progress,
  type PublishCommand,
  type PhaseReport,
  type PublishReport,
  type StormResult,
  type SubscriberCommand,
  type SubscriberReport,
} from "./messages.ts";
import { noteError, SseConnection, type Tally, type TopicLog } from "./sse-connection.ts";

/**
 * A load-client thread: either it holds subscriber sockets, or it is the
 * publisher. The publisher has a thread of its own so that its schedule is
 * not held up by the subscribers' parsing (they share one core regardless).
 */
const port = parentPort!;
const role = (workerData as { role: "subscribers" | "publisher" }).role;

const tally: Tally = {
  measuring: false,
  measureFrom: -Infinity,
  latency: new Histogram(),
  warmup: new Histogram(),
  frames: 0,
  measured: 0,
  duplicates: 0,
  gapNotices: 0,
  reconnects: 0,
  firstAt: 0,
  lastAt: 0,
  errors: [],
};
const logs = new Map<string, TopicLog>();
let connections: SseConnection[] = [];

function logOf(topic: string, record: boolean): TopicLog {
  let log = logs.get(topic);
  if (!log) {
    log = { record, ids: [], seqs: [], known: new Set() };
    logs.set(topic, log);
  }
  return log;
}

function sumByTopic(streams: SseConnection[], value: (c: SseConnection) => number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const c of streams) sums[c.topic] = (sums[c.topic] ?? 0) + value(c);
  return sums;
}

const uniqueByTopic = (streams = connections) => sumByTopic(streams, (c) => c.unique);

async function connectAll(cmd: Extract<SubscriberCommand, { type: "connect" }>): Promise<ConnectResult> {
  const started = nowMs();
  const fresh: SseConnection[] = [];
  for (const spec of cmd.specs) {
    for (let i = 0; i < spec.count; i++) fresh.push(new SseConnection(spec.topic, cmd.endpoint, tally, logOf(spec.topic, cmd.recordOrder)));
  }
  let next = 0;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  // A bounded number of handshakes in flight, so the listen backlog is not
  // what is being measured (the reconnect storm is where that is tested).
  const deadline = started + cmd.deadlineMs;
  const lane = async () => {
    while (next < fresh.length) {
      if (nowMs() > deadline) {
        failed += fresh.length - next;
        errors.push(`connect phase over ${cmd.deadlineMs / 1000} s: ${fresh.length - next} not attempted`);
        next = fresh.length;
        break;
      }
      const connection = fresh[next++]!;
      try {
        await connection.open(undefined, cmd.timeoutMs);
        connections.push(connection);
        ok++;
      } catch (error) {
        failed++;
        if (errors.length < 10) errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, fresh.length) }, lane));
  return { type: "connected", ok, failed, errors, ms: nowMs() - started };
}

async function storm(back: number, timeoutMs: number): Promise<StormResult> {
  const started = nowMs();
  let failed = 0;
  const errors: string[] = [];
  // Caught up = holding every seq up to the newest one any subscriber of the
  // topic had seen when the storm began.
  const newest = new Map<string, number>();
  for (const [topic, log] of logs) newest.set(topic, log.seqs.reduce((m, s) => Math.max(m, s), 0));
  for (const c of connections) {
    c.catchUpTo = newest.get(c.topic) ?? 0;
    c.caughtUpAt = 0;
  }
  // Every subscriber drops and comes back at once.
  await Promise.all(
    connections.map((c) =>
      c.rewind(back).catch((error: Error) => {
        failed++;
        if (errors.length < 10) errors.push(error.message);
      }),
    ),
  );
  const deadline = started + timeoutMs;
  while (nowMs() < deadline && connections.some((c) => c.caughtUpAt === 0)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let caughtUp = 0;
  let last = 0;
  for (const c of connections) {
    if (c.caughtUpAt === 0) continue;
    caughtUp++;
    last = Math.max(last, c.caughtUpAt - started);
  }
  return { type: "storm", caughtUp, total: connections.length, lastCaughtUpMs: last, failed, errors };
}

/**
 * The `count` streams without a gap notice that lag furthest behind the
 * best-served stream of their topic in this thread: if the run lost events
 * untold, these say whether their bytes stopped coming or never came.
 */
function shortestUngapped(count: number): string[] {
  const best = new Map<string, number>();
  for (const c of connections) best.set(c.topic, Math.max(best.get(c.topic) ?? 0, c.unique));
  const short = connections.filter((c) => c.gapNotices === 0 && c.unique < best.get(c.topic)!);
  short.sort((a, b) => a.unique - best.get(a.topic)! - (b.unique - best.get(b.topic)!));
  const now = nowMs();
  return short.slice(0, count).map((c) => `${c.topic}: ${c.describe(now)} (best stream: ${best.get(c.topic)})`);
}

function report(): SubscriberReport {
  const ungapped = connections.filter((c) => c.gapNotices === 0);
  return {
    type: "report",
    unique: uniqueByTopic(),
    subscribers: sumByTopic(connections, () => 1),
    frames: tally.frames,
    measured: tally.measured,
    duplicates: tally.duplicates,
    ungappedSubscribers: sumByTopic(ungapped, () => 1),
    ungappedUnique: uniqueByTopic(ungapped),
    ungappedShort: shortestUngapped(3),
    gapNotices: tally.gapNotices,
    reconnects: tally.reconnects,
    errors: tally.errors,
    firstAt: tally.firstAt,
    lastAt: tally.lastAt,
    latency: tally.latency.toJSON(),
    warmup: tally.warmup.toJSON(),
  };
}

async function onSubscriberCommand(cmd: SubscriberCommand): Promise<unknown> {
  switch (cmd.type) {
    case "connect":
      return connectAll(cmd);
    case "measure":
      if (cmd.on) {
        tally.measureFrom = cmd.from ?? -Infinity;
        tally.latency = new Histogram();
        tally.warmup = new Histogram();
        tally.frames = 0;
        tally.measured = 0;
        tally.firstAt = 0;
        tally.lastAt = 0;
      }
      tally.measuring = cmd.on;
      return { type: "measure" };
    case "progress":
      return {
        type: "progress",
        unique: uniqueByTopic(),
        open: connections.length,
        lastAt: tally.lastAt,
      } satisfies Progress;
    case "report":
      return report();
    case "storm":
      return storm(cmd.back, cmd.timeoutMs);
    case "close":
      for (const c of connections) c.close();
      connections = [];
      return { type: "closed" };
  }
}

/** Counters of the publishes sent in one phase; an answer counts where its publish was sent. */
class Phase {
  sent = 0;
  acked = 0;
  failed = 0;
  late = 0;
  readonly ackedByTopic: Record<string, number> = {};
  readonly latency = new Histogram();

  report(startedAt: number, endedAt: number): PhaseReport {
    const { sent, acked, failed, late, ackedByTopic } = this;
    return { sent, acked, failed, late, ackedByTopic, startedAt, endedAt, latency: this.latency.toJSON() };
  }
}

const STARTED_LATE_MS = 50;

async function publish(cmd: PublishCommand): Promise<PublishReport> {
  const { endpoint, topics, payloadBytes, measureFrom } = cmd;
  let headers = "";
  for (const [name, value] of Object.entries(endpoint.publishHeaders)) headers += `${name}: ${value}\r\n`;
  const errors: string[] = [];
  const pad = "x".repeat(payloadBytes);
  const lastSeq: Record<string, number> = { ...cmd.startSeq };
  const warmup = new Phase();
  const measured = new Phase();
  const phaseAt = (t: number): Phase => (measureFrom !== undefined && t < measureFrom ? warmup : measured);
  let inFlight = 0;
  let topicIndex = 0;

  const free: PostConnection[] = await Promise.all(
    Array.from({ length: cmd.inflight }, () => new PostConnection(endpoint.port).open()),
  );
  if (cmd.startAt !== undefined) {
    const wait = cmd.startAt - nowMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (-wait > STARTED_LATE_MS) errors.push(`publisher started ${Math.round(-wait)} ms late (opening its connections took that long)`);
  }
  // Timers may fire a fraction of a ms before startAt on this clock; the
  // schedule counts from startAt, so publish i is due at startAt + i/rate.
  const startedAt = Math.max(nowMs(), cmd.startAt ?? 0);
  const stopAt = startedAt + cmd.durationMs;
  const limit = cmd.count ?? Infinity;
  const sent = () => warmup.sent + measured.sent;
  const over = () => sent() >= limit || nowMs() >= stopAt;
  const interval = cmd.rate > 0 ? 1000 / cmd.rate : 0;
  let scheduled = 0;
  let pumpTimer: NodeJS.Timeout | undefined;

  const body = (seq: number): string => {
    const head = `{"t":${nowMs().toFixed(3)},"seq":${seq},"pad":"`;
    return head + pad.slice(0, Math.max(0, payloadBytes - head.length - 2)) + '"}';
  };

  // A batch (POST /publish) carries `batch` events of one topic, each the body a single publish would send.
  const batch = cmd.batch ?? 1;
  const batchHeaders = headers.replace(/content-type: [^\r]*/i, "Content-Type: application/json");
  const request = (topic: string): { path: string; head: string; text: string } => {
    const first = (lastSeq[topic] ?? 0) + 1;
    lastSeq[topic] = first + batch - 1;
    if (batch === 1) return { path: endpoint.publishPath.replace("{topic}", topic), head: headers, text: body(first) };
    const events = Array.from({ length: batch }, (_, i) => ({ topic, data: body(first + i) }));
    return { path: endpoint.batchPath!, head: batchHeaders, text: JSON.stringify({ events }) };
  };

  const send = (conn: PostConnection): void => {
    const topic = topics[topicIndex++ % topics.length]!;
    const sentAt = nowMs();
    const phase = phaseAt(sentAt);
    phase.sent += batch;
    inFlight++;
    const { path, head, text } = request(topic);
    conn.post(path, head, text).then(
      (result) => {
        inFlight--;
        phase.latency.add((nowMs() - sentAt) * 1000);
        if (result.status >= 200 && result.status < 300) {
          phase.acked += batch;
          phase.ackedByTopic[topic] = (phase.ackedByTopic[topic] ?? 0) + batch;
        } else {
          phase.failed += batch;
          if (errors.length < 10) errors.push(`HTTP ${result.status}: ${result.body.slice(0, 200)}`);
        }
        release(conn);
      },
      (error: Error) => {
        inFlight--;
        phase.failed += batch;
        if (errors.length < 10) errors.push(error.message);
        // Replace the broken connection, so the in-flight count holds.
        new PostConnection(endpoint.port).open().then(release, (e: Error) => errors.length < 10 && errors.push(e.message));
      },
    );
  };

  const release = (conn: PostConnection): void => {
    if (!conn.alive) {
      new PostConnection(endpoint.port).open().then(release, (e: Error) => errors.length < 10 && errors.push(e.message));
      return;
    }
    free.push(conn);
    if (over()) return;
    if (interval === 0) {
      const next = takeFree();
      if (next) send(next);
    } else pump();
  };

  // Oldest first, so no connection idles past a hub's keep-alive timeout
  // (Node's is 5 s) while others do the work; one the hub closed anyway is
  // replaced rather than failing a publish on it.
  const takeFree = (): PostConnection | undefined => {
    while (free.length > 0) {
      const conn = free.shift()!;
      if (conn.alive) return conn;
      new PostConnection(endpoint.port).open().then(release, (e: Error) => errors.length < 10 && errors.push(e.message));
    }
    return undefined;
  };

  // Open loop: publish i is due at start + i*interval whether or not earlier
  // ones were answered; one that finds no free connection is late.
  const pump = (): void => {
    clearTimeout(pumpTimer);
    const now = nowMs();
    if (over()) return;
    const due = Math.floor((now - startedAt) / interval) + 1;
    while (scheduled < due && sent() < limit) {
      const conn = takeFree();
      if (!conn) break;
      if (now - (startedAt + scheduled * interval) > 5) phaseAt(now).late++;
      scheduled++;
      send(conn);
    }
    pumpTimer = setTimeout(pump, Math.max(0, startedAt + scheduled * interval - nowMs()));
  };

  if (interval === 0) {
    for (let conn = takeFree(); conn && sent() < limit; conn = takeFree()) send(conn);
  }
  else pump();

  const deadline = stopAt + 30_000;
  while (!over() || (inFlight > 0 && nowMs() < deadline)) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  clearTimeout(pumpTimer);
  const endedAt = nowMs();
  if (inFlight > 0) errors.push(`${inFlight} publishes still unanswered 30 s after the end`);
  for (const conn of free) conn.close();
  const splitAt = Math.max(startedAt, measureFrom ?? startedAt);
  return {
    type: "published",
    ...measured.report(splitAt, endedAt),
    errors,
    lastSeq,
    warmup: measureFrom !== undefined ? warmup.report(startedAt, splitAt) : undefined,
  };
}

port.on("message", (cmd: SubscriberCommand | PublishCommand) => {
  const work = role === "publisher" && cmd.type === "publish" ? publish(cmd) : onSubscriberCommand(cmd as SubscriberCommand);
  work.then(
    (answer) => port.postMessage(answer),
    (error: Error) => port.postMessage({ type: "error", message: error.stack ?? error.message }),
  );
});

process.on("uncaughtException", (error) => noteError(tally, `uncaught: ${error.message}`));
