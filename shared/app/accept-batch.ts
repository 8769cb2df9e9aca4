/**
 * Accepting a batch (docs/http-api.md, "Batches"): 1..500 pipeline requests, validated
 * all-or-nothing, written and enqueued in as few calls as the store's and the queue's batch limits
 * allow. It shares the idempotency machinery and the write order of a single request
 * (./accept-request):
 *  1. the batch's Idempotency-Key entry (pointing at the batch id), then one entry per item
 *     ClientToken (pointing at the item's record id), conditional puts;
 *  2. the records, `pending`, with RecordStore.createMany (BatchWriteRow, as few calls as the
 *     service's row and size limits allow);
 *  3. the batch header (RecordStore.putBatch): the item count, written once every record is, so
 *     the batch reads whole by id right after the 202, before the batch index lists its items;
 *  4. one message per record with RequestQueue.send (BatchSendMessage, 16 a call, 8 calls at a
 *     time).
 * Item record ids follow from the batch id (ids.batchRecordIds), so a replay that finds the key but
 * no header (the process died during step 2 or 3) reads which records exist by id, writes the
 * missing ones under the same ids, then the header, and enqueues exactly the records it wrote; a
 * replay that finds the header writes nothing. A failed send after the writes still answers 202:
 * the records are `pending` and the reconciler enqueues them.
 *
 * A ClientToken is also an idempotency key of its caller. Inside one batch two items may not share
 * one (the second would be the first's pipeline); a token that an earlier request of the caller
 * already used refuses its item, and so the batch (all-or-nothing), with `ClientTokenAlreadyUsed`
 * naming the record that holds it. These are checked before anything is written.
 */
import { errorFields } from "../domain/errors";
import type { PipelineRecord } from "../domain/record";
import { validateBatchRequest } from "../domain/request/batch";
import type { Labels } from "../domain/request/labels";
import type { PipelineRequest } from "../domain/request/normalize";
import type { Violation, Warning } from "../domain/request/violation";
import {
  type AcceptDependencies,
  claimKeys,
  findPriorRequest,
  type IdempotencySource,
  type KeyScope,
  keyScope,
  newPendingRecord,
  splitAccount,
} from "./accept-request";
import { canonicalJson, fingerprintOfCanonical, fingerprintOfList } from "./fingerprint";
import { batchRecordIds, newRecordId } from "./ids";
import type { IdempotencyEntry, RecordStore } from "./ports";
import type { Requester } from "./requester";

export const DUPLICATE_CLIENT_TOKEN = "DuplicateClientToken";
export const CLIENT_TOKEN_ALREADY_USED = "ClientTokenAlreadyUsed";

/** Store round trips for item ClientTokens run this many at a time. */
const TOKEN_CONCURRENCY = 16;
/** Ids per RequestQueue.send: one BatchSendMessage holds 16 messages. */
const SEND_SLICE = 16;
/** RequestQueue.send calls in flight at once. */
const SEND_CONCURRENCY = 8;

export interface AcceptBatchInput {
  requester: Requester;
  body: unknown;
  idempotencyKey?: string | undefined;
}

export interface AcceptedItem {
  id: string;
  accountId: string;
  regionId: string;
}

export type AcceptBatchOutcome =
  | {
      kind: "accepted";
      batchId: string;
      items: AcceptedItem[];
      /** Pointers `#/items/N/...`. */
      warnings: Warning[];
      replayed: boolean;
    }
  | { kind: "invalid"; violations: Violation[] }
  | { kind: "idempotency-key-reused"; source: IdempotencySource };

interface PlannedItem {
  index: number;
  accountId: string;
  request: PipelineRequest;
  /** The item's own labels over the batch's. */
  labels?: Labels;
  print: string;
  token?: KeyScope;
}

const tokenPointer = (index: number): string => `#/items/${index}/ClientToken`;

