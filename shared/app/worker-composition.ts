/**
 * Wiring for the worker: configuration, the record store, the pipeline client with keys per
 * target account, and the optional completion-event publisher, built on first use (cold start)
 * and kept for the life of the instance. The one module of the worker that names concrete adapters.
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change; the ECS client cache lives in the
 * pipeline-client module, per endpoint, region and keys. Records for other accounts run with keys
 * from STS AssumeRole, cached per account by the credentials provider (spec/processing.md,
 * "Cross-account").
 */
import { assumedRoleCredentials, credentialsFromContext } from "../adapters/credentials/index";
import { createPipelineClient } from "../adapters/ecs/pipeline-client";
import { createJsonLogger } from "../adapters/logger";
import { MnsEventPublisher } from "../adapters/mns/event-publisher";
import { createStsRoleAssumer } from "../adapters/sts/role-assumer";
import { config } from "../config";
import type { FcContext } from "../fc/context";
import type { ProcessMessageDeps } from "./process-message";
import { keysFingerprint, mnsClientFor, recordStoreFor } from "./service-adapters";
import { systemClock } from "./system-clock";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const workerLogger = createJsonLogger({
  level: () => config().logLevel,
  base: { function: "worker" },
});

let cached: { key: string; deps: ProcessMessageDeps } | undefined;

export function workerDeps(context: FcContext): ProcessMessageDeps {
  const cfg = config();
  const keys = credentialsFromContext(context);
  const key = keysFingerprint(keys);
  if (cached?.key === key) return cached.deps;

  const publisher = cfg.mns.eventsTopic
    ? new MnsEventPublisher({
        topic: cfg.mns.eventsTopic,
        logger: workerLogger,
        client: mnsClientFor(cfg, context, keys),
      })
    : undefined;
  const deps: ProcessMessageDeps = {
    store: recordStoreFor(cfg, keys),
    pipelines: createPipelineClient({
      endpoint: cfg.ecsEndpoint,
      credentials: assumedRoleCredentials({
        serviceAccountId: cfg.serviceAccountId,
        own: keys,
        roleName: cfg.crossAccount.roleName,
        ...(cfg.crossAccount.externalId ? { externalId: cfg.crossAccount.externalId } : {}),
        assumeRole: createStsRoleAssumer({ endpoint: cfg.stsEndpoint, regionId: context.region }),
      }),
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
