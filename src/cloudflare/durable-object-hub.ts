import { openBrowserStream, type Every, type TopicFrames } from "../core/browser-stream.js";
import type { Config } from "../core/config.js";
import { HeraldError } from "../core/errors.js";
import type { HistoryQuery } from "../core/event-log.js";
import { partRefusal, type BatchPart, type PartOutcome } from "../core/publish-batch.js";
import type { FramesOptions, Hub, StreamOptions } from "../core/hub.js";
import { SSE_HEADERS } from "../core/sse.js";
import type { PublishInput } from "../core/topic-channel.js";
import { connectTopic, type TopicNamespaces } from "./topic-connection.js";
import { reach, unwrap } from "./rpc.js";
import { PING_EVERY_BEATS } from "./topic-wire.js";

/**
 * The Worker's hub: every topic is the Durable Object named after it. The
 * Worker holds each browser's stream itself (browser-stream.ts) and reaches
 * each of its topics over a WebSocket (to the topic's object, or to one of
 * its relays), so the objects can hibernate.
 */
export class DurableObjectHub implements Hub {
  constructor(
    private readonly namespaces: TopicNamespaces,
    private readonly config: Config,
    private readonly every: Every,
  ) {}

  async publish(topic: string, input: PublishInput) {
    return unwrap(await reach(() => this.stub(topic).publish(topic, input)));
  }

  /** Each topic's part to its object in one call, the topics at once; a part that fails leaves the others stored. */
  async publishBatch(parts: BatchPart[]): Promise<PartOutcome[]> {
    return Promise.all(
      parts.map(async (part): Promise<PartOutcome> => {
        try {
          return { ok: true, results: unwrap(await reach(() => this.stub(part.topic).publishMany(part.topic, part.inputs))) };
        } catch (error) {
          if (error instanceof HeraldError) return { ok: false, error: partRefusal(part, error) };
          // The other parts' answer must still be given: this one is a fault, told as such.
          console.error("herald: unexpected error", error);
          return { ok: false, error: partRefusal(part, new HeraldError("internal", "internal error")) };
        }
      }),
    );
  }

  async stats(topic: string) {
    return unwrap(await reach(() => this.stub(topic).stats(topic)));
  }

  async presence(topic: string) {
    return unwrap(await reach(() => this.stub(topic).presence(topic)));
  }

  async history(topic: string, query: HistoryQuery) {
    return unwrap(await reach(() => this.stub(topic).history(topic, query)));
  }

  async subscribe(topic: string, { expiresAt, slot, ...start }: StreamOptions): Promise<Response> {
    const frames = await this.frames(topic, start);
    const stream = await openBrowserStream([{ topic, frames }], { config: this.config, cursor: false, expiresAt, every: this.every, slot });
    return new Response(stream, { headers: SSE_HEADERS });
  }

  frames(topic: string, options: FramesOptions): Promise<TopicFrames> {
    return connectTopic(this.namespaces, topic, options, PING_EVERY_BEATS * this.config.heartbeatSeconds * 1000);
  }

  private stub(topic: string) {
    return this.namespaces.TOPICS.get(this.namespaces.TOPICS.idFromName(topic));
  }
}
