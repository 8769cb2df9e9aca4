/**
 * The local MNS queue trigger: what the EventBridge event stream of s.yaml's `requests-queue` trigger
 * does for the deployed worker (reference: docs/local.md, "The local FC runtime"). It long-polls the queue
 * through the real `@alicloud/mns` SDK, cuts batches by count (CountBasedWindow) or time
 * (TimeBasedWindow), and invokes the worker with the CloudEvents array (bodies as received, i.e.
 * base64, because s.yaml sets IsBase64Decode false).
 *
 * A push that fails is retried as the trigger's retry strategy says (push-retry.ts: BACKOFF_RETRY
 * is 3 retries, 10-20 s apart); when the retries run out, errors tolerance ALL sends each event of
 * the batch to the dead-letter queue (or discards it without one) and the stream goes on, while
 * NONE blocks the stream until it is resumed. The batch's messages leave the source queue once the
 * batch is settled (delivered, dead-lettered or discarded); while a retry waits they are kept
 * invisible, so nothing else receives them.
 *
 * What counts as a failed push: EventBridge's documentation does not say whether an invocation
 * that reached the function and ended in an error (thrown, timed out, instance killed) is one.
 * `functionErrors` chooses: `retry` treats it as a failed push; `acknowledge` treats it as
 * delivered (FC answered the invoke), so the messages are deleted and whatever the worker left
 * undone waits for the reconciler.
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
import type { PushRetryStrategy } from "./push-retry";

/** What a push that reached the function and ended in an error counts as (see above). */
export type FunctionErrorHandling = "retry" | "acknowledge";

export interface TriggerPumpOptions {
  mns: MnsSdkClient;
  queue: string;
  worker: FunctionRuntime;
  accountId: string;
  region: string;
  /** Messages per invocation at most (CountBasedWindow). */
  batchSize: number;
  /** How long a batch waits for more messages after the first (TimeBasedWindow), in ms. */
  batchWindowMs: number;
  /** The push retry strategy (PushRetryStrategy). */
  retryStrategy: PushRetryStrategy;
  /** Multiplies the strategy's delays; 1 (the default) is as documented. Tests pass e.g. 0.05. */
  retryDelayScale?: number | undefined;
  /** errorsTolerance: what happens to a batch whose retries ran out. */
  errorsTolerance: "ALL" | "NONE";
  /** The dead-letter queue's name (deadLetterQueue.Arn); without it a skipped batch is discarded. */
  deadLetterQueue?: string | undefined;
  /** Default `retry`. */
  functionErrors?: FunctionErrorHandling | undefined;
  /** The worker's timeout: how long one invocation may keep a batch. */
  invocationTimeoutSeconds: number;
  /** Long-poll wait per receive; also how quickly `stop()` and `pause()` take effect. Default 1 s. */
  waitSeconds?: number;
  /** Invocations in flight at most (the worker's reservedConcurrency); default 4. */
  maxConcurrentBatches?: number;
  duplicateRate: () => number;
  random?: () => number;
  /** Receive/delete/dead-letter failures (e.g. MNS faults); the pump keeps going. */
  onError?: (err: unknown) => void;
}

export interface PumpStats {
  batches: number;
  deliveries: number;
  /** Pushes that counted as delivered; their messages were deleted. */
  acknowledged: number;
  /** Of those, invocations that ended in an error (`functionErrors: "acknowledge"`). */
  acknowledgedErrors: number;
  /** Pushes that failed (each attempt counts). */
  failed: number;
  /** Retries made after a failed push. */
  retries: number;
  /** Events sent to the dead-letter queue after the retries ran out. */
  deadLettered: number;
  /** Events dropped after the retries ran out, for want of a dead-letter queue. */
  discarded: number;
  /** True once errors tolerance NONE stopped the stream; `resume()` starts it again. */
  blocked: boolean;
  duplicates: number;
}

export interface TriggerPump {
  /** Resolves once no receive is in progress, so a message sent afterwards stays in the queue. */
  pause(): Promise<void>;
  resume(): void;
  readonly paused: boolean;
  stats(): PumpStats;
  /** Stops receiving and waiting retries, and waits for the invocations in flight to settle. */
  stop(): Promise<void>;
}

interface Delivery {
  message: SdkReceivedMessage;
  /** The CloudEvent, made once: a retried push sends the same events again. */
  event: Record<string, unknown>;
}

/** MNS's BatchReceiveMessage takes at most 16 messages per call. */
const MAX_RECEIVE = 16;
/** Extra seconds a held batch stays invisible beyond the retry wait and one invocation. */
const HOLD_MARGIN_SECONDS = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startTriggerPump(options: TriggerPumpOptions): TriggerPump {
  const pump = new QueueTriggerPump(options);
  const looping = pump.loop().catch(pump.report);
  return {
    pause: () => pump.pause(),
    resume: () => pump.resume(),
    get paused() {
      return pump.paused;
    },
    stats: () => ({ ...pump.stats }),
    stop: async () => {
      pump.halt();
      await looping;
      await pump.settled();
    },
  };
}

