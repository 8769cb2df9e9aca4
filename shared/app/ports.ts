/**
 * The ports the use cases in shared/app are written against. Adapters in shared/adapters implement
 * them over the official SDKs; unit tests use in-memory fakes (test/unit/app/fakes.ts). Nothing here
 * imports an SDK.
 */
import type { PipelineRecord, RecordStatus } from "../domain/record";
import type { PipelineRequest } from "../domain/request/normalize";

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

export interface ListOptions {
  /** 1..100 */
  limit: number;
  cursor?: string;
  status?: RecordStatus;
}

/**
 * An Idempotency-Key or a caller's ClientToken, scoped to the caller (spec/http-api.md,
 * "Idempotency"), pointing at the record (or batch) it created and the fingerprint of the body.
 */
export interface IdempotencyEntry {
  /** e.g. `key:<sub>:<Idempotency-Key>` or `token:<sub>:<ClientToken>`; the store may hash it. */
  scope: string;
  /** The record id, or the batch id for a batch request. */
  targetId: string;
  /** A hash of the normalized request body; a replay with another fingerprint is a 422. */
  fingerprint: string;
  createdAt: string;
}

export type RecordWrite = "applied" | "conflict";

export interface RecordStore {
  /** Conditional put: the row must not exist. `conflict` when it does. */
  create(record: PipelineRecord): Promise<RecordWrite>;
  /** Puts many new records (a batch): BatchWriteRow in chunks; every row must not exist. */
  createMany(records: PipelineRecord[]): Promise<void>;
  get(id: string): Promise<PipelineRecord | undefined>;
  /**
   * Writes `next` only if the stored record is still in state `from` and, for a running record,
   * still has `expectedLeaseUntil` (so a worker whose lease was taken over cannot overwrite).
   */
  update(
    next: PipelineRecord,
    condition: { from: RecordStatus; expectedLeaseUntil?: string },
  ): Promise<RecordWrite>;
  /** The caller's records, newest first (global secondary index on submittedBy + createdAt). */
  listBySubmitter(submittedBy: string, options: ListOptions): Promise<Page<PipelineRecord>>;
  /** Every record, newest first, for `pipelines:admin`. */
  listAll(options: ListOptions): Promise<Page<PipelineRecord>>;
  /** A batch's records in submission order (global secondary index on batchId). */
  listByBatch(batchId: string, options: ListOptions): Promise<Page<PipelineRecord>>;
  /** Records in a state, oldest `updatedAt` first: what the reconciler sweeps. */
  listByStatus(status: "pending" | "running", options: ListOptions): Promise<Page<PipelineRecord>>;
  /** Conditional put of an idempotency entry; `conflict` when the scope already has one. */
  putIdempotency(entry: IdempotencyEntry): Promise<RecordWrite>;
  getIdempotency(scope: string): Promise<IdempotencyEntry | undefined>;
}

/** What submit puts on the queue: one message per record (spec/processing.md, "Flow"). */
export interface RecordMessage {
  id: string;
}

export interface RequestQueue {
  /** Sends one message per record; BatchSendMessage in chunks of 16. Throws if any send failed. */
  send(messages: RecordMessage[]): Promise<void>;
}

/** An ECS (or STS) failure as the worker sees it; `transient` comes from shared/domain/ecs-error-codes. */
export interface EcsFailure {
  code: string;
  message: string;
  requestId?: string;
  /** Absent when no HTTP answer arrived. */
  httpStatus?: number;
  transient: boolean;
}

export type CreatePipelineOutcome =
  | { ok: true; imagePipelineId: string; requestId: string }
  | { ok: false; failure: EcsFailure };

export interface PipelineTarget {
  accountId: string;
  regionId: string;
}

export interface PipelineClient {
  /**
   * One CreateImagePipeline call, no retries (the worker owns the retry loop and its time budget),
   * with `request` as stored and `clientToken`. Never throws: every failure is an outcome.
   */
  createImagePipeline(
    target: PipelineTarget,
    request: PipelineRequest,
    clientToken: string,
    options: { timeoutMs: number },
  ): Promise<CreatePipelineOutcome>;
}

/**
 * Numbered tickets for CreateImagePipeline call slots, one counter per target account and time
 * window, shared by every worker instance (shared/app/call-rate: ticket n of a window is the
 * window's n-th evenly spaced slot). Atomic: two instances never get the same ticket.
 */
export interface CallSlotLedger {
  /**
   * Adds `count` to the tickets taken in the account's window and returns the total after it:
   * the caller owns tickets `total - count + 1 .. total`. A retried call may take more than asked,
   * never fewer, so a failure can only waste slots, never hand one out twice.
   */
  take(accountId: string, window: number, count: number): Promise<number>;
}

/** Completion events (spec/processing.md, "Completion events"). */
export interface CompletionEvent {
  id: string;
  batchId: string | null;
  status: "succeeded" | "failed" | "cancelled";
  imagePipelineId?: string;
  error?: PipelineRecord["error"];
  accountId: string;
  regionId: string;
  completedAt: string;
}

export interface EventPublisher {
  /** At-least-once; never throws (a failure is logged, the state change stands). */
  publish(event: CompletionEvent): Promise<void>;
}

/** One JSON object per line, with the request id and record id; never credentials or tokens. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
