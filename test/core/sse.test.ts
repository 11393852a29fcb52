import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { encodeFrame, encodeRetry, frameText, PING } from "../../src/core/sse.js";

function parse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

describe("sse framing", () => {
  it("writes id, event and data lines byte for byte", () => {
    expect(frameText({ id: "e-1", event: "update", data: "hi" })).toBe("id: e-1\nevent: update\ndata: hi\n\n");
    expect(frameText({ data: "only" })).toBe("data: only\n\n");
    expect(new TextDecoder().decode(encodeRetry(2000))).toBe("retry: 2000\n\n");
    expect(new TextDecoder().decode(PING)).toBe(": ping\n\n");
  });

  it("splits every kind of line break into data lines", () => {
    expect(frameText({ data: "a\r\nb\rc\nd" })).toBe("data: a\ndata: b\ndata: c\ndata: d\n\n");
    expect(frameText({ data: "" })).toBe("data: \n\n");
    expect(frameText({ data: "\n" })).toBe("data: \ndata: \n\n");
  });

  it("cannot be made to carry another field through data", () => {
    const events = parse(frameText({ id: "e-1", data: "x\nid: forged\nevent: forged\n\ndata: second" }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: "e-1", event: undefined, data: "x\nid: forged\nevent: forged\n\ndata: second" });
  });

  it("round-trips through a standard parser, with line breaks normalised to \\n", () => {
    const inputs = ["plain", " lead", "a\r\nb", "ü😀", "", "\r\n\r\n", "x".repeat(100_000)];
    const events = parse(inputs.map((data, i) => new TextDecoder().decode(encodeFrame({ id: `e-${i}`, data }))).join(""));
    expect(events.map((e) => e.data)).toEqual(inputs.map((data) => data.replace(/\r\n|\r/g, "\n")));
  });
});
