import { describe, expect, it } from "vitest";
import { RateLimits } from "../../src/core/rate-limits.js";
import { TokenBucket } from "../../src/core/token-bucket.js";

describe("a token bucket", () => {
  it("gives its burst at once, then its rate, and says how long to wait", () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0)]).toEqual([0, 0, 0]);
    expect(bucket.take(1, 0)).toBe(500);
    expect(bucket.take(1, 490)).toBeGreaterThanOrEqual(10);
    expect(bucket.take(1, 490)).toBeLessThanOrEqual(11);
    expect(bucket.take(1, 500)).toBe(0);
    expect(bucket.full(500)).toBe(false);
    expect(bucket.full(2000)).toBe(true);
    expect(bucket.take(4, 2000)).toBe(Infinity);
  });

  it("refuses with Retry-After in whole seconds, at least 1, and takes nothing when it refuses", () => {
    const limits = new RateLimits({ rate: 1, burst: 1 });
    limits.take("a", 1, 0, "a");
    let refusal: unknown;
    try {
      limits.take("a", 1, 100, "a");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: "rate_limited", status: 429, headers: { "retry-after": "1" } });
    // The refusal took nothing: a second later there is exactly one again.
    limits.take("a", 1, 1000, "a");
    limits.take("b", 1, 0, "b");
    expect(() => new RateLimits({ rate: 0, burst: 1 }).take("x", 1000, 0, "x")).not.toThrow();
  });
});
