import type { Context } from "hono";
import { authorizePublish, unauthorized } from "../core/auth.js";
import { HeraldError } from "../core/errors.js";
import { atEvent, parseBatchBody, partRefusal, partsOf, type BatchEvent, type BatchPart, type PartOutcome } from "../core/publish-batch.js";
import { rateLimited } from "../core/rate-limits.js";
import type { PublishResult } from "../core/topic-channel.js";
import type { Runtime } from "./app.js";
import { readBody } from "./read-body.js";
import { publisherKey, publisherToken } from "./token.js";

type Entry = { id: string; topic: string; delivered?: number; duplicate?: true } | { topic: string; error: string; message: string };

/**
 * `POST /publish`: many events, to many topics, in one request. Every event
 * is checked (its topic's rights, names, sizes) before any is published, and
 * counts against the publisher's rate. The answer lists each event's
 * outcome in the batch's order.
 */
export async function publishBatch(c: Context, runtime: Runtime): Promise<Response> {
  const { config, hub, auth, limitPublisher } = runtime;
  const token = publisherToken(c);
  if (token === undefined) throw unauthorized("publishing needs an Authorization: Bearer token");
  const grants = await auth.verify(token);
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") throw new HeraldError("unsupported_media_type", "a batch is sent as application/json");
  const body = await readBody(c.req.raw, { bytes: config.maxBatchBytes, setting: "MAX_BATCH_BYTES" });
  const batch = parseBatchBody(body, config);
  batch.forEach((event, index) => atEvent(index, () => authorizePublish(grants, event.topic)));
  if (limitPublisher) await limitPublisher(await publisherKey(grants.subject, token), batch.length);
  const parts = partsOf(batch);
  // Refused here, whole, rather than by one topic's object after others stored theirs: no resend could pass.
  const { rate, burst } = config.topicPublishRate;
  const tooMany = rate > 0 ? parts.find((part) => part.inputs.length > burst) : undefined;
  if (tooMany) throw partRefusal(tooMany, rateLimited(`topic ${tooMany.topic}`, Infinity, tooMany.inputs.length));
  return answer(batch, parts, await hub.publishBatch(parts));
}

/**
 * 201 with every event's id (200 if every one was a repeat); a refusal as
 * usual if nothing was stored; and if some parts were stored and another
 * was not (on Workers, one topic's object refused or was out of reach), the
 * refusal's status with every event's outcome, so the caller knows what to
 * retry: the same batch with the same idempotency keys completes it.
 */
function answer(batch: BatchEvent[], parts: BatchPart[], outcomes: PartOutcome[]): Response {
  const entries: Entry[] = new Array(batch.length);
  outcomes.forEach((outcome, p) => {
    const { topic, indexes } = parts[p]!;
    indexes.forEach((index, k) => {
      entries[index] = outcome.ok ? entryOf(outcome.results[k]!) : { topic, error: outcome.error.code, message: outcome.error.message };
    });
  });
  const failed = outcomes.find((outcome) => !outcome.ok);
  if (!failed) {
    const status = entries.every((entry) => "duplicate" in entry) ? 200 : 201;
    return Response.json({ events: entries }, { status });
  }
  if (!outcomes.some((outcome) => outcome.ok)) throw failed.error;
  const { error } = failed;
  // Worth resending only for a refusal that time can lift: a rate, an object out of reach.
  const resend = error.status === 429 || error.status >= 500 ? ": send the batch again with the same idempotencyKeys to complete it" : "";
  const message = `${error.message}; the events of other topics were stored (see events)${resend}`;
  return Response.json({ error: error.code, message, events: entries }, { status: error.status, headers: error.headers });
}

function entryOf({ id, topic, delivered, duplicate }: PublishResult): Entry {
  return duplicate ? { id, topic, duplicate: true } : { id, topic, delivered };
}
