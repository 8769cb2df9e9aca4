/**
 * What the worker does with one queued record id (docs/processing.md, "Flow", step 3): claim the
 * record with a lease, call CreateImagePipeline with the record's own ClientToken, retry transient
 * failures in place with full-jitter backoff while the invocation has time, and settle the record
 * with one conditional write. Every way this can go - duplicate and concurrent deliveries, lost
 * writes, running out of time - ends in an acknowledged message or one the platform redelivers.
 *
 * Two rules of docs/processing.md shape it: a record whose earlier call may have made a pipeline
 * (`outcomeUnknown`) is never failed, only called again with the same token until an answer settles
 * it (attempts beyond WORKER_MAX_ATTEMPTS if need be); and a terminal record that still owes its
 * completion event (the outbox) has it published by whichever delivery finds it.
 */
import { type AttemptSeen, failedAttempt, succeededAttempt } from "../domain/attempt-history";
import { outcomeUnknownAfter } from "../domain/call-outcome";
import { errorFields } from "../domain/errors";
import type { PipelineRecord, RecordError, RecordStatus } from "../domain/record";
import {
  claim,
  fail,
  isTerminal,
  type Move,
  noteCallOutcome,
  release,
  succeed,
  withAttempt,
} from "../domain/record";
import type { PipelineRequest } from "../domain/request/normalize";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import type { CallPacer } from "./call-rate";
import { payOwedEvent } from "./completion-events";
import type { InvocationBudget } from "./invocation-budget";
import type {
  Clock,
  CloudApiFailure,
  CreatePipelineOutcome,
  EventPublisher,
  Logger,
  PipelineClient,
  RecordStore,
} from "./ports";

export interface WorkerTiming {
  backoff: BackoffPolicy;
  /** The longest one ECS call may take. */
  callTimeoutMs: number;
  /** A call with less time than this is not worth starting: release the record instead. */
  minCallTimeoutMs: number;
  /** Kept back at the end of the invocation for the final conditional write and the event. */
  finalWriteReserveMs: number;
}

export const DEFAULT_WORKER_TIMING: WorkerTiming = {
  backoff: DEFAULT_BACKOFF,
  callTimeoutMs: 10_000,
  minCallTimeoutMs: 1_000,
  finalWriteReserveMs: 2_000,
};

export interface ProcessMessageDeps {
  store: RecordStore;
  pipelines: PipelineClient;
  clock: Clock;
  /** [0, 1), like Math.random; injected so tests can replay the jitter. */
  random: () => number;
  logger: Logger;
  /** Completion events (optional); a failure to publish never undoes or blocks the state change. */
  publisher?: EventPublisher;
  /** ECS calls a record may have across all invocations (WORKER_MAX_ATTEMPTS). */
  maxAttempts: number;
  timing?: Partial<WorkerTiming>;
  /** Paces the ECS calls per target account (shared/app/call-rate); absent = no pacing. */
  pacer?: CallPacer;
}

/** Why a message needs nothing more from the platform. */
export type AckReason =
  | "missing"
  | "terminal"
  | "lease-held"
  | "claim-lost"
  | "settled"
  /** A conditional write after the ECS call lost: another worker owns the record now. */
  | "superseded";

/**
 * Why a message is kept for redelivery, one cause per name:
 * - `out-of-time`: the invocation's budget ran out; the record was released for the next delivery;
 * - `store-unavailable`: the record store kept failing the write that settles the record;
 * - `move-refused`: the record state machine refused the worker's own move, a defect, not a race;
 * - `processing-failed`: processing the message threw (a store read, or anything unforeseen).
 */
export type RedeliveryReason = "out-of-time" | "store-unavailable" | "move-refused" | "processing-failed";

export type MessageOutcome =
  | { action: "ack"; recordId: string; reason: AckReason; status?: RecordStatus }
  | { action: "redeliver"; recordId: string; reason: RedeliveryReason };

/** Tries of one conditional write whose store call threw (not lost: threw). */
const WRITE_TRIES = 3;
const WRITE_RETRY_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 1_000 };

/** The parameters ECS gets: the stored request without our own field and without a caller token. */
export function ecsParameters(record: PipelineRecord): PipelineRequest {
  const { AccountId: _ownField, ClientToken: _sentSeparately, ...parameters } = record.request;
  return parameters;
}

function recordError(failure: CloudApiFailure, retryable: boolean): RecordError {
  return {
    code: failure.code,
    message: failure.message,
    ...(failure.requestId ? { requestId: failure.requestId } : {}),
    retryable,
  };
}

