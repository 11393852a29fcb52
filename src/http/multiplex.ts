import type { Context } from "hono";
import { authorizeSubscribe, type Grants } from "../core/auth.js";
import type { Config } from "../core/config.js";
import { parseCursor, type Positions } from "../core/cursor.js";
import { HeraldError } from "../core/errors.js";
import type { StartAt } from "../core/event-log.js";
import { openBrowserStream } from "../core/browser-stream.js";
import { SSE_HEADERS } from "../core/sse.js";
import type { StreamSlot } from "../core/stream-owners.js";
import { assertTopicName } from "../core/topic.js";
import type { Runtime } from "./app.js";

/**
 * A cursor holds a position per topic (32 topics of 128 characters make
 * about 5 KB); Node refuses request headers past 16 KB as a whole.
 */
const MAX_CURSOR = 8192;

/** `?topics=a,b,c` (or `channels=`): validated, de-duplicated, capped. */
export function requestedTopics(c: Context, config: Config): string[] {
  const raw = c.req.query("topics") ?? c.req.query("channels");
  const topics = [...new Set((raw ?? "").split(",").map((t) => t.trim()).filter((t) => t !== ""))];
  if (topics.length === 0) throw new HeraldError("bad_request", "name the topics: /stream?topics=a,b,c");
  if (topics.length > config.maxTopicsPerStream) {
    throw new HeraldError("bad_request", `at most ${config.maxTopicsPerStream} topics per stream (MAX_TOPICS_PER_STREAM)`);
  }
  return topics.map(assertTopicName);
}

/** Every topic is authorized on its own; one refusal refuses the whole request. */
export function authorizeAll(grants: Grants | undefined, topics: string[], config: Config): { expiresAt?: number } {
  let expiresAt: number | undefined;
  for (const topic of topics) {
    const granted = authorizeSubscribe(grants, topic, config);
    expiresAt ??= granted.expiresAt;
  }
  return { expiresAt };
}

export function cursorOf(c: Context): Positions {
  const cursor = c.req.header("last-event-id") || c.req.query("lastEventId") || undefined;
  if (cursor === undefined) return new Map();
  if (cursor.length > MAX_CURSOR) throw new HeraldError("bad_cursor", `Last-Event-ID is longer than ${MAX_CURSOR} characters`);
  return parseCursor(cursor);
}

/** Opens each topic's frames through the hub (in parallel) and holds them as one stream. */
export async function openMultiplexed(
  runtime: Runtime,
  topics: string[],
  options: { positions: Positions; start?: Pick<StartAt, "since" | "last">; expiresAt?: number; slot?: StreamSlot; probe?: boolean; subject?: string },
): Promise<Response> {
  const { hub, config } = runtime;
  // Settled, not all: a refusal must not leave the topics that did open subscribed.
  const settled = await Promise.allSettled(
    topics.map((topic) => {
      const lastEventId = options.positions.get(topic);
      const start = lastEventId === undefined ? (options.start ?? {}) : { lastEventId };
      return hub.frames(topic, { ...start, subject: options.subject });
    }),
  );
  const failed = settled.find((s) => s.status === "rejected");
  const opened = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  if (failed) {
    opened.forEach((frames) => frames.cancel());
    throw failed.reason;
  }
  const members = opened.map((frames, i) => ({ topic: topics[i]!, frames }));
  const stream = await openBrowserStream(members, {
    config,
    cursor: true,
    expiresAt: options.expiresAt,
    every: runtime.every,
    slot: options.slot,
    probe: options.probe,
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