export async function acceptBatch(
  deps: AcceptDependencies,
  input: AcceptBatchInput,
): Promise<AcceptBatchOutcome> {
  const validation = validateBatchRequest(input.body);
  if (!validation.ok) return { kind: "invalid", violations: validation.violations };
  const sub = input.requester.sub;
  // Each item's canonical JSON is made once: for its own fingerprint and for the batch's.
  const canonical: string[] = [];
  const items: PlannedItem[] = validation.items.map((validated, index) => {
    const { accountId, request } = splitAccount(validated, deps.serviceAccountId);
    const labels = validation.labels[index];
    canonical[index] = canonicalJson({ accountId, request, labels });
    return {
      index,
      accountId,
      request,
      ...(labels ? { labels } : {}),
      print: fingerprintOfCanonical(canonical[index]),
      ...(request.ClientToken !== undefined
        ? { token: keyScope("ClientToken", sub, request.ClientToken) }
        : {}),
    };
  });
  const duplicates = duplicateTokens(items);
  if (duplicates.length > 0) return { kind: "invalid", violations: duplicates };

  // = fingerprint({ batch: [{ accountId, request, labels }, ...] }), without one string of every item.
  const print = fingerprintOfList("batch", canonical);
  const keyScopes =
    input.idempotencyKey === undefined ? [] : [keyScope("Idempotency-Key", sub, input.idempotencyKey)];
  const accepted = (batchId: string, replayed: boolean): AcceptBatchOutcome => {
    const ids = batchRecordIds(batchId, items.length);
    return {
      kind: "accepted",
      batchId,
      items: items.map((item, i) => ({
        id: ids[i] as string,
        accountId: item.accountId,
        regionId: item.request.RegionId,
      })),
      warnings: validation.warnings,
      replayed,
    };
  };

  const prior = await findPriorRequest(deps.store, keyScopes, print);
  if (prior.kind === "reused") return { kind: "idempotency-key-reused", source: prior.source };
  if (prior.kind === "found") {
    // A batch with its header is whole: nothing to write or send.
    if (await deps.store.getBatch(prior.targetId)) return accepted(prior.targetId, true);
    const ids = batchRecordIds(prior.targetId, items.length);
    const existing = new Set((await deps.store.statusesOf(ids)).keys());
    const written = await writeBatch(deps, items, prior.targetId, sub, { resuming: true, existing });
    return written.kind === "invalid" ? written : accepted(prior.targetId, true);
  }

  const batchId = deps.newId?.() ?? newRecordId(deps.clock);
  const refused = await usedTokens(deps.store, items, new Set(batchRecordIds(batchId, items.length)));
  if (refused.length > 0) return { kind: "invalid", violations: refused };
  const claimed = await claimKeys(deps.store, keyScopes, batchId, print, deps.clock);
  if (claimed.kind === "reused") return { kind: "idempotency-key-reused", source: claimed.source };
  // A concurrent twin with the same key and body won the put: it writes and enqueues the batch.
  if (claimed.kind === "found") return accepted(claimed.targetId, true);
  const written = await writeBatch(deps, items, batchId, sub, { resuming: false, existing: new Set() });
  return written.kind === "invalid" ? written : accepted(batchId, false);
}

/**
 * Steps 1 (item tokens) to 4 for the records not in `existing`. On a fresh batch `existing` is
 * empty; on a replay it holds the records the earlier attempt wrote (read by id, so it is exact
 * but for an attempt still writing beside us: those rows are found by their conditional puts).
 */
async function writeBatch(
  deps: AcceptDependencies,
  items: PlannedItem[],
  batchId: string,
  submittedBy: string,
  { resuming, existing }: { resuming: boolean; existing: Set<string> },
): Promise<{ kind: "written" } | { kind: "invalid"; violations: Violation[] }> {
  const ids = batchRecordIds(batchId, items.length);
  const missing = items.filter((_, i) => !existing.has(ids[i] as string));
  const refused = await claimTokens(deps, missing, ids);
  if (refused.length > 0) return { kind: "invalid", violations: refused };

  const now = deps.clock.now();
  const records = missing.map((item) =>
    newPendingRecord(
      ids[item.index] as string,
      item.accountId,
      item.request,
      submittedBy,
      now,
      batchId,
      item.labels,
    ),
  );
  const created = records.length > 0 ? await createRecords(deps.store, records, resuming) : [];
  // `conflict` is a concurrent replay's header for the same batch: the same count and owner.
  await deps.store.putBatch({ id: batchId, submittedBy, total: items.length, createdAt: now.toISOString() });
  await enqueueConcurrently(deps, created, batchId);
  deps.logger.info("batch accepted", { batchId, records: created.length, resumed: resuming });
  return { kind: "written" };
}

/**
 * RecordStore.createMany (BatchWriteRow). A replay may race the attempt it resumes; then the batch write
 * fails on rows the other attempt wrote, and the records go one conditional put each, so each is
 * written (and later enqueued) by exactly one of them.
 */
