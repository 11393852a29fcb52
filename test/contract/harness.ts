import { createParser, type EventSourceMessage } from "eventsource-parser";
import { SignJWT, importJWK, type JWK, type JWTPayload } from "jose";
import { afterEach } from "vitest";
import { TEST_SECRET, type ProfileName } from "./profiles.js";

/**
 * What the behavioural suite needs from a running hub, whichever entry
 * serves it: plain HTTP requests, and the key material to mint tokens.
 */
export interface Target {
  name: string;
  profile: ProfileName;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Private halves of the keys the hub's JWKS_URL serves (RS256, ES256, EdDSA). */
  privateJwks: JWK[];
  /** Drops the hub's in-memory state of a topic, keeping its storage. */
  restartTopic?(topic: string): Promise<void>;
  /** Headers that make a request come from `address`, as the entry learns a client's address. */
  fromAddress?(address: string): Record<string, string>;
}

export type TargetSource = () => Target;

let counter = 0;
/** A topic no other test uses, so tests never see each other's events. */
export function uniqueTopic(prefix = "t"): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface MintOptions {
  secret?: string;
  expiresIn?: number | string;
  alg?: "HS256";
  issuer?: string;
  audience?: string;
  omitExp?: boolean;
}

export async function mint(claims: JWTPayload, options: MintOptions = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? "HS256" }).setIssuedAt();
  if (!options.omitExp) jwt.setExpirationTime(options.expiresIn ?? "10m");
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

export async function mintWithJwk(claims: JWTPayload, jwk: JWK, alg: string, expiresIn = "10m"): Promise<string> {
  const key = await importJWK(jwk, alg);
  return new SignJWT(claims).setProtectedHeader({ alg, kid: jwk.kid }).setIssuedAt().setExpirationTime(expiresIn).sign(key);
}

/** Claims of the tight profile, which requires an issuer and an audience. */
export function profileClaims(target: Target): { issuer?: string; audience?: string } {
  return target.profile === "tight" ? { issuer: "https://issuer.test", audience: "herald-test" } : {};
}

export async function tokenFor(target: Target, herald: { subscribe?: string[]; publish?: string[] }, extra: JWTPayload = {}) {
  return mint({ herald, ...extra }, profileClaims(target));
}

export async function publish(
  target: Target,
  topic: string,
  body: unknown,
  init: { token?: string; headers?: Record<string, string>; query?: string } = {},
): Promise<Response> {
  const token = init.token ?? (await tokenFor(target, { publish: ["*"] }));
  const isText = typeof body === "string";
  return target.fetch(`/topics/${topic}${init.query ?? ""}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": isText ? "text/plain" : "application/json",
      ...init.headers,
    },
    body: isText ? body : JSON.stringify(body),
  });
}

export async function publishOk(target: Target, topic: string, body: unknown): Promise<{ id: string; delivered: number }> {
  const response = await publish(target, topic, body);
  if (response.status !== 201) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; delivered: number };
}

/** Every stream a test opened is cancelled after it, read or not. */
const openBodies = new Set<() => Promise<void>>();
afterEach(async () => {
  const closers = [...openBodies];
  openBodies.clear();
  await Promise.all(closers.map((close) => close()));
});

/** An SSE response read with a standard parser (eventsource-parser). */
export class SseStream {
  readonly events: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  retry?: number;
  /** What EventSource would send as Last-Event-ID on reconnect (id-only frames count). */
  lastEventId?: string;
  /** For each event, what lastEventId was when it was dispatched (a client dropped right after it resumes from there). */
  readonly lastEventIdAt: Array<string | undefined> = [];
  ended = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly waiters = new Set<() => void>();
  private readCursor = 0;

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
    openBodies.add(() => this.close());
    const parser = createParser({
      onEvent: (event) => this.push(() => (this.events.push(event), this.lastEventIdAt.push(this.lastEventId))),
      onComment: (comment) => this.push(() => this.comments.push(comment)),
      onRetry: (retry) => (this.retry = retry),
      onId: (id) => this.push(() => (this.lastEventId = id)),
    });
    void this.pump(parser);
  }

  private async pump(parser: ReturnType<typeof createParser>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // a reset connection ends the stream as well
    }
    this.push(() => (this.ended = true));
  }

  private push(change: () => void): void {
    change();
    for (const wake of this.waiters) wake();
  }

  /** Waits until `ready()` holds, at most `ms`. */
  async until(ready: () => boolean, ms = 5000, what = "condition"): Promise<void> {
    if (ready()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(this.events)}`));
      }, ms);
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** The next `count` events not yet taken. */
  async take(count: number, ms = 5000): Promise<EventSourceMessage[]> {
    const end = this.readCursor + count;
    await this.until(() => this.events.length >= end, ms, `${count} event(s)`);
    const taken = this.events.slice(this.readCursor, end);
    this.readCursor = end;
    return taken;
  }

  async next(ms = 5000): Promise<EventSourceMessage> {
    return (await this.take(1, ms))[0]!;
  }

  /** Asserts that no further event arrives within `ms`. */
  async expectQuiet(ms = 300): Promise<void> {
    const before = this.events.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.events.length !== before) {
      throw new Error(`unexpected events: ${JSON.stringify(this.events.slice(before))}`);
    }
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

