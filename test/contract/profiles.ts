/**
 * The hub configurations the behavioural suite runs under, as the raw
 * string environment both entries read. `standard` is close to the
 * defaults; `tight` has small limits so retention and refusals are quick
 * to reach. JWKS_URL is filled in by each runner (it serves the key set).
 */
export const TEST_SECRET = "test-secret-that-is-at-least-32-bytes-long";

const standard = {
  JWT_SECRET: TEST_SECRET,
  PUBLIC_TOPICS: "public:*,news",
  // Joins and leaves announced on room:* topics, a leave after one second away.
  PRESENCE_TOPICS: "room:*",
  PRESENCE_GRACE_SECONDS: "1",
  HEARTBEAT_SECONDS: "1",
  CORS_ORIGINS: "https://app.example",
  JWT_ISSUER: "",
  JWT_AUDIENCE: "",
};

export const PROFILES = {
  standard,
  /** Workers only: the standard profile with every stream on a relay, over two relays. */
  relayed: { ...standard, RELAY_AFTER: "0", MAX_RELAYS: "2" },
  /** Publish rates small enough to pass in a test: 3 at once then 2 a second per publisher, 4 a second per topic. */
  rated: { ...standard, PUBLISH_RATE: "2", PUBLISH_BURST: "3", TOPIC_PUBLISH_RATE: "4" },
  /**
   * Two streams per user, refused past that, and two anonymous streams per
   * address (on Node behind a trusted proxy: the tests name each client's
   * address in X-Forwarded-For; on Workers in CF-Connecting-IP).
   */
  streams: { ...standard, MAX_STREAMS_PER_USER: "2", MAX_ANON_STREAMS_PER_IP: "2", TRUST_PROXY: "true" },
  /** Two streams per user, the oldest ended past that. */
  replacing: { ...standard, MAX_STREAMS_PER_USER: "2", STREAMS_PER_USER_POLICY: "replace" },
  tight: {
    JWT_SECRET: TEST_SECRET,
    HISTORY_LIMIT: "5",
    HISTORY_TTL_SECONDS: "2",
    MAX_SUBSCRIBERS_PER_TOPIC: "2",
    MAX_PAYLOAD_BYTES: "1024",
    MAX_BUFFERED_BYTES: "4096",
    HEARTBEAT_SECONDS: "25",
    JWT_ISSUER: "https://issuer.test",
    JWT_AUDIENCE: "herald-test",
  },
} as const;

export type ProfileName = keyof typeof PROFILES;

/** Where runners serve the test key set; a runner may rewrite the host. */
export const JWKS_PATH = "/.well-known/jwks.json";
