/**
 * The reconciler (docs/processing.md, "Reconciler"): finds records that nothing will pick up and
 * queues them again. Two kinds:
 * - `pending` whose last change is older than `pendingAfterMs`: submit wrote the record but its
 *   message was lost (the send failed after the write, or the message went to the dead-letter
 *   queue), or the worker released it and the redelivery was lost;
 * - `running` whose lease has expired: its worker died or timed out mid-call.
 *
 * It is safe at any time and beside workers because it never changes a record's state: it only
 * sends messages, and a message for a record that is being worked on, or is already settled, is a
 * no-op (the worker's claim is a conditional write). A message sent twice costs one wasted read.
 * Its one write is the outbox's: it publishes completion events owed for too long and marks them
 * sent (./pay-overdue-events), a conditional write on the record's terminal status.
 *
 * The sweep reads the `by_status` index, which lags the table. It never acts on an index entry:
 * the store hands back each record as the base table has it now and drops those whose status moved
 * on, and `stale` judges that record's own `updatedAt` and lease. A record the index does not list
 * yet is found by a later run. The worker then reads the record by id again before anything.
 */
import type { PipelineRecord } from "../domain/record";
import { type OverdueEventReport, payOverdueEvents } from "./pay-overdue-events";
import type { Clock, EventPublisher, Logger, RecordStore, RequestQueue } from "./ports";

export interface ReconcileOptions {
  /** How long a record may stay `pending` before it is presumed to have no message in flight. */
  pendingAfterMs: number;
  /** Records looked at per status and run, so one run stays within its function's timeout. */
  maxRecords: number;
  /** Page size of the store reads. */
  pageSize: number;
  /** How long a completion event may stay owed before the reconciler publishes it. */
  eventOwedAfterMs?: number;
}

export const DEFAULT_RECONCILE_OPTIONS: ReconcileOptions = {
  pendingAfterMs: 5 * 60_000,
  maxRecords: 2_000,
  pageSize: 100,
};

export interface ReconcileDeps {
  store: RecordStore;
  queue: RequestQueue;
  clock: Clock;
  logger: Logger;
  /** Completion events (the outbox); absent when no topic is configured. */
  publisher?: EventPublisher;
}

export interface ReconcileReport extends Partial<OverdueEventReport> {
  /** Pending records queued again. */
  requeuedPending: string[];
  /** Running records with an expired lease, queued again. */
  requeuedExpired: string[];
  /** True when `maxRecords` cut the sweep short; the next run goes on. */
  truncated: boolean;
}

/** Walks a status in the store's order (oldest change first) and keeps what `stale` accepts. */
async function sweep(
  store: RecordStore,
  status: "pending" | "running",
  stale: (record: PipelineRecord) => boolean,
  options: ReconcileOptions,
): Promise<{ records: PipelineRecord[]; truncated: boolean }> {
  const records: PipelineRecord[] = [];
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await store.listByStatus(status, { limit: options.pageSize, ...(cursor ? { cursor } : {}) });
    for (const record of page.items) {
      seen += 1;
      if (stale(record)) records.push(record);
    }
    cursor = page.nextCursor;
    if (seen >= options.maxRecords) return { records, truncated: cursor !== undefined };
  } while (cursor);
  return { records, truncated: false };
}

export async function reconcile(
  deps: ReconcileDeps,
  overrides: Partial<ReconcileOptions> = {},
): Promise<ReconcileReport> {
  const options = { ...DEFAULT_RECONCILE_OPTIONS, ...overrides };
  const now = deps.clock.now().getTime();
  const pending = await sweep(
    deps.store,
    "pending",
    (r) => now - Date.parse(r.updatedAt) >= options.pendingAfterMs,
    options,
  );
  // A running record without a lease cannot happen through the state machine; treat it as expired.
  const expired = await sweep(
    deps.store,
    "running",
    (r) => r.leaseUntil === undefined || Date.parse(r.leaseUntil) <= now,
    options,
  );
  const ids = [...pending.records, ...expired.records].map((r) => ({ id: r.id }));
  if (ids.length > 0) await deps.queue.send(ids);
  const report: ReconcileReport = {
    requeuedPending: pending.records.map((r) => r.id),
    requeuedExpired: expired.records.map((r) => r.id),
    truncated: pending.truncated || expired.truncated,
  };
  if (deps.publisher) {
    const events = await payOverdueEvents(deps, {
      ...(options.eventOwedAfterMs !== undefined ? { eventOwedAfterMs: options.eventOwedAfterMs } : {}),
      maxEvents: options.maxRecords,
      pageSize: options.pageSize,
    });
    Object.assign(report, events);
  }
  deps.logger.info("reconciled", {
    requeuedPending: report.requeuedPending.length,
    requeuedExpired: report.requeuedExpired.length,
    eventsPublished: report.eventsPublished?.length ?? 0,
    topicRefused: report.topicRefused ?? false,
    truncated: report.truncated,
  });
  return report;
}
