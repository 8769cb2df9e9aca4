/**
 * The timer trigger's function (docs/processing.md, "Reconciler"): queues again the records that
 * nothing will pick up - `pending` for longer than RECONCILE_PENDING_AFTER_SECONDS, or `running`
 * with an expired lease. It only sends messages and never writes a record, so it is safe at any
 * time and beside workers. The timer event (`{triggerTime, triggerName, payload}`) carries nothing
 * it needs. Wiring: shared/composition/reconciler.
 */
import middy from "@middy/core";
import { type ReconcileReport, reconcileNow } from "../../shared/composition/reconciler";
import type { FcContext } from "../../shared/fc/context";

export const handler = middy<unknown, ReconcileReport, Error, FcContext>().handler((_event, context) =>
  reconcileNow(context),
);
