/**
 * The remote JWKS of shared/http/auth, kept the way jose's `createRemoteJWKSet` keeps it (fetched on first
 * use, reused for 10 minutes, fetched again on a token with an unknown key at most every 30 s, one
 * fetch at a time), but fetched with node:http / node:https.
 *
 * Why: `createRemoteJWKSet` builds a `Headers` when it is created and fetches with `fetch`; the first
 * use of either makes Node load and compile its bundled undici (and its WebAssembly HTTP parser),
 * ~40-50 ms of every cold start of submit and status (bench/RESULTS.md). node:http is loaded anyway
 * by the Tablestore SDK. Failures keep jose's errors, so ./auth answers them as jose's own:
 * a key set that cannot be fetched or read is 503, a token whose key is not in it 401.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

export interface JwksKeySetOptions {
  /** How long one fetch may take (shared/http/auth's default for the remote key set: 3 s). */
  timeoutMs: number;
  /** How long fetched keys are used before they are fetched again; jose's default, 10 minutes. */
  cacheMaxAgeMs?: number;
  /** After a fetch, how long an unknown key does not cause another; jose's default, 30 s. */
  cooldownMs?: number;
  now?: () => number;
}

const JWKS_ACCEPT = "application/json, application/jwk-set+json";

function fetchJwks(url: URL, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    // No keep-alive agent: the set is fetched once per 10 minutes, and an idle pooled socket would
    // outlive the invocation.
    const request = send(url, { method: "GET", agent: false, headers: { accept: JWKS_ACCEPT } });
    const timer = setTimeout(() => request.destroy(new errors.JWKSTimeout()), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on("response", (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        clearTimeout(timer);
        if (response.statusCode !== 200) {
          reject(new errors.JOSEError("Expected 200 OK from the JSON Web Key Set HTTP response"));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (cause) {
          reject(
            new errors.JOSEError("Failed to parse the JSON Web Key Set HTTP response as JSON", { cause }),
          );
        }
      });
    });
    request.end();
  });
}

export function jwksKeySet(jwksUrl: string, options: JwksKeySetOptions): JWTVerifyGetKey {
  const url = new URL(jwksUrl);
  const now = options.now ?? Date.now;
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 10 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<ReturnType<typeof createLocalJWKSet>> | undefined;

  const reload = (): Promise<ReturnType<typeof createLocalJWKSet>> => {
    pending ??= fetchJwks(url, options.timeoutMs)
      .then((jwks) => {
        // Throws JWKSInvalid for anything that is not a key set, as jose's remote set does.
        local = createLocalJWKSet(jwks as JSONWebKeySet);
        fetchedAt = now();
        return local;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return async (protectedHeader, token) => {
    const keys = local && now() < fetchedAt + cacheMaxAgeMs ? local : await reload();
    try {
      return await keys(protectedHeader, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && now() >= fetchedAt + cooldownMs) {
        return (await reload())(protectedHeader, token);
      }
      throw error;
    }
  };
}
