/**
 * The ports the use cases in shared/app are written against. Adapters in shared/adapters implement
 * them over the official SDKs; unit tests use in-memory fakes (test/support/fakes.ts). Nothing here
 * imports an SDK.
 */
import type { PipelineRecord, RecordStatus } from "../domain/record";
import type { RecordFilter } from "../domain/record-filter";
import type { Labels } from "../domain/request/labels";
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
 * An Idempotency-Key or a caller's ClientToken, scoped to the caller (docs/http-api.md,
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

/**
 * Index entries one `listMatching` call examines at most. A filter no index holds (account,
 * region, labels) is checked on the records themselves, so a call bounds its reads by this and
 * may answer a short, even empty, page whose `nextCursor` continues where it stopped.
 */
export const MATCHING_SCAN_BUDGET = 500;

/**
 * A batch's own row, written once every item record is: it proves the batch whole and says how
 * many items it has, so a batch can be read by id (strongly consistent) before the batch index
 * lists its items. The item record ids follow from the batch id and `total` (ids.batchRecordIds).
 */
export interface BatchHeader {
  id: string;
  submittedBy: string;
  total: number;
  createdAt: string;
}

/**
 * Reads by id (`get`, `getMany`, `statusesOf`, `getBatch`, `getIdempotency`) and every write are
 * strongly consistent. The lists read global secondary indexes, which lag the writes (eventually
 * consistent, typically well under a second): a record just written may be missing from a list
 * for a moment, and an index entry may still carry a record's old status. The lists therefore
 * return each item as the base table has it now and check it against the status filter again, so
 * an item is never older than the entry that found it and never in a status other than the one
 * asked for; a page may be shorter than `limit` while more follow. Use cases decide on records
 * read by id, or on list items only through a conditional write on the status they saw.
 */
export interface RecordStore {
  /** Conditional put: the row must not exist. `conflict` when it does. */
  create(record: PipelineRecord): Promise<RecordWrite>;
  /**
   * Puts many new records (a batch): BatchWriteRow in chunks under the service's row and size
   * limits; every row must not exist.
   */
  createMany(records: PipelineRecord[]): Promise<void>;
  get(id: string): Promise<PipelineRecord | undefined>;
  /** Records by id, in the order given; ids without a record are left out. */
  getMany(ids: readonly string[]): Promise<PipelineRecord[]>;
  /** The current status of each id that has a record (reads only the status: cheap for counting). */
  statusesOf(ids: readonly string[]): Promise<Map<string, RecordStatus>>;
  /** Conditional put of a batch's header; `conflict` when the batch has one. */
  putBatch(header: BatchHeader): Promise<RecordWrite>;
  getBatch(batchId: string): Promise<BatchHeader | undefined>;
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
  /**
   * The caller's records matching `filter` (domain/record-filter), newest first; with
   * `filter.batchId`, the batch's records in submission order. Reads at most
   * {@link MATCHING_SCAN_BUDGET} index entries a call; each record is checked against the whole
   * filter as the base table has it now. `nextCursor` is only valid with the same filter.
   * `submittedBy` undefined (any caller's) is allowed only with `filter.batchId` (an admin).
   */
  listMatching(
    submittedBy: string | undefined,
    filter: RecordFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<PipelineRecord>>;
  /** Every record, newest first, for `pipelines:admin`. */
  listAll(options: ListOptions): Promise<Page<PipelineRecord>>;
  /** A batch's records in submission order (global secondary index on batchId). */
  listByBatch(batchId: string, options: ListOptions): Promise<Page<PipelineRecord>>;
  /** Records in a state, oldest `updatedAt` first: what the reconciler sweeps. */
  listByStatus(status: "pending" | "running", options: ListOptions): Promise<Page<PipelineRecord>>;
  /**
   * The outbox: terminal records whose completion event has been owed since `owedSince` or earlier,
   * oldest debt first (a sparse index on `eventOwedAt`). `options.status` is ignored.
   */
  listOwedEvents(owedSince: string, options: ListOptions): Promise<Page<PipelineRecord>>;
  /** Conditional put of an idempotency entry; `conflict` when the scope already has one. */
  putIdempotency(entry: IdempotencyEntry): Promise<RecordWrite>;
  getIdempotency(scope: string): Promise<IdempotencyEntry | undefined>;
}

/** What submit puts on the queue: one message per record (docs/processing.md, "Flow"). */
export interface RecordMessage {
  id: string;
}

export interface RequestQueue {
  /** Sends one message per record; BatchSendMessage in chunks of 16. Throws if any send failed. */
  send(messages: RecordMessage[]): Promise<void>;
}

/**
 * A failed call to a cloud API (ECS CreateImagePipeline, or the STS AssumeRole that gets the keys
 * for it) as the worker sees it; `transient` comes from shared/domain/ecs-error-codes. A value, not
 * a thrown error: those calls never throw, every failure is an outcome. It has the fields of a
 * ServiceError (shared/domain/errors) so it reads, and logs, the same way.
 */
export interface CloudApiFailure {
  code: string;
  message: string;
  requestId?: string;
  /** Absent when no HTTP answer arrived. */
  httpStatus?: number;
  transient: boolean;
  /** False when the failure came before CreateImagePipeline was sent (STS, request mapping). */
  reachedEcs?: boolean;
}

export type CreatePipelineOutcome =
  | { ok: true; imagePipelineId: string; requestId: string }
  | { ok: false; failure: CloudApiFailure };

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
  /**
   * Whether the worker can act in the target account at all (the keys CreateImagePipeline would
   * use: STS AssumeRole for another account), without calling ECS. Lets the worker fail a record of
   * an account without a role before any call with its token could exist (docs/processing.md).
   * Never throws. Absent: the check is skipped.
   */
  checkAccess?(
    target: PipelineTarget,
    clientToken: string,
    options: { timeoutMs: number },
  ): Promise<{ ok: true } | { ok: false; failure: CloudApiFailure }>;
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

/** Completion events (docs/processing.md, "Completion events"). */
export interface CompletionEvent {
  id: string;
  batchId: string | null;
  status: "succeeded" | "failed" | "cancelled";
  imagePipelineId?: string;
  error?: PipelineRecord["error"];
  accountId: string;
  regionId: string;
  /** The record's labels (domain/request/labels); `{}` when it has none. */
  labels: Labels;
  completedAt: string;
}

export interface EventPublisher {
  /**
   * At-least-once; never throws (a failure is logged, the state change stands). True once the topic
   * took the event; false when it did not, and the record's event stays owed (the outbox).
   */
  publish(event: CompletionEvent): Promise<boolean>;
}

/** One JSON object per line, with the request id and record id; never credentials or tokens. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
