import { DurableObject } from "cloudflare:workers";
import { parseConfig, type Config } from "../core/config.js";
import { errorResponse, HeraldError } from "../core/errors.js";
import { applyMigrations, type Sql } from "../core/sql.js";
import { SSE_HEADERS } from "../core/sse.js";
import { TopicChannel, type PublishInput, type PublishResult, type TopicStats } from "../core/topic-channel.js";
import type { Env } from "./env.js";
import { MIGRATIONS } from "../migrations.js";
import { capture, type RpcResult } from "./rpc.js";
import { durableObjectSql } from "./sql.js";

/** Internal headers from the Worker; the object is never reachable directly. */
export const SUBSCRIBE_HEADERS = {
  topic: "x-herald-topic",
  lastEventId: "x-herald-last-event-id",
  expiresAt: "x-herald-expires-at",
  since: "x-herald-since",
  mux: "x-herald-mux",
} as const;

/** How often heartbeats and token expiry are checked while streams are open. */
const TICK_MS = 1000;

/**
 * One topic's Durable Object: the only file that touches `ctx`. Storage
 * writes happen before the broadcast in the same turn, so the output gate
 * holds every byte of the event until it is durable.
 */
export class TopicObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly config: Config;
  private channel?: TopicChannel;
  private ticker?: ReturnType<typeof setInterval>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = parseConfig(env);
    this.sql = durableObjectSql(ctx.storage);
    applyMigrations(this.sql, MIGRATIONS);
  }

  async publish(topic: string, input: PublishInput): Promise<RpcResult<PublishResult>> {
    return capture(() => this.channelOf(topic).publish(input, Date.now()));
  }

  async stats(topic: string): Promise<RpcResult<TopicStats>> {
    return capture(() => this.channelOf(topic).stats(Date.now()));
  }

  /** Subscribe: answers the topic's SSE stream. */
  override async fetch(request: Request): Promise<Response> {
    const header = (name: keyof typeof SUBSCRIBE_HEADERS) => request.headers.get(SUBSCRIBE_HEADERS[name]) ?? undefined;
    const number = (name: keyof typeof SUBSCRIBE_HEADERS) => (header(name) === undefined ? undefined : Number(header(name)));
    try {
      const { stream } = this.channelOf(header("topic") ?? "").subscribe(
        {
          lastEventId: header("lastEventId"),
          since: number("since"),
          expiresAt: number("expiresAt"),
          mux: header("mux") === "1",
        },
        Date.now(),
      );
      this.startTicking();
      return new Response(stream, { headers: SSE_HEADERS });
    } catch (error) {
      if (error instanceof HeraldError) return errorResponse(error);
      throw error;
    }
  }

  private channelOf(topic: string): TopicChannel {
    this.channel ??= new TopicChannel(topic, this.sql, this.config);
    if (this.channel.topic !== topic) {
      throw new Error(`TopicObject for ${this.channel.topic} was asked for ${topic}`);
    }
    return this.channel;
  }

  private startTicking(): void {
    if (this.ticker !== undefined) return;
    const ticker = setInterval(() => {
      const channel = this.channel!;
      channel.tick(Date.now());
      // Stop when idle so an object with no streams can be evicted.
      if (channel.subscribers === 0) {
        clearInterval(ticker);
        this.ticker = undefined;
      }
    }, TICK_MS);
    this.ticker = ticker;
  }
}
