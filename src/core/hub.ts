import type { TopicFrames } from "./browser-stream.js";
import type { PublishInput, PublishResult, SubscribeOptions, TopicStats } from "./topic-channel.js";

/**
 * Where the HTTP layer sends a topic's work once a request is authorized:
 * a Durable Object per topic on Workers, in-process topics on Node.
 */
export interface Hub {
  publish(topic: string, input: PublishInput): Promise<PublishResult>;
  /** The SSE stream of one topic, as the response to send. */
  subscribe(topic: string, options: SubscribeOptions): Promise<Response>;
  /**
   * One topic's frames for a stream the caller holds (browser-stream.ts):
   * its position first (after any gap notice), then replay and live events.
   */
  frames(topic: string, options: Omit<SubscribeOptions, "mux" | "expiresAt">): Promise<TopicFrames>;
  stats(topic: string): Promise<TopicStats>;
}
