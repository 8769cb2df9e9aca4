/** A signing key and its JWKS for tests: tokens are signed here and verified by shared/http/auth. */
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import type { TokenVerifier } from "../../shared/http/auth";
import { createTokenVerifier } from "../../shared/http/auth";
import { HttpProblem } from "../../shared/http/problems";

export const ISSUER = "https://local.image-pipelines.dev";
export const AUDIENCE = "image-pipeline-api";

export interface TokenKit {
  jwks: { keys: JWK[] };
  sign(
    /** Claims over the defaults; one set to undefined is left out (e.g. `{ sub: undefined }`). */
    claims?: { [K in keyof JWTPayload]?: JWTPayload[K] | undefined } & { scope?: string | undefined },
    options?: { expiresIn?: string | number; notBefore?: string | number; issuedAt?: number },
  ): Promise<string>;
  verifier: TokenVerifier;
}

export async function tokenKit(kid = "test-key"): Promise<TokenKit> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const jwks = { keys: [jwk] };
  return {
    jwks,
    sign: async (claims = {}, options = {}) => {
      const payload = { sub: "alice", scope: "pipelines:write pipelines:read", ...claims };
      // A claim set to undefined is left out, as JSON would leave it out.
      const present = Object.entries(payload).filter(([, value]) => value !== undefined);
      const jwt = new SignJWT(Object.fromEntries(present))
        .setProtectedHeader({ alg: "ES256", kid })
        .setIssuer(typeof claims.iss === "string" ? claims.iss : ISSUER)
        .setAudience(claims.aud ?? AUDIENCE)
        .setIssuedAt(options.issuedAt)
        .setExpirationTime(options.expiresIn ?? "5m");
      if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
      return jwt.sign(privateKey);
    },
    verifier: createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: createLocalJWKSet(jwks) }),
  };
}

/** The HttpProblem a verification (or any HTTP step) rejects with; fails the test if it resolves or throws anything else. */
export async function problemOf(promise: Promise<unknown>): Promise<HttpProblem> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("expected a problem");
}
