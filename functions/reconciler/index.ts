/**
 * The timer trigger's function (docs/processing.md, "Reconciler"): queues again the records that
 * nothing will pick up - `pending` for longer than RECONCILE_PENDING_AFTER_SECONDS, or `running`
 * with an expired lease. It only sends messages and never writes a record, so it is safe at any
 * time and beside workers. The timer event (`{triggerTime, triggerName, payload}`) carries nothing
 * it needs. Built once per instance; wiring: shared/composition/reconciler.
 */
import { createReconcilerFunction } from "../../shared/composition/reconciler";

export const handler = createReconcilerFunction();
