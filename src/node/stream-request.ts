/** A request the door answers itself: its URL (from Host and target) and header lines, as sent. */
export interface StreamRequest {
  url: string;
  headers: Array<[string, string]>;
}

/** node:http's default limit; a longer head is its to refuse (431). */
const MAX_HEAD_BYTES = 16 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, spaces and tabs only (no obs-text, no controls).
const VALUE = /^[\t\x20-\x7e]*$/;
// One topic segment (starting alphanumeric, so no dot segment) and an optional
// query, without backslashes or fragments, which URL parsing would rewrite;
// `/topics/<t>/stats` is not a stream.
const STREAM_TARGET = /^\/topics\/[A-Za-z0-9][\w.:@~%!$&'()*+,;=-]*(\?[\x21\x24-\x5b\x5d-\x7e]*)?$/;
// A name or address and port: anything else could bend the URL built from it.
const HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
// Any of these means framing or semantics the door leaves to node:http.
const HANDED_OVER = new Set(["content-length", "transfer-encoding", "upgrade", "expect"]);

/**
 * Reads the first bytes of a connection as a single-topic stream request, or
 * returns undefined. It accepts a strict subset on purpose: one whole
 * `GET /topics/<topic> HTTP/1.1` head with a Host, no body and nothing
 * after it, each header once, no folding, no unusual bytes. Everything else
 * goes to node:http, whose parser handles (and refuses) the rest of HTTP.
 */
export function readStreamRequest(chunk: Uint8Array): StreamRequest | undefined {
  if (chunk.byteLength > MAX_HEAD_BYTES) return undefined;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1 || end + 4 !== text.length) return undefined;
  const [requestLine, ...lines] = text.slice(0, end).split("\r\n");
  const parts = requestLine!.split(" ");
  if (parts.length !== 3 || parts[0] !== "GET" || parts[2] !== "HTTP/1.1" || !STREAM_TARGET.test(parts[1]!)) return undefined;

  const headers: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!TOKEN.test(name) || !VALUE.test(value) || seen.has(name) || HANDED_OVER.has(name)) return undefined;
    if (name === "host" && !HOST.test(value)) return undefined;
    seen.add(name);
    headers.push([name, value]);
  }
  const host = headers.find(([name]) => name === "host");
  if (!host) return undefined;
  // A URL that cannot be built from them is node:http's to refuse.
  const url = `http://${host[1]}${parts[1]}`;
  return URL.canParse(url) ? { url, headers } : undefined;
}
