/**
 * Accepting one pipeline request (docs/http-api.md "Idempotency", docs/processing.md "Flow" step 1).
 *
 * Write order, chosen so that no accepted request is lost and none is duplicated:
 *  1. the idempotency entries (Idempotency-Key, caller's ClientToken), conditional puts pointing at
 *     the new record id. Whoever puts an entry first owns the key; a concurrent twin finds it.
 *  2. the record, `pending`, conditional put (the row must not exist).
 *  3. the queue message `{id}`.
 * If the process dies between 1 and 2, the entry points at a record that does not exist; the next
 * replay with the same key and body finds that and writes the record under the id the entry names,
 * so the key still leads to exactly one record. If the send in 3 fails, the record is durable and
 * `pending`: the reconciler re-enqueues it, so the answer is still 202 (with a warning logged).
 * A replay (same key, same body) answers with the record the key points at and sends nothing.
 */
import { errorFields } from "../domain/errors";
import type { PipelineRecord } from "../domain/record";
import type { Labels } from "../domain/request/labels";
import { type PipelineRequest, validatePipelineRequest } from "../domain/request/validate";
import type { Violation, Warning } from "../domain/request/violation";
import { fingerprint } from "./fingerprint";
import { callerClientToken, newRecordId } from "./ids";
import type { Clock, IdempotencyEntry, Logger, RecordStore, RequestQueue } from "./ports";
import type { Requester } from "./requester";

export interface AcceptDependencies {
  store: RecordStore;
  queue: RequestQueue;
  clock: Clock;
  logger: Logger;
  /** The account pipelines are created in when the request names none. */
  serviceAccountId: string;
  newId?: () => string;
}

export interface AcceptInput {
  requester: Requester;
  body: unknown;
  /** The Idempotency-Key header, already checked by isIdempotencyKey. */
  idempotencyKey?: string | undefined;
}

export type IdempotencySource = "Idempotency-Key" | "ClientToken";

export type AcceptOutcome =
  | {
      kind: "accepted";
      record: PipelineRecord;
      warnings: Warning[];
      /** True when an earlier request with the same key made the record. */
      replayed: boolean;
    }
  | { kind: "invalid"; violations: Violation[] }
  | { kind: "idempotency-key-reused"; source: IdempotencySource };

/** 1..64 printable ASCII characters (docs/http-api.md, "Idempotency"). */
export const isIdempotencyKey = (key: string): boolean => /^[\x20-\x7e]{1,64}$/.test(key);

export interface KeyScope {
  source: IdempotencySource;
  scope: string;
}

/** Keys are scoped to the caller: two callers may use the same key without meeting. */
export function idempotencyScope(source: IdempotencySource, sub: string, key: string): string {
  return `${source === "Idempotency-Key" ? "key" : "token"}:${encodeURIComponent(sub)}:${key}`;
}

export async function acceptPipelineRequest(
  deps: AcceptDependencies,
  input: AcceptInput,
): Promise<AcceptOutcome> {
  const validation = validatePipelineRequest(input.body);
  if (!validation.ok) return { kind: "invalid", violations: validation.violations };
  const { accountId, request } = splitAccount(validation.request, deps.serviceAccountId);

  const { labels } = validation;
  const print = requestFingerprint(accountId, request, labels);
  const scopes: KeyScope[] = [];
  if (input.idempotencyKey !== undefined)
    scopes.push(keyScope("Idempotency-Key", input.requester.sub, input.idempotencyKey));
  if (request.ClientToken !== undefined)
    scopes.push(keyScope("ClientToken", input.requester.sub, request.ClientToken));

  const accepted = (record: PipelineRecord, replayed: boolean): AcceptOutcome => ({
    kind: "accepted",
    record,
    warnings: validation.warnings,
    replayed,
  });

  const prior = await findPriorRequest(deps.store, scopes, print);
  if (prior.kind === "reused") return { kind: "idempotency-key-reused", source: prior.source };
  let id: string;
  if (prior.kind === "found") {
    const existing = await deps.store.get(prior.targetId);
    if (existing) return accepted(existing, true);
    id = prior.targetId;
  } else {
    id = deps.newId?.() ?? newRecordId(deps.clock);
    const claimed = await claimKeys(deps.store, scopes, id, print, deps.clock);
    if (claimed.kind === "reused") return { kind: "idempotency-key-reused", source: claimed.source };
    if (claimed.kind === "found") {
      const existing = await deps.store.get(claimed.targetId);
      if (existing) return accepted(existing, true);
      id = claimed.targetId;
    }
  }

  const record = newPendingRecord(
    id,
    accountId,
    request,
    input.requester.sub,
    deps.clock.now(),
    null,
    labels,
  );
  if ((await deps.store.create(record)) === "conflict") {
    // A twin request with the same key wrote it a moment ago: it also sends the message.
    const existing = await deps.store.get(id);
    if (existing) return accepted(existing, true);
    throw new Error(`record ${id} conflicted on create but cannot be read`);
  }
  await enqueue(deps, [id]);
  deps.logger.info("request accepted", { recordId: id, accountId, regionId: record.regionId });
  return accepted(record, false);
}

