/**
 * Reading a batch (spec/http-api.md, "Batches"): counts per state over every item, whether all
 * are terminal, and one page of items in submission order. Never writes. A batch has no row of
 * its own: it is its records (the batch index), so a batch with no visible record is absent, and
 * another caller's batch reads as absent unless the requester is an admin.
 */
import { isTerminal, type PipelineRecord, RECORD_STATUSES, type RecordStatus } from "../domain/record";
import type { Page, RecordStore } from "./ports";
import { canSee, type Requester } from "./requester";

/** Items read per call when counting: the list's largest page. */
const COUNT_PAGE = 100;

export type BatchCounts = Record<RecordStatus, number>;

export interface BatchView {
  id: string;
  total: number;
  counts: BatchCounts;
  /** Every item terminal (succeeded, failed or cancelled). */
  done: boolean;
  items: PipelineRecord[];
  nextCursor?: string;
}

export interface BatchQuery {
  limit: number;
  cursor?: string;
  /** Narrows the page only; counts always cover the whole batch. */
  status?: RecordStatus;
}

const zeroCounts = (): BatchCounts =>
  Object.fromEntries(RECORD_STATUSES.map((status) => [status, 0])) as BatchCounts;

export async function readBatch(
  store: RecordStore,
  requester: Requester,
  batchId: string,
  query: BatchQuery,
): Promise<BatchView | undefined> {
  const counts = zeroCounts();
  let total = 0;
  let owner: PipelineRecord | undefined;
  // Without a cursor or filter the first counting page is also the answer's page when it fits.
  let firstPage: Page<PipelineRecord> | undefined;
  let cursor: string | undefined;
  do {
    const page = await store.listByBatch(batchId, { limit: COUNT_PAGE, ...(cursor ? { cursor } : {}) });
    firstPage ??= page;
    owner ??= page.items[0];
    for (const record of page.items) counts[record.status] += 1;
    total += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  if (!owner || !canSee(requester, owner)) return undefined;

  const page =
    query.cursor === undefined && query.status === undefined && query.limit >= total && firstPage
      ? firstPage
      : await store.listByBatch(batchId, {
          limit: query.limit,
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
          ...(query.status !== undefined ? { status: query.status } : {}),
        });
  return {
    id: batchId,
    total,
    counts,
    done: RECORD_STATUSES.every((status) => isTerminal(status) || counts[status] === 0),
    items: page.items,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}
