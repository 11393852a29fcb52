import type { Flushes, TopicSocket } from "./topic-socket.js";

/**
 * The frames a topic's object queued on its sockets, sent once the storage
 * writes before them are durable (`storage.sync()`): no socket ever gets an
 * event that is not stored, as the output gate would ensure anyway, and the
 * publishes stored by the same wait reach each socket as one message. A
 * topic that publishes faster than its storage syncs sends fewer, larger
 * messages instead of one per event per socket.
 */
export class SendBatch implements Flushes {
  private readonly dirty = new Set<TopicSocket>();
  private waiting = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** The wait failed: what was queued is not known to be stored. */
    private readonly onFailure: (error: unknown, sockets: TopicSocket[]) => void,
  ) {}

  markDirty(socket: TopicSocket): void {
    this.dirty.add(socket);
    if (this.waiting) return;
    this.waiting = true;
    this.storage.sync().then(
      () => this.take().forEach((dirty) => dirty.flush()),
      (error: unknown) => this.onFailure(error, this.take()),
    );
  }

  private take(): TopicSocket[] {
    this.waiting = false;
    const sockets = [...this.dirty];
    this.dirty.clear();
    return sockets;
  }
}
