import { exportJWK, generateKeyPair, type JWK } from "jose";

/** One key per asymmetric algorithm the hub accepts, and the JWKS that publishes them. */
export interface TestKeys {
  privateJwks: JWK[];
  jwks: { keys: JWK[] };
}

const PRIVATE_FIELDS = ["d", "p", "q", "dp", "dq", "qi"];

export async function makeTestKeys(): Promise<TestKeys> {
  const privateJwks: JWK[] = [];
  for (const alg of ["RS256", "ES256", "EdDSA"]) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    privateJwks.push({ ...(await exportJWK(privateKey)), alg, kid: `test-${alg}`, use: "sig" });
  }
  const keys = privateJwks.map((jwk) => Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_FIELDS.includes(k))));
  return { privateJwks, jwks: { keys } };
}
