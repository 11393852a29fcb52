import type { OwnerRule, StreamsPolicy } from "../core/stream-owners.js";

/**
 * What the Worker and an owner's object (stream-owner-object.ts) say to each
 * other: each open browser stream that counts against a limit
 * (MAX_STREAMS_PER_USER, MAX_ANON_STREAMS_PER_IP) holds one WebSocket to its
 * owner's object, opened with `Upgrade: websocket` and these headers, which
 * the object answers with 101, or with a JSON refusal (`too_many_streams`).
 * The Worker sends PING every few heartbeats (topic-wire.ts), which the
 * platform answers without waking the object, and under the policy
 * `replace` HELD once its stream is open: only then does the object close
 * the owner's oldest sockets past the limit, with REPLACED_CLOSE, so a
 * stream that failed to open replaces none. The Worker closes its socket
 * when its stream ends.
 */
export const OWNER_HEADERS = {
  owner: "x-herald-owner",
  limit: "x-herald-limit",
  policy: "x-herald-policy",
  /** A probe's check: the object answers 204 or its refusal, and keeps no socket. */
  check: "x-herald-check",
} as const;

/** In the range RFC 6455 leaves to applications. */
export const REPLACED_CLOSE = 4001;

export const HELD = "held";

export function ruleHeaders(rule: OwnerRule): Record<string, string> {
  return { upgrade: "websocket", [OWNER_HEADERS.owner]: rule.owner, [OWNER_HEADERS.limit]: String(rule.limit), [OWNER_HEADERS.policy]: rule.policy };
}

export function ruleOf(headers: Headers): OwnerRule {
  const owner = headers.get(OWNER_HEADERS.owner);
  const limit = Number(headers.get(OWNER_HEADERS.limit));
  const policy = headers.get(OWNER_HEADERS.policy) as StreamsPolicy;
  if (owner === null || !Number.isInteger(limit) || limit < 1 || (policy !== "refuse" && policy !== "replace")) {
    throw new Error("StreamOwnerObject was reached without an owner, a limit and a policy");
  }
  return { owner, limit, policy };
}
