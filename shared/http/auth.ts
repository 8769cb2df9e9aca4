/**
 * Bearer JWT verification with `jose` (docs/http-api.md, "Authentication and authorization"): the
 * signature against the configured JWKS, `exp`/`nbf`, issuer and audience, then the route's scopes.
 * The function checks the token itself even when a trigger-level check sits in front of it.
 */
import type { MiddlewareObj } from "@middy/core";
import { type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from "jose";
import { expectApiRequest, type HttpEvent } from "./api-request";
import type { Caller } from "./caller";
import type { HttpResponse } from "./fc-http-event";
import { jwksKeySet } from "./jwks-key-set";
import { HttpProblem } from "./problems";
import type { Scope } from "./routes";

export type { Caller } from "./caller";

export const ADMIN_SCOPE: Scope = "pipelines:admin";
export const isAdmin = (caller: Caller): boolean => caller.scopes.has(ADMIN_SCOPE);

export type TokenVerifier = (token: string) => Promise<Caller>;

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Where the JWKS is fetched from; ignored when `keys` is given. */
  jwksUrl?: string;
  /** A key resolver of one's own (e.g. `createLocalJWKSet`), for tests and the local stack. */
  keys?: JWTVerifyGetKey;
  /** Default CLOCK_SKEW_SECONDS. */
  clockToleranceSeconds?: number;
  /** How long one JWKS fetch may take. */
  jwksTimeoutMs?: number;
  /**
   * How long a verified token is remembered (default 5 minutes; 0 turns the cache off). A caller
   * polling its records sends the same token again and again; a signature check costs more than
   * the rest of the request's own work. A remembered token is still refused once it expires;
   * what the cache delays is a key's removal from the JWKS, by at most this long.
   */
  verifiedTokenTtlMs?: number;
  /** The clock for expiry checks and the memory; for tests. */
  now?: () => number;
}

/**
 * How far the issuer's clock may be from ours, in seconds: `exp` is honoured this long after it
 * passes, and a token whose `nbf` or `iat` is further in the future than this is refused.
 */
export const CLOCK_SKEW_SECONDS = 60;

/** Most verified tokens remembered at once; the oldest is forgotten first. */
const VERIFIED_TOKEN_CACHE_SIZE = 1_000;

/** Asymmetric algorithms only: a JWKS never holds the secret an HMAC token would need. */
export const ACCEPTED_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "EdDSA",
];

export const REALM = "image-pipelines";

/** jose failures that mean "this token is not acceptable"; any other failure is ours (JWKS down). */
const TOKEN_FAULTS = new Set([
  "ERR_JWT_EXPIRED",
  "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "ERR_JWT_INVALID",
  "ERR_JWS_INVALID",
  "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
  "ERR_JOSE_ALG_NOT_ALLOWED",
  "ERR_JOSE_NOT_SUPPORTED",
]);

/** One remote key set per URL for the life of the instance: ./jwks-key-set caches the keys and refetches on an unknown `kid`. */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function remoteKeySet(url: string, timeoutMs: number): JWTVerifyGetKey {
  let keySet = remoteKeySets.get(url);
  if (!keySet) {
    keySet = jwksKeySet(url, { timeoutMs });
    remoteKeySets.set(url, keySet);
  }
  return keySet;
}

export function unauthorized(description?: string): HttpProblem {
  const challenge = description
    ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description.replaceAll('"', "'")}"`
    : `Bearer realm="${REALM}"`;
  return new HttpProblem(
    "unauthorized",
    description ?? "The Authorization header with a Bearer token is missing",
    {},
    {
      "www-authenticate": challenge,
    },
  );
}

function tokenFaultDescription(error: InstanceType<typeof joseErrors.JOSEError>): string {
  if (error instanceof joseErrors.JWTExpired) return "The token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return "The token is not valid yet";
    return `The token's ${error.claim} claim is not accepted`;
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey
  )
    return "The token's signature does not verify";
  return "The token is malformed or uses an unsupported algorithm";
}

const scopesOf = (payload: JWTPayload): Set<string> => {
  const scope = payload.scope;
  return new Set(typeof scope === "string" ? scope.split(" ").filter(Boolean) : []);
};

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  if (!options.keys && !options.jwksUrl) throw new Error("createTokenVerifier needs jwksUrl or keys");
  const keys = options.keys ?? remoteKeySet(options.jwksUrl as string, options.jwksTimeoutMs ?? 3000);
  const ttlMs = options.verifiedTokenTtlMs ?? 5 * 60_000;
  const toleranceSeconds = options.clockToleranceSeconds ?? CLOCK_SKEW_SECONDS;
  const toleranceMs = toleranceSeconds * 1000;
  const now = options.now ?? Date.now;
  /** token -> who it names and until when it may be taken without a new signature check. */
  const verified = new Map<string, { caller: Caller; until: number }>();
  return async (token) => {
    const known = verified.get(token);
    if (known && now() < known.until) return known.caller;
    if (known) verified.delete(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: toleranceSeconds,
        requiredClaims: ["exp", "sub"],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError && TOKEN_FAULTS.has(error.code))
        throw unauthorized(tokenFaultDescription(error));
      throw new HttpProblem(
        "service-unavailable",
        "The token could not be checked: the key set is unavailable",
        {},
        {
          "retry-after": "5",
        },
      );
    }
    // jose checks `iat` only when given a maximum token age; a token issued in the future is as
    // wrong as one not valid yet.
    if (typeof payload.iat === "number" && payload.iat * 1000 > now() + toleranceMs)
      throw unauthorized("The token's iat claim is in the future");
    if (typeof payload.sub !== "string" || payload.sub === "") throw unauthorized("The token has no subject");
    const caller = { sub: payload.sub, scopes: scopesOf(payload) };
    if (ttlMs > 0 && typeof payload.exp === "number") {
      if (verified.size >= VERIFIED_TOKEN_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(token, { caller, until: Math.min(now() + ttlMs, payload.exp * 1000 + toleranceMs) });
    }
    return caller;
  };
}

/** The bearer token of an Authorization header, or undefined. The scheme is case-insensitive (RFC 9110 §11.1). */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization ?? "");
  return match?.[1];
}

export interface JwtAuthOptions {
  /** Called per request, so the verifier can be built lazily from the configuration at cold start. */
  verifier: () => TokenVerifier;
}

/** middy middleware: 401 without a good token, 403 without one of the route's scopes. */
export function jwtAuth(opts: JwtAuthOptions): MiddlewareObj<HttpEvent, HttpResponse> {
  return {
    before: async (request) => {
      const api = expectApiRequest(request.event);
      const header = api.headers.authorization;
      if (header === undefined) throw unauthorized();
      const token = bearerToken(header);
      if (!token) throw unauthorized("The Authorization header must be: Bearer <token>");
      const caller = await opts.verifier()(token);
      const needed = api.route?.scopes ?? [];
      if (needed.length > 0 && !needed.some((scope) => caller.scopes.has(scope))) {
        const wanted = needed.join(" ");
        throw new HttpProblem(
          "insufficient-scope",
          `This operation needs one of these scopes: ${needed.join(", ")}`,
          { requiredScopes: needed },
          { "www-authenticate": `Bearer realm="${REALM}", error="insufficient_scope", scope="${wanted}"` },
        );
      }
      api.caller = caller;
    },
  };
}
