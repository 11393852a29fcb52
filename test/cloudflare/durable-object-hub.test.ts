import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/cloudflare/worker.js";
import type { Env } from "../../src/cloudflare/env.js";
import { publishOk, SseStream, tokenFor, uniqueTopic, type Target } from "../contract/harness.js";
import { workerTarget } from "./target.js";

/**
 * In production a Worker invocation has at most six connections waiting for
 * their response headers; later ones wait for a slot (wrangler dev and the
 * test integration do not enforce it). This namespace does, so a stream of
 * many topics is opened here under the rule it meets on Cloudflare.
 */
function sixWaitingAtMost(namespace: DurableObjectNamespace): { namespace: DurableObjectNamespace; mostWaiting: () => number } {
  let waiting = 0;
  let most = 0;
  const queue: Array<() => void> = [];
  const slot = async () => {
    while (waiting >= 6) await new Promise<void>((resolve) => queue.push(resolve));
    waiting++;
    most = Math.max(most, waiting);
  };
  const release = () => {
    waiting--;
    queue.shift()?.();
  };
  const limited = {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = namespace.get(id);
      return new Proxy(stub, {
        get(target, property) {
          if (property !== "fetch") return Reflect.get(target, property);
          return async (...args: Parameters<Fetcher["fetch"]>) => {
            await slot();
            try {
              return await target.fetch(...args);
            } finally {
              release();
            }
          };
        },
      });
    },
  };
  return { namespace: limited as unknown as DurableObjectNamespace, mostWaiting: () => most };
}

describe("the Worker's hub", () => {
  it("opens a 32-topic stream under the platform's six waiting connections, and every topic is live", async () => {
    const base = workerTarget();
    const limited = sixWaitingAtMost((env as unknown as Env).TOPICS as unknown as DurableObjectNamespace);
    const limitedEnv = { ...(env as unknown as Env), TOPICS: limited.namespace } as unknown as Env;
    const target: Target = {
      ...base,
      fetch: async (path, init) => worker.fetch(new Request(`http://herald.test${path}`, init), limitedEnv, createExecutionContext()),
    };
    const topics = Array.from({ length: 32 }, () => uniqueTopic("many"));
    const token = await tokenFor(target, { subscribe: ["*"] });
    const response = await target.fetch(`/stream?topics=${topics.join(",")}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const stream = new SseStream(response);
    const open = await stream.next(10_000);
    expect(open.event).toBe("herald.open");
    expect(JSON.parse(open.data).topics).toEqual(topics);
    expect(limited.mostWaiting()).toBe(6);
    for (const topic of topics) await publishOk(target, topic, { data: topic });
    const events = await stream.take(32, 10_000);
    expect(events.map((e) => e.data)).toEqual(topics);
  });
});
