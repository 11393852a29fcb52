/**
 * A token bucket: `rate` tokens a second, holding at most `burst`. It starts
 * full, so a quiet client may send a burst at once, then `rate` a second.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes `n` tokens and answers 0, or takes none and answers the ms until `n` are there. */
  take(n: number, now: number): number {
    const wait = this.waitFor(n, now);
    if (wait === 0) this.tokens -= n;
    return wait;
  }

  /** The ms until `n` tokens are there (0: now), taking none. */
  waitFor(n: number, now: number): number {
    this.refill(now);
    if (this.tokens >= n) return 0;
    if (n > this.burst) return Infinity;
    return Math.ceil(((n - this.tokens) / this.rate) * 1000);
  }

  /** Full again: nothing is lost by forgetting it. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
}
