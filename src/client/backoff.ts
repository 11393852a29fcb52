import type { BackoffOptions } from "./types.js";

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 1000, maxMs: 30_000, maxAttempts: Infinity };

/**
 * The wait before retry number `attempt` (1, 2, ...): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that every page a hub
 * restart disconnected does not come back in the same millisecond.
 */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
