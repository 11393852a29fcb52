import type { TopicFrames } from "./browser-stream.js";
import type { HistoryPage, HistoryQuery, StartAt } from "./event-log.js";
import type { BatchPart, PartOutcome } from "./publish-batch.js";
import type { PresenceAnswer } from "./presence.js";
import type { StreamSlot } from "./stream-owners.js";
import type { PublishInput, PublishResult, SubscribeOptions, TopicStats } from "./topic-channel.js";

/** Where a topic's frames start (its Last-Event-ID, or `since`, or its `last` n events), and whose stream it is. */
export type FramesOptions = StartAt & { subject?: string };

/** A browser's stream of one topic: where it starts, when its token expires, and its owner's count. */
export interface StreamOptions extends SubscribeOptions {
  slot?: StreamSlot;
}

/**
 * Where the HTTP layer sends a topic's work once a request is authorized:
 * a Durable Object per topic on Workers, in-process topics on Node.
 */
export interface Hub {
  publish(topic: string, input: PublishInput): Promise<PublishResult>;
  /**
   * A batch's parts, each topic's events stored together and in order, or
   * refused together; an outcome per part. On Node the whole batch is one
   * commit (it throws, storing nothing, if any part is refused); on Workers
   * each part is its topic's object's, so some parts may be stored and
   * others not.
   */
  publishBatch(parts: BatchPart[]): Promise<PartOutcome[]>;
  /** The SSE stream of one topic, as the response to send. */
  subscribe(topic: string, options: StreamOptions): Promise<Response>;
  /**
   * One topic's frames for a stream the caller holds (browser-stream.ts):
   * its position first (after any gap notice), then replay and live events.
   */
  frames(topic: string, options: FramesOptions): Promise<TopicFrames>;
  stats(topic: string): Promise<TopicStats>;
  /** Who has a stream open on the topic, on every part of it (on Workers, its relays too). */
  presence(topic: string): Promise<PresenceAnswer>;
  /** A page of the topic's retained events, only ever what is stored. */
  history(topic: string, query: HistoryQuery): Promise<HistoryPage>;
}