const ATTEMPTS_EXHAUSTED = (attempts: number): RecordError => ({
  code: "MaxAttemptsExceeded",
  message: `The record used all ${attempts} attempts without an answer from ECS.`,
  retryable: true,
});

export async function processMessage(
  recordId: string,
  deps: ProcessMessageDeps,
  budget: InvocationBudget,
): Promise<MessageOutcome> {
  return new MessageRun(recordId, deps, budget).run();
}

class MessageRun {
  private readonly timing: WorkerTiming;

  constructor(
    private readonly recordId: string,
    private readonly deps: ProcessMessageDeps,
    private readonly budget: InvocationBudget,
  ) {
    this.timing = { ...DEFAULT_WORKER_TIMING, ...deps.timing };
  }

  async run(): Promise<MessageOutcome> {
    const loaded = await this.deps.store.get(this.recordId);
    if (!loaded) return this.ack("missing");
    if (isTerminal(loaded.status)) return this.afterTerminal(loaded);
    if (this.callTimeoutMs() < this.timing.minCallTimeoutMs) {
      // Not even one call fits: leave the record as it is for a fresh invocation.
      return this.redeliver("out-of-time");
    }

    const refusal = await this.accessRefusal(loaded);
    const now = this.deps.clock.now();
    const claimed = claim(loaded, now, this.budget.deadline - now.getTime());
    if (!claimed.ok) {
      return claimed.refusal.reason === "lease-held"
        ? this.ack("lease-held", loaded.status)
        : this.ack("terminal", loaded.status);
    }
    // What earlier invocations left unsettled: a call in flight when its worker died counts.
    const unknownBefore = loaded.outcomeUnknown === true;
    // Refused before any call: this claim sends nothing, so it marks nothing as possibly made.
    const claimWrite = refusal ? noteCallOutcome(claimed.record, unknownBefore) : claimed.record;
    const won = await this.deps.store.update(claimWrite, {
      from: claimed.from,
      ...(loaded.status === "running" && loaded.leaseUntil ? { expectedLeaseUntil: loaded.leaseUntil } : {}),
    });
    if (won === "conflict") return this.ack("claim-lost");

    if (refusal) {
      // The account cannot be reached (no role to assume): no call is made. Failed, unless an
      // earlier call may have made a pipeline; then released, as in callUntilSettled. The refusal
      // is in the history all the same (STS's code and RequestId, `reachedEcs: false`).
      const notCalled = withAttempt({ ...claimWrite, attempts: loaded.attempts }, refusal.attempt);
      const error = recordError(refusal.failure, false);
      if (unknownBefore) return this.releaseForRedelivery(notCalled, claimWrite, error);
      this.log("warn", "the target account cannot be reached", { code: refusal.failure.code });
      return this.settle(fail(notCalled, this.deps.clock.now(), error), claimWrite);
    }
    if (loaded.attempts >= this.deps.maxAttempts && !unknownBefore) {
      // A record that used every attempt (the last invocation died after its call, whose answer
      // was then settled): fail it without another call, keeping the count of calls actually made.
      const spent = noteCallOutcome({ ...claimed.record, attempts: loaded.attempts }, false);
      const error = loaded.error ? { ...loaded.error, retryable: true } : ATTEMPTS_EXHAUSTED(loaded.attempts);
      return this.settle(fail(spent, this.deps.clock.now(), error), claimed.record);
    }
    return this.callUntilSettled(claimed.record, unknownBefore);
  }

  /** A permanent refusal of the account's keys (no role to assume) and its attempt, or undefined. */
  private async accessRefusal(
    record: PipelineRecord,
  ): Promise<{ failure: CloudApiFailure; attempt: AttemptSeen } | undefined> {
    const check = this.deps.pipelines.checkAccess;
    if (!check) return undefined;
    const started = this.deps.clock.now();
    const access = await check.call(
      this.deps.pipelines,
      { accountId: record.accountId, regionId: record.regionId },
      record.clientToken,
      { timeoutMs: Math.max(this.callTimeoutMs(), 1) },
    );
    if (access.ok || access.failure.transient) return undefined;
    return { failure: access.failure, attempt: failedAttempt(access.failure, this.timingSince(started)) };
  }

