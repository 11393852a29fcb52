import { createParser, type EventSourceMessage } from "eventsource-parser";
import { expect } from "vitest";
import { subscribeRaw, type Target } from "../contract/harness.js";

/**
 * Subscribers that hang up and come back, as browsers do, each keeping
 * what it received across its reconnects: the tests of the edge under
 * overload and of relays check every chain for every event exactly once.
 */
export const seqOf = (id: string) => Number(id.slice(id.lastIndexOf("-") + 1));

/** One subscriber across its reconnects: what it received, segment by segment. */
export interface Chain {
  seqs: number[];
  gaps: number;
  resumes: number;
  lastEventId?: string;
}

/**
 * Reads a topic as a reconnecting client would, hanging up on its own at
 * random (and with `pauses`, pausing now and then long enough to be dropped
 * by the hub's slow-reader bound); it resumes with its last id (half in the header, half in
 * the query) until it has `lastSeq`.
 */
export async function follow(
  target: Target,
  topic: string,
  lastSeq: () => number | undefined,
  deadline: number,
  random: () => number,
  { pauses = false }: { pauses?: boolean } = {},
): Promise<Chain> {
  const chain: Chain = { seqs: [], gaps: 0, resumes: -1 };
  while (Date.now() < deadline) {
    const last = lastSeq();
    if (last !== undefined && chain.seqs.at(-1) === last) return chain;
    chain.resumes++;
    const byQuery = random() < 0.5 && chain.lastEventId !== undefined;
    const response = await subscribeRaw(target, topic, {
      lastEventId: byQuery ? undefined : chain.lastEventId,
      query: byQuery ? { lastEventId: chain.lastEventId! } : undefined,
    });
    expect(response.status).toBe(200);
    await readSegment(response, chain, random, lastSeq, pauses);
  }
  throw new Error(`a subscriber did not catch up in time: ${JSON.stringify({ ...chain, seqs: chain.seqs.slice(-5) })}`);
}

async function readSegment(response: Response, chain: Chain, random: () => number, lastSeq: () => number | undefined, pauses: boolean): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent: (event: EventSourceMessage) => {
      if (event.event === "herald.gap") chain.gaps++;
      else chain.seqs.push(seqOf(event.id!));
    },
    onId: (id) => (chain.lastEventId = id),
  });
  const hangUpAfter = random() < 0.3 ? 1 + Math.floor(random() * 20) : Infinity;
  const startedWith = chain.seqs.length;
  try {
    for (;;) {
      if (pauses && random() < 0.05) await new Promise((resolve) => setTimeout(resolve, 400));
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      if (chain.seqs.length - startedWith >= hangUpAfter) return void (await reader.cancel());
      if (lastSeq() !== undefined && chain.seqs.at(-1) === lastSeq()) return void (await reader.cancel());
    }
  } catch {
    // Dropped by the hub: the stream errors, and the client resumes.
  }
}

/** A small seeded generator, so a failing run can be repeated. */
export function seeded(seed: number): () => number {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}


/** A chain started live at some point at or after `firstSeq`, then missed nothing and repeated nothing through `finalSeq`. */
export function expectEveryEventOnce(chain: Chain, firstSeq: number, finalSeq: number): void {
  expect(chain.gaps).toBe(0);
  const start = chain.seqs[0]!;
  expect(start).toBeGreaterThanOrEqual(firstSeq);
  expect(chain.seqs).toEqual(Array.from({ length: finalSeq - start + 1 }, (_, i) => start + i));
}