export interface SubscribeInit {
  token?: string | null;
  lastEventId?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Opens a topic's stream; a null token means none at all. */
export async function subscribe(target: Target, topic: string, init: SubscribeInit = {}): Promise<SseStream> {
  const response = await subscribeRaw(target, topic, init);
  if (response.status !== 200) throw new Error(`subscribe answered ${response.status}: ${await response.text()}`);
  return new SseStream(response);
}

export async function subscribeRaw(target: Target, topic: string, init: SubscribeInit = {}, path = `/topics/${topic}`): Promise<Response> {
  const token = init.token === undefined ? await tokenFor(target, { subscribe: ["*"] }) : init.token;
  const headers: Record<string, string> = { ...init.headers };
  if (token !== null) headers["authorization"] = `Bearer ${token}`;
  if (init.lastEventId !== undefined) headers["last-event-id"] = init.lastEventId;
  const query = init.query ? `?${new URLSearchParams(init.query)}` : "";
  const response = await target.fetch(`${path}${query}`, { headers });
  openBodies.add(async () => {
    if (response.body && !response.body.locked) await response.body.cancel().catch(() => undefined);
  });
  return response;
}

/** Opens a multiplexed stream of several topics and takes its events up to herald.open (gap notices come first). */
export async function subscribeMux(target: Target, topics: string[], init: SubscribeInit = {}): Promise<SseStream> {
  const response = await subscribeMuxRaw(target, topics, init);
  if (response.status !== 200) throw new Error(`/stream answered ${response.status}: ${await response.text()}`);
  const stream = new SseStream(response);
  for (let event = await stream.next(); event.event !== "herald.open"; event = await stream.next()) {
    if (event.event !== "herald.gap") throw new Error(`a stream must start with herald.open, after any herald.gap; got ${JSON.stringify(event)}`);
  }
  return stream;
}

export async function subscribeMuxRaw(target: Target, topics: string[], init: SubscribeInit = {}): Promise<Response> {
  return subscribeRaw(target, "", { ...init, query: { topics: topics.join(","), ...init.query } }, "/stream");
}

/** The topic a multiplexed event came from: its cursor's first part. */
export function sourceOf(id: string | undefined): string {
  return (id ?? "").slice(0, (id ?? "").indexOf(";"));
}

export interface Stats {
  subscribers: number;
  lastId: string | null;
  retained: number;
  oldestId: string | null;
  /** Workers: the relays the topic's streams are spread over, when it has any. */
  relays?: number;
  refused?: Record<string, number>;
}

export async function statsOf(target: Target, topic: string): Promise<Stats> {
  const token = await tokenFor(target, { publish: ["*"] });
  const response = await target.fetch(`/topics/${topic}/stats`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`stats answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Stats;
}

/** Polls until `check` holds, at most `ms`. */
export async function eventually(check: () => Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
