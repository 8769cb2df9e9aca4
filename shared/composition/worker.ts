/**
 * Wiring for the worker: configuration, the record store, the pipeline client with keys per
 * target account, and the optional completion-event publisher, built on first use (cold start)
 * and kept for the life of the instance. The one module of the worker that names concrete adapters.
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change; the ECS client cache lives in the
 * pipeline-client module, per endpoint, region and keys. Records for other accounts run with keys
 * from STS AssumeRole, cached per account by the credentials provider (docs/processing.md,
 * "Cross-account").
 */
import { assumedRoleCredentials } from "../adapters/credentials/index";
import { createPipelineClient } from "../adapters/ecs/pipeline-client";
import { createJsonLogger } from "../adapters/logger";
import { createStsRoleAssumer } from "../adapters/sts/role-assumer";
import { systemClock } from "../adapters/system-clock";
import { instanceCallPacer } from "../app/call-rate";
import type { ProcessMessageDeps } from "../app/process-message";
import { config } from "../config";
import { eventPublisherFor } from "./mns";
import { perKeys } from "./per-keys";
import { recordStoreFor } from "./record-store";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const workerLogger = createJsonLogger({
  level: () => config().logLevel,
  base: { function: "worker" },
});

export const workerDeps = perKeys((cfg, keys, context): ProcessMessageDeps => {
  const publisher = eventPublisherFor(cfg, context, keys, workerLogger);
  return {
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
    // One schedule per account for the whole instance, its share of the account's limit.
    pacer: instanceCallPacer(systemClock, {
      accountQps: cfg.worker.ecsQpsPerAccount,
      instances: cfg.worker.maxConcurrentInvocations,
    }),
  };
});
