import { HeraldError } from "./errors.js";
import { TokenBucket } from "./token-bucket.js";

export interface Rate {
  /** Tokens a second; 0 means no limit. */
  rate: number;
  burst: number;
}

/**
 * The refusal for a client over its rate: `Retry-After` in whole seconds, at
 * least 1. More at once than the bucket ever holds (a batch larger than the
 * burst) would wait for ever: that is a 413, to send in smaller batches.
 */
export function rateLimited(what: string, waitMs: number, n = 1): HeraldError {
  if (!Number.isFinite(waitMs)) {
    return new HeraldError("payload_too_large", `${n} publishes at once are more than ${what} may ever send at once: send smaller batches`);
  }
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new HeraldError("rate_limited", `${what} is over its publish rate: retry in ${seconds} s`, { "retry-after": String(seconds) });
}

/**
 * Buckets by key (a publisher, a topic) in one process or object. A bucket
 * that has filled up again is forgotten, so memory follows the clients that
 * are actually busy.
 */
export class RateLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweptAt = 0;

  constructor(private readonly limit: Rate) {}

  /** Takes `n` for `key`, or throws `rate_limited` and takes nothing. */
  take(key: string, n: number, now: number, what: string): void {
    if (this.limit.rate === 0) return;
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.limit.rate, this.limit.burst, now)));
    const wait = bucket.take(n, now);
    if (wait > 0) throw rateLimited(what, wait, n);
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(key);
  }
}
