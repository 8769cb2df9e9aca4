/**
 * What only submit needs beside ./http: the request queue it sends to, and the completion-event
 * publisher for cancellations (when EVENTS_TOPIC is set). Built from the FC context's keys on first
 * use and rebuilt only when those change.
 */

import type { EventPublisher, RequestQueue } from "../app/ports";
import { httpLogger } from "./http";
import { eventPublisherFor, requestQueueFor } from "./mns";
import { perKeys } from "./per-keys";

export interface SubmitSenders {
  queue: RequestQueue;
  publisher?: EventPublisher;
}

export const submitSenders = perKeys((cfg, keys, context): SubmitSenders => {
  const publisher = eventPublisherFor(cfg, context, keys, httpLogger);
  return { queue: requestQueueFor(cfg, context, keys), ...(publisher ? { publisher } : {}) };
});
