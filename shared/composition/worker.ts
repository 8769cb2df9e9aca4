/**
 * The worker function: configuration, the record store, the pipeline client with keys per target
 * account, and the optional completion-event publisher, built on first use (cold start) and kept
 * for the life of the instance. The one module of the worker that names concrete adapters.
 *
 * SDK clients are built from the FC context's credentials (the function role's temporary keys,
 * which FC rotates) and rebuilt only when those change; the ECS client cache lives in the
 * pipeline-client module, per endpoint, region and keys. Records for other accounts run with keys
 * from STS AssumeRole, cached per account by the credentials provider (docs/processing.md,
 * "Cross-account"). CreateImagePipeline calls are paced by a schedule per account shared by every
 * worker instance through the call-slots table (shared/app/call-rate).
 */
import middy from "@middy/core";
import { type AccessKeyCredentials, assumedRoleCredentials } from "../adapters/credentials/index";
import { createPipelineClient } from "../adapters/ecs/pipeline-client";
import { createStsRoleAssumer } from "../adapters/sts/role-assumer";
import { systemClock } from "../adapters/system-clock";
import { TablestoreCallSlotLedger } from "../adapters/tablestore/call-slot-ledger";
import { createTablestoreClient } from "../adapters/tablestore/client";
import { SharedCallPacer } from "../app/call-rate";
import type { CallSlotLedger, Logger, PipelineClient } from "../app/ports";
import type { ProcessMessageDeps } from "../app/process-message";
import type { Config, Environment } from "../config";
import { errorFields } from "../domain/errors";
import type { FcContext } from "../fc/context";
import { configOnFirstUse, configuredLogger } from "./config-on-first-use";
import { eventPublisherFor } from "./mns";
import { perKeys } from "./per-keys";
import { processQueueEvent, type QueueEventSummary } from "./queue-event";
import { recordStoreFor } from "./record-store";

/**
 * One pacer for the life of the instance, so each account's throttling share and window hint
 * survive key rotation; the schedule itself lives in the ledger, shared by every instance. The
 * ledger is replaced when FC rotates the keys (`use`) and read by the pacer at each take.
 */
function instancePacer(logger: Logger) {
  let current: CallSlotLedger | undefined;
  const ledgerOfCurrentKeys: CallSlotLedger = {
    take: (accountId, window, count) => {
      if (!current) throw new Error("the call-slot ledger is used before the worker is wired");
      return current.take(accountId, window, count);
    },
  };
  let pacer: SharedCallPacer | undefined;
  return {
    use: (ledger: CallSlotLedger) => {
      current = ledger;
    },
    pacer: (accountQps: number): SharedCallPacer => {
      pacer ??= new SharedCallPacer(ledgerOfCurrentKeys, systemClock, { accountQps }, (err) =>
        logger.warn("call-slot ledger failed; the call waits for redelivery", {
          error: errorFields(err),
        }),
      );
      return pacer;
    },
  };
}

function callSlotLedgerFor(cfg: Config, keys: AccessKeyCredentials): CallSlotLedger {
  return new TablestoreCallSlotLedger({
    table: cfg.worker.callSlotsTable,
    client: createTablestoreClient({
      endpoint: cfg.tablestore.endpoint,
      instanceName: cfg.tablestore.instance,
      credentials: keys,
    }),
  });
}

function pipelineClientFor(cfg: Config, keys: AccessKeyCredentials, context: FcContext): PipelineClient {
  return createPipelineClient({
    endpoint: cfg.ecsEndpoint,
    credentials: assumedRoleCredentials({
      serviceAccountId: cfg.serviceAccountId,
      own: keys,
      roleName: cfg.crossAccount.roleName,
      ...(cfg.crossAccount.externalId ? { externalId: cfg.crossAccount.externalId } : {}),
      assumeRole: createStsRoleAssumer({ endpoint: cfg.stsEndpoint, regionId: context.region }),
    }),
  });
}

/** One worker instance's use-case dependencies, from its environment (process.env in FC). */
export function workerWiring(env: Environment): (context: FcContext) => ProcessMessageDeps {
  const config = configOnFirstUse(env);
  const logger = configuredLogger(config, { function: "worker" });
  const pacing = instancePacer(logger);
  return perKeys(config, (cfg, keys, context): ProcessMessageDeps => {
    pacing.use(callSlotLedgerFor(cfg, keys));
    const publisher = eventPublisherFor(cfg, context, keys, logger);
    return {
      store: recordStoreFor(cfg, keys),
      pipelines: pipelineClientFor(cfg, keys, context),
      clock: systemClock,
      random: Math.random,
      logger,
      ...(publisher ? { publisher } : {}),
      maxAttempts: cfg.worker.maxAttempts,
      // Every instance takes its calls' slots from one schedule per account, shared through Tablestore.
      pacer: pacing.pacer(cfg.worker.ecsQpsPerAccount),
    };
  });
}

/**
 * One worker function instance, configured from `env` at its first invocation: each queued record
 * id is claimed, sent to CreateImagePipeline and settled on its own (shared/app/process-queue-event).
 * functions/worker builds it once per instance; a test builds its own with the environment it wants.
 */
export function createWorkerFunction(env: Environment = process.env) {
  const deps = workerWiring(env);
  return middy<unknown, QueueEventSummary, Error, FcContext>().handler((event, context) => {
    // The budget runs from the moment the invocation was entered, before any wiring.
    const startedAt = new Date();
    return processQueueEvent(event, context, deps(context), startedAt);
  });
}
