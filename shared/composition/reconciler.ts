/**
 * The reconciler function: the record store and the request queue from the configuration and the
 * FC context's credentials, built on first use and rebuilt only when FC rotates the keys, and one
 * sweep per timer event. The one module of the reconciler that names concrete adapters; it carries
 * no ECS or STS SDK.
 */
import middy from "@middy/core";
import { systemClock } from "../adapters/system-clock";
import { type ReconcileDeps, type ReconcileOptions, type ReconcileReport, reconcile } from "../app/reconcile";
import type { Config, Environment } from "../config";
import type { FcContext } from "../fc/context";
import { configOnFirstUse, configuredLogger } from "./config-on-first-use";
import { eventPublisherFor, requestQueueFor } from "./mns";
import { perKeys } from "./per-keys";
import { recordStoreFor } from "./record-store";

export type { ReconcileReport } from "../app/reconcile";

/** RECONCILE_PENDING_AFTER_SECONDS; the sweep limits keep shared/app/reconcile's defaults. */
function reconcilerOptions(cfg: Config): Partial<ReconcileOptions> {
  const { pendingAfterSeconds, eventOwedAfterSeconds } = cfg.reconciler;
  return { pendingAfterMs: pendingAfterSeconds * 1000, eventOwedAfterMs: eventOwedAfterSeconds * 1000 };
}

/**
 * One reconciler function instance, configured from `env` at its first invocation. The timer
 * event carries nothing it needs. functions/reconciler builds it once per instance; a test builds
 * its own with the environment it wants.
 */
export function createReconcilerFunction(env: Environment = process.env) {
  const config = configOnFirstUse(env);
  const logger = configuredLogger(config, { function: "reconciler" });
  const deps = perKeys(config, (cfg, keys, context): ReconcileDeps => {
    // EVENTS_TOPIC set: the reconciler also publishes overdue owed events (the outbox).
    const publisher = eventPublisherFor(cfg, context, keys, logger);
    return {
      store: recordStoreFor(cfg, keys),
      queue: requestQueueFor(cfg, context, keys),
      clock: systemClock,
      logger,
      ...(publisher ? { publisher } : {}),
    };
  });
  return middy<unknown, ReconcileReport, Error, FcContext>().handler((_event, context) =>
    reconcile(deps(context), reconcilerOptions(config())),
  );
}
