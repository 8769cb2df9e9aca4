/**
 * Reading a batch (docs/http-api.md, "Batches"): counts per state over every item, whether all
 * are terminal, and one page of items in submission order. Never writes. Another caller's batch
 * reads as absent unless the requester is an admin.
 *
 * A batch accepted whole has a header (RecordStore.getBatch) with its item count, and its item ids
 * follow from the batch id, so it is read by id from the base table: strongly consistent, right
 * after the 202, whatever the batch index shows yet. A batch without a header (one accepted before
 * headers existed, or whose writing stopped half-way) is read through the batch index, which
 * lags: it is then exactly the records the index lists so far, and absent while it lists none.
 */

import { ServiceError } from "../domain/errors";
import { isTerminal, type PipelineRecord, RECORD_STATUSES, type RecordStatus } from "../domain/record";
import { batchRecordIds } from "./ids";
import type { BatchHeader, Page, RecordStore } from "./ports";
import { canSee, type Requester } from "./requester";

/** Items read per call when counting: the list's largest page, and BatchGetRow's row limit. */
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
  cursor?: string | undefined;
  /** Narrows the page only; counts always cover the whole batch. */
  status?: RecordStatus | undefined;
}

/** A cursor that this service did not hand out for this batch; the HTTP layer answers 400. */
export class BatchCursorError extends ServiceError {
  override readonly name = "BatchCursorError";
  declare readonly code: "InvalidCursor";
  constructor() {
    super("InvalidCursor", "the cursor is not one this service handed out for this batch", {
      transient: false,
    });
  }
}

const zeroCounts = (): BatchCounts =>
  Object.fromEntries(RECORD_STATUSES.map((status) => [status, 0])) as BatchCounts;

function view(id: string, total: number, counts: BatchCounts, page: Page<PipelineRecord>): BatchView {
  return {
    id,
    total,
    counts,
    done: RECORD_STATUSES.every((status) => isTerminal(status) || counts[status] === 0),
    items: page.items,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

export async function readBatch(
  store: RecordStore,
  requester: Requester,
  batchId: string,
  query: BatchQuery,
): Promise<BatchView | undefined> {
  const header = await store.getBatch(batchId);
  if (!header) return readIndexedBatch(store, requester, batchId, query);
  if (!canSee(requester, header)) return undefined;
  return readWholeBatch(store, header, query);
}

/**
 * The next page's first item id, in the form the record store's batch-index cursors take
 * (base64url JSON `{"v":1,"k":[id]}`), so a page handed out before a resumed batch got its header
 * still leads to the next one.
 */
function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, k: [id] }), "utf8").toString("base64url");
}

/** The position in `ids` the cursor names. */
function cursorPosition(cursor: string, ids: readonly string[]): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BatchCursorError();
  }
  const key = (parsed as { v?: unknown; k?: unknown } | null)?.k;
  const id = Array.isArray(key) && key.length === 1 ? key[0] : undefined;
  const position = typeof id === "string" ? ids.indexOf(id) : -1;
  if (position < 0) throw new BatchCursorError();
  return position;
}

/**
 * Every item's status by id (status only, 100 a call), then the page's records by id. An item
 * without a record (impossible once the header exists, which is written after the records) counts
 * as `pending`. A small batch is read whole in one call instead.
 */
async function readWholeBatch(
  store: RecordStore,
  header: BatchHeader,
  query: BatchQuery,
): Promise<BatchView> {
  const ids = batchRecordIds(header.id, header.total);
  const whole = header.total <= COUNT_PAGE ? await store.getMany(ids) : undefined;
  const statuses = whole
    ? new Map(whole.map((record) => [record.id, record.status]))
    : await store.statusesOf(ids);
  const counts = zeroCounts();
  for (const id of ids) counts[statuses.get(id) ?? "pending"] += 1;

  const from = query.cursor === undefined ? 0 : cursorPosition(query.cursor, ids);
  const candidates = ids
    .slice(from)
    .filter((id) => query.status === undefined || (statuses.get(id) ?? "pending") === query.status)
    .slice(0, query.limit + 1);
  const pageIds = candidates.slice(0, query.limit);
  const byId = new Map((whole ?? (await store.getMany(pageIds))).map((record) => [record.id, record]));
  // A record read after its status was may have moved on: the filter holds for the page as read.
  const items = pageIds
    .map((id) => byId.get(id))
    .filter(
      (r): r is PipelineRecord =>
        r !== undefined && (query.status === undefined || r.status === query.status),
    );
  const following = candidates[query.limit];
  return view(
    header.id,
    header.total,
    counts,
    following ? { items, nextCursor: encodeCursor(following) } : { items },
  );
}

/** Through the batch index, 100 a page; a batch that fits the first page is answered from it. */
async function readIndexedBatch(
  store: RecordStore,
  requester: Requester,
  batchId: string,
  query: BatchQuery,
): Promise<BatchView | undefined> {
  const counts = zeroCounts();
  let total = 0;
  let owner: PipelineRecord | undefined;
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
  return view(batchId, total, counts, page);
}
