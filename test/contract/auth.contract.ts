import { SignJWT, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  mint,
  mintWithJwk,
  profileClaims,
  publish,
  publishOk,
  subscribe,
  subscribeMuxRaw,
  subscribeRaw,
  tokenFor,
  uniqueTopic,
  type TargetSource,
} from "./harness.js";

async function expectRefusal(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  expect(await response.json()).toMatchObject({ error, message: expect.any(String) });
  if (status === 401) expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="herald"/);
}

function unsigned(claims: Record<string, unknown>): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

/** Who may read and write which topic, and with which tokens. */
export function authContract(targetOf: TargetSource): void {
  describe("auth", () => {
    const future = () => Math.floor(Date.now() / 1000) + 600;

    it("refuses a stream without a token on a non-public topic (401)", async () => {
      await expectRefusal(await subscribeRaw(targetOf(), uniqueTopic(), { token: null }), 401, "unauthorized");
    });

    it("refuses expired, wrongly signed, unsigned and exp-less tokens (401)", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const herald = { subscribe: ["*"], publish: ["*"] };
      const bad = [
        await mint({ herald, exp: Math.floor(Date.now() / 1000) - 60 }, { omitExp: true }),
        await mint({ herald }, { secret: "another-secret-that-is-at-least-32-bytes" }),
        await mint({ herald }, { omitExp: true }),
        unsigned({ herald, exp: future() }),
        await new SignJWT({ herald }).setProtectedHeader({ alg: "HS512" }).setExpirationTime("5m")
          .sign(new TextEncoder().encode("test-secret-that-is-at-least-32-bytes-long".repeat(2))),
        "not.a.jwt",
      ];
      for (const token of bad) {
        await expectRefusal(await subscribeRaw(target, topic, { token }), 401, "invalid_token");
        await expectRefusal(await publish(target, topic, { data: 1 }, { token }), 401, "invalid_token");
      }
    });

    it("refuses a stream to a token whose exp has passed, even within the clock tolerance", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      // Two seconds ago: inside JWT_CLOCK_TOLERANCE_SECONDS (5), but its stream would end at once.
      const token = await mint({ herald: { subscribe: ["*"] }, exp: Math.floor(Date.now() / 1000) - 2 }, { omitExp: true });
      await expectRefusal(await subscribeRaw(target, topic, { token }), 401, "invalid_token");
      await expectRefusal(await subscribeMuxRaw(target, [topic], { token }), 401, "invalid_token");
    });

    it("refuses an HS256 token signed with the JWKS public key (algorithm confusion)", async () => {
      const target = targetOf();
      const { d: _private, ...publicJwk } = target.privateJwks[0] as JWK & { d?: string };
      const token = await new SignJWT({ herald: { publish: ["*"] } })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
      await expectRefusal(await publish(target, uniqueTopic(), { data: 1 }, { token }), 401, "invalid_token");
    });

    it("accepts RS256, ES256 and EdDSA tokens from JWKS_URL", async () => {
      const target = targetOf();
      expect(target.privateJwks.map((jwk) => jwk.alg)).toEqual(["RS256", "ES256", "EdDSA"]);
      for (const jwk of target.privateJwks) {
        const topic = uniqueTopic("orders:");
        const token = await mintWithJwk({ herald: { subscribe: [topic], publish: [topic] } }, jwk, jwk.alg!);
        const stream = await subscribe(target, topic, { token });
        expect((await publish(target, topic, { data: jwk.alg }, { token })).status).toBe(201);
        expect((await stream.next()).data).toBe(jwk.alg);
      }
    });

    it("refuses a token without the right herald claim (403)", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const none = await tokenFor(target, {});
      await expectRefusal(await subscribeRaw(target, topic, { token: none }), 403, "forbidden");
      await expectRefusal(await publish(target, topic, { data: 1 }, { token: none }), 403, "forbidden");
      const readOnly = await tokenFor(target, { subscribe: [topic] });
      await expectRefusal(await publish(target, topic, { data: 1 }, { token: readOnly }), 403, "forbidden");
      const malformed = await mint({ herald: { subscribe: "*" } });
      await expectRefusal(await subscribeRaw(target, topic, { token: malformed }), 401, "invalid_token");
    });

    it("matches patterns: exact, prefix*, and * alone", async () => {
      const target = targetOf();
      const token = await tokenFor(target, { subscribe: ["orders:*", "exact"] });
      expect((await subscribeRaw(target, "orders:1", { token })).status).toBe(200);
      await expectRefusal(await subscribeRaw(target, "orders", { token }), 403, "forbidden");
      expect((await subscribeRaw(target, "exact", { token })).status).toBe(200);
      await expectRefusal(await subscribeRaw(target, "exactly", { token }), 403, "forbidden");
      const all = await tokenFor(target, { subscribe: ["*"] });
      expect((await subscribeRaw(target, "anything.at:all", { token: all })).status).toBe(200);
    });

    it("lets sub alice subscribe to user:alice, but not publish there or read user:bob", async () => {
      const target = targetOf();
      const token = await tokenFor(target, {}, { sub: "alice" });
      const stream = await subscribe(target, "user:alice", { token });
      await expectRefusal(await subscribeRaw(target, "user:bob", { token }), 403, "forbidden");
      await expectRefusal(await publish(target, "user:alice", { data: 1 }, { token }), 403, "forbidden");
      await publishOk(target, "user:alice", { data: "for alice" });
      expect((await stream.next()).data).toBe("for alice");
    });

    it("takes a subscriber's token from the header, ?token= or the cookie", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const token = await tokenFor(target, { subscribe: [topic] });
      const fromQuery = await subscribe(target, topic, { token: null, query: { token } });
      const fromCookie = await subscribe(target, topic, { token: null, headers: { cookie: `other=1; herald_token=${token}` } });
      const fromHeader = await subscribe(target, topic, { token });
      await publishOk(target, topic, { data: "all three" });
      for (const stream of [fromQuery, fromCookie, fromHeader]) expect((await stream.next()).data).toBe("all three");
    });

    it("never publishes with a token from ?token= or a cookie", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const token = await tokenFor(target, { publish: ["*"] });
      const viaQuery = await target.fetch(`/topics/${topic}?token=${token}`, { method: "POST", body: "x" });
      await expectRefusal(viaQuery, 401, "unauthorized");
      const viaCookie = await target.fetch(`/topics/${topic}`, { method: "POST", body: "x", headers: { cookie: `herald_token=${token}` } });
      await expectRefusal(viaCookie, 401, "unauthorized");
    });

    it("lets anyone subscribe to PUBLIC_TOPICS without a token, but never publish", async () => {
      const target = targetOf();
      const topic = uniqueTopic("public:");
      const stream = await subscribe(target, topic, { token: null });
      await expectRefusal(await target.fetch(`/topics/${topic}`, { method: "POST", body: "x" }), 401, "unauthorized");
      await publishOk(target, topic, { data: "hello public" });
      expect((await stream.next()).data).toBe("hello public");
      expect((await subscribeRaw(target, "news", { token: null })).status).toBe(200);
      await expectRefusal(await subscribeRaw(target, "newsy", { token: null }), 401, "unauthorized");
    });

    it("ends a stream with herald.expired when its token expires", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const exp = Math.floor(Date.now() / 1000) + 2;
      const token = await mint({ herald: { subscribe: [topic] }, exp }, { omitExp: true, ...profileClaims(target) });
      const stream = await subscribe(target, topic, { token });
      await stream.until(() => stream.ended, 6000, "the stream to end");
      const expired = stream.events.find((e) => e.event === "herald.expired");
      expect(expired).toBeDefined();
      expect(JSON.parse(expired!.data)).toMatchObject({ topic });
    });
  });
}

