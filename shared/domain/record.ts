/**
 * A pipeline request record and the one state machine it moves through (docs/processing.md,
 * "Invariants"): pending -> running -> {succeeded, failed}, running -> pending (lease released),
 * pending -> cancelled. Terminal records never change again.
 *
 * Each move is a pure function from a record to the next record, or a refusal saying why. The
 * record store turns a move into a conditional write on the state it started from (`from`), so two
 * workers racing for one record cannot both win.
 */
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
  request: PipelineRequest;
}

export type MoveRefusal =
  | { reason: "not-allowed"; from: RecordStatus; to: RecordStatus }
  | { reason: "lease-held"; leaseUntil: string };

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
    delete next.leaseUntil;
  }
  return { ok: true, record: next, from: record.status };
}

/**
 * pending -> running, or running -> running when the previous worker's lease has expired (it died
 * or timed out). `attempts` counts the ECS call this claim is for.
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
        ...record,
        attempts: record.attempts + 1,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        updatedAt: at,
      },
    };
  }
  return moveTo(record, "running", now, {
    attempts: record.attempts + 1,
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
  });
}

export function succeed(
  record: PipelineRecord,
  now: Date,
  outcome: { imagePipelineId: string; requestId?: string },
): Move {
  const { error: _lastTransientError, ...rest } = record;
  return moveTo(rest, "succeeded", now, {
    imagePipelineId: outcome.imagePipelineId,
    ...(outcome.requestId ? { ecsRequestId: outcome.requestId } : {}),
  });
}

export function fail(record: PipelineRecord, now: Date, error: RecordError): Move {
  return moveTo(record, "failed", now, { error });
}

/** running -> pending: the worker ran out of time; the last transient error stays visible. */
export function release(record: PipelineRecord, now: Date, lastError?: RecordError): Move {
  const { leaseUntil: _lease, ...rest } = record;
  return moveTo(rest, "pending", now, lastError ? { error: lastError } : {});
}

export function cancel(record: PipelineRecord, now: Date): Move {
  return moveTo(record, "cancelled", now, {});
}
