import { describe, expect, it } from "vitest";
import { HeraldError } from "../../src/core/errors.js";
import { parseBatchBody, partRefusal, partsOf } from "../../src/core/publish-batch.js";

const limits = { maxBatchEvents: 3, maxPayloadBytes: 8 };
const body = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("batch publish body", () => {
  it("reads each event as a single publish reads its body, and groups them by topic in order", () => {
    const batch = parseBatchBody(body({ events: [{ topic: "a", data: { n: 1 } }, { topic: "b", data: "x", event: "e" }, { topic: "a", data: "y", idempotencyKey: "k" }] }), limits);
    expect(batch).toEqual([
      { topic: "a", data: '{"n":1}', event: undefined, idempotencyKey: undefined },
      { topic: "b", data: "x", event: "e", idempotencyKey: undefined },
      { topic: "a", data: "y", event: undefined, idempotencyKey: "k" },
    ]);
    expect(partsOf(batch).map(({ topic, indexes }) => [topic, indexes])).toEqual([["a", [0, 2]], ["b", [1]]]);
  });

  it("holds each event's data to MAX_PAYLOAD_BYTES in UTF-8 bytes, and the batch to MAX_BATCH_EVENTS", () => {
    expect(() => parseBatchBody(body({ events: [{ topic: "a", data: "12345678" }] }), limits)).not.toThrow();
    expect(() => parseBatchBody(body({ events: [{ topic: "a", data: "é2345678" }] }), limits)).toThrow("events[0]: data is larger than MAX_PAYLOAD_BYTES");
    expect(() => parseBatchBody(body({ events: Array(4).fill({ topic: "a", data: 1 }) }), limits)).toThrow(/MAX_BATCH_EVENTS/);
  });

  it("names a topic's events in its refusal, the first few of a long part", () => {
    const error = partRefusal({ topic: "t", inputs: [], indexes: [0, 2, 4, 6, 8, 10, 12] }, new HeraldError("rate_limited", "over", { "retry-after": "2" }));
    expect(error).toMatchObject({ code: "rate_limited", message: "events[0, 2, 4, 6, 8, ...] (topic t): over", headers: { "retry-after": "2" } });
  });
});
