/**
 * A multiplexed stream's cursor is `<source topic>;<topic>=<id>,...` (see
 * docs/protocol.md). The client never builds one: it only hands back the
 * last it saw, and reads the parts a person may want to see.
 */

/** The topic an event came from: the cursor's part before `;`. */
export function sourceOf(cursor: string): string {
  const end = cursor.indexOf(";");
  return end < 0 ? "" : cursor.slice(0, end);
}

/** The position of `topic` in the cursor, if it holds one. */
export function positionOf(cursor: string, topic: string): string | undefined {
  for (const pair of cursor.slice(cursor.indexOf(";") + 1).split(",")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at) === topic) return pair.slice(at + 1);
  }
  return undefined;
}
