import { describe, expect, it } from "vitest";
import { publish, statsOf, subscribeRaw, tokenFor, uniqueTopic, type TargetSource } from "./harness.js";

async function expectError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  expect(await response.json()).toMatchObject({ error, message: expect.any(String) });
}

/** Bad input gets a clear JSON error and changes nothing. */
export function refusalsContract(targetOf: TargetSource): void {
  describe("refusals", () => {
    it("refuses bad topic names with 400 (and unknown paths with 404)", async () => {
      const target = targetOf();
      for (const topic of ["-leading", "bad%20space", "a".repeat(129), "%C3%A9t%C3%A9", "semi%3Bcolon"]) {
        await expectError(await subscribeRaw(target, topic), 400, "bad_topic");
        await expectError(await publish(target, topic, { data: 1 }), 400, "bad_topic");
      }
      await expectError(await target.fetch("/topics/a/b/c"), 404, "not_found");
      await expectError(await target.fetch("/nowhere"), 404, "not_found");
    });

    it("refuses bad bodies and event names with 400 and publishes nothing", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const cases: Array<[unknown, string]> = [
        [{ event: "update" }, "bad_body"],
        [{ data: 1, extra: true }, "bad_body"],
        [[1, 2], "bad_body"],
        [{ event: "herald.gap", data: 1 }, "bad_event"],
        [{ event: "has space", data: 1 }, "bad_event"],
        [{ event: "new\nline", data: 1 }, "bad_event"],
        [{ event: "1digit", data: 1 }, "bad_event"],
        [{ event: 7, data: 1 }, "bad_event"],
        [{ event: "x".repeat(65), data: 1 }, "bad_event"],
        // JSON.stringify writes it as the escape \ud800, which JSON.parse turns back into a lone surrogate.
        [{ data: "x\ud800y" }, "bad_body"],
      ];
      for (const [body, error] of cases) await expectError(await publish(target, topic, body), 400, error);
      await expectError(await publish(target, topic, "{not json", { headers: { "content-type": "application/json" } }), 400, "bad_body");
      await expectError(await publish(target, topic, "x", { query: "?event=herald.fake" }), 400, "bad_event");
      await expectError(
        await publish(target, topic, "event=ok", { headers: { "content-type": "application/x-www-form-urlencoded" } }),
        400,
        "bad_body",
      );
      await expectError(await publish(target, topic, "x", { headers: { "idempotency-key": "has space" } }), 400, "bad_idempotency_key");
      expect(await statsOf(target, topic)).toMatchObject({ lastId: null, retained: 0 });
    });

    it("refuses a Last-Event-ID that is too long or not printable ASCII with 400", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      for (const id of ["a".repeat(257), "a\nb", "a\rb", "a\u0000b", "\u00e9t\u00e9"]) {
        await expectError(await subscribeRaw(target, topic, { query: { lastEventId: id } }), 400, "bad_request");
      }
      expect((await statsOf(target, topic)).subscribers).toBe(0);
    });

    it("refuses other media types with 415", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      await expectError(await publish(target, topic, "<x/>", { headers: { "content-type": "application/xml" } }), 415, "unsupported_media_type");
      expect((await statsOf(target, topic)).retained).toBe(0);
    });

    it("answers other methods with 405 and an Allow header", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      for (const method of ["PUT", "DELETE", "PATCH"]) {
        const response = await target.fetch(`/topics/${topic}`, { method });
        await expectError(response, 405, "method_not_allowed");
        expect(response.headers.get("allow")).toBe("GET, POST");
      }
      const head = await target.fetch(`/topics/${topic}`, { method: "HEAD" });
      expect(head.status).toBe(405);
      const stats = await target.fetch(`/topics/${topic}/stats`, { method: "POST" });
      await expectError(stats, 405, "method_not_allowed");
      expect(stats.headers.get("allow")).toBe("GET");
    });

    it("needs publish rights for stats", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const reader = await tokenFor(target, { subscribe: ["*"] });
      await expectError(await target.fetch(`/topics/${topic}/stats`, { headers: { authorization: `Bearer ${reader}` } }), 403, "forbidden");
      await expectError(await target.fetch(`/topics/${topic}/stats`), 401, "unauthorized");
    });

    it("answers CORS preflights for publishing with Authorization", async () => {
      const target = targetOf();
      const response = await target.fetch(`/topics/${uniqueTopic()}`, {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(response.headers.get("access-control-allow-credentials")).toBe("true");
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
      const other = await target.fetch("/health", { headers: { origin: "https://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
}
