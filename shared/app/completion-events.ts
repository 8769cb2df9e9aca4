/**
 * Completion events (docs/processing.md, "Completion events"): one home for what an event says and
 * for the rule that publishing never blocks or undoes the state change it reports. The worker
 * publishes when it settles a record; submit publishes when a caller cancels one.
 *
 * The outbox (docs/processing.md): the terminal write itself says the event is owed
 * (`eventOwedAt`); {@link payOwedEvent} publishes it and then clears the debt with a conditional
 * write. Whoever dies in between leaves the debt in the row, and the next delivery of the record's
 * message or the reconciler pays it: at least once, never lost.
 */
import { errorFields } from "../domain/errors";
import { eventSent, isTerminal, type PipelineRecord } from "../domain/record";
import type { CompletionEvent, EventPublisher, Logger, RecordStore } from "./ports";

/** The event for a terminal record; undefined for a record that is not terminal. */
export function completionEventOf(record: PipelineRecord): CompletionEvent | undefined {
  const { status } = record;
  if (!isTerminal(status) || status === "pending" || status === "running") return undefined;
  return {
    id: record.id,
    batchId: record.batchId,
    status,
    ...(record.imagePipelineId ? { imagePipelineId: record.imagePipelineId } : {}),
    ...(record.error ? { error: record.error } : {}),
    accountId: record.accountId,
    regionId: record.regionId,
    labels: record.labels ?? {},
    completedAt: record.completedAt ?? record.updatedAt,
  };
}

/**
 * Publishes the record's event if there is a publisher; never throws (the failure is logged).
 * True when the topic took it.
 */
export async function publishCompletion(
  publisher: EventPublisher | undefined,
  record: PipelineRecord,
  logger: Logger,
): Promise<boolean> {
  const event = completionEventOf(record);
  if (!publisher || !event) return false;
  try {
    return await publisher.publish(event);
  } catch (err) {
    logger.error("completion event not published", {
      recordId: record.id,
      error: errorFields(err),
    });
    return false;
  }
}

export interface OutboxDeps {
  store: RecordStore;
  /** Absent: no topic is configured, and debts stay in the rows until one is. */
  publisher?: EventPublisher;
  logger: Logger;
}

/** What became of a terminal record's owed event. */
export type OwedEventOutcome = "nothing-owed" | "paid" | "not-published" | "already-paid";

/**
 * Publishes a terminal record's owed event, then marks it sent (conditional on the same terminal
 * status). The store may throw; the debt then stays and is paid again later (a duplicate event,
 * which subscribers drop by id + status).
 */
export async function payOwedEvent(deps: OutboxDeps, record: PipelineRecord): Promise<OwedEventOutcome> {
  const sent = eventSent(record);
  if (!sent.ok) return "nothing-owed";
  if (!(await publishCompletion(deps.publisher, record, deps.logger))) return "not-published";
  const written = await deps.store.update(sent.record, { from: sent.from });
  return written === "applied" ? "paid" : "already-paid";
}
