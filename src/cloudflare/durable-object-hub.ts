import type { Hub } from "../core/hub.js";
import type { PublishInput, SubscribeOptions } from "../core/topic-channel.js";
import type { TopicObject } from "./topic-object.js";
import { SUBSCRIBE_HEADERS } from "./topic-object.js";
import { reach, unwrap } from "./rpc.js";

/** The Worker's hub: every topic is the Durable Object named after it. */
export class DurableObjectHub implements Hub {
  constructor(private readonly topics: DurableObjectNamespace<TopicObject>) {}

  async publish(topic: string, input: PublishInput) {
    return unwrap(await reach(() => this.stub(topic).publish(topic, input)));
  }

  async stats(topic: string) {
    return unwrap(await reach(() => this.stub(topic).stats(topic)));
  }

  async subscribe(topic: string, { lastEventId, since, expiresAt, mux }: SubscribeOptions): Promise<Response> {
    const headers = new Headers({ [SUBSCRIBE_HEADERS.topic]: topic });
    if (lastEventId !== undefined) headers.set(SUBSCRIBE_HEADERS.lastEventId, lastEventId);
    if (since !== undefined) headers.set(SUBSCRIBE_HEADERS.since, String(since));
    if (expiresAt !== undefined) headers.set(SUBSCRIBE_HEADERS.expiresAt, String(expiresAt));
    if (mux) headers.set(SUBSCRIBE_HEADERS.mux, "1");
    const response = await reach(() => this.stub(topic).fetch("https://topic.internal/subscribe", { headers }));
    // A response from another object has immutable headers; CORS needs to add some.
    return new Response(response.body, response);
  }

  private stub(topic: string) {
    return this.topics.get(this.topics.idFromName(topic));
  }
}
