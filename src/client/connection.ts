import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { HeraldClientError } from "./error.js";
import { EXPIRED, GAP, gapOf, heraldEvent, NOTICES, OPEN, REPLACED } from "./events.js";
import { Listeners } from "./listeners.js";
import { isFinalRefusal, NOT_A_STREAM, probe } from "./probe.js";
import { streamUrl } from "./stream-url.js";
import { normalizeTopics, sameTopics } from "./topics.js";
import type {
  BackoffOptions,
  ConnectionState,
  ConnectOptions,
  EventSourceConstructor,
  EventSourceLike,
  FetchLike,
  HeraldClient,
  HeraldEvent,
  HeraldGap,
  MessageEventLike,
} from "./types.js";

/** EventSource.CLOSED: the browser gave up on this request (a non-200 answer) and will not retry. */
const CLOSED = 2;
/**
 * A stream that stayed open this long was healthy: the failure that ends it
 * starts the backoff over. Shorter-lived streams keep counting, so a token
 * function that hands out stale tokens cannot make the client spin.
 */
const HEALTHY_MS = 5000;

/**
 * One connection to the hub over a native EventSource. After a dropped
 * stream the browser reconnects once by itself (sending Last-Event-ID);
 * the client steps in when that fails, when the EventSource gives up on a
 * refusal, or when the token expires, and opens a new EventSource with the
 * cursor it kept, so every reconnect resumes exactly.
 */
export class HeraldConnection<Events extends Record<string, unknown>> implements HeraldClient<Events> {
  readonly #options: ConnectOptions;
  readonly #backoff: Required<BackoffOptions>;
  readonly #EventSource: EventSourceConstructor;
  readonly #fetch: FetchLike;
  #topics: string[];
  #state: ConnectionState = "connecting";
  #cursor: string | undefined;
  #token: string | undefined;
  #source: EventSourceLike | undefined;
  /** Bumped whenever the current attempt is abandoned, so its late async steps do nothing. */
  #generation = 0;
  #failures = 0;
  #openedAt: number | undefined;
  /**
   * The token was just renewed and no answer since has judged it: a 401 now
   * is final. An attempt that fails for any other reason (the hub down, a
   * 503) leaves it unjudged, and it may expire while the hub is away.
   */
  #tokenIsFresh = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reconnects = 0;
  #error: HeraldClientError | undefined;
  readonly #names = new Set<string>();
  readonly #byName = new Map<string, Listeners<HeraldEvent<never>>>();
  readonly #any = new Listeners<HeraldEvent>();
  readonly #states = new Listeners<ConnectionState>();
  readonly #gaps = new Listeners<HeraldGap>();
  readonly #errors = new Listeners<HeraldClientError>();

