/**
 * Wiring for the worker: configuration, the record store, the pipeline client with keys per
 * target account, and the optional completion-event publisher, built on first use (cold start)
 * and kept for the life of the instance. The one module of the worker that names concrete adapters.
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change; the ECS client cache lives in the
 * pipeline-client module, per endpoint, region and keys. Records for other accounts run with keys
 * from STS AssumeRole, cached per account by the credentials provider (docs/processing.md,
 * "Cross-account"). CreateImagePipeline calls are paced by a schedule per account shared by every
 * worker instance through the call-slots table (shared/app/call-rate).
 */

import { assumedRoleCredentials } from "../adapters/credentials/index";
import { createPipelineClient } from "../adapters/ecs/pipeline-client";
import { createJsonLogger } from "../adapters/logger";
import { createStsRoleAssumer } from "../adapters/sts/role-assumer";
import { systemClock } from "../adapters/system-clock";
import { TablestoreCallSlotLedger } from "../adapters/tablestore/call-slot-ledger";
import { createTablestoreClient } from "../adapters/tablestore/client";
import { SharedCallPacer } from "../app/call-rate";
import type { CallSlotLedger } from "../app/ports";
import type { ProcessMessageDeps } from "../app/process-message";
import { config } from "../config";
import { errorFields } from "../domain/errors";
import { eventPublisherFor } from "./mns";
import { perKeys } from "./per-keys";
import { recordStoreFor } from "./record-store";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const workerLogger = createJsonLogger({
  level: () => config().logLevel,
  base: { function: "worker" },
});

/** The ledger over the current keys; replaced when FC rotates them, read by the pacer at each take. */
let currentLedger: CallSlotLedger | undefined;
const ledgerOfCurrentKeys: CallSlotLedger = {
  take: (accountId, window, count) => {
    if (!currentLedger) throw new Error("the call-slot ledger is used before the worker is wired");
    return currentLedger.take(accountId, window, count);
  },
};

/**
 * One pacer for the life of the instance, so each account's throttling share and window hint
 * survive key rotation; the schedule itself lives in the ledger, shared by every instance.
 */
let pacer: SharedCallPacer | undefined;
function sharedPacer(accountQps: number): SharedCallPacer {
  pacer ??= new SharedCallPacer(ledgerOfCurrentKeys, systemClock, { accountQps }, (err) =>
    workerLogger.warn("call-slot ledger failed; the call waits for redelivery", {
      error: errorFields(err),
    }),
  );
  return pacer;
}

export const workerDeps = perKeys((cfg, keys, context): ProcessMessageDeps => {
  currentLedger = new TablestoreCallSlotLedger({
    table: cfg.worker.callSlotsTable,
    client: createTablestoreClient({
      endpoint: cfg.tablestore.endpoint,
      instanceName: cfg.tablestore.instance,
      credentials: keys,
    }),
  });
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
    // Every instance takes its calls' slots from one schedule per account, shared through Tablestore.
    pacer: sharedPacer(cfg.worker.ecsQpsPerAccount),
  };
});
