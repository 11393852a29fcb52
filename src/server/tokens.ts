import { SignJWT } from "jose";

/** What a token may do (docs/protocol.md, Authentication). */
export interface TokenOptions {
  /** The user: they may always subscribe to `user:{sub}`, and their streams count as theirs. */
  sub?: string;
  /** Topic patterns the bearer may subscribe to. */
  subscribe?: string[];
  /** Topic patterns the bearer may publish to. */
  publish?: string[];
  /** A jose time span ("1h", "15m") or seconds; default one hour. */
  expiresIn?: string | number;
}

/** An HS256 token signed with the hub's JWT_SECRET. */
export async function signToken(secret: Uint8Array, { sub, subscribe = [], publish = [], expiresIn = "1h" }: TokenOptions): Promise<string> {
  const jwt = new SignJWT({ herald: { subscribe, publish } }).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  jwt.setExpirationTime(typeof expiresIn === "number" ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(secret);
}
