import type { Rate } from "./rate-limits.js";
import type { StreamsPolicy } from "./stream-owners.js";

/**
 * Every setting Herald reads, its default and its parsing, in one place.
 * Both entries pass their raw string environment (Worker vars and secrets,
 * or Node's process.env) to `parseConfig`; README's configuration table
 * documents the same names.
 */
export interface Config {
  jwtSecret?: string;
  jwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  clockToleranceSeconds: number;
  publicTopics: string[];
  tokenCookie: string;
  historyLimit: number;
  historyTtlSeconds: number;
  heartbeatSeconds: number;
  retryMs: number;
  maxPayloadBytes: number;
  /** Events one batch publish (POST /publish) may carry. */
  maxBatchEvents: number;
  /** A batch publish's whole body, in bytes (each event's data is held to maxPayloadBytes too). */
  maxBatchBytes: number;
  maxSubscribersPerTopic: number;
  /** A subscriber with more live bytes than this unread is disconnected. */
  maxBufferedBytes: number;
  corsOrigins: string[];
  maxTopicsPerStream: number;
  /** Publishes a second per publisher (the token's `sub`, else the token itself), with a burst; 0: no limit. */
  publishRate: Rate;
  /** Publishes a second to one topic, whoever publishes; its burst is one second's worth. 0: no limit. */
  topicPublishRate: Rate;
  /** Open streams per token `sub`, across topics and both stream routes; 0: no limit. */
  maxStreamsPerUser: number;
  /** Past maxStreamsPerUser: refuse the new stream, or end the subject's oldest. */
  streamsPerUserPolicy: StreamsPolicy;
  /** Open streams without a subject per client address (IPv6: per /64); 0: no limit. */
  maxAnonStreamsPerIp: number;
  /** Topics whose subjects' first stream and last stream are announced (herald.join, herald.leave). */
  presenceTopics: string[];
  /** A subject's leave is announced only if it has not come back within this many seconds. */
  presenceGraceSeconds: number;
}

export type RawEnv = Record<string, unknown>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function text(env: RawEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === "" ? undefined : trimmed;
}

function integer(env: RawEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function choice<T extends string>(env: RawEnv, name: string, choices: readonly T[]): T {
  const raw = text(env, name);
  if (raw === undefined) return choices[0]!;
  const value = choices.find((c) => c === raw.toLowerCase());
  if (value === undefined) throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${raw}"`);
  return value;
}

function flag(env: RawEnv, name: string): boolean {
  const raw = text(env, name);
  if (raw === undefined) return false;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function list(env: RawEnv, name: string): string[] {
  return (text(env, name) ?? "")
    .split(/[\s,]+/)
    .filter((item) => item !== "");
}

const MIN_SECRET_BYTES = 32;

export function parseConfig(env: RawEnv): Config {
  const jwksUrl = text(env, "JWKS_URL");
  if (jwksUrl !== undefined && !URL.canParse(jwksUrl)) {
    throw new ConfigError(`JWKS_URL is not a URL: "${jwksUrl}"`);
  }
  const jwtSecret = text(env, "JWT_SECRET");
  if (jwtSecret !== undefined && new TextEncoder().encode(jwtSecret).length < MIN_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (HS256 keys shorter than the hash are guessable)`);
  }
  return {
    jwtSecret,
    jwksUrl,
    jwtIssuer: text(env, "JWT_ISSUER"),
    jwtAudience: text(env, "JWT_AUDIENCE"),
    clockToleranceSeconds: integer(env, "JWT_CLOCK_TOLERANCE_SECONDS", 5, 0, 300),
    publicTopics: list(env, "PUBLIC_TOPICS"),
    tokenCookie: text(env, "TOKEN_COOKIE") ?? "herald_token",
    historyLimit: integer(env, "HISTORY_LIMIT", 1000, 1, 1_000_000),
    historyTtlSeconds: integer(env, "HISTORY_TTL_SECONDS", 86_400, 1, 31_536_000),
    heartbeatSeconds: integer(env, "HEARTBEAT_SECONDS", 25, 1, 3600),
    retryMs: integer(env, "RETRY_MS", 2000, 0, 3_600_000),
    maxPayloadBytes: integer(env, "MAX_PAYLOAD_BYTES", 65_536, 1, 16_777_216),
    maxBatchEvents: integer(env, "MAX_BATCH_EVENTS", 100, 1, 10_000),
    // Workers RPC carries at most 32 MiB a call: a batch's part for one topic goes in one.
    maxBatchBytes: integer(env, "MAX_BATCH_BYTES", 1_048_576, 1024, 16_777_216),
    maxSubscribersPerTopic: integer(env, "MAX_SUBSCRIBERS_PER_TOPIC", 10_000, 1, 10_000_000),
    maxBufferedBytes: integer(env, "MAX_BUFFERED_BYTES", 262_144, 1024, 1_073_741_824),
    corsOrigins: list(env, "CORS_ORIGINS"),
    maxTopicsPerStream: integer(env, "MAX_TOPICS_PER_STREAM", 32, 1, 1000),
    publishRate: publishRate(env),
    topicPublishRate: rateOf(integer(env, "TOPIC_PUBLISH_RATE", 0, 0, 1_000_000)),
    maxStreamsPerUser: integer(env, "MAX_STREAMS_PER_USER", 0, 0, 1_000_000),
    streamsPerUserPolicy: choice(env, "STREAMS_PER_USER_POLICY", ["refuse", "replace"] as const),
    maxAnonStreamsPerIp: integer(env, "MAX_ANON_STREAMS_PER_IP", 0, 0, 1_000_000),
    presenceTopics: list(env, "PRESENCE_TOPICS"),
    presenceGraceSeconds: integer(env, "PRESENCE_GRACE_SECONDS", 10, 0, 3600),
  };
}

function rateOf(rate: number, burst = rate): Rate {
  return { rate, burst: Math.max(burst, 1) };
}

function publishRate(env: RawEnv): Rate {
  const rate = integer(env, "PUBLISH_RATE", 0, 0, 1_000_000);
  return rateOf(rate, integer(env, "PUBLISH_BURST", Math.max(rate, 1), 1, 10_000_000));
}

/**
 * Settings only the Worker reads: when one topic's streams spread over relay
 * objects (docs/edge.md, Relays). The topic's object holds `relayAfter`
 * streams itself; past that each new stream goes to a relay, which also takes
 * `relayAfter` (at least one) before the next is opened, up to `maxRelays`;
 * then to the least loaded. 0 relays: never relay.
 */
export interface EdgeConfig {
  relayAfter: number;
  maxRelays: number;
}

export function parseEdgeConfig(env: RawEnv): EdgeConfig {
  return {
    relayAfter: integer(env, "RELAY_AFTER", 1000, 0, 32_000),
    maxRelays: integer(env, "MAX_RELAYS", 100, 0, 1000),
  };
}

/** Settings only the Node entry reads: where it listens and stores, its process-wide cap, whom it trusts. */
export interface ServerConfig {
  host: string;
  port: number;
  database: string;
  maxConnections: number;
  /** A proxy in front: the client's address is the last one X-Forwarded-For names, not the socket's. */
  trustProxy: boolean;
}

export function parseServerConfig(env: RawEnv): ServerConfig {
  return {
    host: text(env, "HOST") ?? "127.0.0.1",
    port: integer(env, "PORT", 8080, 0, 65_535),
    database: text(env, "HERALD_DB") ?? "./data/herald.db",
    maxConnections: integer(env, "MAX_CONNECTIONS", 10_000, 1, 10_000_000),
    trustProxy: flag(env, "TRUST_PROXY"),
  };
}
