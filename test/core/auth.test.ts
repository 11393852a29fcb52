import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Authenticator } from "../../src/core/auth.js";
import { parseConfig } from "../../src/core/config.js";

const secret = "a-test-secret-that-is-at-least-32-bytes";
const sign = (exp: number, claims = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime(exp).sign(new TextEncoder().encode(secret));

/** A key set served on loopback, whose keys the test can take out. */
async function serveKeys(keys: JWK[]) {
  const server = createServer((_, response) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, close: () => server.close() };
}

describe("Authenticator", () => {
  afterEach(() => vi.useRealTimers());

  it("stops accepting a token once its key is out of the JWKS and jose's key cache, however long the token lives", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const keys = [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }];
    const jwks = await serveKeys(keys);
    try {
      const auth = new Authenticator(parseConfig({ JWKS_URL: jwks.url }));
      const token = await new SignJWT({ herald: { publish: ["a"] } })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setExpirationTime("1d")
        .sign(privateKey);
      vi.useFakeTimers({ toFake: ["Date"] });
      expect(await auth.verify(token)).toMatchObject({ publish: ["a"] });
      keys.length = 0; // the key is withdrawn (say it leaked)
      // jose keeps a fetched key set for 10 minutes; after that, neither it nor Herald may trust the key.
      vi.setSystemTime(Date.now() + 11 * 60_000);
      await expect(auth.verify(token)).rejects.toMatchObject({ code: "invalid_token" });
    } finally {
      jwks.close();
    }
  });

  it("remembers a verified token only until it expires", async () => {
    const auth = new Authenticator(parseConfig({ JWT_SECRET: secret, JWT_CLOCK_TOLERANCE_SECONDS: "0" }));
    // Two seconds ahead, not one: a token signed at x.999 s with exp x+1 would already have expired here.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await sign(exp, { herald: { publish: ["a"] } });
    const first = await auth.verify(token);
    expect(first).toMatchObject({ publish: ["a"], expiresAt: exp * 1000 });
    expect(await auth.verify(token)).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    await expect(auth.verify(token)).rejects.toMatchObject({ code: "invalid_token", message: "token expired" });
  });

  it("never remembers a token it refused", async () => {
    const auth = new Authenticator(parseConfig({ JWT_SECRET: secret }));
    const token = await sign(Math.floor(Date.now() / 1000) + 60);
    const at = token.lastIndexOf(".") + 5; // inside the signature, clear of its padding bits
    const forged = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    const refusal = { code: "invalid_token", message: "token signature does not verify: it was signed with another secret or key" };
    await expect(auth.verify(forged)).rejects.toMatchObject(refusal);
    await expect(auth.verify(forged)).rejects.toMatchObject(refusal);
    await expect(auth.verify("not.a.jwt")).rejects.toMatchObject({ code: "invalid_token", message: "token is not a well-formed JWT" });
  });
});
