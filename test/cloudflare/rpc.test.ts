import { describe, expect, it } from "vitest";
import { HeraldError } from "../../src/core/errors.js";
import { reach } from "../../src/cloudflare/rpc.js";

/** An error as the Durable Object platform throws it: a message and its flags. */
function platformError(message: string, flags: { retryable?: boolean; overloaded?: boolean; remote?: boolean }): Error {
  return Object.assign(new Error(message), flags);
}

describe("reaching a topic's Durable Object", () => {
  it("answers 503 topic_unavailable when the platform marks its failure retryable or overloaded", async () => {
    for (const flags of [{ retryable: true }, { overloaded: true }, { retryable: true, remote: true }]) {
      const failing = reach(() => Promise.reject(platformError("Durable Object reset because its code was updated.", flags)));
      await expect(failing).rejects.toBeInstanceOf(HeraldError);
      await expect(failing).rejects.toMatchObject({ code: "topic_unavailable", status: 503 });
      await expect(failing).rejects.toThrow(/code was updated/);
    }
  });

  it("passes on any other error as it is (a bug in the object is a 500)", async () => {
    const bug = platformError("x is undefined", { remote: true });
    await expect(reach(() => Promise.reject(bug))).rejects.toBe(bug);
    await expect(reach(() => Promise.resolve(42))).resolves.toBe(42);
  });
});
