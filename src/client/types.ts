import type { HeraldClientError } from "./error.js";

/**
 * The client's public types. The runtime objects it needs (EventSource,
 * fetch) are described by the little it uses of them, so a browser's own,
 * Node's or a polyfill can be passed in, and these types need no DOM lib.
 */

/** `connecting` until the hub's `herald.open` arrives, `open` while it streams, `closed` for good. */
export type ConnectionState = "connecting" | "open" | "closed";

/** One event as the hub sent it. */
export interface HeraldEvent<T = unknown> {
  /** The topic it came from (for `herald.gap`, the topic that has the gap; empty for `herald.open` and `herald.expired`). */
  topic: string;
  /** Its name: what it was published with, `message` if none, or a `herald.*` notice. */
  event: string;
  /** The stream's resume cursor after this event (empty for `herald.gap` and `herald.expired`, which have none). */
  id: string;
  /** The data exactly as sent. */
  data: string;
  /** The data parsed as JSON (typed by the connection's `Events`, or by the caller). */
  json<U = T>(): U;
}

/** A `herald.gap` notice: events of `topic` after `requested` are gone from the hub's log. */
export interface HeraldGap {
  topic: string;
  requested: string;
  reason: "trimmed" | "unknown";
  oldestId: string | null;
  lastId: string | null;
}

export type TokenSource = string | (() => string | Promise<string>);

export interface BackoffOptions {
  /** Delay before the first retry after a failure; doubled per failure (default 1000). */
  initialMs?: number;
  /** Largest delay between retries (default 30000). */
  maxMs?: number;
  /** Failed reconnects in a row after which the client gives up (default: never); a connection open for 5 s resets the count. */
  maxAttempts?: number;
}

export interface ConnectOptions {
  /** The hub's base URL, e.g. `https://hub.example.com`; `""` for the page's own origin. */
  url: string;
  topics: readonly string[];
  /** A token, or a function returning a fresh one; it is called when the hub refuses or expires the current one. */
  token?: TokenSource;
  /** A cursor from an earlier connection (`client.cursor`) to resume from. */
  lastEventId?: string;
  /**
   * On joining, the last n events of each topic the connection has no
   * position for yet (a chat room's last messages), then live ones; a
   * reconnect resumes from its cursor and never replays them again.
   */
  last?: number;
  /** Event names to listen for besides those given to `on()` (see `onAny`). */
  events?: readonly string[];
  /** Send cookies on cross-origin requests (a token in a cookie). */
  withCredentials?: boolean;
  backoff?: BackoffOptions;
  /** Defaults to the global EventSource. */
  EventSource?: EventSourceConstructor;
  /** Defaults to the global fetch; used once per failed connection to learn why it failed. */
  fetch?: FetchLike;
}

/** What the client uses of a `MessageEvent`. */
export interface MessageEventLike {
  readonly data: unknown;
  readonly lastEventId: string;
}

/** What the client uses of an `EventSource`. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEventLike) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

/** What the client uses of a `Response`. */
export interface ResponseLike {
  readonly status: number;
  /** Without it, a 200 is taken to be an event stream. */
  readonly headers?: { get(name: string): string | null };
  json(): Promise<unknown>;
  readonly body: { cancel(): Promise<void> } | null;
}

export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; credentials: "include" | "same-origin" },
) => Promise<ResponseLike>;

/** A connection to the hub; made by `connect()`. */
export interface HeraldClient<Events extends Record<string, unknown> = Record<string, unknown>> {
  readonly state: ConnectionState;
  readonly topics: readonly string[];
  /** The last cursor seen: pass it as `lastEventId` to a later connection to resume there. */
  readonly cursor: string | undefined;
  /** Reconnection attempts so far: the browser's own, and the client's after a refusal, an expiry or a failure (not changes of topics). */
  readonly reconnects: number;
  /** Why the client closed, if it gave up. */
  readonly error: HeraldClientError | undefined;

  /** Calls `handler` for each event named `name`; returns a function that removes it. */
  on<K extends keyof Events & string>(name: K, handler: (event: HeraldEvent<Events[K]>) => void): () => void;
  off<K extends keyof Events & string>(name: K, handler: (event: HeraldEvent<Events[K]>) => void): void;
  /** Every event the client listens for: names given to `on()` or `events`, unnamed (`message`) events and the `herald.*` notices. */
  onAny(handler: (event: HeraldEvent) => void): () => void;
  /** Called when the state changes, and on every reconnection attempt. */
  onState(handler: (state: ConnectionState) => void): () => void;
  /** Called for each `herald.gap`: events were lost, refetch the state they carried. */
  onGap(handler: (gap: HeraldGap) => void): () => void;
  /** Called for every failure; `error.fatal` tells whether the client gave up or retries. */
  onError(handler: (error: HeraldClientError) => void): () => void;

  /** Adds topics: one reconnect; the topics kept resume exactly, new ones start live. */
  subscribe(...topics: string[]): void;
  /** Drops topics: one reconnect; the topics kept resume exactly. */
  unsubscribe(...topics: string[]): void;
  setTopics(topics: readonly string[]): void;
  /** Closes the connection for good. */
  close(): void;
}
