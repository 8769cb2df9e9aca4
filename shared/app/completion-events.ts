/**
 * Completion events (docs/processing.md, "Completion events"): one home for what an event says and
 * for the rule that publishing never blocks or undoes the state change it reports. The worker
 * publishes when it settles a record; submit publishes when a caller cancels one.
 */
import { isTerminal, type PipelineRecord } from "../domain/record";
import type { CompletionEvent, EventPublisher, Logger } from "./ports";

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
    completedAt: record.completedAt ?? record.updatedAt,
  };
}

/** Publishes the record's event if there is a publisher; never throws (the failure is logged). */
export async function publishCompletion(
  publisher: EventPublisher | undefined,
  record: PipelineRecord,
  logger: Logger,
): Promise<void> {
  const event = completionEventOf(record);
  if (!publisher || !event) return;
  try {
    await publisher.publish(event);
  } catch (err) {
    logger.error("completion event not published", {
      recordId: record.id,
      error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
    });
  }
}
