import type { ConnectionState, HeraldClient, HeraldClientError, HeraldEvent, HeraldGap } from "../../src/client/index.js";

/** Everything a client reported, in order, with bounded waits on it. */
export class Recorder {
  readonly events: HeraldEvent[] = [];
  readonly states: ConnectionState[] = [];
  readonly gaps: HeraldGap[] = [];
  readonly errors: HeraldClientError[] = [];

  constructor(readonly client: HeraldClient) {
    client.onAny((event) => this.events.push(event));
    client.onState((state) => this.states.push(state));
    client.onGap((gap) => this.gaps.push(gap));
    client.onError((error) => this.errors.push(error));
  }

  /** The data of the application events of `topic`, in arrival order. */
  dataOf(topic: string): string[] {
    return this.events.filter((e) => e.topic === topic && !e.event.startsWith("herald.")).map((e) => e.data);
  }

  /** Waits until `ready()` holds, at most `ms`. */
  async until(ready: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (Date.now() > deadline) {
        const seen = this.events.map((e) => `${e.event}:${e.topic}:${e.data}`);
        throw new Error(`timed out after ${ms} ms waiting for ${what}; state ${this.client.state}, errors ${this.errors.map((e) => e.message)}, events ${seen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  untilOpen(ms?: number): Promise<void> {
    return this.until(() => this.client.state === "open", "the connection to open", ms);
  }

  untilData(topic: string, count: number, ms?: number): Promise<void> {
    return this.until(() => this.dataOf(topic).length >= count, `${count} event(s) of ${topic}`, ms);
  }
}

/** ["1", "2", ..., "n"]: the data of n events published as the numbers 1..n. */
export function numbers(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}
