import { DurableObject } from "cloudflare:workers";
import { parseConfig } from "../core/config.js";
import { errorResponse, HeraldError } from "../core/errors.js";
import { admit, type OwnerRule } from "../core/stream-owners.js";
import type { Env } from "./env.js";
import { HELD, OWNER_HEADERS, REPLACED_CLOSE, ruleOf } from "./stream-owner-wire.js";
import { PING, PONG, sendableCloseCode, STALE_AFTER_BEATS } from "./topic-wire.js";

/** What a socket keeps through hibernation: when it opened (its order among the owner's streams), under which rule. */
interface Opened {
  at: number;
  /** Breaks ties between opens of the same millisecond. */
  n: number;
  rule: OwnerRule;
}

/**
 * The open streams of one owner (a token's subject, or an anonymous client's
 * address), on Workers: one hibernatable WebSocket per stream, from the
 * Worker holding it. Its sockets are its count, so it keeps nothing else and
 * wakes only when a stream opens or closes (stream-owner-wire.ts).
 */
export class StreamOwnerObject extends DurableObject<Env> {
  private readonly heartbeatMs: number;
  private opens = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.heartbeatMs = parseConfig(env).heartbeatSeconds * 1000;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** A new stream of the owner: 101 with its socket, or `too_many_streams` under the policy `refuse` (a check: 204). */
  override async fetch(request: Request): Promise<Response> {
    try {
      const rule = ruleOf(request.headers);
      const now = Date.now();
      if (rule.policy === "refuse") admit(this.openSockets(now), rule);
      if (request.headers.get(OWNER_HEADERS.check) !== null) return new Response(null, { status: 204 });
      if (request.headers.get("upgrade") !== "websocket") throw new Error("StreamOwnerObject is reached only by the Worker's WebSocket");
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1]);
      pair[1].serializeAttachment({ at: now, n: ++this.opens, rule } satisfies Opened);
      return new Response(null, { status: 101, webSocket: pair[0] });
    } catch (error) {
      if (error instanceof HeraldError) return errorResponse(error);
      throw error;
    }
  }

  /** HELD: the socket's stream is open, and makes room under the policy `replace` (PING the platform answers). */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const opened = ws.deserializeAttachment() as Opened | null;
    if (message !== HELD || !opened) return;
    const others = this.openSockets(Date.now()).filter((other) => other !== ws);
    for (const replaced of admit(others, opened.rule)) close(replaced, REPLACED_CLOSE, "replaced");
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    // The Hibernation API leaves the closing handshake to us.
    close(ws, sendableCloseCode(code), "closed");
  }

  override webSocketError(): void {
    // The socket is no longer open, so no longer counted.
  }

  /**
   * The owner's streams, oldest first. A socket whose Worker stopped pinging
   * (it went away without a close this object heard of) is closed, not
   * counted: the object keeps no clock, and a count is only read here.
   */
  private openSockets(now: number): WebSocket[] {
    const open: Array<{ ws: WebSocket; opened: Opened }> = [];
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const opened = ws.deserializeAttachment() as Opened | null;
      if (!opened) continue;
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(lastPing, opened.at) > STALE_AFTER_BEATS * this.heartbeatMs) close(ws, 1001, "stale");
      else open.push({ ws, opened });
    }
    return open.sort((a, b) => a.opened.at - b.opened.at || a.opened.n - b.opened.n).map((o) => o.ws);
  }
}

function close(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
