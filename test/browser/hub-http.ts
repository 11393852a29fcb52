import { mint } from "../contract/harness.js";
import { TEST_SECRET } from "../contract/profiles.js";

/** Settings both entries run with in these tests: quick retries and heartbeats, no leeway past `exp`. */
export const HUB_VARS = {
  JWT_SECRET: TEST_SECRET,
  JWT_CLOCK_TOLERANCE_SECONDS: "0",
  RETRY_MS: "500",
  HEARTBEAT_SECONDS: "1",
};

/** Publishes as a backend does, over HTTP; returns the event's id. */
export async function publishTo(hub: string, topic: string, data: unknown): Promise<string> {
  const token = await mint({ herald: { publish: ["*"] } });
  const response = await fetch(`${hub}/topics/${topic}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ event: "update", data }),
  });
  if (response.status !== 201) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export async function subscribersOf(hub: string, topic: string): Promise<number> {
  const token = await mint({ herald: { publish: ["*"] } });
  const response = await fetch(`${hub}/topics/${topic}/stats`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { subscribers: number }).subscribers;
}

/** A token for the page: subscribe to `subscribe`, publish anywhere. */
export function pageToken(subscribe: string[] = ["*"]): Promise<string> {
  return mint({ herald: { subscribe, publish: ["*"] } });
}
