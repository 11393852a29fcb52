import type { Context } from "hono";
import { HeraldError } from "../core/errors.js";
import type { HistoryQuery, StartAt } from "../core/event-log.js";

/**
 * Where a request says to start reading a topic: its Last-Event-ID (or
 * `?lastEventId=`), `?since=`, `?last=`, and for a page of history
 * `?after=` and `?limit=`. Each is checked here, and refused with a 400
 * naming it.
 */

/** Long ids are refused rather than echoed back in a gap notice. */
const MAX_EVENT_ID = 256;
/** The most `?last=` may ask for; the log holds at most HISTORY_LIMIT anyway. */
const MAX_LAST = 1_000_000;
/** A page of history holds at most this many events, and this many unless `?limit=` asks for fewer. */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

export function lastEventIdOf(c: Context): string | undefined {
  // Trimmed as a header value is (on Workers it travels on as one), so both entries read the same id.
  const id = (c.req.header("last-event-id") || c.req.query("lastEventId"))?.trim() || undefined;
  return id === undefined ? undefined : assertEventId(id, "Last-Event-ID");
}

/** Where a stream without a position starts: `?since=` or `?last=n`, not both. */
export function startQueryOf(c: Context): Pick<StartAt, "since" | "last"> {
  const since = sinceOf(c);
  const last = integerOf(c, "last", 0, MAX_LAST);
  if (last === undefined) return { since };
  if (since !== undefined) throw new HeraldError("bad_request", "give since or last, not both");
  return { last };
}

/** A page of history: `?after=<id>` or `?last=n` (not both), and `?limit=`. */
export function historyQueryOf(c: Context): HistoryQuery {
  const raw = c.req.query("after")?.trim();
  const after = raw === undefined || raw === "" ? undefined : assertEventId(raw, "after");
  const last = integerOf(c, "last", 1, MAX_LAST);
  if (after !== undefined && last !== undefined) throw new HeraldError("bad_request", "give after or last, not both");
  return { after, last, limit: integerOf(c, "limit", 1, MAX_PAGE) ?? DEFAULT_PAGE };
}

function assertEventId(id: string, name: string): string {
  if (id.length > MAX_EVENT_ID) throw new HeraldError("bad_request", `${name} is longer than ${MAX_EVENT_ID} characters`);
  // No id EventSource sends has control characters; on Workers it also travels as a header.
  if (!/^[\x20-\x7e]*$/.test(id)) throw new HeraldError("bad_request", `${name} must be printable ASCII`);
  return id;
}

function integerOf(c: Context, name: string, min: number, max: number): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const value = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new HeraldError("bad_request", `${name} must be an integer from ${min} to ${max}`);
  return value;
}

function sinceOf(c: Context): number | undefined {
  const raw = c.req.query("since");
  if (raw === undefined || raw === "") return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HeraldError("bad_request", "since must be epoch milliseconds or an ISO 8601 time");
  return ms;
}
