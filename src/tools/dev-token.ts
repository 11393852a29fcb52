import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SignJWT } from "jose";

/**
 * A development secret kept beside the local state (never committed), and
 * a token that may publish and subscribe to every topic, so a newcomer can
 * try the hub at once. Production secrets never come from here.
 */
export function devSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}

export function devToken(secret: string, hours = 24): Promise<string> {
  return new SignJWT({ herald: { subscribe: ["*"], publish: ["*"] } })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("dev")
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(new TextEncoder().encode(secret));
}

export function tryItText(base: string, token: string): string {
  return [
    "",
    "Herald is running with a development token (valid 24 h, every topic):",
    "",
    "  Subscribe (browser or curl):",
    `    ${base}/topics/demo?token=${token}`,
    `    curl -N '${base}/topics/demo?token=${token}'`,
    "",
    "  Publish, in another terminal:",
    `    curl -X POST ${base}/topics/demo -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"event":"update","data":{"hello":"world"}}'`,
    "",
    "  Or watch and publish in the demo page (the token stays in the fragment, never sent):",
    `    ${base}/#token=${token}`,
    "",
  ].join("\n");
}
