import type { FetchLike } from "./types.js";

export const NOT_A_STREAM = "not_a_stream";

/** What the hub answered a stream request: a status and its `{"error","message"}`, or nothing at all. */
export interface ProbeResult {
  status?: number;
  code: string;
  message: string;
  /** The hub's Retry-After (a 429, a 503), in ms. */
  retryAfterMs?: number;
}

/**
 * EventSource reports a refused request only as an `error` event, without
 * the status. Asking once more with fetch tells a 401 (refresh the token)
 * from a 403 (stop) from a 503 (retry later). A 200 is a stream: it is
 * cancelled at once. A 200 that is not a stream (an app's catch-all page, a
 * login page) means the URL is not the hub's, and asking again will not
 * change that.
 */
export async function probe(fetchFn: FetchLike, url: string, withCredentials: boolean): Promise<ProbeResult> {
  let response;
  try {
    // ?probe=1: the hub answers as it would the stream, but keeps no stream and takes no place in the user's count.
    response = await fetchFn(`${url}&probe=1`, {
      headers: { accept: "text/event-stream" },
      credentials: withCredentials ? "include" : "same-origin",
    });
  } catch (error) {
    return { code: "network", message: `the hub could not be reached (${(error as Error).message})` };
  }
  if (response.status === 200) {
    await response.body?.cancel().catch(() => undefined);
    const type = response.headers ? (response.headers.get("content-type") ?? "") : "text/event-stream";
    if (!type.toLowerCase().startsWith("text/event-stream")) {
      // Not the URL in the message: it carries the token.
      const message = `the stream URL answered 200 with "${type}", not an event stream: is \`url\` the hub's address?`;
      return { status: 200, code: NOT_A_STREAM, message };
    }
    return { status: 200, code: "stream_failed", message: "the stream failed, though the hub accepts it again" };
  }
  const body = (await response.json().catch(() => ({}))) as { error?: unknown; message?: unknown };
  return {
    status: response.status,
    code: typeof body.error === "string" ? body.error : `http_${response.status}`,
    message: typeof body.message === "string" ? body.message : `the hub answered ${response.status}`,
    retryAfterMs: retryAfterOf(response.headers?.get("retry-after")),
  };
}

/** Retry-After in seconds (the hub never sends the date form), capped at an hour. */
function retryAfterOf(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(Number(header.trim()), 3600) * 1000;
}

/** Refusals that asking again will not change. */
export function isFinalRefusal(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}
