import { Worker } from "node:worker_threads";
import { Histogram } from "./histogram.ts";
import type {
  ConnectResult,
  Endpoint,
  Progress,
  PublishCommand,
  PublishReport,
  StormResult,
  SubscriberCommand,
  SubscriberReport,
  SubscriberSpec,
} from "./messages.ts";

/**
 * The one load client every target gets: worker threads holding the
 * subscriber sockets plus one publisher thread, all on the client's core.
 * This side only splits work between them and merges what they report.
 */
const WORKER_URL = new URL("./load-worker.ts", import.meta.url);

/** The workers' SubscriberReports added up, with a live histogram. */
export type MergedReport = Omit<SubscriberReport, "type" | "latency" | "warmup"> & { latency: Histogram; warmup: Histogram };

class Thread {
  private readonly worker: Worker;
  private waiting?: { resolve: (value: unknown) => void; reject: (error: Error) => void };
  private failure?: Error;

  constructor(role: "subscribers" | "publisher") {
    this.worker = new Worker(WORKER_URL, { workerData: { role } });
    this.worker.on("message", (message: { type: string; message?: string }) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (message.type === "error") waiting?.reject(new Error(message.message));
      else waiting?.resolve(message);
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`load worker exited with ${code}`)));
  }

  call<T>(command: SubscriberCommand | PublishCommand): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error("load worker is busy"));
    return new Promise<T>((resolve, reject) => {
      this.waiting = { resolve: resolve as (value: unknown) => void, reject };
      this.worker.postMessage(command);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

export class LoadClient {
  private readonly subscribers: Thread[];
  private readonly publisher = new Thread("publisher");

  constructor(subscriberThreads = 2) {
    this.subscribers = Array.from({ length: subscriberThreads }, () => new Thread("subscribers"));
  }

  /** Splits each topic's subscribers evenly over the threads and connects them. */
  async connect(endpoint: Endpoint, specs: SubscriberSpec[], concurrency: number, timeoutMs: number, deadlineMs: number, recordOrder = false) {
    const n = this.subscribers.length;
    const shares: SubscriberSpec[][] = this.subscribers.map(() => []);
    specs.forEach((spec, i) => {
      for (let t = 0; t < n; t++) {
        // Rotate who gets the remainder so that many small topics spread evenly too.
        const w = (t + i) % n;
        const count = Math.floor(spec.count / n) + (t < spec.count % n ? 1 : 0);
        if (count > 0) shares[w]!.push({ topic: spec.topic, count });
      }
    });
    const results = await Promise.all(
      this.subscribers.map((thread, i) =>
        thread.call<ConnectResult>({ type: "connect", endpoint, specs: shares[i]!, concurrency: Math.ceil(concurrency / n), timeoutMs, deadlineMs, recordOrder }),
      ),
    );
    return {
      ok: results.reduce((s, r) => s + r.ok, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      errors: results.flatMap((r) => r.errors).slice(0, 10),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  /** Deliveries of events sent before `from` (nowMs) then count as warm-up. */
  async measure(on: boolean, from?: number): Promise<void> {
    await Promise.all(this.subscribers.map((t) => t.call({ type: "measure", on, from })));
  }

  async progress(): Promise<{ unique: Record<string, number>; open: number; lastAt: number }> {
    const parts = await Promise.all(this.subscribers.map((t) => t.call<Progress>({ type: "progress" })));
    const unique: Record<string, number> = {};
    for (const p of parts) for (const [topic, n] of Object.entries(p.unique)) unique[topic] = (unique[topic] ?? 0) + n;
    return { unique, open: parts.reduce((s, p) => s + p.open, 0), lastAt: Math.max(...parts.map((p) => p.lastAt)) };
  }

  async report(): Promise<MergedReport> {
    const parts = await Promise.all(this.subscribers.map((t) => t.call<SubscriberReport>({ type: "report" })));
    const sum = (pick: (r: SubscriberReport) => number) => parts.reduce((s, r) => s + pick(r), 0);
    const add = (into: Record<string, number>, from: Record<string, number>) => {
      for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
    };
    const unique: Record<string, number> = {};
    const subscribers: Record<string, number> = {};
    const ungappedUnique: Record<string, number> = {};
    const ungappedSubscribers: Record<string, number> = {};
    const latency = new Histogram();
    const warmup = new Histogram();
    for (const p of parts) {
      add(unique, p.unique);
      add(subscribers, p.subscribers);
      add(ungappedUnique, p.ungappedUnique);
      add(ungappedSubscribers, p.ungappedSubscribers);
      latency.merge(p.latency);
      warmup.merge(p.warmup);
    }
    const firsts = parts.map((p) => p.firstAt).filter((t) => t > 0);
    return {
      unique,
      subscribers,
      ungappedUnique,
      ungappedSubscribers,
      ungappedShort: parts.flatMap((p) => p.ungappedShort).slice(0, 3),
      frames: sum((r) => r.frames),
      measured: sum((r) => r.measured),
      duplicates: sum((r) => r.duplicates),
      gapNotices: sum((r) => r.gapNotices),
      reconnects: sum((r) => r.reconnects),
      errors: parts.flatMap((p) => p.errors).slice(0, 10),
      firstAt: firsts.length > 0 ? Math.min(...firsts) : 0,
      lastAt: Math.max(...parts.map((p) => p.lastAt)),
      latency,
      warmup,
    };
  }

  async storm(back: number, timeoutMs: number) {
    const parts = await Promise.all(this.subscribers.map((t) => t.call<StormResult>({ type: "storm", back, timeoutMs })));
    return {
      caughtUp: parts.reduce((s, p) => s + p.caughtUp, 0),
      total: parts.reduce((s, p) => s + p.total, 0),
      lastCaughtUpMs: Math.max(...parts.map((p) => p.lastCaughtUpMs)),
      failed: parts.reduce((s, p) => s + p.failed, 0),
      errors: parts.flatMap((p) => p.errors).slice(0, 10),
    };
  }

  publish(command: Omit<PublishCommand, "type">): Promise<PublishReport> {
    return this.publisher.call<PublishReport>({ type: "publish", ...command });
  }

  async closeSubscribers(): Promise<void> {
    await Promise.all(this.subscribers.map((t) => t.call({ type: "close" })));
  }

  async terminate(): Promise<void> {
    await Promise.all([...this.subscribers, this.publisher].map((t) => t.terminate()));
  }
}
