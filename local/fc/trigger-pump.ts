/**
 * The local MNS queue trigger: what EventBridge's event stream does for the deployed worker
 * (reference/fc3.md §2.2-2.4, s.yaml's `requests-queue` trigger). It long-polls the queue through the
 * real `@alicloud/mns` SDK, cuts batches by count or time window, invokes the worker with the
 * CloudEvents array (bodies as received, i.e. base64, because s.yaml sets IsBase64Decode false),
 * deletes the batch's messages when the invocation returned, and otherwise makes them visible again
 * after `retryDelaySeconds` so they are redelivered, as a failed push is retried.
 *
 * `duplicateRate` (read on every batch from the MNS emulator's faults) delivers a message a second
 * time: half of the time concurrently with the first delivery, in an invocation of its own, and
 * otherwise again once the first invocation is over.
 */
import { randomUUID } from "node:crypto";
import type { SdkReceivedMessage } from "@alicloud/mns/lib/client.js";
import type { MnsSdkClient } from "../../shared/adapters/mns";
import { toMnsError } from "../../shared/adapters/mns";
import type { FunctionRuntime, InvocationResult } from "./invoker";

export interface TriggerPumpOptions {
  mns: MnsSdkClient;
  queue: string;
  worker: FunctionRuntime;
  accountId: string;
  region: string;
  /** Messages per invocation at most (EventBridge CountBasedWindow); default 10, MNS allows 1..16 per receive. */
  batchSize?: number;
  /** How long a batch waits for more messages after the first (TimeBasedWindow); default 200 ms. */
  batchWindowMs?: number;
  /** Long-poll wait per receive; also how quickly `stop()` and `pause()` take effect. Default 1 s. */
  waitSeconds?: number;
  /** Delay before a failed batch's messages are delivered again; default 2 s. */
  retryDelaySeconds?: number;
  /**
   * Delay before the messages of a killed or timed-out invocation come back; default
   * `retryDelaySeconds`. Such an invocation leaves its records leased, so redelivering before the
   * lease ran out would only be acknowledged as "another worker has it".
   */
  crashRetryDelaySeconds?: number;
  /** Invocations in flight at most; default 4. */
  maxConcurrentBatches?: number;
  duplicateRate: () => number;
  random?: () => number;
  /** Receive/delete failures (e.g. MNS faults); the pump keeps going. */
  onError?: (err: unknown) => void;
}

export interface PumpStats {
  batches: number;
  deliveries: number;
  /** Invocations that returned; their messages were deleted. */
  acknowledged: number;
  /** Invocations that threw, timed out or were killed; their messages are redelivered. */
  failed: number;
  duplicates: number;
}

export interface TriggerPump {
  /** Resolves once no receive is in progress, so a message sent afterwards stays in the queue. */
  pause(): Promise<void>;
  resume(): void;
  readonly paused: boolean;
  stats(): PumpStats;
  /** Stops receiving and waits for the invocations in flight to settle. */
  stop(): Promise<void>;
}

