/**
 * The request queue for the submit function, built from the FC context's credentials on first use
 * and rebuilt only when those change. Kept apart from ./http-composition so the status function,
 * which never sends, does not bundle the MNS SDK.
 */
import { createMnsClient } from "../adapters/mns/client";
import { MnsRequestQueue } from "../adapters/mns/request-queue";
import { config } from "../config";
import type { FcContext } from "../fc/context";
import { contextCredentials, credentialsKey } from "./http-composition";
import type { RequestQueue } from "./ports";

let cached: { key: string; queue: RequestQueue } | undefined;

export function httpQueue(context: FcContext): RequestQueue {
  const key = credentialsKey(context);
  if (cached?.key === key) return cached.queue;
  const cfg = config();
  const queue = new MnsRequestQueue({
    queue: cfg.mns.queue,
    client: createMnsClient({
      accountId: context.accountId || cfg.serviceAccountId,
      ...contextCredentials(context),
      endpoint: cfg.mns.endpoint,
      region: context.region,
    }),
  });
  cached = { key, queue };
  return queue;
}
