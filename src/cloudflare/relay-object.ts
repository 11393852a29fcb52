import { DurableObject } from "cloudflare:workers";
import { parseConfig } from "../core/config.js";
import { errorResponse, HeraldError } from "../core/errors.js";
import { Presence, type PresenceCounts } from "../core/presence.js";
import type { Env } from "./env.js";
import { HeldSockets, type SocketAttachment } from "./held-sockets.js";
import type { RelayBatch } from "./relay-wire.js";
import { reach, unwrap } from "./rpc.js";
import type { Flushable, Flushes, TopicSocket } from "./topic-socket.js";
import { CONNECT_HEADERS, PING, PONG, startOf, subjectOf } from "./topic-wire.js";

/** An accepted socket whose head has not come yet. */
interface Awaiting {
  ws: WebSocket;
  attachment: SocketAttachment;
  socket: TopicSocket;
}

/**
 * One relay of a hot topic (docs/edge.md, Relays): it holds some of the
 * topic's streams, as hibernatable WebSockets to the Worker exactly as the
 * topic's own object does, and fans out what the root calls it with. It has
 * no log and stores nothing: a stream's head and replay come from the root,
 * queued with the live frames in one order (relay-wire.ts), and what it must
 * remember through hibernation is on its sockets (attachments).
 */
export class RelayObject extends DurableObject<Env> {
  private readonly held: HeldSockets;
  private topic?: string;
  private readonly joined = new Set<TopicSocket>();
  /** Accepted sockets whose head has not come yet, by join. */
  private readonly awaiting = new Map<string, Awaiting>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.held = new HeldSockets(ctx, immediateFlushes(), parseConfig(env).heartbeatSeconds * 1000);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /**
   * The Worker's connect for one stream: the socket is accepted first, to
   * wait for its head, then joined at the root, which queues the head with
   * the live frames (relay-wire.ts); a refusal closes it unused.
   */
  override async fetch(request: Request): Promise<Response> {
    const header = (name: keyof typeof CONNECT_HEADERS) => request.headers.get(CONNECT_HEADERS[name]) ?? undefined;
    const topic = header("topic") ?? "";
    this.wake(topic);
    const joinId = crypto.randomUUID();
    const pair = new WebSocketPair();
    const attachment: SocketAttachment = { topic, openedAt: Date.now(), subject: subjectOf(request.headers), joinId, joined: false };
    const socket = this.held.accept(pair[1], attachment, () => this.forget(joinId, socket));
    this.awaiting.set(joinId, { ws: pair[1], attachment, socket });
    let initialBytes: number;
    try {
      const options = startOf(request.headers);
      const root = this.env.TOPICS.get(this.env.TOPICS.idFromName(topic));
      initialBytes = unwrap(await reach(() => root.join(topic, Number(header("relay")), joinId, options)));
    } catch (error) {
      socket.abort("shutdown");
      if (error instanceof HeraldError) return errorResponse(error);
      throw error;
    }
    return new Response(null, { status: 101, webSocket: pair[0], headers: { [CONNECT_HEADERS.initialBytes]: String(initialBytes) } });
  }

  /** The root's items, in its order (relay-wire.ts); answers how many streams this relay holds. */
  async deliver(batch: RelayBatch): Promise<number> {
    this.wake(batch.topic);
    this.held.sweepStale(Date.now());
    if (batch.reset) this.endAll(new Set(batch.items.flatMap((item) => (typeof item === "string" ? [] : [item.join]))));
    for (const item of batch.items) {
      if (typeof item === "string") this.live(item);
      else this.start(item.join, item.text, item.more === true);
    }
    return this.count(batch.topic);
  }

  /** Who has a stream open on this relay, from its sockets' attachments. */
  async presence(topic: string): Promise<PresenceCounts> {
    this.wake(topic);
    const presence = new Presence();
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState === WebSocket.OPEN) presence.add((ws.deserializeAttachment() as SocketAttachment | null)?.subject);
    }
    return presence.counts();
  }

  async count(topic: string): Promise<number> {
    this.wake(topic);
    return this.held.size;
  }

  override webSocketMessage(): void {
    // The Worker sends only PING, which the platform answers.
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.held.closed(ws, code);
  }

  override webSocketError(ws: WebSocket): void {
    this.held.failed(ws);
  }

  private live(text: string): void {
    for (const socket of this.joined) socket.sendText(text);
  }

  private start(joinId: string, head: string, more: boolean): void {
    const accepted = this.awaiting.get(joinId);
    if (!accepted) return; // it closed before its head came
    accepted.socket.sendText(head);
    if (more) return;
    this.awaiting.delete(joinId);
    this.markJoined(accepted);
  }

  private markJoined({ ws, attachment, socket }: Awaiting): void {
    ws.serializeAttachment({ ...attachment, joined: true });
    this.joined.add(socket);
  }

  /**
   * The root cannot tell what this relay got: every stream ends and resumes
   * from the log, but those whose head is in this call, after the reset.
   */
  private endAll(joining: Set<string>): void {
    const waiting = [...this.awaiting].filter(([joinId]) => !joining.has(joinId)).map(([, accepted]) => accepted.socket);
    for (const socket of [...this.joined, ...waiting]) socket.end("shutdown");
  }

  private forget(joinId: string, socket: TopicSocket): void {
    this.joined.delete(socket);
    if (this.awaiting.get(joinId)?.socket === socket) this.awaiting.delete(joinId);
  }

  /** The first call after the relay (re)started takes back the sockets it held. */
  private wake(topic: string): void {
    if (this.topic === undefined) {
      this.topic = topic;
      for (const [ws, attachment] of this.held.heldBefore(topic)) {
        const joinId = attachment.joinId ?? "";
        const socket = this.held.track(ws, attachment.openedAt, () => this.forget(joinId, socket));
        if (attachment.joined) this.joined.add(socket);
        else this.awaiting.set(joinId, { ws, attachment, socket });
      }
    }
    if (this.topic !== topic) throw new Error(`RelayObject for ${this.topic} was asked for ${topic}`);
  }
}

/** A relay stores nothing, so what it queues on its sockets goes at the end of the turn. */
function immediateFlushes(): Flushes {
  const dirty = new Set<Flushable>();
  return {
    markDirty(queued) {
      if (dirty.size === 0) queueMicrotask(() => {
        const all = [...dirty];
        dirty.clear();
        for (const one of all) one.flush();
      });
      dirty.add(queued);
    },
  };
}