  constructor(options: ConnectOptions) {
    const EventSourceImpl = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
    if (!EventSourceImpl) throw new TypeError("this runtime has no EventSource: pass one as the EventSource option");
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#EventSource = EventSourceImpl;
    // The global is looked up when a probe runs, so a polyfill installed later is used.
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#topics = normalizeTopics(options.topics);
    this.#cursor = options.lastEventId || undefined;
    this.#token = typeof options.token === "string" ? options.token : undefined;
    for (const name of [...NOTICES, "message", ...(options.events ?? [])]) this.#listenFor(name);
    this.#open(false);
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get topics(): readonly string[] {
    return [...this.#topics];
  }
  get cursor(): string | undefined {
    return this.#cursor;
  }
  get reconnects(): number {
    return this.#reconnects;
  }
  get error(): HeraldClientError | undefined {
    return this.#error;
  }

  on<K extends keyof Events & string>(name: K, handler: (event: HeraldEvent<Events[K]>) => void): () => void {
    let listeners = this.#byName.get(name);
    if (!listeners) this.#byName.set(name, (listeners = new Listeners()));
    this.#listenFor(name);
    return listeners.add(handler as (event: HeraldEvent<never>) => void);
  }

  off<K extends keyof Events & string>(name: K, handler: (event: HeraldEvent<Events[K]>) => void): void {
    this.#byName.get(name)?.delete(handler as (event: HeraldEvent<never>) => void);
  }

  onAny(handler: (event: HeraldEvent) => void): () => void {
    return this.#any.add(handler);
  }
  onState(handler: (state: ConnectionState) => void): () => void {
    return this.#states.add(handler);
  }
  onGap(handler: (gap: HeraldGap) => void): () => void {
    return this.#gaps.add(handler);
  }
  onError(handler: (error: HeraldClientError) => void): () => void {
    return this.#errors.add(handler);
  }

  subscribe(...topics: string[]): void {
    this.setTopics([...this.#topics, ...topics]);
  }

  unsubscribe(...topics: string[]): void {
    this.setTopics(this.#topics.filter((topic) => !topics.includes(topic)));
  }

  /** A reconnect with the new set and the cursor: the hub resumes kept topics and ignores dropped ones. */
  setTopics(topics: readonly string[]): void {
    const next = normalizeTopics(topics);
    if (sameTopics(next, this.#topics)) return;
    this.#topics = next;
    if (this.#state !== "closed") this.#open(false);
  }

  close(): void {
    if (this.#state === "closed") return;
    this.#generation++;
    this.#stop();
    this.#setState("closed");
  }

  #open(refresh: boolean): void {
    const generation = ++this.#generation;
    this.#stop();
    this.#setState("connecting");
    const needsToken = typeof this.#options.token === "function" && (refresh || this.#token === undefined);
    // Without a token option the credential is the page's cookie, which the
    // app may have renewed: the new request is the renewal.
    if (refresh && this.#options.token === undefined) this.#tokenIsFresh = true;
    if (!needsToken) return this.#start();
    void this.#refreshToken(generation).then((ok) => {
      // close() or a change of topics may have come in between.
      if (ok && generation === this.#generation) this.#start();
    });
  }

  #start(): void {
    const url = streamUrl(this.#options.url, this.#topics, this.#token, this.#cursor, this.#options.last);
    const source = new this.#EventSource(url, { withCredentials: this.#options.withCredentials === true });
    this.#source = source;
    for (const name of this.#names) this.#attach(source, name);
    const generation = this.#generation;
    source.addEventListener("error", () => {
      if (source === this.#source) this.#onError(source, generation, url);
    });
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#source?.close();
    this.#source = undefined;
  }

  #listenFor(name: string): void {
    if (this.#names.has(name)) return;
    this.#names.add(name);
    if (this.#source) this.#attach(this.#source, name);
  }

  #attach(source: EventSourceLike, name: string): void {
    source.addEventListener(name, (message) => {
      if (source === this.#source) this.#receive(source, name, message);
    });
  }

  #receive(source: EventSourceLike, name: string, message: MessageEventLike): void {
    if (message.lastEventId) this.#cursor = message.lastEventId;
    const event = heraldEvent<never>(name, message);
    if (name === OPEN) this.#opened();
    if (name === GAP) this.#gaps.emit(gapOf(event.data));
    this.#byName.get(name)?.emit(event);
    this.#any.emit(event);
    // A handler may have closed the client or changed its topics meanwhile.
    if (name === EXPIRED && source === this.#source) this.#expired(source);
    if (name === REPLACED && source === this.#source) this.#replaced();
  }

  #opened(): void {
    this.#openedAt = Date.now();
    this.#tokenIsFresh = false;
    this.#error = undefined;
    this.#setState("open");
  }

  #onError(source: EventSourceLike, generation: number, url: string): void {
    if (source.readyState !== CLOSED) {
      if (this.#state === "open") {
        // A stream dropped: EventSource retries by itself, at the hub's
        // `retry:` interval, with Last-Event-ID.
        this.#reconnects++;
        this.#setState("connecting", true);
        return;
      }
      // That retry (or a first attempt) did not reach the hub: EventSource
      // would go on at a fixed interval, all pages in step; back off instead.
      this.#stop();
      this.#tokenIsFresh = false;
      return this.#retry(false, new HeraldClientError("network", "the hub could not be reached", false));
    }
    this.#stop();
    this.#setState("connecting");
    void this.#diagnose(generation, url);
  }

  /** The EventSource gave up on a refusal it does not show: ask the hub which. */
  async #diagnose(generation: number, url: string): Promise<void> {
    const answer = await probe(this.#fetch, url, this.#options.withCredentials === true);
    if (generation !== this.#generation) return;
    if (answer.status !== 401) this.#tokenIsFresh = false;
    else if (this.#renewable && !this.#tokenIsFresh) return this.#retry(true);
    const final = answer.status === 401 || answer.code === NOT_A_STREAM || isFinalRefusal(answer.status);
    const error = new HeraldClientError(answer.code, answer.message, final, answer.status);
    if (final) this.#fail(error);
    else this.#retry(false, error, answer.retryAfterMs);
  }

  #expired(source: EventSourceLike): void {
    source.close();
    this.#source = undefined;
    if (!this.#renewable) {
      return this.#fail(new HeraldClientError("token_expired", "the token expired: connect again with a fresh one", true));
    }
    this.#retry(true);
  }

  /**
   * Reconnecting would only end the newer stream in turn (and that one
   * would come back for this one): stop, and say why.
   */
  #replaced(): void {
    const message = "another stream of the same user took this one's place (the hub's MAX_STREAMS_PER_USER): this one will not reconnect";
    this.#fail(new HeraldClientError("replaced", message, true));
  }

  /** A token function, or a cookie (no token option): a refused or expired credential may be renewed. */
  get #renewable(): boolean {
    return typeof this.#options.token !== "string";
  }

  /**
   * Reconnects after a failure. A token refresh (`refresh`, without an
   * error) goes at once the first time; anything else waits for the
   * backoff, or at least what the hub asked (`retryAfterMs`, from a 429's
   * Retry-After), and `error` is reported as one the client gets over.
   */
  #retry(refresh: boolean, error?: HeraldClientError, retryAfterMs = 0): void {
    const attempt = this.#countFailure();
    if (attempt > this.#backoff.maxAttempts) {
      const reason = error?.message ?? "the token kept being refused";
      return this.#fail(new HeraldClientError("unavailable", `gave up after ${attempt - 1} reconnects: ${reason}`, true, error?.status));
    }
    if (error) this.#errors.emit(error);
    const immediate = refresh && !error && attempt === 1;
    const delay = immediate ? 0 : Math.max(retryAfterMs, backoffDelay(error ? attempt : attempt - 1, this.#backoff));
    const generation = this.#generation;
    this.#setState("connecting");
    this.#timer = setTimeout(() => {
      if (generation !== this.#generation) return;
      this.#reconnects++;
      this.#setState("connecting", true);
      this.#open(refresh);
    }, delay);
  }

  #countFailure(): number {
    if (this.#openedAt !== undefined && Date.now() - this.#openedAt >= HEALTHY_MS) this.#failures = 0;
    this.#openedAt = undefined;
    return ++this.#failures;
  }

  async #refreshToken(generation: number): Promise<boolean> {
    const previous = this.#token;
    let next: unknown;
    try {
      next = await (this.#options.token as () => string | Promise<string>)();
    } catch (error) {
      if (generation === this.#generation) this.#refreshFailed(`the token function failed: ${(error as Error)?.message ?? error}`);
      return false;
    }
    if (generation !== this.#generation) return false;
    if (typeof next !== "string" || next === "") {
      this.#refreshFailed("the token function returned no token");
      return false;
    }
    if (next === previous) {
      this.#fail(new HeraldClientError("token_refresh_failed", "the token function returned the token the hub refused", true));
      return false;
    }
    this.#token = next;
    this.#tokenIsFresh = true;
    return true;
  }

  /** A token endpoint that fails is most likely down for a while, as the hub may be. */
  #refreshFailed(message: string): void {
    this.#retry(true, new HeraldClientError("token_refresh_failed", message, false));
  }

  #fail(error: HeraldClientError): void {
    this.#generation++;
    this.#stop();
    this.#error = error;
    this.#setState("closed");
    this.#errors.emit(error);
  }

  #setState(state: ConnectionState, always = false): void {
    if (state === this.#state && !always) return;
    this.#state = state;
    this.#states.emit(state);
  }
}
