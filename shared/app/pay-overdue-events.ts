/**
 * The reconciler's half of the outbox (docs/processing.md): terminal records whose completion event
 * has been owed for longer than `eventOwedAfterMs` - their worker died between the terminal write
 * and the publish, or the topic refused the event - get it published now, then marked sent. A topic
 * that is still down leaves every debt in place for the next run: nothing is lost however long the
 * outage lasts, and the sweep stops at the first refusal instead of hammering a topic that is down.
 */
import { payOwedEvent } from "./completion-events";
import type { Clock, EventPublisher, Logger, RecordStore } from "./ports";

export interface OverdueEventOptions {
  /** How long an event may stay owed before the reconciler publishes it (the worker's own try first). */
  eventOwedAfterMs: number;
  /** Events looked at per run, so one run stays within its function's timeout. */
  maxEvents: number;
  pageSize: number;
}

export const DEFAULT_OVERDUE_EVENT_OPTIONS: OverdueEventOptions = {
  eventOwedAfterMs: 60_000,
  maxEvents: 2_000,
  pageSize: 100,
};

export interface OverdueEventDeps {
  store: RecordStore;
  /** Absent when no topic is configured: debts stay in the rows. */
  publisher?: EventPublisher;
  clock: Clock;
  logger: Logger;
}

export interface OverdueEventReport {
  /** Record ids whose owed event was published (and marked sent) by this run. */
  eventsPublished: string[];
  /** True when the topic refused an event: the rest wait for the next run. */
  topicRefused: boolean;
}

export async function payOverdueEvents(
  deps: OverdueEventDeps,
  overrides: Partial<OverdueEventOptions> = {},
): Promise<OverdueEventReport> {
  const options = { ...DEFAULT_OVERDUE_EVENT_OPTIONS, ...overrides };
  const report: OverdueEventReport = { eventsPublished: [], topicRefused: false };
  if (!deps.publisher) return report;
  const owedSince = new Date(deps.clock.now().getTime() - options.eventOwedAfterMs).toISOString();
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await deps.store.listOwedEvents(owedSince, {
      limit: options.pageSize,
      ...(cursor ? { cursor } : {}),
    });
    for (const record of page.items) {
      seen += 1;
      const outcome = await payOwedEvent(deps, record);
      if (outcome === "not-published") {
        report.topicRefused = true;
        return report;
      }
      if (outcome === "paid") report.eventsPublished.push(record.id);
    }
    cursor = page.nextCursor;
  } while (cursor && seen < options.maxEvents);
  return report;
}
