import { DurableObject } from "cloudflare:workers";
import { parseConfig, parseEdgeConfig, type Config, type EdgeConfig } from "../core/config.js";
import { errorResponse, HeraldError } from "../core/errors.js";
import type { HistoryPage, HistoryQuery } from "../core/event-log.js";
import { presenceAnswer, type PresenceAnswer } from "../core/presence.js";
import { applyMigrations, type Sql } from "../core/sql.js";
import { TopicChannel, type PublishInput, type PublishResult, type TopicStats } from "../core/topic-channel.js";
import { byteLength, type SinkOptions } from "../core/sink.js";
import type { Env } from "./env.js";
import { MIGRATIONS } from "../migrations.js";
import { HeldSockets, type SocketAttachment } from "./held-sockets.js";
import { RelayTree } from "./relay-tree.js";
import type { JoinOptions } from "./relay-wire.js";
import { capture, type RpcResult } from "./rpc.js";
import { durableObjectSql } from "./sql.js";
import { SendBatch } from "./send-batch.js";
import { WaitingLeaves } from "./waiting-leaves.js";
import type { TopicSocket } from "./topic-socket.js";
import { CONNECT_HEADERS, PING, PONG, startOf, subjectOf } from "./topic-wire.js";

/**
 * One topic's Durable Object: its log, and a hibernatable WebSocket per
 * stream, to the Worker that holds the browser's side. It keeps no timer and
 * holds no request, so between publishes it can leave memory; whatever it
 * needs after waking is in storage (the log, its relays) or on its sockets
 * (attachments). A publish's frames are queued on every socket in the turn
 * that stores it, and sent once the write is durable (send-batch.ts). Past
 * RELAY_AFTER streams, new ones go to relay objects (relay-tree.ts), which
 * this object calls with every publish.
 */
