/**
 * Wiring shared by the HTTP functions (submit, status): configuration, the record store, the token
 * verifier and the logger, built on first use at cold start and kept for the life of the instance.
 * The record store is rebuilt only when FC hands over other keys (it rotates the role's keys).
 * Sending and publishing are submit's alone (./submit), so the status bundle carries no MNS SDK.
 */

import { createJsonLogger } from "../adapters/logger";
import { systemClock } from "../adapters/system-clock";
import type { Clock, Logger, RecordStore } from "../app/ports";
import { type Config, ConfigError, config } from "../config";
import { createTokenVerifier, type TokenVerifier } from "../http/auth";
import { perKeys } from "./per-keys";
import { recordStoreFor } from "./record-store";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const httpLogger: Logger = createJsonLogger({ level: () => config().logLevel });

export interface HttpPorts {
  config: Config;
  store: RecordStore;
  clock: Clock;
  logger: Logger;
}

export const httpPorts = perKeys(
  (cfg, keys): HttpPorts => ({
    config: cfg,
    store: recordStoreFor(cfg, keys),
    clock: systemClock,
    logger: httpLogger,
  }),
);

let cachedVerifier: TokenVerifier | undefined;

/** The JWT verifier from JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE, which the HTTP functions require. */
export function httpTokenVerifier(): TokenVerifier {
  if (cachedVerifier) return cachedVerifier;
  const { jwksUrl, issuer, audience } = config().jwt;
  const missing = [
    ...(jwksUrl ? [] : ["JWT_JWKS_URL is required"]),
    ...(issuer ? [] : ["JWT_ISSUER is required"]),
    ...(audience ? [] : ["JWT_AUDIENCE is required"]),
  ];
  if (missing.length > 0 || !jwksUrl || !issuer || !audience) throw new ConfigError(missing);
  cachedVerifier = createTokenVerifier({ jwksUrl, issuer, audience });
  return cachedVerifier;
}
