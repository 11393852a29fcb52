import { hubRequest, type FetchLike, type RetryOptions } from "./hub-request.js";
import { signToken, type TokenOptions } from "./tokens.js";

export interface HeraldOptions {
  /** The hub's address, e.g. "https://hub.example.com". */
  url: string;
  /** The hub's JWT_SECRET: the SDK signs its own short-lived tokens with it, and `token()` mints tokens for pages. */
  secret?: string;
  /** Or a token minted elsewhere, with publish rights (and subscribe rights, for `history`). */
  token?: string;
  retry?: RetryOptions;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
}

export interface PublishOptions {
  /** The event name subscribers listen for; "message" if none. */
  event?: string;
  /** Makes a retry safe: the hub stores an event once per key. Generated when not given. */
  idempotencyKey?: string;
}

/** A publish's answer: `duplicate` when the key named an event the topic already had (nothing published again). */
export interface Published {
  id: string;
  topic: string;
  /** Streams it was sent to (absent for a duplicate). */
  delivered?: number;
  duplicate: boolean;
}

export interface BatchEvent extends PublishOptions {
  topic: string;
  data: unknown;
}

export interface HistoryOptions {
  /** The events after this id (a stream's Last-Event-ID, or a page's `next`). */
  after?: string;
  /** The last n retained events. */
  last?: number;
  /** At most this many (1 to 1000; the hub's default 100). */
  limit?: number;
}

export interface HistoryPage {
  topic: string;
  events: Array<{ id: string; event: string; data: string; time: number }>;
  next: string | null;
  truncated: boolean;
}

export interface Presence {
  topic: string;
  subjects: Array<{ sub: string; streams: number }>;
  anonymous: number;
}

export interface TopicStats {
  topic: string;
  subscribers: number;
  lastId: string | null;
  retained: number;
  oldestId: string | null;
  relays?: number;
  refused?: Record<string, number>;
}

const DEFAULT_RETRY: Required<RetryOptions> = { retries: 4, initialDelayMs: 200, maxDelayMs: 5000 };
/** The SDK's own tokens live this long, and are renewed a minute before they end. */
const OWN_TOKEN_SECONDS = 600;

/**
 * A backend's handle on a Herald hub: publish (one event, many, to a
 * user), read a topic's history and stats, mint tokens for pages. Every
 * publish carries an idempotency key (generated if none is given), so the
 * retries after a network failure or a 503 never store an event twice.
 */
export class Herald {
  readonly #base: string;
  readonly #secret?: Uint8Array;
  readonly #token?: string;
  readonly #retry: Required<RetryOptions>;
  readonly #fetch: FetchLike;
  #own?: { token: string; until: number };

  constructor(options: HeraldOptions) {
    if (!URL.canParse(options.url)) throw new TypeError(`Herald: url is not a URL: "${options.url}"`);
    if (options.secret === undefined && options.token === undefined) throw new TypeError("Herald: give the hub's secret, or a token");
    this.#base = options.url.replace(/\/+$/, "");
    this.#secret = options.secret === undefined ? undefined : new TextEncoder().encode(options.secret);
    this.#token = options.token;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  /** Publishes one event; `data` goes as it is if a string, else as its JSON text. */
  async publish(topic: string, data: unknown, options: PublishOptions = {}): Promise<Published> {
    const headers = { "content-type": "application/json", "idempotency-key": options.idempotencyKey ?? crypto.randomUUID() };
    const body = JSON.stringify(options.event === undefined ? { data } : { event: options.event, data });
    const answer = await this.#call<Omit<Published, "duplicate"> & { duplicate?: true }>("POST", `/topics/${encodeURIComponent(topic)}`, { headers, body });
    return { ...answer, duplicate: answer.duplicate === true };
  }

  /**
   * Publishes many events in one request (at most the hub's MAX_BATCH_EVENTS),
   * each topic's in order; answers each event's outcome, in order. On
   * Workers a batch may be stored in part (one topic's object out of reach):
   * the retries complete it, and if they cannot, the HeraldError's `events`
   * says which were stored.
   */
  async publishMany(events: BatchEvent[]): Promise<Published[]> {
    const batch = events.map(({ topic, data, event, idempotencyKey }) => ({ topic, data, event, idempotencyKey: idempotencyKey ?? crypto.randomUUID() }));
    const body = JSON.stringify({ events: batch });
    const answer = await this.#call<{ events: Array<Omit<Published, "duplicate"> & { duplicate?: true }> }>("POST", "/publish", {
      headers: { "content-type": "application/json" },
      body,
    });
    return answer.events.map((entry) => ({ ...entry, duplicate: entry.duplicate === true }));
  }

  /** Publishes to one user's own topic, `user:{sub}`, which only their tokens may read. */
  toUser(sub: string, data: unknown, options: PublishOptions = {}): Promise<Published> {
    return this.publish(`user:${sub}`, data, options);
  }

  /** A page of the topic's retained events, oldest first. */
  history(topic: string, options: HistoryOptions = {}): Promise<HistoryPage> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options)) if (value !== undefined) query.set(name, String(value));
    const search = query.size > 0 ? `?${query}` : "";
    return this.#call("GET", `/topics/${encodeURIComponent(topic)}/events${search}`, {});
  }

  /** Who has a stream open on the topic: each token subject with its streams, and the anonymous ones. */
  presence(topic: string): Promise<Presence> {
    return this.#call("GET", `/topics/${encodeURIComponent(topic)}/presence`, {});
  }

  stats(topic: string): Promise<TopicStats> {
    return this.#call("GET", `/topics/${encodeURIComponent(topic)}/stats`, {});
  }

  /** A token for a page (or another backend), signed with the hub's secret. */
  token(options: TokenOptions): Promise<string> {
    if (!this.#secret) throw new TypeError("Herald: token() needs the hub's secret");
    return signToken(this.#secret, options);
  }

  async #call<T>(method: string, path: string, init: { headers?: Record<string, string>; body?: string }): Promise<T> {
    const headers = { ...init.headers, authorization: `Bearer ${await this.#authorization()}` };
    return hubRequest<T>(this.#fetch, `${this.#base}${path}`, { method, headers, body: init.body }, this.#retry);
  }

  async #authorization(): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    if (this.#own && Date.now() < this.#own.until) return this.#own.token;
    const token = await signToken(this.#secret!, { subscribe: ["*"], publish: ["*"], expiresIn: OWN_TOKEN_SECONDS });
    this.#own = { token, until: Date.now() + (OWN_TOKEN_SECONDS - 60) * 1000 };
    return token;
  }
}
