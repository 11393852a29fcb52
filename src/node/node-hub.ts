import type { Config } from "../core/config.js";
import { Counters } from "../core/counters.js";
import { HeraldError } from "../core/errors.js";
import type { Hub } from "../core/hub.js";
import type { Sql } from "../core/sql.js";
import { SSE_HEADERS } from "../core/sse.js";
import { TopicChannel, type PublishInput, type SubscribeOptions } from "../core/topic-channel.js";

/**
 * Every topic of one process, over one SQLite database. Topics live in
 * memory only while they have streams; the log is always on disk. One
 * timer ticks every topic (heartbeats, token expiry), not one per stream.
 */
export class NodeHub implements Hub {
  readonly counters = new Counters();
  private readonly channels = new Map<string, TopicChannel>();
  private readonly tickers = new Set<(now: number) => void>();

  constructor(
    private readonly sql: Sql,
    private readonly config: Config,
    private readonly maxConnections: number,
  ) {}

  get topics(): number {
    return this.channels.size;
  }

  async publish(topic: string, input: PublishInput) {
    return this.channel(topic).publish(input, Date.now());
  }

  async stats(topic: string) {
    return this.channel(topic).stats(Date.now());
  }

  async subscribe(topic: string, options: SubscribeOptions): Promise<Response> {
    if (this.counters.streams >= this.maxConnections) {
      throw new HeraldError("server_full", "this hub has reached MAX_CONNECTIONS open streams");
    }
    const { stream } = this.channel(topic).subscribe(options, Date.now());
    return new Response(stream, { headers: SSE_HEADERS });
  }

  /** Runs `tick` on the process's one timer until the returned function is called. */
  every = (tick: (now: number) => void): (() => void) => {
    this.tickers.add(tick);
    return () => this.tickers.delete(tick);
  };

  tick(now: number): void {
    for (const tick of this.tickers) tick(now);
    for (const [topic, channel] of this.channels) {
      channel.tick(now);
      if (channel.subscribers === 0) this.channels.delete(topic);
    }
  }

  /** Ends every stream cleanly, so clients reconnect (elsewhere, or later) and replay. */
  close(): void {
    for (const channel of this.channels.values()) channel.close();
  }

  private channel(topic: string): TopicChannel {
    let channel = this.channels.get(topic);
    if (!channel) {
      channel = new TopicChannel(topic, this.sql, this.config, this.counters);
      this.channels.set(topic, channel);
    }
    return channel;
  }
}
