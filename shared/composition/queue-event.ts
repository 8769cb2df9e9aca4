/**
 * The worker's edge: the MNS trigger event, in whichever form FC delivers it (shared/fc), read
 * into the record ids its message bodies name (shared/adapters/mns/queue-body), then handed to the
 * use case (shared/app/process-queue-event), which sees ids and never an FC or MNS format.
 */
import { recordIdOfBody } from "../adapters/mns/queue-body";
import type { ProcessMessageDeps } from "../app/process-message";
import {
  type InvocationContext,
  processQueueMessages,
  type QueueEventSummary,
  type QueueMessage,
} from "../app/process-queue-event";
import { parseQueueTriggerEvent } from "../fc/queue-trigger-event";

export type { QueueEventSummary } from "../app/process-queue-event";

/**
 * Every message of the event, each with its record id or the reason it cannot be read. Throws the
 * parser's TriggerEventError for an event of no known form.
 */
export function queueMessagesOf(event: unknown): QueueMessage[] {
  return parseQueueTriggerEvent(event).map((entry): QueueMessage => {
    if (!entry.ok) return { ok: false, messageId: entry.messageId, problem: entry.problem };
    const { messageId, body } = entry.message;
    try {
      return { ok: true, messageId, recordId: recordIdOfBody(body) };
    } catch (err) {
      return { ok: false, messageId, problem: err instanceof Error ? err.message : String(err) };
    }
  });
}

/**
 * One worker invocation: the event read at the edge, then the use case (processQueueMessages). An
 * unreadable event rejects the returned promise, as every other failure of the invocation does.
 */
export async function processQueueEvent(
  event: unknown,
  context: InvocationContext,
  deps: ProcessMessageDeps,
  startedAt?: Date,
): Promise<QueueEventSummary> {
  return processQueueMessages(queueMessagesOf(event), context, deps, startedAt);
}
