import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { JWK } from "jose";
import type { Target } from "../contract/harness.js";
import type { ProfileName } from "../contract/profiles.js";

/** The behavioural suite's view of the Worker, called in-process through workerd. */
export function workerTarget(): Target {
  const bindings = env as unknown as Record<string, string> & { TOPICS: DurableObjectNamespace };
  return {
    name: "worker",
    profile: bindings.HERALD_TEST_PROFILE as ProfileName,
    privateJwks: JSON.parse(bindings.HERALD_TEST_PRIVATE_JWKS!) as JWK[],
    fetch: (path, init) => (exports as unknown as { default: Fetcher }).default.fetch(new Request(`http://herald.test${path}`, init)),
    // Cloudflare sets it on every request.
    fromAddress: (address) => ({ "cf-connecting-ip": address }),
    async restartTopic(topic) {
      await evictDurableObject(bindings.TOPICS.get(bindings.TOPICS.idFromName(topic)));
    },
  };
}
