import { Authenticator } from "../core/auth.js";
import type { Every } from "../core/browser-stream.js";
import { parseConfig } from "../core/config.js";
import { createApp, type Runtime } from "../http/app.js";
import { DurableObjectHub } from "./durable-object-hub.js";
import type { Env } from "./env.js";
import { reach, unwrap } from "./rpc.js";
import { checkOwner, takeOwnerSlot } from "./stream-owner-slot.js";
import { PING_EVERY_BEATS } from "./topic-wire.js";

export { TopicObject } from "./topic-object.js";
export { RelayObject } from "./relay-object.js";
export { PublisherObject } from "./publisher-object.js";
export { StreamOwnerObject } from "./stream-owner-object.js";

// One runtime per isolate and environment: the JWKS cache lives in it.
const runtimes = new WeakMap<Env, Runtime>();

function runtimeOf(env: Env): Runtime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    const config = parseConfig(env);
    runtime = {
      config,
      hub: new DurableObjectHub(env, config, every),
      auth: new Authenticator(config),
      every,
      limitPublisher: config.publishRate.rate > 0 ? (publisher, n) => limitPublisher(env, publisher, n) : undefined,
      streamOwners:
        config.maxStreamsPerUser > 0 || config.maxAnonStreamsPerIp > 0
          ? {
              admit: (rule) => takeOwnerSlot(env.STREAM_OWNERS, rule, PING_EVERY_BEATS * config.heartbeatSeconds * 1000),
              check: (rule) => checkOwner(env.STREAM_OWNERS, rule),
            }
          : undefined,
      // Set by Cloudflare on every request (a client cannot): the address it came from.
      clientAddress: (c) => c.req.header("cf-connecting-ip"),
    };
    runtimes.set(env, runtime);
  }
  return runtime;
}

/** One call to the publisher's own object (publisher-object.ts): the price of an exact limit. */
async function limitPublisher(env: Env, publisher: string, n: number): Promise<void> {
  unwrap(await reach(() => env.PUBLISHERS.get(env.PUBLISHERS.idFromName(publisher)).take(publisher, n)));
}

/** Timers of one stream: a Worker request cannot share a timer with another. */
const every: Every = (tick, periodMs) => {
  const timer = setInterval(() => tick(Date.now()), periodMs);
  return () => clearInterval(timer);
};

const app = createApp<Env>(runtimeOf);

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
