import type { Config } from "./config.js";
import { HeraldError } from "./errors.js";
import { assertEventName, assertIdempotencyKey, decodeUtf8, dataOf } from "./publish-body.js";
import type { PublishInput, PublishResult } from "./topic-channel.js";
import { assertTopicName } from "./topic.js";

/**
 * A batch publish (`POST /publish`): `{"events": [{topic, event?, data,
 * idempotencyKey?}, ...]}`. Every event is checked before anything is
 * published, and a refusal names the event by its index.
 */
export interface BatchEvent extends PublishInput {
  topic: string;
}

/** The events of one topic, in the batch's order, with their indexes in it. */
export interface BatchPart {
  topic: string;
  inputs: PublishInput[];
  indexes: number[];
}

/** A part's outcome: its results in order, or the refusal that stored none of it. */
export type PartOutcome = { ok: true; results: PublishResult[] } | { ok: false; error: HeraldError };

const FIELDS = new Set(["topic", "event", "data", "idempotencyKey"]);
const encoder = new TextEncoder();

/** Runs `check` for the batch's event `index`, naming it in any refusal. */
export function atEvent<T>(index: number, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof HeraldError)) throw error;
    throw new HeraldError(error.code, `events[${index}]: ${error.message}`, error.headers);
  }
}

export function parseBatchBody(body: Uint8Array, config: Pick<Config, "maxBatchEvents" | "maxPayloadBytes">): BatchEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeUtf8(body));
  } catch (error) {
    if (error instanceof HeraldError) throw error;
    throw new HeraldError("bad_body", "body is not valid JSON");
  }
  const events = (parsed as { events?: unknown } | null)?.events;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !Array.isArray(events)) {
    throw new HeraldError("bad_body", 'a batch is a JSON object: {"events": [{"topic", "event"?, "data", "idempotencyKey"?}, ...]}');
  }
  if (Object.keys(parsed).some((key) => key !== "events")) throw new HeraldError("bad_body", 'a batch has only an "events" field');
  if (events.length === 0) throw new HeraldError("bad_body", "a batch needs at least one event");
  if (events.length > config.maxBatchEvents) {
    throw new HeraldError("payload_too_large", `a batch holds at most ${config.maxBatchEvents} events (MAX_BATCH_EVENTS), got ${events.length}`);
  }
  const batch = events.map((event, index) => atEvent(index, () => batchEvent(event, config.maxPayloadBytes)));
  assertKeysOnce(batch);
  return batch;
}

function batchEvent(value: unknown, maxPayloadBytes: number): BatchEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HeraldError("bad_body", "each event must be an object");
  const event = value as Record<string, unknown>;
  const unknown = Object.keys(event).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw new HeraldError("bad_body", `unknown field: ${unknown.join(", ")}`);
  if (typeof event["topic"] !== "string") throw new HeraldError("bad_topic", "topic must be a string");
  if (!("data" in event)) throw new HeraldError("bad_body", 'an event needs a "data" field');
  const data = dataOf(event["data"]);
  // The same bound as a single publish's body, on the data alone.
  if (data.length > maxPayloadBytes / 3 && encoder.encode(data).byteLength > maxPayloadBytes) {
    throw new HeraldError("payload_too_large", `data is larger than MAX_PAYLOAD_BYTES (${maxPayloadBytes} bytes)`);
  }
  const name = event["event"];
  if (name !== undefined && name !== null && typeof name !== "string") throw new HeraldError("bad_event", "event must be a string");
  const key = event["idempotencyKey"];
  if (key !== undefined && typeof key !== "string") throw new HeraldError("bad_idempotency_key", "idempotencyKey must be a string");
  return {
    topic: assertTopicName(event["topic"]),
    event: typeof name === "string" ? assertEventName(name) : undefined,
    data,
    idempotencyKey: key === undefined ? undefined : assertIdempotencyKey(key),
  };
}

/** One key twice on one topic would make the batch's answer depend on its own order: refused. */
function assertKeysOnce(batch: BatchEvent[]): void {
  const seen = new Map<string, number>();
  batch.forEach(({ topic, idempotencyKey }, index) => {
    if (idempotencyKey === undefined) return;
    const key = `${topic}\n${idempotencyKey}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new HeraldError("bad_idempotency_key", `events[${index}]: repeats the idempotencyKey of events[${first}] on topic ${topic}`);
    }
    seen.set(key, index);
  });
}

/** The batch by topic, each part in the batch's order: a topic's events go to it together. */
export function partsOf(batch: BatchEvent[]): BatchPart[] {
  const parts = new Map<string, BatchPart>();
  batch.forEach(({ topic, ...input }, index) => {
    let part = parts.get(topic);
    if (!part) parts.set(topic, (part = { topic, inputs: [], indexes: [] }));
    part.inputs.push(input);
    part.indexes.push(index);
  });
  return [...parts.values()];
}

/** A part's refusal, naming its events: a topic takes or refuses its events together. */
export function partRefusal(part: BatchPart, error: HeraldError): HeraldError {
  const shown = part.indexes.length > 5 ? `${part.indexes.slice(0, 5).join(", ")}, ...` : part.indexes.join(", ");
  return new HeraldError(error.code, `events[${shown}] (topic ${part.topic}): ${error.message}`, error.headers);
}