/**
 * The account a request runs in (absent = the service's own; another one is reached through its
 * RAM role by the worker) and the request as stored, which never carries AccountId.
 */
export function splitAccount(
  validated: PipelineRequest,
  serviceAccountId: string,
): { accountId: string; request: PipelineRequest } {
  const { AccountId, ...request } = validated;
  return { accountId: AccountId ?? serviceAccountId, request };
}

/** Labels count: a replay with other labels is another request. Without labels, as before they existed. */
export const requestFingerprint = (accountId: string, request: PipelineRequest, labels?: Labels): string =>
  fingerprint({ accountId, request, labels });

export const keyScope = (source: IdempotencySource, sub: string, key: string): KeyScope => ({
  source,
  scope: idempotencyScope(source, sub, key),
});

/**
 * Step 3 of the write order. A failed send leaves the records durable and `pending`; the reconciler
 * enqueues them, so the caller still gets its 202.
 */
export async function enqueue(
  deps: Pick<AcceptDependencies, "queue" | "logger">,
  ids: string[],
  fields: Record<string, unknown> = {},
): Promise<void> {
  if (ids.length === 0) return;
  try {
    await deps.queue.send(ids.map((id) => ({ id })));
  } catch (error) {
    deps.logger.warn("records stored but not enqueued; the reconciler will enqueue them", {
      ...fields,
      ...(ids.length === 1 ? { recordId: ids[0] } : { records: ids.length }),
      error: errorFields(error),
    });
  }
}

export function newPendingRecord(
  id: string,
  accountId: string,
  request: PipelineRequest,
  submittedBy: string,
  now: Date,
  batchId: string | null,
  labels?: Labels,
): PipelineRecord {
  const at = now.toISOString();
  return {
    id,
    status: "pending",
    accountId,
    regionId: request.RegionId,
    batchId,
    submittedBy,
    // Fixed here, when the record is accepted, and stored: every attempt of the worker sends the
    // stored one (records accepted before the caller's token was scoped keep theirs). The
    // caller's own token is scoped to the caller (ids.callerClientToken); without one, the record
    // id, unique and already stored. Both follow from what is stored, so a record rebuilt after a
    // crash gets the same token.
    clientToken: request.ClientToken === undefined ? id : callerClientToken(submittedBy, request.ClientToken),
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
    request,
  };
}

export type Prior =
  | { kind: "none" }
  | { kind: "found"; targetId: string }
  | { kind: "reused"; source: IdempotencySource };

function judge(entry: IdempotencyEntry, scope: KeyScope, print: string): Prior {
  return entry.fingerprint === print
    ? { kind: "found", targetId: entry.targetId }
    : { kind: "reused", source: scope.source };
}

export async function findPriorRequest(
  store: RecordStore,
  scopes: KeyScope[],
  print: string,
): Promise<Prior> {
  let found: Prior = { kind: "none" };
  for (const scope of scopes) {
    const entry = await store.getIdempotency(scope.scope);
    if (!entry) continue;
    const verdict = judge(entry, scope, print);
    if (verdict.kind === "reused") return verdict;
    if (found.kind === "none") found = verdict;
  }
  return found;
}

export async function claimKeys(
  store: RecordStore,
  scopes: KeyScope[],
  targetId: string,
  print: string,
  clock: Clock,
): Promise<Prior> {
  for (const scope of scopes) {
    const entry: IdempotencyEntry = {
      scope: scope.scope,
      targetId,
      fingerprint: print,
      createdAt: clock.now().toISOString(),
    };
    if ((await store.putIdempotency(entry)) === "applied") continue;
    // A concurrent request with the same key won the put between our read and our write.
    const winner = await store.getIdempotency(scope.scope);
    if (winner) return judge(winner, scope, print);
  }
  return { kind: "none" };
}
