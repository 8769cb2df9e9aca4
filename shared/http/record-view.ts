/**
 * Records as the API shows them (docs/http-api.md, "202 Accepted" and "Record"). Worker
 * bookkeeping (the lease, the ECS request id of the successful call) stays inside.
 */
import type { PipelineRecord, RecordStatus } from "../domain/record";
import type { Warning } from "../domain/request/violation";
import type {
  AcceptedView,
  BatchAcceptedView,
  BatchView,
  RecordDetailView,
  RecordPageView,
  RecordView,
} from "./views";

/** Seconds a client should wait before polling a record that is not finished. */
export const RETRY_AFTER_SECONDS = 2;

export const recordPath = (id: string): string => `/v1/pipelines/${id}`;

export const isUnfinished = (status: RecordStatus): boolean => status === "pending" || status === "running";

export function recordView(record: PipelineRecord): RecordView {
  return {
    id: record.id,
    status: record.status,
    accountId: record.accountId,
    regionId: record.regionId,
    batchId: record.batchId,
    submittedBy: record.submittedBy,
    clientToken: record.clientToken,
    attempts: record.attempts,
    ...(record.imagePipelineId ? { imagePipelineId: record.imagePipelineId } : {}),
    ...(record.error ? { error: record.error } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.completedAt ? { completedAt: record.completedAt } : {}),
    labels: record.labels ?? {},
    request: record.request,
    links: { self: recordPath(record.id) },
  };
}

/**
 * GET /v1/pipelines/{id}: the record with its attempt history; a record stored before histories
 * existed (or not yet tried) shows `[]`. Lists show {@link recordView} only, so a page of 100
 * records does not carry up to 100 histories.
 */
export function recordDetailView(record: PipelineRecord): RecordDetailView {
  return { ...recordView(record), attemptHistory: record.attemptHistory ?? [] };
}

export function acceptedView(record: PipelineRecord, warnings: Warning[]): AcceptedView {
  return {
    id: record.id,
    status: record.status,
    accountId: record.accountId,
    regionId: record.regionId,
    clientToken: record.clientToken,
    createdAt: record.createdAt,
    links: { self: recordPath(record.id) },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export const batchPath = (id: string): string => `/v1/batches/${id}`;

/** The 202 of POST /v1/batches: each item's record id, in item order. */
export function acceptedBatchView(
  batchId: string,
  items: { id: string; accountId: string; regionId: string }[],
  warnings: Warning[],
): BatchAcceptedView {
  return {
    id: batchId,
    total: items.length,
    items: items.map(({ id, accountId, regionId }) => ({ id, accountId, regionId })),
    links: { self: batchPath(batchId) },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** GET /v1/batches/{id}: counts over the whole batch, one page of items. */
export function batchView(batch: {
  id: string;
  total: number;
  counts: Record<RecordStatus, number>;
  done: boolean;
  items: PipelineRecord[];
  nextCursor?: string;
}): BatchView {
  return {
    id: batch.id,
    total: batch.total,
    counts: batch.counts,
    done: batch.done,
    items: batch.items.map(recordView),
    ...(batch.nextCursor ? { nextCursor: batch.nextCursor } : {}),
    links: { self: batchPath(batch.id) },
  };
}

/** GET /v1/pipelines: one page of records, newest first. */
export function recordPageView(page: { items: PipelineRecord[]; nextCursor?: string }): RecordPageView {
  return {
    items: page.items.map(recordView),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}
