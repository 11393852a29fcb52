import { describe, expect, it } from "vitest";
import { TopicSocket } from "../../src/cloudflare/topic-socket.js";
import { MAX_MESSAGE_BYTES } from "../../src/cloudflare/topic-wire.js";

/** What the Worker's end of a real WebSocket pair receives from a TopicSocket. */
async function received(chunks: Uint8Array[], send: (socket: TopicSocket, chunks: Uint8Array[]) => void = (s, c) => s.sendAll(c)): Promise<string[]> {
  const [worker, object] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  worker.accept();
  object.accept();
  const messages: string[] = [];
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  let bytes = 0;
  const all = new Promise<void>((resolve) =>
    worker.addEventListener("message", ({ data }) => {
      messages.push(data as string);
      bytes += new TextEncoder().encode(data as string).byteLength;
      if (bytes >= total) resolve();
    }),
  );
  // Flushed at once: what is under test is how the queued chunks become messages.
  const socket = new TopicSocket(object, Date.now(), { markDirty: (dirty) => queueMicrotask(() => dirty.flush()) }, () => {});
  send(socket, chunks);
  await all;
  return messages;
}

describe("a topic's socket", () => {
  const encoder = new TextEncoder();
  // One frame over the cap, of three- and four-byte characters, and a few small ones around it.
  const big = encoder.encode(`id: e-2\ndata: ${"€😀".repeat(Math.ceil((MAX_MESSAGE_BYTES * 1.5) / 7))}\n\n`);
  const small = (n: number) => encoder.encode(`id: e-${n}\ndata: ${"é".repeat(1000)}\n\n`);
  const sendOneByOne = (socket: TopicSocket, chunks: Uint8Array[]) => chunks.forEach((chunk) => socket.send(chunk));

  it.each([
    ["a replay", undefined],
    ["live events", sendOneByOne],
  ])("sends %s in messages under the platform's cap, cut between characters, that join back to the frames", async (_, send) => {
    const chunks = [small(1), big, small(3), small(4)];
    const messages = await received(chunks, send);
    expect(messages.length).toBeGreaterThan(2);
    for (const message of messages) {
      expect(encoder.encode(message).byteLength).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      expect(message).not.toContain("\uFFFD");
    }
    expect(messages.join("")).toBe(new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))));
  });
});