interface Delivery {
  message: SdkReceivedMessage;
  requestId: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startTriggerPump(options: TriggerPumpOptions): TriggerPump {
  const batchSize = Math.min(16, Math.max(1, options.batchSize ?? 10));
  const windowMs = options.batchWindowMs ?? 200;
  const waitSeconds = options.waitSeconds ?? 1;
  const retryDelaySeconds = Math.max(1, options.retryDelaySeconds ?? 2);
  const crashRetryDelaySeconds = Math.max(retryDelaySeconds, options.crashRetryDelaySeconds ?? 0);
  const maxConcurrent = options.maxConcurrentBatches ?? 4;
  const random = options.random ?? Math.random;
  const report = options.onError ?? (() => {});
  const stats: PumpStats = { batches: 0, deliveries: 0, acknowledged: 0, failed: 0, duplicates: 0 };
  const inFlight = new Set<Promise<void>>();
  let running = true;
  let paused = false;
  let receiving: Promise<unknown> = Promise.resolve();
  let wake: (() => void) | undefined;

  const source = `MNS-${options.worker.name}-${options.queue}`;
  const subject = `acs:mns:${options.region}:${options.accountId}:queues/${options.queue}`;

  function cloudEvent({ message, requestId }: Delivery): Record<string, unknown> {
    const enqueued = Number(message.EnqueueTime);
    return {
      id: randomUUID(),
      source,
      specversion: "1.0",
      type: "mns:Queue:SendMessage",
      datacontenttype: "application/json; charset=utf-8",
      subject,
      time: new Date(Number.isFinite(enqueued) ? enqueued : Date.now()).toISOString(),
      aliyunaccountid: options.accountId,
      aliyunpublishtime: new Date().toISOString(),
      aliyunoriginalaccountid: options.accountId,
      aliyuneventbusname: source,
      aliyunregionid: options.region,
      aliyunpublishaddr: "127.0.0.1",
      data: { requestId, messageId: message.MessageId, messageBody: message.MessageBody },
    };
  }

  /** One receive; an empty queue (404 MessageNotExist) is an empty list. */
  async function receive(count: number, wait: number): Promise<Delivery[]> {
    try {
      const response = await options.mns.batchReceiveMessage(options.queue, count, wait);
      const requestId = response.headers["x-mns-request-id"] ?? "";
      return (response.body ?? []).map((message) => ({ message, requestId }));
    } catch (err) {
      const error = toMnsError(err);
      if (error.code !== "MessageNotExist") {
        report(error);
        await sleep(200);
      }
      return [];
    }
  }

  /** A batch: the first messages by long poll, then more until the window closes or it is full. */
  async function collectBatch(): Promise<Delivery[]> {
    const batch = await receive(batchSize, waitSeconds);
    if (batch.length === 0) return batch;
    const closesAt = Date.now() + windowMs;
    while (batch.length < batchSize && Date.now() < closesAt && running && !paused) {
      const more = await receive(batchSize - batch.length, 0);
      if (more.length === 0) await sleep(Math.min(50, Math.max(0, closesAt - Date.now())));
      batch.push(...more);
    }
    return batch;
  }

  async function invoke(deliveries: Delivery[]): Promise<InvocationResult> {
    stats.deliveries += deliveries.length;
    const event = Buffer.from(JSON.stringify(deliveries.map(cloudEvent)));
    return options.worker.invoke(event);
  }

  async function settle(batch: Delivery[], result: InvocationResult): Promise<void> {
    const handles = batch.map((d) => d.message.ReceiptHandle);
    const delay = !result.ok && result.kind !== "error" ? crashRetryDelaySeconds : retryDelaySeconds;
    try {
      if (result.ok) {
        await options.mns.batchDeleteMessage(options.queue, handles);
      } else {
        await Promise.all(
          handles.map((h) =>
            options.mns.changeMessageVisibility(options.queue, h, delay).catch(() => undefined),
          ),
        );
      }
    } catch (err) {
      // A handle whose visibility ran out is stale; the message comes back and the replay is a no-op.
      const error = toMnsError(err);
      if (error.code !== "ReceiptHandleError" && error.code !== "MessageNotExist") report(error);
    }
  }

  async function deliver(batch: Delivery[]): Promise<void> {
    stats.batches++;
    const rate = options.duplicateRate();
    const again: Delivery[] = [];
    const concurrent: Promise<InvocationResult>[] = [];
    for (const delivery of batch) {
      if (!(rate > 0 && random() < rate)) continue;
      stats.duplicates++;
      if (random() < 0.5) concurrent.push(invoke([delivery]));
      else again.push(delivery);
    }
    const result = await invoke(batch);
    if (result.ok) stats.acknowledged++;
    else stats.failed++;
    await settle(batch, result);
    await Promise.all(concurrent);
    if (again.length > 0) await invoke(again);
  }

  function track(work: Promise<void>): void {
    const tracked = work.catch(report).finally(() => {
      inFlight.delete(tracked);
      wake?.();
    });
    inFlight.add(tracked);
  }

  async function loop(): Promise<void> {
    while (running) {
      if (paused || inFlight.size >= maxConcurrent) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const batchPromise = collectBatch();
      receiving = batchPromise;
      const batch = await batchPromise;
      if (batch.length > 0) track(deliver(batch));
    }
  }

  const looping = loop().catch(report);

  return {
    pause: async () => {
      paused = true;
      await receiving;
    },
    resume: () => {
      paused = false;
      wake?.();
    },
    get paused() {
      return paused;
    },
    stats: () => ({ ...stats }),
    stop: async () => {
      running = false;
      wake?.();
      await looping;
      await Promise.all(inFlight);
    },
  };
}
