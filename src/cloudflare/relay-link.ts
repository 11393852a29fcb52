import type { CloseReason, Sink } from "../core/sink.js";
import type { PresenceCounts } from "../core/presence.js";
import type { RelayObject } from "./relay-object.js";
import { MAX_CALL_BYTES, MAX_ITEM_BYTES, type RelayBatch, type RelayItem } from "./relay-wire.js";
import type { Flushable, Flushes } from "./topic-socket.js";
import { reach } from "./rpc.js";
import { textPieces, wireText } from "./topic-wire.js";

/** What a link tells the tree it belongs to. */
export interface LinkOwner {
  /** The link's call came back and nothing is queued on it. */
  settled(link: RelayLink): void;
  /** The relay holds no stream: the link leaves the fan-out. */
  empty(link: RelayLink): void;
}

/**
 * The root's end of one relay: a member of the topic's fan-out that carries
 * every stream the relay holds. Frames and joins queue here in the order the
 * topic produced them and go to the relay in calls, one at a time, each
 * taking what queued while the one before was out (relay-wire.ts).
 */
export class RelayLink implements Sink, Flushable {
  readonly expiresAt = undefined;
  /** The relay's streams as last counted, plus those sent its way since. */
  streams = 0;
  private queue: RelayItem[] = [];
  private sending = false;
  private placedSinceCount = 0;
  private failures = 0;
  private open = true;

  constructor(
    readonly n: number,
    private readonly topic: string,
    private readonly relay: () => DurableObjectStub<RelayObject>,
    private readonly flushes: Flushes,
    private readonly owner: LinkOwner,
    /** Whether the next call must tell the relay to end what it holds (relay-wire.ts). */
    private resetNext: boolean,
    private readonly onClose: (sink: Sink, reason: CloseReason) => void,
  ) {
    if (resetNext) this.flushes.markDirty(this);
  }

  get isOpen(): boolean {
    return this.open;
  }

  get idle(): boolean {
    return !this.sending && this.queue.length === 0 && !this.resetNext;
  }

  /** A stream was sent to this relay (its connect is on the way). */
  placed(): void {
    this.streams++;
    this.placedSinceCount++;
  }

  send(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    this.push(wireText(bytes));
    return true;
  }

  join(joinId: string, initial: readonly Uint8Array[]): void {
    const pieces = [...textPieces(initial.map((chunk) => wireText(chunk)).join(""), MAX_ITEM_BYTES)];
    pieces.forEach((text, i) => this.push(i < pieces.length - 1 ? { join: joinId, text, more: true } : { join: joinId, text }));
  }

  beat(): void {
    // The Worker beats each stream; a relay keeps no clock either.
  }

  end(): void {
    this.close();
  }

  abort(): void {
    this.close();
  }

  flush(): void {
    if (!this.sending && (this.queue.length > 0 || this.resetNext)) void this.deliver();
  }

  fail(): void {
    this.queue = [];
    this.resetNext = true;
  }

  /** Asks the relay how many streams it holds (the topic's stats). */
  /** Who has a stream open on the relay. */
  presence(): Promise<PresenceCounts> {
    return reach(() => this.relay().presence(this.topic));
  }

  async count(): Promise<void> {
    this.placedSinceCount = 0;
    try {
      this.counted(await this.relay().count(this.topic));
    } catch (error) {
      console.error(`herald: relay ${this.n} of ${this.topic} did not answer a count`, error);
    }
  }

  private push(item: RelayItem): void {
    if (this.queue.length === 0) this.flushes.markDirty(this);
    this.queue.push(item);
  }

  private async deliver(): Promise<void> {
    this.sending = true;
    const batch: RelayBatch = { topic: this.topic, reset: this.resetNext, items: this.takeCall() };
    this.resetNext = false;
    this.placedSinceCount = 0;
    let held: number | undefined;
    try {
      held = await this.relay().deliver(batch);
      this.failures = 0;
    } catch (error) {
      // Whether the relay applied the call is unknown: it ends its streams on the next one.
      console.error(`herald: relay ${this.n} of ${this.topic} did not take a delivery; its streams will resume from the log`, error);
      this.resetNext = true;
      this.failures++;
    }
    this.sending = false;
    if (held !== undefined) this.counted(held);
    // After a failure, one more call at once (to end the relay's streams); after two, the next publish tries again.
    if (this.queue.length > 0 || (this.resetNext && this.failures === 1)) this.flush();
    else if (this.idle) this.owner.settled(this);
  }

  /** The items for one call: what is queued, up to MAX_CALL_BYTES (the rest waits for the next). */
  private takeCall(): RelayItem[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes <= MAX_CALL_BYTES)) {
      const item = this.queue[n++]!;
      // At most 3 bytes of UTF-8 a UTF-16 unit.
      bytes += 3 * (typeof item === "string" ? item : item.text).length;
    }
    return this.queue.splice(0, n);
  }

  /** The relay's count, plus the streams sent its way since it was asked. */
  private counted(held: number): void {
    this.streams = held + this.placedSinceCount;
    if (this.streams === 0 && this.idle) this.owner.empty(this);
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.queue = [];
    this.onClose(this, "shutdown");
  }
}
