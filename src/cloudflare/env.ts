import type { TopicObject } from "./topic-object.js";

/** The Worker's bindings: configuration vars and secrets, and the topics. */
export interface Env {
  TOPICS: DurableObjectNamespace<TopicObject>;
  [setting: string]: unknown;
}
