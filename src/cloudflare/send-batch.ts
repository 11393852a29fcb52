import type { Flushable, Flushes } from "./topic-socket.js";

/**
 * The frames a topic's object queued on its sockets and relay links, sent
 * once the storage writes before them are durable (`storage.sync()`): no
 * socket or relay ever gets an event that is not stored, as the output gate
 * would ensure anyway, and the publishes stored by the same wait go as one
 * message per socket (one call per relay). A topic that publishes faster than
 * its storage syncs sends fewer, larger messages instead of one per event.
 */
export class SendBatch implements Flushes {
  private readonly dirty = new Set<Flushable>();
  private waiting = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** The wait failed: what was queued is not known to be stored. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  markDirty(queued: Flushable): void {
    this.dirty.add(queued);
    if (this.waiting) return;
    this.waiting = true;
    this.storage.sync().then(
      () => this.take().forEach((dirty) => dirty.flush()),
      (error: unknown) => {
        this.onFailure(error);
        this.take().forEach((dirty) => dirty.fail());
      },
    );
  }

  private take(): Flushable[] {
    this.waiting = false;
    const queued = [...this.dirty];
    this.dirty.clear();
    return queued;
  }
}
