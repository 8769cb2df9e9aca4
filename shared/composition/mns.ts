/**
 * MNS clients every function builds the same way: in the service account, at MNS_ENDPOINT or else
 * the public endpoint of the function's region, with the function's own keys.
 */

import type { AccessKeyCredentials } from "../adapters/credentials/index";
import { createMnsClient, type MnsSdkClient } from "../adapters/mns/client";
import { MnsEventPublisher } from "../adapters/mns/event-publisher";
import { MnsRequestQueue } from "../adapters/mns/request-queue";
import type { Logger, RequestQueue } from "../app/ports";
import type { Config } from "../config";
import type { FcContext } from "../fc/context";

type Placement = Pick<FcContext, "accountId" | "region">;

export function mnsClientFor(cfg: Config, context: Placement, keys: AccessKeyCredentials): MnsSdkClient {
  return createMnsClient({
    accountId: context.accountId || cfg.serviceAccountId,
    ...keys,
    endpoint: cfg.mns.endpoint,
    region: context.region,
  });
}

export function requestQueueFor(cfg: Config, context: Placement, keys: AccessKeyCredentials): RequestQueue {
  return new MnsRequestQueue({ queue: cfg.mns.queue, client: mnsClientFor(cfg, context, keys) });
}

/** The completion-event publisher when EVENTS_TOPIC is set; undefined when events are off. */
export function eventPublisherFor(
  cfg: Config,
  context: Placement,
  keys: AccessKeyCredentials,
  logger: Logger,
): MnsEventPublisher | undefined {
  if (!cfg.mns.eventsTopic) return undefined;
  return new MnsEventPublisher({
    topic: cfg.mns.eventsTopic,
    logger,
    client: mnsClientFor(cfg, context, keys),
  });
}
