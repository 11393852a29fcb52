import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { unauthorized } from "../core/auth.js";

/**
 * Where tokens are taken from. Subscribers may use the header, `?token=`
 * (EventSource cannot set headers) or a cookie; publishers only the
 * header, so a leaked URL or a cross-site request can never publish.
 */
function bearer(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized("Authorization header must be: Bearer <token>");
  return match[1];
}

export function publisherToken(c: Context): string | undefined {
  return bearer(c);
}

export function subscriberToken(c: Context, cookieName: string): string | undefined {
  return bearer(c) ?? nonEmpty(c.req.query("token")) ?? nonEmpty(getCookie(c, cookieName));
}

/**
 * Whose publish rate a publish counts against: the token's `sub`, or for a
 * token without one the token itself (hashed: the key may name an object).
 */
export async function publisherKey(subject: string | undefined, token: string): Promise<string> {
  if (subject !== undefined) return `sub:${subject}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return `token:${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