export class TopicObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly config: Config;
  private readonly edge: EdgeConfig;
  private channel?: TopicChannel;
  private tree?: RelayTree;
  private readonly held: HeldSockets;
  private readonly batch: SendBatch;
  private readonly leaves: WaitingLeaves;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = parseConfig(env);
    this.edge = parseEdgeConfig(env);
    this.sql = durableObjectSql(ctx.storage);
    this.batch = new SendBatch(ctx.storage, (error) => {
      // Not known to be stored: the streams resume from the log instead.
      console.error("herald: a topic's storage failed; dropping its streams so clients resume from the log", error);
    });
    this.held = new HeldSockets(ctx, this.batch, this.config.heartbeatSeconds * 1000);
    this.leaves = new WaitingLeaves(ctx.storage);
    applyMigrations(this.sql, MIGRATIONS);
    // Answered by the platform, without waking the object (see topic-wire.ts).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  async publish(topic: string, input: PublishInput): Promise<RpcResult<PublishResult>> {
    return capture(() => {
      const channel = this.channelOf(topic);
      this.sweep();
      return channel.publish(input, Date.now());
    });
  }

  /** A batch's events of this topic (publish-batch.ts): stored together, in order, or refused together. */
  async publishMany(topic: string, inputs: PublishInput[]): Promise<RpcResult<PublishResult[]>> {
    return capture(() => {
      const channel = this.channelOf(topic);
      this.sweep();
      return channel.prepare(inputs, Date.now())();
    });
  }

  /** Who is on the topic: its own sockets, and every relay's (asked now). */
  async presence(topic: string): Promise<RpcResult<PresenceAnswer>> {
    const opened = capture(() => this.channelOf(topic));
    if (!opened.ok) return opened;
    const relays = await this.tree!.presence();
    return capture(() => presenceAnswer(topic, [opened.value.presenceCounts(), ...relays]));
  }

  async stats(topic: string): Promise<RpcResult<TopicStats>> {
    const opened = capture(() => this.channelOf(topic));
    if (!opened.ok) return opened;
    await this.tree!.count();
    return capture(() => {
      this.sweep();
      const stats = opened.value.stats(Date.now());
      return this.tree!.size > 0 ? { ...stats, relays: this.tree!.size } : stats;
    });
  }

  async history(topic: string, query: HistoryQuery): Promise<RpcResult<HistoryPage>> {
    return capture(() => this.channelOf(topic).history(query, Date.now()));
  }

  /** A relay's stream joins the topic (relay-object.ts): its head and replay go to the relay with the live frames. */
  async join(topic: string, relay: number, joinId: string, options: JoinOptions): Promise<RpcResult<number>> {
    return capture(() => {
      this.channelOf(topic);
      return this.tree!.join(relay, joinId, options, Date.now());
    });
  }

  /** A stream's topic: answers 101 with the socket its frames go to, or 307 to a relay. */
  override async fetch(request: Request): Promise<Response> {
    const header = (name: keyof typeof CONNECT_HEADERS) => request.headers.get(CONNECT_HEADERS[name]) ?? undefined;
    try {
      if (request.headers.get("upgrade") !== "websocket") throw new Error("TopicObject is reached only by the Worker's WebSocket");
      const topic = header("topic") ?? "";
      const channel = this.channelOf(topic);
      const now = Date.now();
      this.sweep();
      // Counted here for a relay's stream too: its link counts it from now on (relay-tree.ts).
      channel.assertRoom();
      const relay = this.tree!.place(this.held.size);
      if (relay !== undefined) return new Response(null, { status: 307, headers: { [CONNECT_HEADERS.relay]: String(relay) } });
      const pair = new WebSocketPair();
      let initialBytes = 0;
      const subject = subjectOf(request.headers);
      channel.subscribe({ ...startOf(request.headers), subject, mux: true }, now, (options) => {
        initialBytes = byteLength(options.initial);
        return this.accept(pair[1], { topic, openedAt: now, subject }, options);
      });
      // A subject back within its grace: its leave is off.
      this.leaves.keep(channel, now);
      return new Response(null, { status: 101, webSocket: pair[0], headers: { [CONNECT_HEADERS.initialBytes]: String(initialBytes) } });
    } catch (error) {
      if (error instanceof HeraldError) return errorResponse(error);
      throw error;
    }
  }

  override webSocketMessage(): void {
    // The Worker sends only PING, which the platform answers; nothing else is expected.
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.held.closed(ws, code);
    this.leaves.keep(this.channel, Date.now());
  }

  override webSocketError(ws: WebSocket): void {
    this.held.failed(ws);
    this.leaves.keep(this.channel, Date.now());
  }

  /** A presence topic's leave whose grace ran out (waiting-leaves.ts). */
  override async alarm(): Promise<void> {
    const topic = this.channel?.topic ?? this.leaves.topic;
    if (topic !== undefined) this.leaves.keep(this.channelOf(topic), Date.now());
  }

  /** Closes the sockets whose Worker went silent; a subject's last one may start its leave's grace. */
  private sweep(): void {
    this.held.sweepStale(Date.now());
    this.leaves.keep(this.channel, Date.now());
  }

  private accept(ws: WebSocket, attachment: SocketAttachment, { initial, onClose }: SinkOptions): TopicSocket {
    const socket = this.held.accept(ws, attachment, onClose);
    socket.sendAll(initial);
    return socket;
  }

  /**
   * The topic's channel; the first call after the object (re)started takes
   * in the sockets it held before and its relays, so a woken object reaches
   * every stream.
   */
  private channelOf(topic: string): TopicChannel {
    if (this.channel === undefined) {
      const channel = new TopicChannel(topic, this.sql, this.config);
      // Streams already announced: taken back quietly, with the leaves that were waiting.
      for (const [ws, attachment] of this.held.heldBefore(topic)) {
        channel.adopt((onClose) => this.held.track(ws, attachment.openedAt, onClose), { subject: attachment.subject, quietly: true });
      }
      this.leaves.restore(channel);
      this.tree = new RelayTree(this.ctx.storage, this.env, channel, this.edge, this.batch);
      this.channel = channel;
    }
    if (this.channel.topic !== topic) {
      throw new Error(`TopicObject for ${this.channel.topic} was asked for ${topic}`);
    }
    return this.channel;
  }
}
