import { HeraldError } from "../core/errors.js";

/**
 * A body that fails to arrive is the client going away mid-request: an
 * ordinary event, answered (to no one) and counted, never logged as a fault.
 */
function clientGone(): HeraldError {
  return new HeraldError("client_closed", "the client closed the connection before its body was read");
}

/** The body's bound, and the setting that sets it (named in the refusal). */
export interface BodyLimit {
  bytes: number;
  setting: string;
}

function tooLarge(limit: BodyLimit): HeraldError {
  return new HeraldError("payload_too_large", `body is larger than ${limit.setting} (${limit.bytes} bytes)`);
}

/**
 * Reads at most `limit` bytes of a body. A body that declares or turns out
 * to be larger is refused without reading the rest, with or without a
 * content-length.
 */
export async function readBody(request: Request, limit: BodyLimit): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  const length = declared === null || declared === "" ? NaN : Number(declared);
  if (length > limit.bytes) throw tooLarge(limit);
  // HTTP framing ends a body at its content-length, so it is read whole: on
  // Node this skips building a web stream for the body, which took about
  // a third of a publish's time before its commit.
  if (Number.isSafeInteger(length) && length >= 0) return whole(request, limit);
  return streamed(request, limit);
}

async function whole(request: Request, limit: BodyLimit): Promise<Uint8Array> {
  const body = new Uint8Array(
    await request.arrayBuffer().catch(() => {
      throw clientGone();
    }),
  );
  if (body.byteLength > limit.bytes) throw tooLarge(limit);
  return body;
}

async function streamed(request: Request, limit: BodyLimit): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw clientGone();
    });
    if (done) break;
    total += value.byteLength;
    if (total > limit.bytes) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
