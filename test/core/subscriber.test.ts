import { describe, expect, it } from "vitest";
import type { CloseReason } from "../../src/core/sink.js";
import { Subscriber } from "../../src/core/subscriber.js";

const bytes = (n: number) => new Uint8Array(n).fill(46);
const ping = bytes(8);

function subscriber(maxBufferedBytes = 1024, initial: Uint8Array[] = []) {
  const closed: CloseReason[] = [];
  const s = new Subscriber({ initial, maxBufferedBytes, onClose: (_, reason) => closed.push(reason) });
  return { s, closed, reader: s.stream.getReader() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("subscriber", () => {
  it("queues the initial bytes and then live ones, in order, and a read takes all that waits", async () => {
    const numbered = (n: number) => new Uint8Array([n, n]);
    const { s, reader } = subscriber(1024, [numbered(1), numbered(2)]);
    expect(s.send(numbered(3))).toBe(true);
    expect([...(await reader.read()).value!]).toEqual([1, 1, 2, 2, 3, 3]);
    const next = reader.read();
    expect(s.send(numbered(4))).toBe(true);
    expect([...(await next).value!]).toEqual([4, 4]);
  });

  it("drops a reader whose unread live bytes pass the bound, and errors its stream", async () => {
    const { s, closed, reader } = subscriber(1024, [bytes(5000)]);
    expect(s.send(bytes(1000))).toBe(true);
    expect(s.send(bytes(100))).toBe(false);
    expect(s.isOpen).toBe(false);
    expect(closed).toEqual(["slow"]);
    await expect(reader.read()).rejects.toThrow(/stopped reading/);
  });

  it("drops a reader that read nothing through a whole heartbeat, keeps one that reads", async () => {
    const stalled = subscriber(1024, [bytes(10)]);
    const live = subscriber(1024, [bytes(10)]);
    for (const { s } of [stalled, live]) s.beat(ping);
    expect(stalled.s.isOpen).toBe(true);
    await live.reader.read();
    await tick();
    for (const { s } of [stalled, live]) s.beat(ping);
    expect(stalled.closed).toEqual(["stalled"]);
    expect(live.s.isOpen).toBe(true);
    await live.reader.read();
    live.s.beat(ping);
    expect(live.s.isOpen).toBe(true);
  });

  it("keeps a reader that keeps reading, however quiet the topic", async () => {
    const { s, reader } = subscriber();
    let received = 0;
    void (async () => {
      while (!(await reader.read()).done) received++;
    })();
    for (let i = 0; i < 4; i++) {
      s.beat(ping);
      await tick();
    }
    expect(s.isOpen).toBe(true);
    expect(received).toBe(4);
  });

  it("reports a cancelled stream as a client that left, once", async () => {
    const { s, closed, reader } = subscriber();
    await reader.cancel();
    expect(closed).toEqual(["client"]);
    expect(s.send(bytes(1))).toBe(false);
    s.end("shutdown");
    expect(closed).toEqual(["client"]);
  });

  it("ends cleanly with a last notice after what is queued", async () => {
    const { s, closed, reader } = subscriber();
    s.send(bytes(1));
    s.end("expired", bytes(2));
    expect((await reader.read()).value!.byteLength).toBe(3);
    expect((await reader.read()).done).toBe(true);
    expect(closed).toEqual(["expired"]);
  });
});
