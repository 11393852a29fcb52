/** The topic list of a connection: trimmed, without repeats, never empty (`/stream` needs one). */
export function normalizeTopics(topics: readonly string[]): string[] {
  const unique = [...new Set(topics.map((topic) => topic.trim()).filter((topic) => topic !== ""))];
  if (unique.length === 0) throw new TypeError("a Herald connection needs at least one topic (close() it instead)");
  return unique;
}

export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((topic) => b.includes(topic));
}
