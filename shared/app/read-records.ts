/**
 * Reading records (docs/http-api.md, "Record" and the list route). Never writes. Another caller's
 * record reads as absent unless the requester is an admin.
 */
import type { PipelineRecord, RecordStatus } from "../domain/record";
import type { Page, RecordStore } from "./ports";
import { canSee, type Requester } from "./requester";

export const LIST_LIMIT = { min: 1, max: 100, default: 20 } as const;

export async function readRecord(
  store: RecordStore,
  requester: Requester,
  id: string,
): Promise<PipelineRecord | undefined> {
  const record = await store.get(id);
  return record && canSee(requester, record) ? record : undefined;
}

export interface ListQuery {
  limit: number;
  cursor?: string;
  status?: RecordStatus;
  batchId?: string;
}

/**
 * The requester's own records, newest first. With `batchId`, the batch's records in submission
 * order (the batch index's order); a batch belongs to one caller, so another caller's batch lists
 * as empty.
 */
export async function listRecords(
  store: RecordStore,
  requester: Requester,
  query: ListQuery,
): Promise<Page<PipelineRecord>> {
  const options = { limit: query.limit, cursor: query.cursor, status: query.status };
  if (query.batchId !== undefined) {
    const page = await store.listByBatch(query.batchId, options);
    const items = page.items.filter((record) => canSee(requester, record));
    return items.length === page.items.length ? page : { items };
  }
  return store.listBySubmitter(requester.sub, options);
}
