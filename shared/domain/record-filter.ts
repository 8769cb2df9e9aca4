/**
 * What `GET /v1/pipelines` can narrow a caller's records to (docs/http-api.md, "Filters"): every
 * given field must hold (AND). The record store picks an index for the leading ones and checks
 * the whole filter again on each record as the base table has it (an index may lag), so
 * {@link matchesFilter} is the one definition of "matches".
 */
import type { PipelineRecord, RecordStatus } from "./record";
import { hasLabels, type Labels } from "./request/labels";

export interface RecordFilter {
  status?: RecordStatus | undefined;
  batchId?: string | undefined;
  accountId?: string | undefined;
  regionId?: string | undefined;
  /** Every key with exactly this value. */
  labels?: Labels | undefined;
  /** `createdAt >= createdAfter` (a `Date#toISOString()` time). */
  createdAfter?: string | undefined;
  /** `createdAt < createdBefore`: with createdAfter, a half-open window that pages cleanly. */
  createdBefore?: string | undefined;
}

/** The fields a store cannot read from any index, only from the record itself. */
export const RECORD_ONLY_FIELDS = [
  "accountId",
  "regionId",
  "labels",
] as const satisfies readonly (keyof RecordFilter)[];

export function matchesFilter(record: PipelineRecord, filter: RecordFilter): boolean {
  return (
    (filter.status === undefined || record.status === filter.status) &&
    (filter.batchId === undefined || record.batchId === filter.batchId) &&
    (filter.accountId === undefined || record.accountId === filter.accountId) &&
    (filter.regionId === undefined || record.regionId === filter.regionId) &&
    (filter.labels === undefined || hasLabels(record.labels, filter.labels)) &&
    (filter.createdAfter === undefined || record.createdAt >= filter.createdAfter) &&
    (filter.createdBefore === undefined || record.createdAt < filter.createdBefore)
  );
}

/** Whether matching needs the records themselves (no index holds these fields). */
export function needsRecordCheck(filter: RecordFilter): boolean {
  return RECORD_ONLY_FIELDS.some((field) => filter[field] !== undefined);
}