async function createRecords(
  store: RecordStore,
  records: PipelineRecord[],
  resuming: boolean,
): Promise<string[]> {
  try {
    await store.createMany(records);
    return records.map((record) => record.id);
  } catch (error) {
    if (!resuming) throw error;
    const created: string[] = [];
    for (const record of records) if ((await store.create(record)) === "applied") created.push(record.id);
    return created;
  }
}

const duplicateTokens = (items: PlannedItem[]): Violation[] =>
  duplicateClientTokens(items.map((item) => item.token?.scope));

/**
 * Items of one batch that repeat an earlier item's ClientToken (`undefined`: the item has none).
 * Needs nothing stored, so validation without storing (./validate-request) checks it too.
 */
export function duplicateClientTokens(tokens: readonly (string | undefined)[]): Violation[] {
  const firstIndex = new Map<string, number>();
  const violations: Violation[] = [];
  for (const [index, token] of tokens.entries()) {
    if (token === undefined) continue;
    const first = firstIndex.get(token);
    if (first === undefined) firstIndex.set(token, index);
    else
      violations.push({
        pointer: tokenPointer(index),
        code: DUPLICATE_CLIENT_TOKEN,
        detail: `ClientToken is also the ClientToken of item ${first}; each item needs its own`,
      });
  }
  return violations;
}

const alreadyUsed = (item: PlannedItem, entry: IdempotencyEntry): Violation => ({
  pointer: tokenPointer(item.index),
  code: CLIENT_TOKEN_ALREADY_USED,
  detail: `ClientToken was already used by request ${entry.targetId}; read that request or use a new ClientToken`,
});

/** Before anything is written: item tokens an earlier request (not this batch) already holds. */
async function usedTokens(store: RecordStore, items: PlannedItem[], ours: Set<string>): Promise<Violation[]> {
  const found = await mapLimited(
    items.filter((item) => item.token),
    async (item) => ({ item, entry: await store.getIdempotency((item.token as KeyScope).scope) }),
  );
  return found
    .filter(({ entry }) => entry !== undefined && !ours.has(entry.targetId))
    .map(({ item, entry }) => alreadyUsed(item, entry as IdempotencyEntry));
}

/**
 * Step 1 for the item tokens. An entry that already points at this item's record is ours (from the
 * attempt being resumed); one pointing elsewhere was taken by a concurrent request after the check.
 */
async function claimTokens(
  deps: AcceptDependencies,
  items: PlannedItem[],
  ids: string[],
): Promise<Violation[]> {
  const results = await mapLimited(
    items.filter((item) => item.token),
    async (item) => {
      const scope = item.token as KeyScope;
      const id = ids[item.index] as string;
      const entry: IdempotencyEntry = {
        scope: scope.scope,
        targetId: id,
        fingerprint: item.print,
        createdAt: deps.clock.now().toISOString(),
      };
      if ((await deps.store.putIdempotency(entry)) === "applied") return undefined;
      const holder = await deps.store.getIdempotency(scope.scope);
      return holder && holder.targetId !== id ? alreadyUsed(item, holder) : undefined;
    },
  );
  return results.filter((violation): violation is Violation => violation !== undefined);
}

/**
 * Step 4 in slices of {@link SEND_SLICE} ids, {@link SEND_CONCURRENCY} at a time: 500 messages are
 * 32 BatchSendMessage round trips, which one after another cost more than every write before them.
 * Slices that fail are logged together; their records stay `pending` for the reconciler.
 */
async function enqueueConcurrently(deps: AcceptDependencies, ids: string[], batchId: string): Promise<void> {
  const slices: string[][] = [];
  for (let start = 0; start < ids.length; start += SEND_SLICE)
    slices.push(ids.slice(start, start + SEND_SLICE));
  const failed: { ids: string[]; error: unknown }[] = [];
  await mapLimited(
    slices,
    async (slice) => {
      try {
        await deps.queue.send(slice.map((id) => ({ id })));
      } catch (error) {
        failed.push({ ids: slice, error });
      }
    },
    SEND_CONCURRENCY,
  );
  if (failed.length === 0) return;
  const first = failed[0]?.error;
  deps.logger.warn("records stored but not enqueued; the reconciler will enqueue them", {
    batchId,
    records: failed.reduce((sum, f) => sum + f.ids.length, 0),
    error: errorFields(first),
  });
}

/** `work` over `inputs`, at most `concurrency` at a time, results in input order. */
async function mapLimited<T, R>(
  inputs: T[],
  work: (input: T) => Promise<R>,
  concurrency = TOKEN_CONCURRENCY,
): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await work(inputs[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
