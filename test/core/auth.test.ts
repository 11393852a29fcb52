import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { Authenticator } from "../../src/core/auth.js";
import { parseConfig } from "../../src/core/config.js";

const secret = "a-test-secret-that-is-at-least-32-bytes";
const sign = (exp: number, claims = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime(exp).sign(new TextEncoder().encode(secret));

describe("Authenticator", () => {
  it("remembers a verified token only until it expires", async () => {
    const auth = new Authenticator(parseConfig({ JWT_SECRET: secret, JWT_CLOCK_TOLERANCE_SECONDS: "0" }));
    const exp = Math.floor(Date.now() / 1000) + 1;
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
    await expect(auth.verify(forged)).rejects.toMatchObject({ code: "invalid_token" });
    await expect(auth.verify(forged)).rejects.toMatchObject({ code: "invalid_token" });
  });
});
