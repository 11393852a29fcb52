import type { PublisherObject } from "./publisher-object.js";
import type { RelayObject } from "./relay-object.js";
import type { StreamOwnerObject } from "./stream-owner-object.js";
import type { TopicObject } from "./topic-object.js";

/** The Worker's bindings: configuration vars and secrets, the topics, their relays, the publishers' rates, the stream owners' counts. */
export interface Env {
  TOPICS: DurableObjectNamespace<TopicObject>;
  RELAYS: DurableObjectNamespace<RelayObject>;
  /** One object per publisher, counting its publishes when PUBLISH_RATE is set. */
  PUBLISHERS: DurableObjectNamespace<PublisherObject>;
  /** One object per stream owner (a token's subject, an anonymous address), counting its streams when MAX_STREAMS_PER_USER or MAX_ANON_STREAMS_PER_IP is set. */
  STREAM_OWNERS: DurableObjectNamespace<StreamOwnerObject>;
  [setting: string]: unknown;
}
