import { HeraldError } from "./errors.js";
import type { PublishInput } from "./topic-channel.js";

/**
 * Reads a publish request's body into an event. Three forms are accepted:
 * JSON `{"event"?, "data"}`, a text body (the body is the data), and a form
 * close to Mercure's publish form so its publishers can switch.
 */
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
// With the u flag, paired surrogates are one code point: only lone ones match.
const LONE_SURROGATE = /\p{Cs}/u;

export function assertEventName(name: string): string {
  if (!EVENT_NAME.test(name)) {
    throw new HeraldError("bad_event", "event must match [A-Za-z][A-Za-z0-9_.:-]{0,63}");
  }
  if (name.startsWith("herald.")) {
    throw new HeraldError("bad_event", "event names starting with herald. are reserved for the hub");
  }
  return name;
}

export function assertIdempotencyKey(key: string): string {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HeraldError("bad_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters");
  }
  return key;
}

function optionalEvent(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HeraldError("bad_event", "event must be a string");
  return assertEventName(value);
}

export function decodeUtf8(body: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new HeraldError("bad_body", "body is not valid UTF-8");
  }
}

function fromJson(text: string): PublishInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HeraldError("bad_body", "body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HeraldError("bad_body", 'JSON body must be an object: {"event"?: string, "data": any}');
  }
  const body = parsed as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => key !== "event" && key !== "data");
  if (unknown.length > 0) throw new HeraldError("bad_body", `unknown field: ${unknown.join(", ")}`);
  if (!("data" in body)) throw new HeraldError("bad_body", 'JSON body needs a "data" field');
  return { event: optionalEvent(body["event"]), data: dataOf(body["data"]) };
}

/** A JSON `data` as it is sent: a string as it is, any other value as its JSON text. */
export function dataOf(value: unknown): string {
  const data = typeof value === "string" ? value : JSON.stringify(value);
  // A lone \ud800-\udfff escape: UTF-8 cannot carry it, so it would not reach subscribers as sent.
  if (LONE_SURROGATE.test(data)) throw new HeraldError("bad_body", "data holds a lone UTF-16 surrogate (\\ud800-\\udfff)");
  return data;
}

function fromForm(text: string): PublishInput {
  const form = new URLSearchParams(text);
  const data = form.get("data");
  if (data === null) throw new HeraldError("bad_body", "form body needs a data field");
  return { event: optionalEvent(form.get("event")), data };
}

/** `mediaType` is the content-type without parameters, lower-cased, or "" if absent. */
export function parsePublishBody(mediaType: string, body: Uint8Array, queryEvent: string | undefined): PublishInput {
  const text = decodeUtf8(body);
  switch (mediaType) {
    case "application/json":
      return fromJson(text);
    case "application/x-www-form-urlencoded":
      return fromForm(text);
    case "text/plain":
    case "":
      return { event: optionalEvent(queryEvent), data: text };
    default:
      throw new HeraldError(
        "unsupported_media_type",
        "content-type must be application/json, text/plain or application/x-www-form-urlencoded",
      );
  }
}
