import type { SinkOptions } from "../core/sink.js";
import { TopicSocket, type Flushes } from "./topic-socket.js";
import { sendableCloseCode, STALE_AFTER_BEATS } from "./topic-wire.js";

/** What a socket keeps through hibernation. */
export interface SocketAttachment {
  topic: string;
  openedAt: number;
  /** The stream's token subject, for presence. */
  subject?: string;
  /** On a relay: the stream's join (relay-wire.ts), and whether its head has come. */
  joinId?: string;
  joined?: boolean;
}

/**
 * The hibernatable WebSockets an object (a topic's, or a relay) holds to the
 * Worker: accepting them, taking them back in after the object woke, letting
 * go of the ones that closed, and closing the ones whose Worker went silent.
 */
export class HeldSockets {
  private readonly sockets = new Map<WebSocket, TopicSocket>();
  private sweptAt = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly flushes: Flushes,
    private readonly heartbeatMs: number,
  ) {}

  get size(): number {
    return this.sockets.size;
  }

  accept(ws: WebSocket, attachment: SocketAttachment, onClose: SinkOptions["onClose"]): TopicSocket {
    this.ctx.acceptWebSocket(ws);
    ws.serializeAttachment(attachment);
    return this.track(ws, attachment.openedAt, onClose);
  }

  track(ws: WebSocket, openedAt: number, onClose: SinkOptions["onClose"]): TopicSocket {
    const socket = new TopicSocket(ws, openedAt, this.flushes, (closed, reason) => {
      this.sockets.delete(ws);
      onClose(closed, reason);
    });
    this.sockets.set(ws, socket);
    return socket;
  }

  /** The open sockets of `topic` the object held before it (re)started, with what they keep. */
  *heldBefore(topic: string): Generator<[WebSocket, SocketAttachment]> {
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null;
      if (ws.readyState === WebSocket.OPEN && attachment?.topic === topic && !this.sockets.has(ws)) yield [ws, attachment];
    }
  }

  /** The socket closed on the Worker's side (`webSocketClose`). */
  closed(ws: WebSocket, code: number): void {
    this.failed(ws);
    try {
      // The Hibernation API leaves the closing handshake to us.
      ws.close(sendableCloseCode(code), "closed");
    } catch {
      // already closed
    }
  }

  /** The socket failed (`webSocketError`). */
  failed(ws: WebSocket): void {
    this.sockets.get(ws)?.closed("client");
    this.sockets.delete(ws);
  }

  /**
   * Closes the sockets whose Worker stopped pinging (it went away without a
   * close the object heard of), at most once a heartbeat: the object keeps
   * no clock, so this runs when something else woke it.
   */
  sweepStale(now: number): void {
    if (now - this.sweptAt < this.heartbeatMs) return;
    this.sweptAt = now;
    for (const [ws, socket] of this.sockets) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(lastPing, socket.openedAt) > STALE_AFTER_BEATS * this.heartbeatMs) socket.abort("stalled");
    }
  }
}
