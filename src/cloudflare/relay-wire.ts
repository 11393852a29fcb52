import type { FramesOptions } from "../core/hub.js";

/**
 * What a topic's object (the root) and its relays say to each other
 * (docs/edge.md, Relays). The root never holds a socket to a relay; it
 * calls it, one call at a time per relay, so the relay applies the root's
 * items in the order the root queued them:
 *
 * - a string: live frames, for every stream the relay has joined;
 * - a join: a new stream's head and replay, computed by the root in the same
 *   step as it queued the item, so the stream gets every later item exactly
 *   once; a long replay comes in pieces, all but the last marked `more`.
 *
 * `reset` says the root cannot tell what the relay got before this call (a
 * call failed, or the root restarted without having delivered everything it
 * stored): the relay ends every stream it holds, and they resume from the
 * log with their Last-Event-ID.
 */
export type RelayItem = string | { join: string; text: string; more?: true };

/** A join's text goes in pieces of at most this much, and a call carries about this much at most (RPC messages are capped at 32 MiB). */
export const MAX_ITEM_BYTES = 1024 * 1024;
export const MAX_CALL_BYTES = 4 * MAX_ITEM_BYTES;

export interface RelayBatch {
  topic: string;
  reset: boolean;
  items: RelayItem[];
}

/** A relay's connect asks the root to join a stream: where it starts. */
export type JoinOptions = FramesOptions;

/** The relay object of a topic's n-th relay: a name no topic can have (`#` is not allowed in one). */
export function relayName(topic: string, n: number): string {
  return `${topic}#relay-${n}`;
}
