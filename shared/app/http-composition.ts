/**
 * Wiring for the HTTP functions (submit, status): configuration, adapters and use-case
 * dependencies, built on first use at cold start and kept for the life of the instance. This is
 * the one module of the HTTP side that names concrete adapters, with ./queue-composition for the
 * queue (only submit sends, so the status bundle carries no MNS SDK).
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change.
 */
import { createJsonLogger } from "../adapters/logger";
import { TablestoreRecordStore } from "../adapters/tablestore/record-store";
import { type Config, ConfigError, config } from "../config";
import type { FcContext } from "../fc/context";
import { createTokenVerifier, type TokenVerifier } from "../http/auth";
import type { Clock, Logger, RecordStore } from "./ports";

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const httpLogger: Logger = createJsonLogger({ level: () => config().logLevel });

export interface HttpPorts {
  config: Config;
  store: RecordStore;
  clock: Clock;
  logger: Logger;
}

/** The FC role's keys; FC passes `{}` when the function has no role. */
export function contextCredentials(context: FcContext): {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
} {
  const credentials = context.credentials ?? {};
  return {
    accessKeyId: credentials.accessKeyId ?? "",
    accessKeySecret: credentials.accessKeySecret ?? "",
    securityToken: credentials.securityToken || undefined,
  };
}

/** Rebuild clients only when FC hands over other keys (it rotates the role's STS keys). */
export const credentialsKey = (context: FcContext): string => {
  const c = contextCredentials(context);
  return `${c.accessKeyId}\n${c.securityToken ?? ""}`;
};

let cachedPorts: { key: string; ports: HttpPorts } | undefined;

export function httpPorts(context: FcContext): HttpPorts {
  const cfg = config();
  const key = credentialsKey(context);
  if (cachedPorts?.key === key) return cachedPorts.ports;
  const store = new TablestoreRecordStore({
    table: cfg.tablestore.table,
    connection: {
      endpoint: cfg.tablestore.endpoint,
      instanceName: cfg.tablestore.instance,
      credentials: contextCredentials(context),
    },
  });
  const ports = { config: cfg, store, clock: systemClock, logger: httpLogger };
  cachedPorts = { key, ports };
  return ports;
}

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
