import { HeraldError, type ErrorCode } from "../core/errors.js";

/**
 * Workers RPC keeps only an error's message, so the Durable Object returns
 * refusals as values and the Worker throws them again with their codes.
 */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; headers: Record<string, string> };

export function capture<T>(fn: () => T): RpcResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof HeraldError) return { ok: false, code: error.code, message: error.message, headers: error.headers };
    throw error;
  }
}

export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new HeraldError(result.code, result.message, result.headers);
}

/**
 * Calls a topic's object. The platform marks its own failures (the object
 * reset by a deploy, moved, or overloaded) with `retryable` or `overloaded`:
 * the topic is briefly out of reach, which is a 503 to retry, not a bug.
 */
export async function reach<T>(call: () => T): Promise<Awaited<T>> {
  try {
    return await call();
  } catch (error) {
    const flags = error as { retryable?: unknown; overloaded?: unknown } | null;
    if (flags?.retryable === true || flags?.overloaded === true) {
      throw new HeraldError("topic_unavailable", `the topic's Durable Object is restarting or overloaded: retry with backoff (${(error as Error).message})`);
    }
    throw error;
  }
}

/** An object's JSON refusal of a connect (errors.ts's errorResponse), as the error it was; Retry-After kept. */
export async function refusalOf(response: Response): Promise<HeraldError> {
  const body = (await response.json().catch(() => ({}))) as { error?: ErrorCode; message?: string };
  const retryAfter = response.headers.get("retry-after");
  const headers: Record<string, string> = retryAfter === null ? {} : { "retry-after": retryAfter };
  return new HeraldError(body.error ?? "internal", body.message ?? `the object answered ${response.status}`, headers);
}
