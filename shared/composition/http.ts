/**
 * Wiring shared by the HTTP functions (submit, status): configuration, the record store, the token
 * verifier and the logger of one instance, built on first use at cold start and kept for its life.
 * The record store is rebuilt only when FC hands over other keys (it rotates the role's keys).
 * Sending and publishing are submit's alone (./submit), so the status bundle carries no MNS SDK.
 */

import { systemClock } from "../adapters/system-clock";
import type { Clock, Logger, RecordStore } from "../app/ports";
import { type Config, ConfigError, type Environment } from "../config";
import type { FcContext } from "../fc/context";
import { createTokenVerifier, type TokenVerifier } from "../http/auth";
import { configOnFirstUse, configuredLogger } from "./config-on-first-use";
import { perKeys } from "./per-keys";
import { recordStoreFor } from "./record-store";

export interface HttpPorts {
  config: Config;
  store: RecordStore;
  clock: Clock;
  logger: Logger;
}

export interface HttpWiring {
  /** The instance's configuration, read at the first call. */
  config: () => Config;
  /** Logs at the configured level once the configuration is readable, at `info` before. */
  logger: Logger;
  /** The ports over the invocation's keys, kept while the keys stay the same. */
  ports: (context: FcContext) => HttpPorts;
  /** The JWT verifier, built at the first call. */
  verifier: () => TokenVerifier;
}

/** One HTTP function instance's wiring, from its environment (process.env in FC). */
export function httpWiring(env: Environment): HttpWiring {
  const config = configOnFirstUse(env);
  const logger = configuredLogger(config);
  const ports = perKeys(
    config,
    (cfg, keys): HttpPorts => ({ config: cfg, store: recordStoreFor(cfg, keys), clock: systemClock, logger }),
  );
  let verifier: TokenVerifier | undefined;
  return {
    config,
    logger,
    ports,
    verifier: () => {
      verifier ??= tokenVerifierOf(config().jwt);
      return verifier;
    },
  };
}

/** The JWT verifier from JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE, which the HTTP functions require. */
function tokenVerifierOf({ jwksUrl, issuer, audience }: Config["jwt"]): TokenVerifier {
  const missing = [
    ...(jwksUrl ? [] : ["JWT_JWKS_URL is required"]),
    ...(issuer ? [] : ["JWT_ISSUER is required"]),
    ...(audience ? [] : ["JWT_AUDIENCE is required"]),
  ];
  if (missing.length > 0 || !jwksUrl || !issuer || !audience) throw new ConfigError(missing);
  return createTokenVerifier({ jwksUrl, issuer, audience });
}
