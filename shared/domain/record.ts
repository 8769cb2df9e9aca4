/**
 * A pipeline request record and the one state machine it moves through (docs/processing.md,
 * "Invariants"): pending -> running -> {succeeded, failed}, running -> pending (lease released),
 * pending -> cancelled. Terminal records never change again.
 *
 * Each move is a pure function from a record to the next record, or a refusal saying why. The
 * record store turns a move into a conditional write on the state it started from (`from`), so two
 * workers racing for one record cannot both win.
 *
 * Two facts ride on the moves (docs/processing.md):
 * - the outbox: every move into a terminal state also says its completion event is owed
 *   (`eventOwedAt`), in the same write; {@link eventSent} clears it once the event is published;
 * - no false "failed": from the moment a CreateImagePipeline call may be in flight until an answer
 *   settles it, ECS may hold a pipeline for the record's ClientToken (`outcomeUnknown`); such a
 *   record cannot fail or be cancelled, only succeed or be tried again with the same token.
 */
import { type Attempt, type AttemptSeen, appendAttempt, lostAttempt } from "./attempt-history";
import type { Labels } from "./request/labels";
import type { PipelineRequest } from "./request/normalize";

export const RECORD_STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export const TERMINAL_STATUSES = [
  "succeeded",
  "failed",
  "cancelled",
] as const satisfies readonly RecordStatus[];