function emptyStats(): PumpStats {
  return {
    batches: 0,
    deliveries: 0,
    acknowledged: 0,
    acknowledgedErrors: 0,
    failed: 0,
    retries: 0,
    deadLettered: 0,
    discarded: 0,
    blocked: false,
    duplicates: 0,
  };
}

/** Receives batches and pushes them to the worker, at most `maxConcurrentBatches` at once. */
class QueueTriggerPump {
  readonly stats = emptyStats();
  readonly report: (err: unknown) => void;
  paused = false;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly waitSeconds: number;
  private readonly retryDelayScale: number;
  private readonly functionErrors: FunctionErrorHandling;
  private readonly maxConcurrent: number;
  private readonly random: () => number;
  private readonly source: string;
  private readonly subject: string;
  private readonly inFlight = new Set<Promise<void>>();
  private running = true;
  private receiving: Promise<unknown> = Promise.resolve();
  private wake: (() => void) | undefined;
  /** Settles when the pump stops, to cut retry waits short. */
  private readonly stopping: Promise<void>;
  private stopped: () => void = () => {};

  constructor(private readonly options: TriggerPumpOptions) {
    this.batchSize = Math.max(1, options.batchSize);
    this.windowMs = Math.max(0, options.batchWindowMs);
    this.waitSeconds = options.waitSeconds ?? 1;
    this.retryDelayScale = options.retryDelayScale ?? 1;
    this.functionErrors = options.functionErrors ?? "retry";
    this.maxConcurrent = options.maxConcurrentBatches ?? 4;
    this.random = options.random ?? Math.random;
    this.report = options.onError ?? (() => {});
    this.source = `MNS-${options.worker.name}-${options.queue}`;
    this.subject = `acs:mns:${options.region}:${options.accountId}:queues/${options.queue}`;
    this.stopping = new Promise<void>((resolve) => {
      this.stopped = resolve;
    });
  }

  /** Resolves once no receive is in progress. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.receiving;
  }

  resume(): void {
    this.paused = false;
    this.stats.blocked = false;
    this.wake?.();
  }

  /** Stops receiving and cuts retry waits short. */
  halt(): void {
    this.running = false;
    this.stopped();
    this.wake?.();
  }

  /** Resolves once the invocations in flight have settled. */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  async loop(): Promise<void> {
    while (this.running) {
      if (this.paused || this.stats.blocked || this.inFlight.size >= this.maxConcurrent) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      const batchPromise = this.collectBatch();
      this.receiving = batchPromise;
      const batch = await batchPromise;
      if (batch.length > 0) this.track(this.deliver(batch));
    }
  }

  private cloudEvent(message: SdkReceivedMessage, requestId: string): Record<string, unknown> {
    const { accountId, region } = this.options;
    const enqueued = Number(message.EnqueueTime);
    return {
      id: randomUUID(),
      source: this.source,
      specversion: "1.0",
      type: "mns:Queue:SendMessage",
      datacontenttype: "application/json; charset=utf-8",
      subject: this.subject,
      time: new Date(Number.isFinite(enqueued) ? enqueued : Date.now()).toISOString(),
      aliyunaccountid: accountId,
      aliyunpublishtime: new Date().toISOString(),
      aliyunoriginalaccountid: accountId,
      aliyuneventbusname: this.source,
      aliyunregionid: region,
      aliyunpublishaddr: "127.0.0.1",
      data: { requestId, messageId: message.MessageId, messageBody: message.MessageBody },
    };
  }

  /** One receive; an empty queue (404 MessageNotExist) is an empty list. */
  private async receive(count: number, wait: number): Promise<Delivery[]> {
    try {
      const response = await this.options.mns.batchReceiveMessage(
        this.options.queue,
        Math.min(MAX_RECEIVE, count),
        wait,
      );
      const requestId = response.headers["x-mns-request-id"] ?? "";
      return (response.body ?? []).map((message) => ({
        message,
        event: this.cloudEvent(message, requestId),
      }));
    } catch (err) {
      const error = toMnsError(err);
      if (error.code !== "MessageNotExist") {
        this.report(error);
        await sleep(200);
      }
      return [];
    }
  }

  /** A batch: the first messages by long poll, then more until the window closes or it is full. */
  private async collectBatch(): Promise<Delivery[]> {
    const batch = await this.receive(this.batchSize, this.waitSeconds);
    if (batch.length === 0) return batch;
    const closesAt = Date.now() + this.windowMs;
    while (batch.length < this.batchSize && Date.now() < closesAt && this.running && !this.paused) {
      const more = await this.receive(this.batchSize - batch.length, 0);
      if (more.length === 0) await sleep(Math.min(50, Math.max(0, closesAt - Date.now())));
      batch.push(...more);
    }
    return batch;
  }

