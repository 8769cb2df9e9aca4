/**
 * Wiring for the reconciler: the record store and the request queue from the configuration and
 * the FC context's credentials, built on first use and rebuilt only when FC rotates the keys. The
 * one module of the reconciler that names concrete adapters; it carries no ECS or STS SDK.
 */
import { createJsonLogger } from "../adapters/logger";
import { systemClock } from "../adapters/system-clock";
import { type ReconcileDeps, type ReconcileOptions, type ReconcileReport, reconcile } from "../app/reconcile";
import { config } from "../config";
import type { FcContext } from "../fc/context";
import { eventPublisherFor, requestQueueFor } from "./mns";
import { perKeys } from "./per-keys";
import { recordStoreFor } from "./record-store";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const reconcilerLogger = createJsonLogger({
  level: () => config().logLevel,
  base: { function: "reconciler" },
});

export const reconcilerDeps = perKeys((cfg, keys, context): ReconcileDeps => {
  // EVENTS_TOPIC set: the reconciler also publishes overdue owed events (the outbox).
  const publisher = eventPublisherFor(cfg, context, keys, reconcilerLogger);
  return {
    store: recordStoreFor(cfg, keys),
    queue: requestQueueFor(cfg, context, keys),
    clock: systemClock,
    logger: reconcilerLogger,
    ...(publisher ? { publisher } : {}),
  };
});

/** RECONCILE_PENDING_AFTER_SECONDS; the sweep limits keep shared/app/reconcile's defaults. */
export function reconcilerOptions(): Partial<ReconcileOptions> {
  const { pendingAfterSeconds, eventOwedAfterSeconds } = config().reconciler;
  return { pendingAfterMs: pendingAfterSeconds * 1000, eventOwedAfterMs: eventOwedAfterSeconds * 1000 };
}

export type { ReconcileReport } from "../app/reconcile";

/** One sweep with this instance's wiring: what the timer trigger's function runs. */
export function reconcileNow(context: FcContext): Promise<ReconcileReport> {
  return reconcile(reconcilerDeps(context), reconcilerOptions());
}
