import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { makeTestKeys } from "../contract/keys.js";
import { JWKS_PATH, PROFILES, type ProfileName } from "../contract/profiles.js";
import { buildDemo } from "../../src/tools/build-demo.ts";

/**
 * The Worker and its Durable Objects run in workerd, one Vitest project per
 * profile of the behavioural suite. The key set JWKS_URL names is served
 * by miniflare's outbound handler, as an identity provider would.
 */
const keys = await makeTestKeys();
// The Worker imports the built demo page: it must exist before the plugin bundles the Worker.
await buildDemo();
const JWKS_URL = `https://idp.test${JWKS_PATH}`;
/** The Worker's own files' tests, run once, with the standard profile. */
const UNIT_TESTS = ["rpc", "topic-object", "topic-socket", "durable-object-hub", "overload", "client-abort", "server-sdk"].map((name) => `test/cloudflare/${name}.test.ts`);

/** A small tree for the relay tests: 3 streams on the topic's object, then relays of 3, up to 4 of them. */
const RELAY_TREE = { RELAY_AFTER: "3", MAX_RELAYS: "4", HISTORY_LIMIT: "60" };

function workersProject(profile: ProfileName, name = `workers-${profile}`, include = [`test/cloudflare/${profile}.test.ts`], extra: Record<string, string> = {}) {
  return defineConfig({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: fileURLToPath(new URL("../../wrangler.toml", import.meta.url)) },
        miniflare: {
          bindings: {
            ...PROFILES[profile],
            ...extra,
            JWKS_URL,
            HERALD_TEST_PROFILE: profile,
            HERALD_TEST_PRIVATE_JWKS: JSON.stringify(keys.privateJwks),
          },
          outboundService: (request: Request) =>
            new URL(request.url).href === JWKS_URL
              ? Response.json(keys.jwks)
              : new Response("no network in tests", { status: 502 }),
        },
      }),
    ],
    test: {
      name,
      include,
      testTimeout: 30_000,
    },
  });
}

export const standard = workersProject("standard", "workers-standard", ["test/cloudflare/standard.test.ts", ...UNIT_TESTS]);
export const tight = workersProject("tight");
export const relayed = workersProject("relayed");
export const rated = workersProject("rated");
export const streams = workersProject("streams", "workers-streams", ["test/cloudflare/streams.test.ts", "test/cloudflare/stream-owner-object.test.ts"]);
export const replacing = workersProject("replacing");
/** The limits, with every stream on a relay: MAX_SUBSCRIBERS_PER_TOPIC counts the whole tree. */
export const tightRelayed = workersProject("tight", "workers-tight-relayed", ["test/cloudflare/tight.test.ts"], { RELAY_AFTER: "0", MAX_RELAYS: "2" });
export const relays = workersProject("standard", "workers-relays", ["test/cloudflare/relays.test.ts"], RELAY_TREE);
