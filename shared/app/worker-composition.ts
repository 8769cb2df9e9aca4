/**
 * Wiring for the worker: configuration, the record store, the pipeline client and the optional
 * completion-event publisher, built on first use (cold start) and kept for the life of the
 * instance. The one module of the worker that names concrete adapters.
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change; the ECS client cache lives in the
 * pipeline-client module, per endpoint, region and keys.
 */
import {
  type AccessKeyCredentials,
  credentialsFromContext,
  serviceAccountCredentials,
} from "../adapters/credentials/index";
import { createPipelineClient } from "../adapters/ecs/pipeline-client";
import { createJsonLogger } from "../adapters/logger";
import { createMnsClient } from "../adapters/mns/client";
import { MnsEventPublisher } from "../adapters/mns/event-publisher";
import { TablestoreRecordStore } from "../adapters/tablestore/record-store";
import { config } from "../config";
import type { FcContext } from "../fc/context";
import type { ProcessMessageDeps } from "./process-message";
import { systemClock } from "./system-clock";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const workerLogger = createJsonLogger({
  level: () => config().logLevel,
  base: { function: "worker" },
});

let cached: { key: string; deps: ProcessMessageDeps } | undefined;

function keysFingerprint(keys: AccessKeyCredentials): string {
  return `${keys.accessKeyId}\n${keys.accessKeySecret}\n${keys.securityToken ?? ""}`;
}

export function workerDeps(context: FcContext): ProcessMessageDeps {
  const cfg = config();
  const keys = credentialsFromContext(context);
  const key = keysFingerprint(keys);
  if (cached?.key === key) return cached.deps;

  const store = new TablestoreRecordStore({
    table: cfg.tablestore.table,
    connection: {
      endpoint: cfg.tablestore.endpoint,
      instanceName: cfg.tablestore.instance,
      credentials: keys,
    },
  });
  const publisher = cfg.mns.eventsTopic
    ? new MnsEventPublisher({
        topic: cfg.mns.eventsTopic,
        logger: workerLogger,
        client: createMnsClient({
          accountId: context.accountId || cfg.serviceAccountId,
          ...keys,
          endpoint: cfg.mns.endpoint,
          region: context.region,
        }),
      })
    : undefined;
  const deps: ProcessMessageDeps = {
    store,
    pipelines: createPipelineClient({
      endpoint: cfg.ecsEndpoint,
      credentials: serviceAccountCredentials(cfg.serviceAccountId, keys),
    }),
    clock: systemClock,
    random: Math.random,
    logger: workerLogger,
    ...(publisher ? { publisher } : {}),
    maxAttempts: cfg.worker.maxAttempts,
  };
  cached = { key, deps };
  return deps;
}
