/**
 * The one route the client uses, `GET /stream`, even for one topic, so a
 * single cursor format serves every connection. The token travels in the
 * query because EventSource cannot set headers; the cursor too, because a
 * new EventSource has no Last-Event-ID of its own to send.
 */
export function streamUrl(base: string, topics: readonly string[], token?: string, cursor?: string, last?: number): string {
  const query = new URLSearchParams({ topics: topics.join(",") });
  if (token) query.set("token", token);
  if (cursor) query.set("lastEventId", cursor);
  // The hub applies it only to topics without a position in the cursor.
  if (last) query.set("last", String(last));
  return `${base.replace(/\/+$/, "")}/stream?${query}`;
}
