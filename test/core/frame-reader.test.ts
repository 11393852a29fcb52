import { describe, expect, it } from "vitest";
import { framesOf, WholeFrames } from "../../src/core/frame-reader.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe("whole frames", () => {
  it("passes a chunk of whole frames on as it is, uncopied", () => {
    const chunk = encoder.encode("id: e-1\ndata: a\n\nid: e-2\ndata: b\n\n");
    expect(new WholeFrames().push(chunk)).toBe(chunk);
  });

  it("joins frames cut anywhere, even inside a character, and keeps the rest for later", () => {
    const text = "id: e-1\ndata: é€😀\n\nid: e-2\ndata: plain\n\nid: e-3\ndata: tail";
    const bytes = encoder.encode(text);
    for (let cut = 1; cut < bytes.byteLength; cut++) {
      const whole = new WholeFrames();
      const got = [whole.push(bytes.subarray(0, cut)), whole.push(bytes.subarray(cut))].filter((c) => c !== undefined);
      expect(got.map((c) => decoder.decode(c)).join("")).toBe("id: e-1\ndata: é€😀\n\nid: e-2\ndata: plain\n\n");
      expect(decoder.decode(whole.push(encoder.encode("\n\n"))!)).toBe("id: e-3\ndata: tail\n\n");
    }
  });

  it("splits a chunk of whole frames into frames without their blank lines", () => {
    expect(framesOf("id: e-1\n\nevent: x\ndata: 1\n\n")).toEqual(["id: e-1\n", "event: x\ndata: 1\n"]);
  });
});
