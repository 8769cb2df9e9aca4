/**
 * What only submit needs beside ./http: the request queue it sends to, and the completion-event
 * publisher for cancellations (when EVENTS_TOPIC is set). Built from the FC context's keys on first
 * use and rebuilt only when those change.
 */

import { credentialsFromContext, keysFingerprint } from "../adapters/credentials/index";
import type { EventPublisher, RequestQueue } from "../app/ports";
import { config } from "../config";
import type { FcContext } from "../fc/context";
import { httpLogger } from "./http";
import { eventPublisherFor, requestQueueFor } from "./mns";

export interface SubmitSenders {
  queue: RequestQueue;
  publisher?: EventPublisher;
}

let cached: { key: string; senders: SubmitSenders } | undefined;

export function submitSenders(context: FcContext): SubmitSenders {
  const keys = credentialsFromContext(context);
  const key = keysFingerprint(keys);
  if (cached?.key === key) return cached.senders;
  const cfg = config();
  const publisher = eventPublisherFor(cfg, context, keys, httpLogger);
  const senders = { queue: requestQueueFor(cfg, context, keys), ...(publisher ? { publisher } : {}) };
  cached = { key, senders };
  return senders;
}
