import { describe, expect, it } from "vitest";
import { assertTopicName, topicMatches } from "../../src/core/topic.js";

describe("topic names and patterns", () => {
  it("accepts names from the documented alphabet only", () => {
    for (const name of ["orders", "user:alice@example.com", "a", "A-b_c.d:e@f", "9", "x".repeat(128)]) {
      expect(assertTopicName(name)).toBe(name);
    }
    for (const name of ["", "-x", ".x", "a b", "a/b", "a,b", "é", "x".repeat(129), "a\nb"]) {
      expect(() => assertTopicName(name)).toThrow(expect.objectContaining({ code: "bad_topic", status: 400 }));
    }
  });

  it("matches exact names, prefixes ending in * and * alone", () => {
    expect(topicMatches("orders", "orders")).toBe(true);
    expect(topicMatches("orders", "orders:1")).toBe(false);
    expect(topicMatches("orders:*", "orders:1")).toBe(true);
    expect(topicMatches("orders:*", "orders")).toBe(false);
    expect(topicMatches("orders:*", "ordersx")).toBe(false);
    expect(topicMatches("*", "anything")).toBe(true);
    expect(topicMatches("ord*", "orders")).toBe(true);
  });
});
