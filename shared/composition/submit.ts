/**
 * What only submit needs beside ./http: the request queue it sends to, and the completion-event
 * publisher for cancellations (when EVENTS_TOPIC is set). Built from the FC context's keys on first
 * use and rebuilt only when those change. Also the services the submit operations get per request
 * (`submitServices`), so functions/submit names no adapter.
 */

import { withLogFields } from "../adapters/logger";
import type { EventPublisher, Logger, RequestQueue } from "../app/ports";
import type { FcContext } from "../fc/context";
import type { SubmitServices } from "../http/submit-operations";
import { httpLogger, httpPorts } from "./http";
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

/** The submit function's logger: every line names the function. */
export const submitLogger: Logger = withLogFields(httpLogger, { function: "submit" });

/** What accepting, cancelling and validating need for one request; the logger also names the request. */
export function submitServices(context: FcContext): SubmitServices {
  const { store, clock, config } = httpPorts(context);
  const logger = withLogFields(httpLogger, { function: "submit", requestId: context.requestId });
  const { queue, publisher } = submitSenders(context);
  return {
    accept: { store, queue, clock, logger, serviceAccountId: config.serviceAccountId },
    cancel: { store, clock, logger, ...(publisher ? { publisher } : {}) },
    validate: { serviceAccountId: config.serviceAccountId },
  };
}
