import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/cloudflare/worker.js";
import type { Env } from "../../src/cloudflare/env.js";
import { statsOf, tokenFor, uniqueTopic } from "../contract/harness.js";
import { workerTarget } from "./target.js";

/**
 * A publisher whose connection drops while its body is read: the Worker
 * sees the body's read fail (workerd's "Network connection lost."). The
 * request is handed to the Worker's fetch directly, as the runtime hands it
 * over, so the body's failure reaches the handler as it would.
 */
const target = workerTarget();

function droppingBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start: (controller) => controller.enqueue(new TextEncoder().encode('{"data": "half of it')),
    pull: (controller) => controller.error(new Error("Network connection lost.")),
  });
}

afterEach(() => vi.restoreAllMocks());

describe("a publisher that goes away mid-body", () => {
  it.each([
    ["without a Content-Length", {}],
    ["with one (the body is read whole)", { "content-length": "100" }],
  ])("%s: publishes nothing and logs no fault", async (_, length) => {
    const errors = vi.spyOn(console, "error");
    const topic = uniqueTopic("abort");
    const token = await tokenFor(target, { publish: [topic] });
    const request = new Request(`http://herald.test/topics/${topic}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...length },
      body: droppingBody(),
      duplex: "half",
    } as RequestInit);
    const response = await worker.fetch(request, env as unknown as Env, createExecutionContext());
    expect(response.status).toBe(499);
    expect(await response.json()).toMatchObject({ error: "client_closed" });
    expect(errors.mock.calls.flat().join(" ")).not.toContain("unexpected error");
    expect((await statsOf(target, topic)).lastId).toBeNull();
  });
});
