import type { PublishInput, PublishResult, SubscribeOptions, TopicStats } from "./topic-channel.js";

/**
 * Where the HTTP layer sends a topic's work once a request is authorized:
 * a Durable Object per topic on Workers, in-process topics on Node.
 * `subscribe` answers a Response because on Workers the stream is born in
 * another object and crosses to the Worker as a response body.
 */
export interface Hub {
  publish(topic: string, input: PublishInput): Promise<PublishResult>;
  subscribe(topic: string, options: SubscribeOptions): Promise<Response>;
  stats(topic: string): Promise<TopicStats>;
}
