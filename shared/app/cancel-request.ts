/**
 * Cancelling a request (docs/http-api.md, "Cancellation"): `pending -> cancelled` as a conditional
 * write on `pending`, so a worker that claims the record at the same moment and the cancel cannot
 * both win. Losing that race answers like any other non-pending record: a conflict with the state
 * the record is in now.
 */
import { errorFields } from "../domain/errors";
import { cancel, type PipelineRecord } from "../domain/record";
import { payOwedEvent } from "./completion-events";
import type { Clock, EventPublisher, Logger, RecordStore } from "./ports";
import { canSee, type Requester } from "./requester";

export interface CancelDependencies {
  store: RecordStore;
  clock: Clock;
  logger: Logger;
  /** Completion events (optional): a cancelled record is terminal, so it is announced like the others. */
  publisher?: EventPublisher;
}

export type CancelOutcome =
  | { kind: "cancelled"; record: PipelineRecord }
  | { kind: "not-found" }
  | { kind: "conflict"; record: PipelineRecord };

export async function cancelRequest(
  deps: CancelDependencies,
  requester: Requester,
  id: string,
): Promise<CancelOutcome> {
  const record = await deps.store.get(id);
  if (!record || !canSee(requester, record)) return { kind: "not-found" };
  const move = cancel(record, deps.clock.now());
  if (!move.ok) return { kind: "conflict", record };
  if ((await deps.store.update(move.record, { from: move.from })) === "applied") {
    deps.logger.info("request cancelled", { recordId: id, by: requester.sub });
    // The outbox: the cancel owes its event; marking it sent may fail, and the reconciler re-sends.
    await payOwedEvent(deps, move.record).catch((err: unknown) =>
      deps.logger.warn("cancel event published but not marked sent", {
        recordId: id,
        error: errorFields(err),
      }),
    );
    return { kind: "cancelled", record: move.record };
  }
  const current = await deps.store.get(id);
  return current ? { kind: "conflict", record: current } : { kind: "not-found" };
}
