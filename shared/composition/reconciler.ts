/**
 * Wiring for the reconciler: the record store and the request queue from the configuration and
 * the FC context's credentials, built on first use and rebuilt only when FC rotates the keys. The
 * one module of the reconciler that names concrete adapters; it carries no ECS or STS SDK.
 */
import { credentialsFromContext, keysFingerprint } from "../adapters/credentials/index";
import { createJsonLogger } from "../adapters/logger";
import { systemClock } from "../adapters/system-clock";
import type { ReconcileDeps, ReconcileOptions } from "../app/reconcile";
import { config } from "../config";
import type { FcContext } from "../fc/context";
import { requestQueueFor } from "./mns";
import { recordStoreFor } from "./record-store";

/** Logs at the configured level once the configuration is readable, at `info` before. */
export const reconcilerLogger = createJsonLogger({
  level: () => config().logLevel,
  base: { function: "reconciler" },
});

let cached: { key: string; deps: ReconcileDeps } | undefined;

export function reconcilerDeps(context: FcContext): ReconcileDeps {
  const cfg = config();
  const keys = credentialsFromContext(context);
  const key = keysFingerprint(keys);
  if (cached?.key === key) return cached.deps;
  const deps: ReconcileDeps = {
    store: recordStoreFor(cfg, keys),
    queue: requestQueueFor(cfg, context, keys),
    clock: systemClock,
    logger: reconcilerLogger,
  };
  cached = { key, deps };
  return deps;
}

/** RECONCILE_PENDING_AFTER_SECONDS; the sweep limits keep shared/app/reconcile's defaults. */
export function reconcilerOptions(): Partial<ReconcileOptions> {
  return { pendingAfterMs: config().reconciler.pendingAfterSeconds * 1000 };
}
