import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { Target } from "../contract/harness.js";
import { makeTestKeys } from "../contract/keys.js";
import { PROFILES, type ProfileName } from "../contract/profiles.js";
import { HubProcess } from "./hub-process.js";
import { serveJwks } from "./jwks-server.js";

/**
 * The behavioural suite's view of the Node entry: a real server process per
 * test file, started before the suite and stopped after it. Restarting a
 * topic is a crash (SIGKILL) and a restart on the same database file.
 */
export function nodeTarget(profile: ProfileName): () => Target {
  let target: Target | undefined;
  let hub: HubProcess | undefined;
  let closeJwks = () => {};

  beforeAll(async () => {
    const keys = await makeTestKeys();
    const jwks = await serveJwks(keys.jwks);
    closeJwks = () => jwks.server.close();
    const dir = mkdtempSync(join(tmpdir(), "herald-test-"));
    hub = await new HubProcess({ ...PROFILES[profile], JWKS_URL: jwks.url, HERALD_DB: join(dir, "herald.db") }).start();
    const running = hub;
    target = {
      name: "node",
      profile,
      privateJwks: keys.privateJwks,
      fetch: (path, init) => running.fetch(path, init),
      restartTopic: () => running.crashAndRestart(),
      // As a proxy in front would say it (the profiles that count addresses set TRUST_PROXY).
      fromAddress: (address) => ({ "x-forwarded-for": `203.0.113.250, ${address}` }),
    };
  });

  afterAll(async () => {
    await hub?.stop();
    closeJwks();
  });

  return () => {
    if (!target) throw new Error("the Node hub has not started");
    return target;
  };
}
