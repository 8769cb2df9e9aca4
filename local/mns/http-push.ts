/**
 * Pushes to HTTP endpoints (HttpEndpoint, https://www.alibabacloud.com/help/en/mns/httpendpoint):
 * for each publication an HTTP subscription must receive, a signed POST to the endpoint's path
 * (`/notifications` when the URL has none), the body per NotifyContentFormat. A push succeeds on a
 * 2xx answer within 5 s; anything else (another status, a refused connection, no answer in time)
 * is retried on the subscription's NotifyStrategy, and after the last retry the notification is
 * discarded (the subscription has no dead-letter queue here). Deliveries live in memory only.
 */
import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { type NotifyContentFormat, type Publication, renderNotification } from "./notifications";
import type { PushSigner } from "./signing";
import type { SubscriptionRecord } from "./store";

/** The documented schedules, in seconds (https://www.alibabacloud.com/help/en/mns/notifystrategy). */
export function retryDelaysSeconds(strategy: string, random: () => number): number[] {
  if (strategy === "EXPONENTIAL_DECAY_RETRY") {
    // 176 retries over about a day: 1, 2, 4 ... 256, then 167 of 512.
    return [...Array.from({ length: 9 }, (_, i) => 2 ** i), ...Array<number>(167).fill(512)];
  }
  // BACKOFF_RETRY: 3 retries, each 10 to 20 s after the last failure at random.
  return Array.from({ length: 3 }, () => 10 + 10 * random());
}

export interface HttpPushOptions {
  /** Multiplies every retry delay (tests: 0.001 makes BACKOFF_RETRY 10-20 ms); default 1. */
  retryDelayScale?: number;
  /** How long a push waits for the answer; default 5000 ms, as MNS. */
  timeoutMs?: number;
}

export interface HttpPushStats {
  topicOwner: string;
  topicName: string;
  subscriptionName: string;
  endpoint: string;
  /** Notifications the endpoint took (2xx). */
  delivered: number;
  /** Posts that failed (status, connection or timeout), each then retried or discarded. */
  failedAttempts: number;
  /** Notifications given up after the last retry. */
  discarded: number;
  /** Notifications still being delivered or waiting for a retry. */
  pending: number;
}

const CONTENT_TYPES: Record<NotifyContentFormat, string> = {
  XML: "text/xml;charset=utf-8",
  JSON: "application/json;charset=utf-8",
  SIMPLIFIED: "text/plain;charset=utf-8",
};

interface Push {
  url: URL;
  format: NotifyContentFormat;
  body: string;
  publication: Publication;
}

/** The headers of one attempt, signed as the verification page describes. */
export function signedPushHeaders(push: Push, signer: PushSigner, certificateUrl: string, date: Date) {
  const contentMd5 = Buffer.from(createHash("md5").update(push.body, "utf8").digest("hex")).toString(
    "base64",
  );
  const contentType = CONTENT_TYPES[push.format];
  const mnsHeaders: Record<string, string> = {
    "x-mns-request-id": randomBytes(12).toString("hex").toUpperCase(),
    "x-mns-signing-cert-url": Buffer.from(certificateUrl).toString("base64"),
    "x-mns-version": "2015-06-06",
  };
  if (push.format === "SIMPLIFIED") {
    mnsHeaders["x-mns-message-id"] = push.publication.messageId;
    if (push.publication.messageTag !== "") mnsHeaders["x-mns-message-tag"] = push.publication.messageTag;
  }
  const canonical = Object.keys(mnsHeaders)
    .sort()
    .map((name) => `${name}:${mnsHeaders[name]}\n`)
    .join("");
  const dateText = date.toUTCString();
  const stringToSign = `POST\n${contentMd5}\n${contentType}\n${dateText}\n${canonical}${pushPath(push.url)}`;
  return {
    ...mnsHeaders,
    Authorization: signer.sign(stringToSign),
    "Content-MD5": contentMd5,
    "Content-Type": contentType,
    "Content-Length": String(Buffer.byteLength(push.body, "utf8")),
    Date: dateText,
  };
}

