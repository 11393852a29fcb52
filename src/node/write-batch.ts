import type { NodeSql } from "./sql.js";

/** Something holding bytes that may only leave once they are durable. */
export interface Flushable {
  flush(): void;
}

/**
 * Group commit and write coalescing, on one schedule. Publishes that arrive
 * in the same turn of the event loop share one transaction, so one fsync
 * makes them all durable; bytes queued for a socket in that turn go out in
 * one write, after the commit. So no subscriber ever sees an event that is
 * not on disk, and every 201 is sent after its commit.
 */
export class WriteBatch {
  private readonly dirty = new Set<Flushable>();
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  /** Batches committed (for /metrics). */
  commits = 0;

  constructor(
    private readonly sql: NodeSql,
    private readonly onCommitFailure: (error: unknown) => void,
  ) {}

  /** Runs `fn` inside the open batch; resolves once the batch is committed. */
  async write<T>(fn: () => T): Promise<T> {
    this.sql.beginBatch();
    this.schedule();
    const result = this.sql.transaction(fn);
    await this.settled();
    return result;
  }

  /** Resolves when nothing written so far is uncommitted. */
  settled(): Promise<void> {
    if (!this.sql.inBatch) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  markDirty(sink: Flushable): void {
    this.dirty.add(sink);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (this.sql.inBatch) {
      try {
        this.sql.commitBatch();
        this.commits++;
      } catch (error) {
        this.dirty.clear();
        this.onCommitFailure(error);
        for (const waiter of waiters) waiter.reject(error);
        return;
      }
    }
    for (const sink of this.dirty) sink.flush();
    this.dirty.clear();
    for (const waiter of waiters) waiter.resolve();
  }
}
