import { HeraldError } from "./errors.js";

/**
 * The resume cursor of a multiplexed stream, sent as every event's `id:`:
 *
 *     <source topic>;<topic>=<event id>,<topic>=<event id>,...
 *
 * The part before `;` names the topic the event came from (empty on the
 * position-only frame a stream starts with); the rest is the position in
 * every topic of the stream, sorted by topic. `;`, `,` and `=` cannot occur
 * in topic names or event ids, so the encoding is unambiguous.
 */
const TOPIC = "[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}";
const EVENT_ID = "[0-9a-z]{1,32}-\\d{1,16}";
const CURSOR = new RegExp(`^(?:${TOPIC})?;(?:${TOPIC}=${EVENT_ID}(?:,${TOPIC}=${EVENT_ID})*)?$`);

export type Positions = Map<string, string>;

export function formatCursor(source: string, positions: Positions): string {
  const pairs = [...positions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([topic, id]) => `${topic}=${id}`);
  return `${source};${pairs.join(",")}`;
}

/** The positions a cursor holds; anything that is not a cursor is a 400. */
export function parseCursor(cursor: string): Positions {
  if (!CURSOR.test(cursor)) {
    throw new HeraldError("bad_cursor", "Last-Event-ID is not a Herald stream cursor (<topic>;<topic>=<id>,...)");
  }
  const pairs = cursor.slice(cursor.indexOf(";") + 1);
  const positions: Positions = new Map();
  for (const pair of pairs === "" ? [] : pairs.split(",")) {
    const [topic, id] = pair.split("=") as [string, string];
    if (positions.has(topic)) throw new HeraldError("bad_cursor", `the cursor names ${topic} twice`);
    positions.set(topic, id);
  }
  return positions;
}
