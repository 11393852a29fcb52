import type { PublisherObject } from "./publisher-object.js";
import type { RelayObject } from "./relay-object.js";
import type { TopicObject } from "./topic-object.js";

/** The Worker's bindings: configuration vars and secrets, the topics, their relays, the publishers' rates. */
export interface Env {
  TOPICS: DurableObjectNamespace<TopicObject>;
  RELAYS: DurableObjectNamespace<RelayObject>;
  /** One object per publisher, counting its publishes when PUBLISH_RATE is set. */
  PUBLISHERS: DurableObjectNamespace<PublisherObject>;
  [setting: string]: unknown;
}