  private async invoke(deliveries: Delivery[]): Promise<InvocationResult> {
    this.stats.deliveries += deliveries.length;
    return this.options.worker.invoke(Buffer.from(JSON.stringify(deliveries.map((d) => d.event))));
  }

  /** A handle whose visibility ran out is stale; the message comes back and the replay is a no-op. */
  private reportUnlessStale(err: unknown): void {
    const error = toMnsError(err);
    if (error.code !== "ReceiptHandleError" && error.code !== "MessageNotExist") this.report(error);
  }

  /** Takes the batch's messages off the source queue: the stream is done with them. */
  private async remove(batch: Delivery[]): Promise<void> {
    try {
      await this.options.mns.batchDeleteMessage(
        this.options.queue,
        batch.map((d) => d.message.ReceiptHandle),
      );
    } catch (err) {
      this.reportUnlessStale(err);
    }
  }

  /** Keeps the batch's messages invisible for `seconds` more, renewing their receipt handles. */
  private async hold(batch: Delivery[], seconds: number): Promise<void> {
    await Promise.all(
      batch.map(async (delivery) => {
        try {
          const changed = await this.options.mns.changeMessageVisibility(
            this.options.queue,
            delivery.message.ReceiptHandle,
            Math.min(43_200, Math.ceil(seconds)),
          );
          delivery.message = { ...delivery.message, ReceiptHandle: changed.body.ReceiptHandle };
        } catch (err) {
          this.reportUnlessStale(err);
        }
      }),
    );
  }

  /**
   * Errors tolerance ALL: each event to the dead-letter queue (or dropped without one), then off the
   * source queue. A send that fails leaves the messages in the source queue, to come back.
   */
  private async skip(batch: Delivery[]): Promise<void> {
    const { deadLetterQueue } = this.options;
    if (deadLetterQueue) {
      try {
        for (const delivery of batch) {
          await this.options.mns.sendMessage(deadLetterQueue, {
            MessageBody: JSON.stringify(delivery.event),
          });
          this.stats.deadLettered++;
        }
      } catch (err) {
        this.report(toMnsError(err));
        return;
      }
    } else {
      this.stats.discarded += batch.length;
    }
    await this.remove(batch);
  }

  /** Waits `ms`, or less if the pump stops meanwhile; true when the wait ran its course. */
  private async waitUnlessStopped(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), ms);
      }),
      this.stopping.then(() => false),
    ]);
    clearTimeout(timer);
    return waited;
  }

  /** Pushes a batch until it is delivered or its retries run out. */
  private async push(batch: Delivery[]): Promise<void> {
    const { retryStrategy } = this.options;
    for (let retry = 1; ; retry++) {
      const result = await this.invoke(batch);
      if (result.ok || this.functionErrors === "acknowledge") {
        this.stats.acknowledged++;
        if (!result.ok) this.stats.acknowledgedErrors++;
        await this.remove(batch);
        return;
      }
      this.stats.failed++;
      if (retry > retryStrategy.retries) break;
      const delaySeconds = retryStrategy.delaySeconds(retry, this.random) * this.retryDelayScale;
      await this.hold(batch, delaySeconds + this.options.invocationTimeoutSeconds + HOLD_MARGIN_SECONDS);
      // Stopping abandons the retry; the messages come back to the queue when their hold ends.
      if (!(await this.waitUnlessStopped(delaySeconds * 1000))) return;
      this.stats.retries++;
    }
    if (this.options.errorsTolerance === "ALL") {
      await this.skip(batch);
      return;
    }
    // NONE: the stream stops; the messages come back to the queue when their hold ends.
    this.stats.blocked = true;
  }

  /** Pushes the batch, with the duplicates the MNS faults ask for (see the module comment). */
  private async deliver(batch: Delivery[]): Promise<void> {
    this.stats.batches++;
    const rate = this.options.duplicateRate();
    const again: Delivery[] = [];
    const concurrent: Promise<InvocationResult>[] = [];
    for (const delivery of batch) {
      if (!(rate > 0 && this.random() < rate)) continue;
      this.stats.duplicates++;
      if (this.random() < 0.5) concurrent.push(this.invoke([delivery]));
      else again.push(delivery);
    }
    await this.push(batch);
    await Promise.all(concurrent);
    if (again.length > 0) await this.invoke(again);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch(this.report).finally(() => {
      this.inFlight.delete(tracked);
      this.wake?.();
    });
    this.inFlight.add(tracked);
  }
}
