import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { connect, type ConnectOptions, type HeraldClient } from "../../src/client/index.js";
import { mint } from "../contract/harness.js";
import { TEST_SECRET } from "../contract/profiles.js";
import { HubProcess } from "../node/hub-process.js";
import { freePort } from "../support/free-port.js";

/**
 * A real Node hub per test file, on a fixed port so that a stopped hub
 * comes back at the same address (as a restarted server does), and
 * clients on Node's own EventSource (`--experimental-eventsource`).
 */
export const HUB_ENV = {
  JWT_SECRET: TEST_SECRET,
  // Expiry tests wait for real seconds; no leeway past `exp`.
  JWT_CLOCK_TOLERANCE_SECONDS: "0",
  RETRY_MS: "200",
  HEARTBEAT_SECONDS: "1",
};

export async function startHub(env: Record<string, string> = {}): Promise<HubProcess> {
  const dir = mkdtempSync(join(tmpdir(), "herald-client-"));
  const port = String(await freePort());
  return new HubProcess({ ...HUB_ENV, PORT: port, HERALD_DB: join(dir, "herald.db"), ...env }).start();
}

/** The hub of the describe block this is called in: started before its tests, killed after. */
export function suiteHub(env: Record<string, string> = {}): () => HubProcess {
  let hub: HubProcess | undefined;
  beforeAll(async () => {
    hub = await startHub(env);
  });
  afterAll(async () => {
    await hub?.stop("SIGKILL");
  });
  return () => {
    if (!hub) throw new Error("the hub has not started");
    return hub;
  };
}

export function subscriberToken(subscribe: string[] = ["*"], expiresIn: number | string = "10m"): Promise<string> {
  return mint({ herald: { subscribe } }, { expiresIn });
}

/** Publishes one `update` event and returns its id. */
export async function publish(hub: HubProcess, topic: string, data: unknown, event = "update"): Promise<string> {
  const token = await mint({ herald: { publish: ["*"] } });
  const response = await hub.fetch(`/topics/${topic}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ event, data }),
  });
  if (response.status !== 201) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Every stream request and probe the clients of a test made, through the real EventSource and fetch. */
export const requests = { streams: [] as string[], probes: [] as string[] };

class CountingEventSource extends EventSource {
  constructor(url: string | URL, init?: EventSourceInit) {
    super(url, init);
    requests.streams.push(String(url));
  }
}

const countingFetch: typeof fetch = (input, init) => {
  requests.probes.push(String(input));
  return fetch(input, init);
};

const clients: HeraldClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  requests.streams.length = 0;
  requests.probes.length = 0;
});

/** A client of `hub` that listens for `update` events, with quick retries; closed after the test. */
export function openClient<Events extends Record<string, unknown> = Record<string, unknown>>(
  hub: Pick<HubProcess, "url">,
  options: Omit<ConnectOptions, "url">,
): HeraldClient<Events> {
  const client = connect<Events>({
    url: hub.url,
    EventSource: CountingEventSource,
    fetch: countingFetch,
    events: ["update"],
    ...options,
    backoff: { initialMs: 50, maxMs: 400, ...options.backoff },
  });
  clients.push(client);
  return client;
}
