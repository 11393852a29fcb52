import type { OwnerRule, StreamSlot } from "../core/stream-owners.js";
import type { Env } from "./env.js";
import { reach, refusalOf } from "./rpc.js";
import { HELD, OWNER_HEADERS, REPLACED_CLOSE, ruleHeaders } from "./stream-owner-wire.js";
import type { PingEvery } from "./topic-connection.js";
import { PING, PingClock } from "./topic-wire.js";

/**
 * Takes a new stream's place in its owner's count on Workers: a WebSocket to
 * the owner's object (stream-owner-object.ts), held by the Worker for as long
 * as the stream is open. Throws the object's refusal (`too_many_streams`).
 */
export async function takeOwnerSlot(namespace: Env["STREAM_OWNERS"], rule: OwnerRule, pingEvery: PingEvery): Promise<StreamSlot> {
  const stub = namespace.get(namespace.idFromName(rule.owner));
  const response = await reach(() => stub.fetch("https://owner.internal/streams", { headers: ruleHeaders(rule) }));
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw await refusalOf(response);
  return new OwnerSocket(ws, pingEvery, rule.policy === "replace");
}

/** Under `refuse`, what the owner's object would answer a new stream, taking no place (a probe's check). */
export async function checkOwner(namespace: Env["STREAM_OWNERS"], rule: OwnerRule): Promise<void> {
  if (rule.policy !== "refuse") return;
  const stub = namespace.get(namespace.idFromName(rule.owner));
  const response = await reach(() => stub.fetch("https://owner.internal/check", { headers: { ...ruleHeaders(rule), [OWNER_HEADERS.check]: "1" } }));
  if (!response.ok) throw await refusalOf(response);
}

/**
 * The Worker's end of one stream's place. The object closing it ends the
 * stream: replaced, or (the object restarted) plainly, so that the client
 * reconnects and is counted again rather than stream uncounted.
 */
class OwnerSocket implements StreamSlot {
  private end?: (replaced: boolean) => void;
  private endedBy?: boolean;
  private released = false;
  private readonly pings: PingClock;

  constructor(
    private readonly ws: WebSocket,
    pingEvery: PingEvery,
    private readonly replacing: boolean,
  ) {
    this.pings = new PingClock(pingEvery);
    ws.accept();
    ws.addEventListener("close", ({ code }) => this.lost(code === REPLACED_CLOSE));
    ws.addEventListener("error", () => this.lost(false));
  }

  hold(end: (replaced: boolean) => void): void {
    if (this.endedBy !== undefined) return end(this.endedBy);
    if (this.released) return;
    this.end = end;
    if (this.replacing) this.send(HELD);
  }

  beat(): void {
    if (!this.released && this.pings.due()) this.send(PING);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.close(1000, "stream closed");
  }

  private lost(replaced: boolean): void {
    if (this.released) return;
    this.released = true;
    this.endedBy = replaced;
    this.close(1000, "closed");
    this.end?.(replaced);
  }

  private send(message: string): void {
    try {
      this.ws.send(message);
    } catch {
      this.lost(false);
    }
  }

  private close(code: number, reason: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}
