import { HeraldError } from "./errors.js";

/** Topic names are safe in URLs, SQL keys and log lines without escaping. */
const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

export function assertTopicName(topic: string): string {
  if (!TOPIC_NAME.test(topic)) {
    throw new HeraldError(
      "bad_topic",
      "topic must match [A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}",
    );
  }
  return topic;
}

/**
 * A pattern is an exact topic, a prefix ending in `*` (`orders:*` matches
 * `orders:1` but not `orders`), or `*` alone for every topic.
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) {
    return topic.startsWith(pattern.slice(0, -1));
  }
  return pattern === topic;
}

export function anyMatches(patterns: readonly string[], topic: string): boolean {
  return patterns.some((pattern) => topicMatches(pattern, topic));
}
