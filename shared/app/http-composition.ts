/**
 * Wiring for the HTTP functions (submit, status): configuration, adapters and use-case
 * dependencies, built on first use at cold start and kept for the life of the instance. This is
 * the one module of the HTTP side that names concrete adapters.
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change.
 */
import { createJsonLogger } from "../adapters/logger";
import { createMnsClient } from "../adapters/mns/client";
import { MnsRequestQueue } from "../adapters/mns/request-queue";
import { TablestoreRecordStore } from "../adapters/tablestore/record-store";
import { type Config, ConfigError, config } from "../config";
import type { FcContext } from "../fc/context";
import { createTokenVerifier, type TokenVerifier } from "../http/auth";
import type { Clock, Logger, RecordStore, RequestQueue } from "./ports";

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const httpLogger: Logger = createJsonLogger({ level: () => config().logLevel });

export interface HttpPorts {
  config: Config;
  store: RecordStore;
  queue: RequestQueue;
  clock: Clock;
  logger: Logger;
}

let cachedPorts: { key: string; ports: HttpPorts } | undefined;

export function httpPorts(context: FcContext): HttpPorts {
  const cfg = config();
  const credentials = context.credentials ?? { accessKeyId: "", accessKeySecret: "", securityToken: "" };
  const key = `${credentials.accessKeyId}\n${credentials.securityToken}`;
  if (cachedPorts?.key === key) return cachedPorts.ports;
  const securityToken = credentials.securityToken || undefined;
  const store = new TablestoreRecordStore({
    table: cfg.tablestore.table,
    connection: {
      endpoint: cfg.tablestore.endpoint,
      instanceName: cfg.tablestore.instance,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken,
      },
    },
  });
  const queue = new MnsRequestQueue({
    queue: cfg.mns.queue,
    client: createMnsClient({
      accountId: context.accountId || cfg.serviceAccountId,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken,
      endpoint: cfg.mns.endpoint,
      region: context.region,
    }),
  });
  const ports = { config: cfg, store, queue, clock: systemClock, logger: httpLogger };
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
