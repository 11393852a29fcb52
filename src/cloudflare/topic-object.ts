import { DurableObject } from "cloudflare:workers";
import { parseConfig, type Config } from "../core/config.js";
import { errorResponse, HeraldError } from "../core/errors.js";
import { applyMigrations, type Sql } from "../core/sql.js";
import { TopicChannel, type PublishInput, type PublishResult, type TopicStats } from "../core/topic-channel.js";
import type { SinkOptions } from "../core/sink.js";
import type { Env } from "./env.js";
import { MIGRATIONS } from "../migrations.js";
import { capture, type RpcResult } from "./rpc.js";
import { durableObjectSql } from "./sql.js";
import { SendBatch } from "./send-batch.js";
import { TopicSocket } from "./topic-socket.js";
import { CONNECT_HEADERS, PING, PONG, sendableCloseCode, STALE_AFTER_BEATS } from "./topic-wire.js";

/** What a socket keeps through hibernation. */
interface SocketAttachment {
  topic: string;
  openedAt: number;
}

/**
 * One topic's Durable Object: its log, and a hibernatable WebSocket per
 * stream, to the Worker that holds the browser's side. It keeps no timer and
 * holds no request, so between publishes it can leave memory; whatever it
 * needs after waking is in storage (the log) or on its sockets (attachments).
 * A publish's frames are queued on every socket in the turn that stores it,
 * and sent once the write is durable (send-batch.ts).
 */
export class TopicObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly config: Config;
  private channel?: TopicChannel;
  private readonly sockets = new Map<WebSocket, TopicSocket>();
  private readonly batch: SendBatch;
  private sweptAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = parseConfig(env);
    this.sql = durableObjectSql(ctx.storage);
    this.batch = new SendBatch(ctx.storage, (error, sockets) => {
      // Not known to be stored: the streams resume from the log instead.
      console.error("herald: a topic's storage failed; dropping its streams so clients resume from the log", error);
      for (const socket of sockets) socket.abort("shutdown");
    });
    applyMigrations(this.sql, MIGRATIONS);
    // Answered by the platform, without waking the object (see topic-wire.ts).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  async publish(topic: string, input: PublishInput): Promise<RpcResult<PublishResult>> {
    return capture(() => {
      const channel = this.channelOf(topic);
      this.sweepStale(Date.now());
      return channel.publish(input, Date.now());
    });
  }

  async stats(topic: string): Promise<RpcResult<TopicStats>> {
    return capture(() => {
      const channel = this.channelOf(topic);
      this.sweepStale(Date.now());
      return channel.stats(Date.now());
    });
  }

  /** A stream's topic: answers 101 with the socket its frames go to. */
  override async fetch(request: Request): Promise<Response> {
    const header = (name: keyof typeof CONNECT_HEADERS) => request.headers.get(CONNECT_HEADERS[name]) ?? undefined;
    try {
      if (request.headers.get("upgrade") !== "websocket") throw new Error("TopicObject is reached only by the Worker's WebSocket");
      const topic = header("topic") ?? "";
      const channel = this.channelOf(topic);
      const now = Date.now();
      this.sweepStale(now);
      const since = header("since");
      const pair = new WebSocketPair();
      channel.subscribe({ lastEventId: header("lastEventId"), since: since === undefined ? undefined : Number(since), mux: true }, now, (options) =>
        this.accept(pair[1], { topic, openedAt: now }, options),
      );
      return new Response(null, { status: 101, webSocket: pair[0] });
    } catch (error) {
      if (error instanceof HeraldError) return errorResponse(error);
      throw error;
    }
  }

  override webSocketMessage(): void {
    // The Worker sends only PING, which the platform answers; nothing else is expected.
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.sockets.get(ws)?.closed("client");
    this.sockets.delete(ws);
    try {
      // The Hibernation API leaves the closing handshake to us.
      ws.close(sendableCloseCode(code), "closed");
    } catch {
      // already closed
    }
  }

  override webSocketError(ws: WebSocket): void {
    this.sockets.get(ws)?.closed("client");
    this.sockets.delete(ws);
  }

  private accept(ws: WebSocket, attachment: SocketAttachment, { initial, onClose }: SinkOptions): TopicSocket {
    this.ctx.acceptWebSocket(ws);
    ws.serializeAttachment(attachment);
    const socket = this.track(ws, attachment.openedAt, onClose);
    socket.sendAll(initial);
    return socket;
  }

  private track(ws: WebSocket, openedAt: number, onClose: SinkOptions["onClose"]): TopicSocket {
    const socket = new TopicSocket(ws, openedAt, this.batch, (closed, reason) => {
      this.sockets.delete(ws);
      onClose(closed, reason);
    });
    this.sockets.set(ws, socket);
    return socket;
  }

  /**
   * The topic's channel; the first call after the object (re)started takes
   * in the sockets it held before, so a woken object reaches every stream.
   */
  private channelOf(topic: string): TopicChannel {
    if (this.channel === undefined) {
      this.channel = new TopicChannel(topic, this.sql, this.config);
      for (const ws of this.ctx.getWebSockets()) this.adopt(this.channel, ws);
    }
    if (this.channel.topic !== topic) {
      throw new Error(`TopicObject for ${this.channel.topic} was asked for ${topic}`);
    }
    return this.channel;
  }

  private adopt(channel: TopicChannel, ws: WebSocket): void {
    const attachment = ws.deserializeAttachment() as SocketAttachment | null;
    if (ws.readyState !== WebSocket.OPEN || attachment?.topic !== channel.topic) return;
    channel.adopt((onClose) => this.track(ws, attachment.openedAt, onClose));
  }

  /**
   * Closes the sockets whose Worker stopped pinging (it went away without a
   * close the object heard of), at most once a heartbeat: the object keeps
   * no clock, so this runs when something else woke it.
   */
  private sweepStale(now: number): void {
    const beatMs = this.config.heartbeatSeconds * 1000;
    if (now - this.sweptAt < beatMs) return;
    this.sweptAt = now;
    for (const [ws, socket] of this.sockets) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(lastPing, socket.openedAt) > STALE_AFTER_BEATS * beatMs) socket.abort("stalled");
    }
  }
}