/** The request path: the endpoint's own, or `/notifications` when it names none. */
export function pushPath(url: URL): string {
  return url.pathname === "/" && url.search === "" ? "/notifications" : `${url.pathname}${url.search}`;
}

export interface HttpPusher {
  push(subscription: SubscriptionRecord, publication: Publication): void;
  stats(): HttpPushStats[];
  /** Forgets the counts (control.reset); deliveries under way go on. */
  resetStats(): void;
  /** Stops every pending delivery (timers and open posts). */
  close(): void;
}

export function createHttpPusher(deps: {
  signer: PushSigner;
  certificateUrl: () => string;
  random: () => number;
  options?: HttpPushOptions | undefined;
}): HttpPusher {
  const scale = deps.options?.retryDelayScale ?? 1;
  const timeoutMs = deps.options?.timeoutMs ?? 5000;
  const stats = new Map<string, HttpPushStats>();
  const timers = new Set<NodeJS.Timeout>();
  const posts = new Set<{ destroy: () => void }>();
  let closed = false;

  const statsOf = (s: SubscriptionRecord): HttpPushStats => {
    const key = `${s.accountId}/${s.topicName}/${s.name}`;
    let entry = stats.get(key);
    if (!entry) {
      entry = {
        topicOwner: s.accountId,
        topicName: s.topicName,
        subscriptionName: s.name,
        endpoint: s.endpoint,
        delivered: 0,
        failedAttempts: 0,
        discarded: 0,
        pending: 0,
      };
      stats.set(key, entry);
    }
    return entry;
  };

  /** One POST; resolves true on a 2xx answer within the timeout, false otherwise. */
  function postOnce(push: Push): Promise<boolean> {
    const headers = signedPushHeaders(push, deps.signer, deps.certificateUrl(), new Date());
    return new Promise((resolve) => {
      const req = httpRequest(push.url, { method: "POST", path: pushPath(push.url), headers });
      const post = { destroy: () => req.destroy() };
      posts.add(post);
      const settle = (ok: boolean): void => {
        posts.delete(post);
        resolve(ok);
      };
      const deadline = setTimeout(() => req.destroy(new Error("no answer in time")), timeoutMs);
      req.on("response", (res) => {
        clearTimeout(deadline);
        res.resume();
        settle((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
      });
      req.on("error", () => {
        clearTimeout(deadline);
        settle(false);
      });
      req.end(push.body);
    });
  }

  async function deliver(push: Push, entry: HttpPushStats, delays: number[]): Promise<void> {
    for (let attempt = 0; !closed; attempt++) {
      const ok = await postOnce(push);
      // A post cut short by close() is neither a failure nor a reason to wait for a retry.
      if (closed) break;
      if (ok) {
        entry.delivered++;
        break;
      }
      entry.failedAttempts++;
      if (attempt >= delays.length) {
        entry.discarded++;
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            resolve();
          },
          delays[attempt]! * 1000 * scale,
        );
        timers.add(timer);
      });
    }
    entry.pending--;
  }

  return {
    push: (subscription, publication) => {
      const format = subscription.notifyContentFormat;
      const push = {
        url: new URL(subscription.endpoint),
        format,
        body: renderNotification(format, subscription, publication),
        publication,
      };
      const entry = statsOf(subscription);
      entry.pending++;
      const delays = retryDelaysSeconds(subscription.notifyStrategy, deps.random);
      // After the publish is answered: MNS pushes once it has accepted the message.
      setImmediate(() => void deliver(push, entry, delays));
    },
    stats: () => [...stats.values()].map((s) => ({ ...s })),
    resetStats: () => stats.clear(),
    close: () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const post of posts) post.destroy();
    },
  };
}
