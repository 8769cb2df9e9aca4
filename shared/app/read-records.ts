/**
 * Reading records (docs/http-api.md, "Record" and the list route). Never writes. Another caller's
 * record reads as absent unless the requester is an admin.
 */
import { ServiceError } from "../domain/errors";
import type { PipelineRecord } from "../domain/record";
import type { RecordFilter } from "../domain/record-filter";
import { fingerprint } from "./fingerprint";
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

/** A page request of `GET /v1/pipelines`: its size, where it continues, and the filter. */
export type ListQuery = { limit: number; cursor?: string | undefined } & RecordFilter;

/** A list cursor that does not belong to this list (made for other filters, or not by us). */
export class ListCursorError extends ServiceError {
  override readonly name = "ListCursorError";
  constructor(message: string) {
    super("InvalidCursor", message, { transient: false });
  }
}

/**
 * The requester's own records matching the query's filter, newest first; with `batchId`, the
 * batch's records in submission order (the batch index's order). Always the requester's own, but
 * for an admin's batch list (admins read any record); another caller's batch lists as empty. The cursor carries a digest of the filter it was made for: a cursor sent with
 * other filters is refused (ListCursorError) rather than continuing some other list.
 */
export async function listRecords(
  store: RecordStore,
  requester: Requester,
  query: ListQuery,
): Promise<Page<PipelineRecord>> {
  const { limit, cursor, ...filter } = query;
  const digest = filterDigest(filter);
  // An admin reads any caller's batch, as by id; every other list is the requester's own.
  const owner = requester.isAdmin && filter.batchId !== undefined ? undefined : requester.sub;
  const page = await store.listMatching(owner, filter, {
    limit,
    ...(cursor !== undefined ? { cursor: openCursor(cursor, digest) } : {}),
  });
  return page.nextCursor ? { items: page.items, nextCursor: sealCursor(page.nextCursor, digest) } : page;
}

/** 16 hex digits of sha256 over the filter's canonical JSON: which list a cursor belongs to. */
function filterDigest(filter: RecordFilter): string {
  return fingerprint(filter).slice("sha256:".length, "sha256:".length + 16);
}

/** `<digest>.<the store's cursor>`: both parts are base64url-safe, so the whole is too. */
function sealCursor(storeCursor: string, digest: string): string {
  return `${digest}.${storeCursor}`;
}

function openCursor(cursor: string, digest: string): string {
  const dot = cursor.indexOf(".");
  if (dot < 0 || !/^[0-9a-f]{16}$/.test(cursor.slice(0, dot)))
    throw new ListCursorError("the cursor is not one this service handed out");
  if (cursor.slice(0, dot) !== digest)
    throw new ListCursorError("the cursor belongs to a list with other filters");
  return cursor.slice(dot + 1);
}
