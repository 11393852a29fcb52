import { HeraldError, type ErrorCode } from "../core/errors.js";

/**
 * Workers RPC keeps only an error's message, so the Durable Object returns
 * refusals as values and the Worker throws them again with their codes.
 */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export function capture<T>(fn: () => T): RpcResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof HeraldError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new HeraldError(result.code, result.message);
}
