import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import type { Config } from "./config.js";
import { HeraldError } from "./errors.js";
import { anyMatches } from "./topic.js";

/**
 * Turns a JWT into what its bearer may do. jose does all the cryptography;
 * this file only chooses which keys and algorithms are acceptable.
 */
export interface Grants {
  subscribe: string[];
  publish: string[];
  /** The token's `sub`: it may always subscribe to `user:<sub>`. */
  subject?: string;
  /** Epoch ms at which the token expires. */
  expiresAt: number;
}

/** Algorithms accepted from a JWKS; symmetric keys only ever come from JWT_SECRET. */
const ASYMMETRIC_ALGORITHMS = ["RS256", "ES256", "EdDSA", "Ed25519"];
const REALM = 'Bearer realm="herald"';
/**
 * Tokens already verified, by their exact text (signature included): a
 * publisher sends the same token many times, and checking its signature
 * again each time was a fifth of a publish's CPU. Each is remembered until
 * it expires, and at most a minute, so a key taken out of the JWKS stops
 * working as soon as jose's own key cache lets go of it.
 */
const VERIFIED_CACHE_SIZE = 1024;
const VERIFIED_FOR_MS = 60_000;

export function unauthorized(message: string): HeraldError {
  return new HeraldError("unauthorized", message, { "www-authenticate": REALM });
}

function invalidToken(description: string): HeraldError {
  return new HeraldError("invalid_token", description, {
    "www-authenticate": `${REALM}, error="invalid_token", error_description="${description}"`,
  });
}

function patterns(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((p) => typeof p === "string")) return value;
  throw invalidToken(`herald.${name} must be an array of topic patterns`);
}

function grantsOf(payload: JWTPayload): Grants {
  const claim = payload["herald"];
  if (claim !== undefined && (typeof claim !== "object" || claim === null || Array.isArray(claim))) {
    throw invalidToken("the herald claim must be an object");
  }
  const herald = (claim ?? {}) as Record<string, unknown>;
  return {
    subscribe: patterns(herald["subscribe"], "subscribe"),
    publish: patterns(herald["publish"], "publish"),
    subject: typeof payload.sub === "string" ? payload.sub : undefined,
    expiresAt: payload.exp! * 1000,
  };
}

/** A sentence for what jose refused, not its internal code (the code stays at the end, for a search). */
function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "token expired";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "token algorithm not allowed";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim rejected: ${error.claim}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "token signature does not verify: it was signed with another secret or key";
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return "token is not a well-formed JWT";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no key of JWKS_URL matches the token's key id and algorithm";
  if (error instanceof joseErrors.JOSEError) return `invalid token (${error.code})`;
  throw error;
}

export class Authenticator {
  private readonly algorithms: string[];
  private readonly getKey: JWTVerifyGetKey;
  private readonly verified = new Map<string, { grants: Grants; until: number }>();

  constructor(private readonly config: Config) {
    // Imported once: jose would import a raw secret again on every verify.
    const secret =
      config.jwtSecret === undefined
        ? undefined
        : crypto.subtle.importKey("raw", new TextEncoder().encode(config.jwtSecret), { name: "HMAC", hash: "SHA-256" }, false, [
            "verify",
          ]);
    const jwks = config.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(config.jwksUrl));
    this.algorithms = [...(secret ? ["HS256"] : []), ...(jwks ? ASYMMETRIC_ALGORITHMS : [])];
    // The algorithm allow-list has already refused anything this key
    // source cannot serve, so an HS256 token never meets a public key.
    this.getKey = (header, token) => (header.alg === "HS256" ? secret! : jwks!(header, token));
  }

  async verify(token: string): Promise<Grants> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.until) return known.grants;
    this.verified.delete(token);
    const grants = await this.verifyAfresh(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    const until = Math.min(grants.expiresAt + this.config.clockToleranceSeconds * 1000, Date.now() + VERIFIED_FOR_MS);
    this.verified.set(token, { grants, until });
    return grants;
  }

  private async verifyAfresh(token: string): Promise<Grants> {
    if (this.algorithms.length === 0) throw invalidToken("this hub has no JWT_SECRET or JWKS_URL configured");
    try {
      const { payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ["exp"],
      });
      return grantsOf(payload);
    } catch (error) {
      if (error instanceof HeraldError) throw error;
      throw invalidToken(describe(error));
    }
  }
}

function isOwnUserTopic(grants: Grants, topic: string): boolean {
  return grants.subject !== undefined && topic === `user:${grants.subject}`;
}

/** Why a subscriber may read a topic, and until when (undefined: no end). */
export function authorizeSubscribe(
  grants: Grants | undefined,
  topic: string,
  config: Config,
): { expiresAt?: number } {
  // The clock tolerance lets a token in, but its stream would end at once
  // (streams end at exp itself): refuse, so the client fetches a new one.
  if (grants && grants.expiresAt <= Date.now()) throw invalidToken("token expired");
  if (grants && (anyMatches(grants.subscribe, topic) || isOwnUserTopic(grants, topic))) {
    return { expiresAt: grants.expiresAt };
  }
  if (anyMatches(config.publicTopics, topic)) return {};
  if (!grants) throw unauthorized(`topic ${topic} needs a token to subscribe`);
  throw new HeraldError("forbidden", `this token may not subscribe to ${topic}`);
}

export function authorizePublish(grants: Grants | undefined, topic: string): void {
  if (!grants) throw unauthorized("publishing needs an Authorization: Bearer token");
  if (!anyMatches(grants.publish, topic)) {
    throw new HeraldError("forbidden", `this token may not publish to ${topic}`);
  }
}
