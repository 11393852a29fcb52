/**
 * The in-memory topics of the two hand-rolled bench hubs (baseline-hub.ts,
 * floor-hub.ts): per topic, its subscribers and a ring of its last 1,000
 * SSE frames, numbered from 1, for Last-Event-ID.
 */
const RING = 1000;

export class RingTopic<Subscriber> {
  readonly subscribers = new Set<Subscriber>();
  private readonly ring = new Array<string>(RING);
  private seq = 0;

  /** Numbers the event and keeps its frame. */
  append(data: string): { id: number; frame: string } {
    const id = ++this.seq;
    let frame = `id: ${id}\n`;
    for (const line of data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
    frame += "\n";
    this.ring[id % RING] = frame;
    return { id, frame };
  }

  /** The frames after `lastEventId` that the ring still holds; none for an id that is not a number. */
  after(lastEventId: string | undefined): string[] {
    const last = Number(lastEventId);
    if (!Number.isInteger(last) || last >= this.seq) return [];
    const frames: string[] = [];
    for (let seq = Math.max(last + 1, this.seq - RING + 1); seq <= this.seq; seq++) frames.push(this.ring[seq % RING]!);
    return frames;
  }
}

export class RingTopics<Subscriber> {
  private readonly topics = new Map<string, RingTopic<Subscriber>>();

  get(name: string): RingTopic<Subscriber> {
    let topic = this.topics.get(name);
    if (!topic) this.topics.set(name, (topic = new RingTopic()));
    return topic;
  }

  values(): IterableIterator<RingTopic<Subscriber>> {
    return this.topics.values();
  }
}
