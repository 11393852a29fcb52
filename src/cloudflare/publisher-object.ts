import { DurableObject } from "cloudflare:workers";
import { parseConfig } from "../core/config.js";
import { RateLimits } from "../core/rate-limits.js";
import type { Env } from "./env.js";
import { capture, type RpcResult } from "./rpc.js";

/**
 * One publisher's publish rate (PUBLISH_RATE), on Workers: the object named
 * after the publisher's key counts every publish it makes, from any Worker
 * anywhere, so the limit is exact. Its bucket lives in memory: an object is
 * evicted only after some idle time, by when a bucket has mostly refilled.
 */
export class PublisherObject extends DurableObject<Env> {
  private readonly limits: RateLimits;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.limits = new RateLimits(parseConfig(env).publishRate);
  }

  async take(publisher: string, n: number): Promise<RpcResult<void>> {
    return capture(() => this.limits.take(publisher, n, Date.now(), "this publisher"));
  }
}
