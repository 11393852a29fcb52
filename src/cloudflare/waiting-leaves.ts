import type { TopicChannel } from "../core/topic-channel.js";

/** What survives an eviction: the topic, and its subjects' leaves still in their grace. */
interface Saved {
  topic: string;
  waiting: Record<string, number>;
}

const KEY = "herald:leaving";

/**
 * A presence topic's leaves waiting for their grace (PRESENCE_GRACE_SECONDS),
 * on Workers: kept in storage, so an evicted object still announces them, and
 * woken by an alarm when the next is due. Written only when they change.
 */
export class WaitingLeaves {
  private saved: string;

  constructor(private readonly storage: DurableObjectStorage) {
    this.saved = JSON.stringify(storage.kv.get<Saved>(KEY) ?? null);
  }

  /** The topic the stored leaves are for, if any (an alarm wakes an object that knows nothing else). */
  get topic(): string | undefined {
    return (JSON.parse(this.saved) as Saved | null)?.topic;
  }

  /** Gives a (re)started channel the leaves it was waiting on. */
  restore(channel: TopicChannel): void {
    const saved = JSON.parse(this.saved) as Saved | null;
    if (saved?.topic === channel.topic) channel.restoreLeaves(saved.waiting);
  }

  /** Announces the leaves now due, then stores those still waiting and sets the alarm for the next. */
  keep(channel: TopicChannel | undefined, now: number): void {
    if (!channel?.announcesPresence) return;
    const next = channel.presenceDue(now);
    const waiting = channel.leavesWaiting;
    const saved = JSON.stringify(next === undefined ? null : { topic: channel.topic, waiting });
    if (saved === this.saved) return;
    this.saved = saved;
    if (next === undefined) {
      this.storage.kv.delete(KEY);
      void this.storage.deleteAlarm();
      return;
    }
    this.storage.kv.put(KEY, { topic: channel.topic, waiting } satisfies Saved);
    void this.storage.setAlarm(next);
  }
}
