/**
 * One worker invocation: every message of the trigger event handled on its own (docs/processing.md,
 * "Flow", step 2), then one answer for the platform. Messages run concurrently, a few at a time:
 * one record backing off from throttling must not hold the others back (run one after another, a
 * batch of ten throttled records would spend the whole invocation on the first), and a small limit
 * keeps a large batch from bursting past ECS's per-account rate and making the throttling worse.
 *
 * The platform has no partial acknowledgement: if any message needs redelivery the invocation
 * throws after every other message is settled, and the whole event comes back. The settled ones
 * are then no-ops (their records are terminal, or held by the lease of the worker handling them).
 */

import { errorFields, ServiceError } from "../domain/errors";
import { instanceCallPacer } from "./call-rate";
import { InvocationBudget } from "./invocation-budget";
import { type MessageOutcome, type ProcessMessageDeps, processMessage } from "./process-message";

/**
 * Messages in flight at once within one invocation: a whole batch of s.yaml's CountBasedWindow
 * (10). Their ECS calls cannot burst past the account's rate: each waits for its slot in the
 * schedule every instance shares (./call-rate).
 */
export const MESSAGE_CONCURRENCY = 10;

export interface QueueEventSummary {
  messages: number;
  acknowledged: number;
  /** Messages that could not be read; acknowledged, since a redelivery cannot make them readable. */
  unreadable: number;
}

/** Thrown on purpose so FC fails the invocation and MNS delivers these messages again: transient by design. */
export class RedeliveryRequested extends ServiceError {
  override readonly name = "RedeliveryRequested";
  declare readonly code: "MessagesLeftForRedelivery";
  constructor(readonly recordIds: string[]) {
    super(
      "MessagesLeftForRedelivery",
      `${recordIds.length} message(s) left for redelivery: ${recordIds.join(", ")}`,
      { transient: true },
    );
  }
}

/**
 * One message of the trigger event, already read at the edge (shared/composition/queue-event): the
 * record id its body names, or why it could not be read. The use case never sees FC or MNS formats.
 */
export type QueueMessage =
  | { ok: true; messageId?: string | undefined; recordId: string }
  | { ok: false; messageId?: string | undefined; problem: string };

/** What the use case needs of the invocation: its id for the logs and its timeout for the budget. */
export interface InvocationContext {
  requestId: string;
  function: { timeout: number };
}

async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Handles the messages of one trigger event. `startedAt` is when the invocation began (the budget
 * runs from then). Throws {@link RedeliveryRequested} when any record needs another invocation.
 */
export async function processQueueMessages(
  messages: readonly QueueMessage[],
  context: InvocationContext,
  deps: ProcessMessageDeps,
  startedAt: Date = deps.clock.now(),
): Promise<QueueEventSummary> {
  const budget = InvocationBudget.fromTimeout(deps.clock, context.function.timeout, startedAt);
  // Without a pacer of its own the instance paces its calls with the defaults (shared/app/call-rate).
  const paced: ProcessMessageDeps = deps.pacer ? deps : { ...deps, pacer: instanceCallPacer(deps.clock) };
  const recordIds = new Set<string>();
  let unreadable = 0;
  for (const message of messages) {
    if (!message.ok) {
      unreadable++;
      deps.logger.warn("unreadable message acknowledged", {
        requestId: context.requestId,
        messageId: message.messageId,
        problem: message.problem,
      });
      continue;
    }
    // A duplicate inside one batch is handled once; the second copy would only lose the claim.
    recordIds.add(message.recordId);
  }

  const outcomes = await inPool([...recordIds], MESSAGE_CONCURRENCY, async (id): Promise<MessageOutcome> => {
    try {
      return await processMessage(id, paced, budget);
    } catch (err) {
      // The store (or something unforeseen) failed: keep the message, the others go on.
      deps.logger.error("message failed; left for redelivery", {
        requestId: context.requestId,
        recordId: id,
        error: errorFields(err),
      });
      return { action: "redeliver", recordId: id, reason: "processing-failed" };
    }
  });

  const redeliver = outcomes.filter((o) => o.action === "redeliver").map((o) => o.recordId);
  if (redeliver.length > 0) throw new RedeliveryRequested(redeliver);
  return { messages: messages.length, acknowledged: messages.length, unreadable };
}
