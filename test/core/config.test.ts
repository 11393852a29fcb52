import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, parseEdgeConfig, parseServerConfig } from "../../src/core/config.js";

describe("config", () => {
  it("has the documented defaults", () => {
    expect(parseConfig({})).toEqual({
      jwtSecret: undefined,
      jwksUrl: undefined,
      jwtIssuer: undefined,
      jwtAudience: undefined,
      clockToleranceSeconds: 5,
      publicTopics: [],
      tokenCookie: "herald_token",
      historyLimit: 1000,
      historyTtlSeconds: 86400,
      heartbeatSeconds: 25,
      retryMs: 2000,
      maxPayloadBytes: 65536,
      maxBatchEvents: 100,
      maxBatchBytes: 1048576,
      maxSubscribersPerTopic: 10000,
      maxBufferedBytes: 262144,
      corsOrigins: [],
      maxTopicsPerStream: 32,
      publishRate: { rate: 0, burst: 1 },
      topicPublishRate: { rate: 0, burst: 1 },
      maxStreamsPerUser: 0,
      streamsPerUserPolicy: "refuse",
      maxAnonStreamsPerIp: 0,
      presenceTopics: [],
      presenceGraceSeconds: 10,
    });
    expect(parseEdgeConfig({})).toEqual({ relayAfter: 1000, maxRelays: 100 });
    expect(parseServerConfig({})).toMatchObject({ trustProxy: false });
  });

  it("reads the stream limits, their policy and whether a proxy is trusted", () => {
    expect(parseConfig({ MAX_STREAMS_PER_USER: "3", STREAMS_PER_USER_POLICY: "Replace", MAX_ANON_STREAMS_PER_IP: "20" })).toMatchObject({
      maxStreamsPerUser: 3,
      streamsPerUserPolicy: "replace",
      maxAnonStreamsPerIp: 20,
    });
    expect(() => parseConfig({ STREAMS_PER_USER_POLICY: "kick" })).toThrow('STREAMS_PER_USER_POLICY must be one of refuse, replace, got "kick"');
    expect(() => parseConfig({ MAX_STREAMS_PER_USER: "-1" })).toThrow(/MAX_STREAMS_PER_USER/);
    expect(parseServerConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(parseServerConfig({ TRUST_PROXY: "0" }).trustProxy).toBe(false);
    expect(() => parseServerConfig({ TRUST_PROXY: "sometimes" })).toThrow('TRUST_PROXY must be true or false, got "sometimes"');
  });

  it("reads publish rates, the burst defaulting to one second's worth", () => {
    expect(parseConfig({ PUBLISH_RATE: "5" }).publishRate).toEqual({ rate: 5, burst: 5 });
    expect(parseConfig({ PUBLISH_RATE: "5", PUBLISH_BURST: "20", TOPIC_PUBLISH_RATE: "100" })).toMatchObject({
      publishRate: { rate: 5, burst: 20 },
      topicPublishRate: { rate: 100, burst: 100 },
    });
    expect(() => parseConfig({ PUBLISH_BURST: "0" })).toThrow(/PUBLISH_BURST/);
    expect(() => parseEdgeConfig({ MAX_RELAYS: "-1" })).toThrow(/MAX_RELAYS/);
  });

  it("parses lists and numbers", () => {
    const config = parseConfig({ PUBLIC_TOPICS: "news, status:*", HISTORY_LIMIT: "10", CORS_ORIGINS: "https://a.example https://b.example" });
    expect(config.publicTopics).toEqual(["news", "status:*"]);
    expect(config.historyLimit).toBe(10);
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("refuses nonsense with a message naming the setting", () => {
    expect(() => parseConfig({ HISTORY_LIMIT: "lots" })).toThrow(ConfigError);
    expect(() => parseConfig({ HISTORY_LIMIT: "0" })).toThrow(/HISTORY_LIMIT/);
    expect(() => parseConfig({ JWT_SECRET: "short" })).toThrow(/JWT_SECRET/);
    expect(() => parseConfig({ JWKS_URL: "not a url" })).toThrow(/JWKS_URL/);
  });
});
