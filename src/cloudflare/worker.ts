import { Authenticator } from "../core/auth.js";
import type { Every } from "../core/browser-stream.js";
import { parseConfig } from "../core/config.js";
import { createApp, type Runtime } from "../http/app.js";
import { DurableObjectHub } from "./durable-object-hub.js";
import type { Env } from "./env.js";

export { TopicObject } from "./topic-object.js";
export { RelayObject } from "./relay-object.js";

// One runtime per isolate and environment: the JWKS cache lives in it.
const runtimes = new WeakMap<Env, Runtime>();

function runtimeOf(env: Env): Runtime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    const config = parseConfig(env);
    runtime = { config, hub: new DurableObjectHub(env, config, every), auth: new Authenticator(config), every };
    runtimes.set(env, runtime);
  }
  return runtime;
}

/** Timers of one stream: a Worker request cannot share a timer with another. */
const every: Every = (tick, periodMs) => {
  const timer = setInterval(() => tick(Date.now()), periodMs);
  return () => clearInterval(timer);
};

const app = createApp<Env>(runtimeOf);

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
