import { describe, expect, it } from "vitest";
import { FrameCache } from "../../src/core/frame-cache.js";
import { encodeFrame } from "../../src/core/sse.js";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("FrameCache", () => {
  it("encodes an event as encodeFrame does, and hands the same bytes to the next replay", () => {
    const cache = new FrameCache(4);
    const event = { seq: 7, event: "price", data: "42" };
    const first = cache.frame("e1-7", event);
    expect(decode(first)).toBe(decode(encodeFrame({ id: "e1-7", event: "price", data: "42" })));
    expect(cache.frame("e1-7", event)).toBe(first);
  });

  it("never serves a frame for another id: a newer seq in the slot, or another epoch", () => {
    const cache = new FrameCache(4);
    cache.frame("e1-1", { seq: 1, event: null, data: "one" });
    expect(decode(cache.frame("e1-5", { seq: 5, event: null, data: "five" }))).toContain("data: five");
    expect(decode(cache.frame("e2-5", { seq: 5, event: null, data: "other epoch" }))).toContain("data: other epoch");
    expect(decode(cache.frame("e1-1", { seq: 1, event: null, data: "one" }))).toContain("id: e1-1");
    expect(cache.cached("e1-1", 1)).toBe(cache.frame("e1-1", { seq: 1, event: null, data: "one" }));
    expect(cache.cached("e1-5", 5)).toBeUndefined();
    expect(cache.cached("e2-1", 1)).toBeUndefined();
  });

  it("does not keep large frames", () => {
    const cache = new FrameCache(4);
    const big = { seq: 1, event: null, data: "x".repeat(4096) };
    expect(cache.frame("e1-1", big)).not.toBe(cache.frame("e1-1", big));
  });
});