  /** When a call started and how long it took, by the worker's clock. */
  private timingSince(started: Date): { at: string; durationMs: number } {
    const durationMs = Math.max(0, this.deps.clock.now().getTime() - started.getTime());
    return { at: started.toISOString(), durationMs };
  }

  /** A terminal record: nothing to call, but its completion event may still be owed. */
  private async afterTerminal(record: PipelineRecord): Promise<MessageOutcome> {
    if (record.eventOwedAt !== undefined) {
      const paid = await payOwedEvent(this.deps, record);
      this.log("info", "owed completion event", { status: record.status, outcome: paid });
    }
    return this.ack("terminal", record.status);
  }

  /**
   * `current` is claimed, and its `attempts` already counts the call about to be made.
   * `unknownBefore`: whether an earlier call may have made a pipeline for the token.
   */
  private async callUntilSettled(
    claimedRecord: PipelineRecord,
    unknownBefore: boolean,
  ): Promise<MessageOutcome> {
    const { clock, random, maxAttempts } = this.deps;
    let current = claimedRecord;
    let unknown = unknownBefore;
    let lastError: RecordError | undefined;
    for (let retry = 0; ; retry++) {
      if (!(await this.awaitCallSlot(current.accountId))) {
        // The call counted in `attempts` is not made after all.
        const notCalled = noteCallOutcome({ ...current, attempts: current.attempts - 1 }, unknown);
        return this.releaseForRedelivery(notCalled, current, lastError);
      }
      const { outcome, timing } = await this.callOnce(current);
      if (outcome.ok) {
        const withCall = withAttempt(current, succeededAttempt(outcome.requestId, timing));
        return this.settle(succeed(withCall, clock.now(), outcome), current);
      }

      const { failure } = outcome;
      unknown = outcomeUnknownAfter(unknown, failure);
      // What this call got rides on the next write, whichever it is (settle, release or the count).
      const answered = withAttempt(noteCallOutcome(current, unknown), failedAttempt(failure, timing));
      if (!failure.transient) {
        this.log("warn", "ECS refused the request", {
          code: failure.code,
          requestId: failure.requestId,
          outcomeUnknown: unknown,
        });
        // Refused before reaching ECS (STS) while an earlier call may hold a pipeline: not failed.
        if (unknown) return this.releaseForRedelivery(answered, current, recordError(failure, false));
        return this.settle(fail(answered, clock.now(), recordError(failure, false)), current);
      }
      lastError = recordError(failure, true);
      this.log("warn", "transient ECS failure", {
        code: failure.code,
        requestId: failure.requestId,
        attempts: current.attempts,
        outcomeUnknown: unknown,
      });
      // Out of attempts: failed, unless ECS may hold a pipeline for the token; then the calls go
      // on with the same token until an answer settles it (docs/processing.md).
      if (current.attempts >= maxAttempts && !unknown) {
        return this.settle(fail(answered, clock.now(), lastError), current);
      }

      const delay = backoffDelay(retry, random, this.timing.backoff);
      if (
        this.budget.remainingMs() - delay <
        this.timing.minCallTimeoutMs + this.timing.finalWriteReserveMs
      ) {
        return this.releaseForRedelivery(answered, current, lastError);
      }
      await clock.sleep(delay);

      // Count the next call before making it, so a crash during it still counts (and is unknown).
      const next: PipelineRecord = {
        ...answered,
        attempts: current.attempts + 1,
        error: lastError,
        outcomeUnknown: true,
        updatedAt: clock.now().toISOString(),
      };
      let counted: "applied" | "conflict";
      try {
        counted = await this.deps.store.update(next, {
          from: "running",
          ...(current.leaseUntil ? { expectedLeaseUntil: current.leaseUntil } : {}),
        });
      } catch (err) {
        // Give the record back rather than hold a lease nobody will use until it expires.
        this.log("warn", "could not count the next attempt", { error: errorFields(err) });
        return this.releaseForRedelivery(answered, current, lastError);
      }
      if (counted === "conflict") return this.afterLostWrite(current);
      current = next;
    }
  }

  /** One CreateImagePipeline call, told to the pacer and timed by the worker's clock. */
  private async callOnce(
    record: PipelineRecord,
  ): Promise<{ outcome: CreatePipelineOutcome; timing: { at: string; durationMs: number } }> {
    const started = this.deps.clock.now();
    const outcome = await this.deps.pipelines.createImagePipeline(
      { accountId: record.accountId, regionId: record.regionId },
      ecsParameters(record),
      record.clientToken,
      { timeoutMs: this.callTimeoutMs() },
    );
    if (outcome.ok || !outcome.failure.code.startsWith("Throttling"))
      this.deps.pacer?.answered(record.accountId);
    else this.deps.pacer?.throttled(record.accountId);
    return { outcome, timing: this.timingSince(started) };
  }