/** Every allowed move; nothing else is. Tests walk this table. */
export const TRANSITIONS: Readonly<Record<RecordStatus, readonly RecordStatus[]>> = {
  pending: ["running", "cancelled"],
  running: ["succeeded", "failed", "pending"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function isTerminal(status: RecordStatus): boolean {
  return (TERMINAL_STATUSES as readonly RecordStatus[]).includes(status);
}

export function canMove(from: RecordStatus, to: RecordStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** An ECS failure as stored on a record: the last transient one while retrying, the final one when failed. */
export interface RecordError {
  code: string;
  message: string;
  requestId?: string;
  /** True when the failure was transient (the record failed only because attempts ran out). */
  retryable: boolean;
}

export interface PipelineRecord {
  id: string;
  status: RecordStatus;
  /** The account the pipeline is created in. */
  accountId: string;
  regionId: string;
  batchId: string | null;
  /** The JWT `sub` of the caller. */
  submittedBy: string;
  /** Sent on every CreateImagePipeline call for this record, so ECS creates at most one pipeline. */
  clientToken: string;
  /** ECS calls made so far, across all invocations. */
  attempts: number;
  imagePipelineId?: string;
  /** The ECS RequestId of the call that succeeded. */
  ecsRequestId?: string;
  error?: RecordError;
  /** ISO-8601 times. */
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** While running: the time until which the claiming worker owns the record. */
  leaseUntil?: string;
  /**
   * Set when a call with this record's ClientToken was (or may have been) sent and no answer has
   * settled whether ECS made a pipeline for it: the call is in flight, its worker died, or its answer
   * was lost or a 5xx. Only an answer to a later call with the same token clears it.
   */
  outcomeUnknown?: true;
  /** Terminal records only: when the move that owes its completion event was written; absent once sent. */
  eventOwedAt?: string;
  /** The latest attempts, bounded (./attempt-history); absent until the first one, and on old records. */
  attemptHistory?: Attempt[];
  /** The caller's own labels (request/labels), the batch's merged in; absent when none. Never sent to ECS. */
  labels?: Labels;
  request: PipelineRequest;
}

export type MoveRefusal =
  | { reason: "not-allowed"; from: RecordStatus; to: RecordStatus }
  | { reason: "lease-held"; leaseUntil: string }
  /** ECS may hold a pipeline for the record's token: failing or cancelling it could be a lie. */
  | { reason: "outcome-unknown" }
  | { reason: "no-event-owed" };

/** A move: the record after it and the state it must still be in when written. */
export type Move =
  | { ok: true; record: PipelineRecord; from: RecordStatus }
  | { ok: false; refusal: MoveRefusal };

function moveTo(record: PipelineRecord, to: RecordStatus, now: Date, changes: Partial<PipelineRecord>): Move {
  if (!canMove(record.status, to))
    return { ok: false, refusal: { reason: "not-allowed", from: record.status, to } };
  const at = now.toISOString();
  const next: PipelineRecord = { ...record, ...changes, status: to, updatedAt: at };
  if (isTerminal(to)) {
    next.completedAt = at;
    // The outbox: the terminal state and the debt of its event are one write.
    next.eventOwedAt = at;
    delete next.leaseUntil;
  }
  return { ok: true, record: next, from: record.status };
}

const OUTCOME_UNKNOWN: Move = { ok: false, refusal: { reason: "outcome-unknown" } };

/**
 * pending -> running, or running -> running when the previous worker's lease has expired (it died
 * or timed out). `attempts` counts the ECS call this claim is for, and `outcomeUnknown` is set
 * because that call may be in flight when this worker dies; the worker writes what the answer
 * settled on its next write. Taking over from a worker that died after counting its call adds that
 * call to the history as `outcome-unknown` (no duration: nobody saw it end).
 */
export function claim(record: PipelineRecord, now: Date, leaseMs: number): Move {
  if (record.status === "running") {
    if (record.leaseUntil && Date.parse(record.leaseUntil) > now.getTime()) {
      return { ok: false, refusal: { reason: "lease-held", leaseUntil: record.leaseUntil } };
    }
    const at = now.toISOString();
    return {
      ok: true,
      from: "running",
      record: {
        ...takenOver(record),
        attempts: record.attempts + 1,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        outcomeUnknown: true,
        updatedAt: at,
      },
    };
  }
  return moveTo(record, "running", now, {
    attempts: record.attempts + 1,
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
    outcomeUnknown: true,
  });
}

/**
 * A running record whose lease ran out: if its claim counted a call that may have gone out
 * (`outcomeUnknown`), that call's answer was never written, and the history says so.
 */
function takenOver(record: PipelineRecord): PipelineRecord {
  if (!record.outcomeUnknown) return record;
  return withAttempt(record, lostAttempt(record.updatedAt));
}

/** The record with one more attempt in its history: written with the worker's next move. */
export function withAttempt(record: PipelineRecord, attempt: AttemptSeen): PipelineRecord {
  return { ...record, attemptHistory: appendAttempt(record.attemptHistory, attempt) };
}

export function succeed(
  record: PipelineRecord,
  now: Date,
  outcome: { imagePipelineId: string; requestId?: string },
): Move {
  const { error: _lastTransientError, outcomeUnknown: _settledByThisAnswer, ...rest } = record;
  return moveTo(rest, "succeeded", now, {
    imagePipelineId: outcome.imagePipelineId,
    ...(outcome.requestId ? { ecsRequestId: outcome.requestId } : {}),
  });
}

/** Refused while ECS may hold a pipeline for the record's token (the no-false-failed rule). */
export function fail(record: PipelineRecord, now: Date, error: RecordError): Move {
  if (record.outcomeUnknown) return OUTCOME_UNKNOWN;
  return moveTo(record, "failed", now, { error });
}

/**
 * The record with what the answers so far settled about its token (domain/call-outcome): written
 * with the next move after a call, replacing the `outcomeUnknown` its claim set before the call.
 */
export function noteCallOutcome(record: PipelineRecord, outcomeUnknown: boolean): PipelineRecord {
  const { outcomeUnknown: _before, ...rest } = record;
  return outcomeUnknown ? { ...rest, outcomeUnknown: true } : rest;
}

/** running -> pending: the worker ran out of time; the last transient error stays visible. */
export function release(record: PipelineRecord, now: Date, lastError?: RecordError): Move {
  const { leaseUntil: _lease, ...rest } = record;
  return moveTo(rest, "pending", now, lastError ? { error: lastError } : {});
}

/** Refused, like {@link fail}, for a pending record whose earlier call may have made a pipeline. */
export function cancel(record: PipelineRecord, now: Date): Move {
  if (record.status === "pending" && record.outcomeUnknown) return OUTCOME_UNKNOWN;
  return moveTo(record, "cancelled", now, {});
}

/**
 * The outbox's second half: the completion event of a terminal record was published. Not a state
 * change: `updatedAt` and `completedAt` stay; the write is conditional on the same terminal status.
 */
export function eventSent(record: PipelineRecord): Move {
  if (!isTerminal(record.status) || record.eventOwedAt === undefined) {
    return { ok: false, refusal: { reason: "no-event-owed" } };
  }
  const { eventOwedAt: _paid, ...rest } = record;
  return { ok: true, record: rest, from: record.status };
}

/** A terminal record whose event has been owed since before `cutoff` (the reconciler's sweep). */
export function eventOverdue(record: PipelineRecord, cutoff: Date): boolean {
  return record.eventOwedAt !== undefined && Date.parse(record.eventOwedAt) <= cutoff.getTime();
}
