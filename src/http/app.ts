import { Hono, type Context, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { Authenticator, authorizePublish, authorizeSubscribe, type Grants } from "../core/auth.js";
import type { Config } from "../core/config.js";
import { errorResponse, HeraldError } from "../core/errors.js";
import type { Every } from "../core/browser-stream.js";
import type { Hub } from "../core/hub.js";
import { assertIdempotencyKey, parsePublishBody } from "../core/publish-body.js";
import { ownerRule, type OwnerRule, type StreamSlot } from "../core/stream-owners.js";
import { assertTopicName } from "../core/topic.js";
import { authorizeAll, cursorOf, openMultiplexed, requestedTopics } from "./multiplex.js";
import { historyQueryOf, lastEventIdOf, startQueryOf } from "./start-query.js";
import { publishBatch } from "./publish-batch.js";
import { readBody } from "./read-body.js";
import { publisherKey, publisherToken, subscriberToken } from "./token.js";
import { VERSION } from "../version.js";
// Built by src/tools/build-demo.ts before either entry is bundled.
import demoPage from "../../dist/demo.html";

/** What an entry hands the app: its configuration, its hub, its verifier. */
export interface Runtime {
  config: Config;
  hub: Hub;
  auth: Authenticator;
  /** Told of every refusal before it is answered (the Node entry counts them). */
  onRefusal?: (error: HeraldError) => void;
  /** Calls `tick` every `periodMs` (or more often) until stopped: held streams' heartbeats and expiry. */
  every: Every;
  /** PUBLISH_RATE: takes `n` publishes from the publisher's bucket, or throws `rate_limited` (set only when a rate is). */
  limitPublisher?: (publisher: string, n: number) => Promise<void>;
  /** MAX_STREAMS_PER_USER, MAX_ANON_STREAMS_PER_IP (set only when a limit is). */
  streamOwners?: {
    /** Takes a new stream's place, or throws `too_many_streams`. */
    admit(rule: OwnerRule): Promise<StreamSlot>;
    /** Throws what `admit` would, taking no place: a probe's check. */
    check(rule: OwnerRule): Promise<void>;
  };
  /** The address a request came from, as the runtime knows it (undefined: unknown). */
  clientAddress: (c: Context) => string | undefined;
}

type Env = { Variables: { runtime: Runtime }; Bindings: object };

function methodNotAllowed(allow: string): HeraldError {
  return new HeraldError("method_not_allowed", `use ${allow}`, { allow });
}

async function subscribe(c: Context<Env>, topic: string): Promise<Response> {
  // Hono answers HEAD by running GET and dropping the body, which would
  // leave a stream open that nobody reads.
  if (c.req.raw.method === "HEAD") throw methodNotAllowed("GET, POST");
  const { config, hub, auth } = c.var.runtime;
  const token = subscriberToken(c, config.tokenCookie);
  const grants = token === undefined ? undefined : await auth.verify(token);
  const { expiresAt } = authorizeSubscribe(grants, topic, config);
  const [lastEventId, query] = [lastEventIdOf(c), startQueryOf(c)];
  // A reconnect (Last-Event-ID) resumes: it must not replay `last` again.
  const start = lastEventId === undefined ? query : {};
  const subject = grants?.subject;
  return holding(await slotFor(c, grants), (slot) => hub.subscribe(topic, { lastEventId, ...start, expiresAt, slot, subject }));
}

async function multiplexed(c: Context<Env>): Promise<Response> {
  if (c.req.raw.method === "HEAD") throw methodNotAllowed("GET");
  const runtime = c.var.runtime;
  const topics = requestedTopics(c, runtime.config);
  const token = subscriberToken(c, runtime.config.tokenCookie);
  const grants = token === undefined ? undefined : await runtime.auth.verify(token);
  const { expiresAt } = authorizeAll(grants, topics, runtime.config);
  const [positions, start] = [cursorOf(c), startQueryOf(c)];
  // The browser client's diagnosis of a failed stream (?probe=1): every check, no place taken, no stream kept.
  if (c.req.query("probe") === "1") {
    await ownersOf(c, grants, (owners, rule) => owners.check(rule));
    return openMultiplexed(runtime, topics, { positions, start, expiresAt, probe: true });
  }
  const subject = grants?.subject;
  return holding(await slotFor(c, grants), (slot) => openMultiplexed(runtime, topics, { positions, start, expiresAt, slot, subject }));
}

/** Takes a new stream's place in its owner's count, when a limit applies (stream-owners.ts). */
function slotFor(c: Context<Env>, grants: Grants | undefined): Promise<StreamSlot | undefined> {
  return ownersOf(c, grants, (owners, rule) => owners.admit(rule));
}

async function ownersOf<T>(
  c: Context<Env>,
  grants: Grants | undefined,
  use: (owners: NonNullable<Runtime["streamOwners"]>, rule: OwnerRule) => Promise<T>,
): Promise<T | undefined> {
  const { config, streamOwners, clientAddress } = c.var.runtime;
  const rule = streamOwners && ownerRule(grants?.subject, clientAddress(c), config);
  return rule ? use(streamOwners!, rule) : undefined;
}

/** Opens a stream in the place taken for it; a stream that fails to open frees its place. */
async function holding(slot: StreamSlot | undefined, open: (slot: StreamSlot | undefined) => Promise<Response>): Promise<Response> {
  try {
    return await open(slot);
  } catch (error) {
    slot?.release();
    throw error;
  }
}

async function publish(c: Context<Env>, topic: string): Promise<Response> {
  const { config, hub, auth, limitPublisher } = c.var.runtime;
  const token = publisherToken(c);
  const grants = token === undefined ? undefined : await auth.verify(token);
  authorizePublish(grants, topic);
  if (limitPublisher) await limitPublisher(await publisherKey(grants!.subject, token!), 1);
  const key = c.req.header("idempotency-key");
  const idempotencyKey = key === undefined ? undefined : assertIdempotencyKey(key);
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const body = await readBody(c.req.raw, { bytes: config.maxPayloadBytes, setting: "MAX_PAYLOAD_BYTES" });
  const input = parsePublishBody(mediaType, body, c.req.query("event"));
  const result = await hub.publish(topic, { ...input, idempotencyKey });
  if (result.duplicate) return c.json({ id: result.id, topic, duplicate: true }, 200);
  return c.json({ id: result.id, topic, delivered: result.delivered }, 201);
}

/** A page of the topic's retained events, for whoever may read its stream. */
async function history(c: Context<Env>, topic: string): Promise<Response> {
  const { config, hub, auth } = c.var.runtime;
  const token = subscriberToken(c, config.tokenCookie);
  authorizeSubscribe(token === undefined ? undefined : await auth.verify(token), topic, config);
  const query = historyQueryOf(c);
  return c.json({ topic, ...(await hub.history(topic, query)) });
}

/** A topic's stats or presence: for its publishers. */
async function forPublishers(c: Context<Env>, topic: string, read: (hub: Hub) => Promise<object>): Promise<Response> {
  const { hub, auth } = c.var.runtime;
  const token = publisherToken(c);
  authorizePublish(token === undefined ? undefined : await auth.verify(token), topic);
  return c.json(await read(hub));
}

function corsFor(config: Config): MiddlewareHandler | undefined {
  if (config.corsOrigins.length === 0) return undefined;
  const any = config.corsOrigins.includes("*");
  return cors({
    origin: any ? "*" : config.corsOrigins,
    // Cookies and credentials only ever go to origins named explicitly.
    credentials: !any,
    allowMethods: ["GET", "POST"],
    allowHeaders: ["Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key"],
    maxAge: 600,
  });
}

/**
 * The whole HTTP surface of Herald, for every runtime. `runtimeOf` maps
 * an entry's environment to its runtime; it is called on every request,
 * so entries cache what it builds.
 */
export function createApp<Bindings extends object>(runtimeOf: (env: Bindings) => Runtime): Hono<{ Bindings: Bindings }> {
  const app = new Hono<Env>();
  const corsCache = new WeakMap<Runtime, MiddlewareHandler | undefined>();

  app.use(async (c, next) => {
    const runtime = runtimeOf(c.env as Bindings);
    c.set("runtime", runtime);
    if (!corsCache.has(runtime)) corsCache.set(runtime, corsFor(runtime.config));
    const corsMiddleware = corsCache.get(runtime);
    return corsMiddleware ? corsMiddleware(c, next) : next();
  });

  app.get("/health", (c) => c.json({ status: "ok", version: VERSION }));

  // The demo page: the browser client at work against this hub.
  app.get("/", (c) => c.html(demoPage, 200, { "cache-control": "no-cache", "x-content-type-options": "nosniff" }));

  app.all("/publish", (c) => {
    if (c.req.method !== "POST") throw methodNotAllowed("POST");
    return publishBatch(c, c.var.runtime);
  });

  app.all("/stream", (c) => {
    if (c.req.method !== "GET") throw methodNotAllowed("GET");
    return multiplexed(c);
  });

  // A topic's reads beside its stream: GET only.
  const topicRead = (path: string, read: (c: Context<Env>, topic: string) => Promise<Response>) =>
    app.all(`/topics/:topic/${path}`, (c) => {
      const topic = assertTopicName(c.req.param("topic"));
      if (c.req.method !== "GET") throw methodNotAllowed("GET");
      return read(c, topic);
    });
  topicRead("events", history);
  topicRead("presence", (c, topic) => forPublishers(c, topic, (hub) => hub.presence(topic)));
  topicRead("stats", (c, topic) => forPublishers(c, topic, (hub) => hub.stats(topic)));

  app.all("/topics/:topic", (c) => {
    const topic = assertTopicName(c.req.param("topic"));
    if (c.req.method === "GET") return subscribe(c, topic);
    if (c.req.method === "POST") return publish(c, topic);
    throw methodNotAllowed("GET, POST");
  });

  app.notFound((c) => errorResponse(new HeraldError("not_found", `no route for ${c.req.method} ${c.req.path}`)));

  app.onError((error, c) => {
    if (error instanceof HeraldError) {
      c.var.runtime?.onRefusal?.(error);
      return errorResponse(error);
    }
    console.error("herald: unexpected error", error);
    return errorResponse(new HeraldError("internal", "internal error"));
  });

  return app as unknown as Hono<{ Bindings: Bindings }>;
}