  private async releaseForRedelivery(
    toRelease: PipelineRecord,
    held: PipelineRecord,
    lastError: RecordError | undefined,
  ): Promise<MessageOutcome> {
    const outcome = await this.settle(release(toRelease, this.deps.clock.now(), lastError), held);
    return outcome.action === "ack" && outcome.reason === "settled" ? this.redeliver("out-of-time") : outcome;
  }

  /**
   * Writes a move out of `running` on the condition that `held`'s lease is still ours. A store call
   * that throws is retried (the condition makes a repeat harmless); a lost condition is decided by
   * reading the record again, never by calling ECS again.
   */
  private async settle(move: Move, held: PipelineRecord): Promise<MessageOutcome> {
    if (!move.ok) {
      // The state machine refused a move out of `running`: a bug, not a race. Keep the message.
      this.log("error", "state machine refused the worker's move", { refusal: move.refusal });
      return this.redeliver("move-refused");
    }
    const condition = {
      from: move.from,
      ...(held.leaseUntil ? { expectedLeaseUntil: held.leaseUntil } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await this.deps.store.update(move.record, condition);
        if (written === "conflict") return this.afterLostWrite(held);
        if (isTerminal(move.record.status)) await this.payEvent(move.record);
        this.log("info", "record settled", {
          status: move.record.status,
          attempts: move.record.attempts,
          imagePipelineId: move.record.imagePipelineId,
          code: move.record.error?.code,
        });
        return this.ack("settled", move.record.status);
      } catch (err) {
        this.log("warn", "record write failed", { attempt, error: errorFields(err) });
        if (attempt >= WRITE_TRIES) return this.redeliver("store-unavailable");
        await this.deps.clock.sleep(backoffDelay(attempt - 1, this.deps.random, WRITE_RETRY_BACKOFF));
      }
    }
  }

  /** Our conditional write lost: whoever changed the record owns its outcome now. */
  private async afterLostWrite(held: PipelineRecord): Promise<MessageOutcome> {
    const seen = await this.deps.store.get(this.recordId);
    this.log("info", "record changed under this worker; leaving it to its new owner", {
      status: seen?.status,
      ourLeaseUntil: held.leaseUntil,
      leaseUntil: seen?.leaseUntil,
    });
    return this.ack("superseded", seen?.status);
  }

  /**
   * The terminal write owes the event; publishing and marking it sent come after. A failure here
   * leaves the debt for the next delivery or the reconciler; it never undoes the state change.
   */
  private async payEvent(record: PipelineRecord): Promise<void> {
    try {
      const paid = await payOwedEvent(this.deps, record);
      if (paid === "not-published") this.log("warn", "completion event owed; left to the reconciler", {});
    } catch (err) {
      this.log("warn", "completion event published but not marked sent", { error: errorFields(err) });
    }
  }

  /**
   * Waits for the account's next call slot, if calls are paced. False when no call fits anymore:
   * the invocation ends before the slot plus a worthwhile call and the final write.
   */
  private async awaitCallSlot(accountId: string): Promise<boolean> {
    const spare = () => this.callTimeoutMs() - this.timing.minCallTimeoutMs;
    if (spare() < 0) return false;
    const { pacer } = this.deps;
    if (!pacer) return true;
    return (await pacer.acquire(accountId, spare())) && spare() >= 0;
  }

  private callTimeoutMs(): number {
    return Math.min(this.timing.callTimeoutMs, this.budget.remainingMs() - this.timing.finalWriteReserveMs);
  }

  private ack(reason: AckReason, status?: RecordStatus): MessageOutcome {
    if (reason !== "settled") this.log("info", "message acknowledged without work", { reason, status });
    return { action: "ack", recordId: this.recordId, reason, ...(status ? { status } : {}) };
  }

  private redeliver(reason: RedeliveryReason): MessageOutcome {
    this.log("warn", "message left for redelivery", { reason });
    return { action: "redeliver", recordId: this.recordId, reason };
  }

  private log(level: "info" | "warn" | "error", message: string, fields: Record<string, unknown>): void {
    this.deps.logger[level](message, { recordId: this.recordId, ...fields });
  }
}
