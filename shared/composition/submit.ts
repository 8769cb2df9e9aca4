/**
 * The submit function: the HTTP chain (shared/http/http-function) with the submit operations, over
 * the ports of ./http plus what only submit needs: the request queue it sends to, and the
 * completion-event publisher for cancellations (when EVENTS_TOPIC is set). Senders are built from
 * the FC context's keys on first use and rebuilt only when those change.
 */

import { withLogFields } from "../adapters/logger";
import type { EventPublisher, RequestQueue } from "../app/ports";
import type { Environment } from "../config";
import type { FcContext } from "../fc/context";
import { createHttpFunction } from "../http/http-function";
import { type SubmitServices, submitOperations } from "../http/submit-operations";
import { type HttpWiring, httpWiring } from "./http";
import { eventPublisherFor, requestQueueFor } from "./mns";
import { perKeys } from "./per-keys";

export interface SubmitSenders {
  queue: RequestQueue;
  publisher?: EventPublisher;
}

export interface SubmitWiring extends HttpWiring {
  senders: (context: FcContext) => SubmitSenders;
  /** What accepting, cancelling and validating need for one request; the logger also names the request. */
  services: (context: FcContext) => SubmitServices;
}

/** One submit function instance's wiring, from its environment (process.env in FC). */
export function submitWiring(env: Environment): SubmitWiring {
  const http = httpWiring(env);
  const senders = perKeys(http.config, (cfg, keys, context): SubmitSenders => {
    const publisher = eventPublisherFor(cfg, context, keys, http.logger);
    return { queue: requestQueueFor(cfg, context, keys), ...(publisher ? { publisher } : {}) };
  });
  const services = (context: FcContext): SubmitServices => {
    const { store, clock, config } = http.ports(context);
    const logger = withLogFields(http.logger, { function: "submit", requestId: context.requestId });
    const { queue, publisher } = senders(context);
    return {
      accept: { store, queue, clock, logger, serviceAccountId: config.serviceAccountId },
      cancel: { store, clock, logger, ...(publisher ? { publisher } : {}) },
      validate: { serviceAccountId: config.serviceAccountId },
    };
  };
  return { ...http, senders, services };
}

/**
 * One submit function instance, configured from `env` at its first invocation. functions/submit
 * builds it once per instance; a test builds its own with the environment it wants.
 */
export function createSubmitFunction(env: Environment = process.env) {
  const wiring = submitWiring(env);
  return createHttpFunction({
    functionName: "submit",
    verifier: wiring.verifier,
    // Every line names the function.
    logger: withLogFields(wiring.logger, { function: "submit" }),
    operations: submitOperations(wiring.services),
  });
}
