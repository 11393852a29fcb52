import type { RelayObject } from "./relay-object.js";
import type { TopicObject } from "./topic-object.js";

/** The Worker's bindings: configuration vars and secrets, the topics and their relays. */
export interface Env {
  TOPICS: DurableObjectNamespace<TopicObject>;
  RELAYS: DurableObjectNamespace<RelayObject>;
  [setting: string]: unknown;
}
