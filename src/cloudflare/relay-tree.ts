import type { EdgeConfig } from "../core/config.js";
import { byteLength } from "../core/sink.js";
import type { TopicChannel } from "../core/topic-channel.js";
import type { PresenceCounts } from "../core/presence.js";
import type { Env } from "./env.js";
import { RelayLink, type LinkOwner } from "./relay-link.js";
import { relayName, type JoinOptions } from "./relay-wire.js";
import type { Flushes } from "./topic-socket.js";

/**
 * What the root stores of its relays: which it has, and the last event it
 * knows every one of them got. A root that starts again compares that id to
 * its log's newest: equal, nothing stored was left undelivered and the relays
 * go on as they are; not equal (it stopped between storing and delivering),
 * each relay is told to end its streams so they resume from the log.
 */
interface SavedTree {
  relays: number[];
  through: string | null;
}
const SAVED_TREE = "herald:relays";

/**
 * A topic's relays, as its object (the root) sees them: where a new stream
 * goes (`place`), a link per relay in the topic's fan-out, and the record
 * that lets a restarted root carry on.
 */
export class RelayTree implements LinkOwner {
  private readonly links = new Map<number, RelayLink>();
  private through: string | null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly channel: TopicChannel,
    private readonly edge: EdgeConfig,
    private readonly flushes: Flushes,
  ) {
    const saved = storage.kv.get<SavedTree>(SAVED_TREE);
    this.through = saved?.through ?? null;
    const clean = this.through === channel.lastId;
    for (const n of saved?.relays ?? []) this.link(n, !clean);
  }

  /** Relays in use. */
  get size(): number {
    return this.links.size;
  }

  /**
   * Where a new stream goes: undefined for the root itself (it holds
   * fewer than RELAY_AFTER), else the first relay with room, a new one, or
   * the least loaded when MAX_RELAYS are open.
   */
  place(ownStreams: number): number | undefined {
    const { relayAfter, maxRelays } = this.edge;
    // A presence topic's object sees every stream open and close, to announce them exactly.
    if (maxRelays === 0 || ownStreams < relayAfter || this.channel.announcesPresence) return undefined;
    const room = Math.max(relayAfter, 1);
    const links = [...this.links.values()].sort((a, b) => a.n - b.n);
    let link = links.find((l) => l.streams < room);
    if (!link && links.length < maxRelays) link = this.open(this.freeNumber());
    link ??= links.reduce((a, b) => (b.streams < a.streams ? b : a));
    link.placed();
    return link.n;
  }

  /**
   * A relay's stream joins: its head and replay go on the relay's link, in
   * this same step; answers their size. Its room in the topic was checked
   * when it was placed.
   */
  join(n: number, joinId: string, options: JoinOptions, now: number): number {
    if (!Number.isInteger(n) || n < 0 || n >= this.edge.maxRelays) throw new Error(`relay ${n} is not one of ${this.channel.topic}'s`);
    const initial = this.channel.open({ ...options, mux: true }, now);
    const link = this.links.get(n) ?? this.open(n);
    link.join(joinId, initial);
    return byteLength(initial);
  }

  /** Asks every relay who has a stream open on it (presence). */
  presence(): Promise<PresenceCounts[]> {
    return Promise.all([...this.links.values()].map((link) => link.presence()));
  }

  /** Asks every relay for its count (stats). */
  async count(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.count()));
  }

  /** Every relay has all the root queued for it, and no call is out. */
  get idle(): boolean {
    for (const link of this.links.values()) if (!link.idle) return false;
    return true;
  }

  settled(): void {
    if (!this.idle) return;
    const lastId = this.channel.lastId;
    if (this.through === lastId) return;
    this.through = lastId;
    this.save();
  }

  empty(link: RelayLink): void {
    link.end();
  }

  /** A relay this root did not have (or had dropped): recorded at once, so a restarted root reaches it. */
  private open(n: number): RelayLink {
    const link = this.link(n, false);
    this.save();
    return link;
  }

  private link(n: number, reset: boolean): RelayLink {
    const relay = () => this.env.RELAYS.get(this.env.RELAYS.idFromName(relayName(this.channel.topic, n)));
    const link = this.channel.adopt(
      (onClose) =>
        new RelayLink(n, this.channel.topic, relay, this.flushes, this, reset, (closed, reason) => {
          this.links.delete(n);
          this.save();
          onClose(closed, reason);
        }),
    );
    this.links.set(n, link);
    return link;
  }

  private freeNumber(): number {
    let n = 0;
    while (this.links.has(n)) n++;
    return n;
  }

  private save(): void {
    const saved: SavedTree = { relays: [...this.links.keys()], through: this.through };
    this.storage.kv.put(SAVED_TREE, saved);
  }
}
