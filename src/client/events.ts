import { sourceOf } from "./cursor.js";
import type { HeraldEvent, HeraldGap, MessageEventLike } from "./types.js";

/** The hub's own notices (docs/protocol.md); names starting with `herald.` are reserved for them. */
export const OPEN = "herald.open";
export const GAP = "herald.gap";
export const EXPIRED = "herald.expired";
/** A newer stream of the same user took this one's place (STREAMS_PER_USER_POLICY=replace). */
export const REPLACED = "herald.replaced";
export const NOTICES = [OPEN, GAP, EXPIRED, REPLACED] as const;

/** Notices sent without an `id:` line. */
const WITHOUT_ID = new Set([GAP, EXPIRED, REPLACED]);

/**
 * A dispatched MessageEvent as a HeraldEvent. A notice without an id of its
 * own is handed the previous event's by EventSource: its id is left empty,
 * and a gap's topic comes from its data.
 */
export function heraldEvent<T>(name: string, message: MessageEventLike): HeraldEvent<T> {
  const data = typeof message.data === "string" ? message.data : String(message.data);
  const id = WITHOUT_ID.has(name) ? "" : message.lastEventId;
  return {
    topic: name === GAP ? gapOf(data).topic : sourceOf(id),
    event: name,
    id,
    data,
    json: <U = T>() => JSON.parse(data) as U,
  };
}

export function gapOf(data: string): HeraldGap {
  try {
    const gap = JSON.parse(data) as Partial<HeraldGap>;
    return {
      topic: String(gap.topic ?? ""),
      requested: String(gap.requested ?? ""),
      reason: gap.reason === "trimmed" ? "trimmed" : "unknown",
      oldestId: gap.oldestId ?? null,
      lastId: gap.lastId ?? null,
    };
  } catch {
    return { topic: "", requested: "", reason: "unknown", oldestId: null, lastId: null };
  }
}
