/**
 * The MNS queue trigger's function (docs/processing.md): each queued record id is claimed, sent to
 * CreateImagePipeline and settled on its own (shared/app/process-queue-event); the invocation
 * throws, after settling the rest, when any message needs redelivery. The event is read into record
 * ids at the edge (shared/composition/queue-event); wiring is built on first use from the
 * environment and the FC context's credentials (shared/composition/worker).
 */
import middy from "@middy/core";
import { processQueueEvent, type QueueEventSummary } from "../../shared/composition/queue-event";
import { workerDeps } from "../../shared/composition/worker";
import type { FcContext } from "../../shared/fc/context";

export const handler = middy<unknown, QueueEventSummary, Error, FcContext>().handler((event, context) => {
  // The budget runs from the moment the invocation was entered, before any wiring.
  const startedAt = new Date();
  return processQueueEvent(event, context, workerDeps(context), startedAt);
});
