/**
 * PipelineRecord <-> Tablestore row, idempotency entry <-> row, and the opaque list cursors.
 *
 * Scalars are columns of their own (so conditions and indexes can use them); `request`, `error`
 * and `attemptHistory` are JSON strings; `attempts` is an INTEGER (a JS number would be stored as DOUBLE). Optional
 * fields that are absent have no column, so a PutRow of the next state removes them.
 */
import { createHash } from "node:crypto";
import TableStore from "tablestore";
import type { BatchHeader, IdempotencyEntry } from "../../app/ports";
import type { Attempt } from "../../domain/attempt-history";
import { ServiceError } from "../../domain/errors";
import {
  type PipelineRecord,
  RECORD_STATUSES,
  type RecordError,
  type RecordStatus,
} from "../../domain/record";
import type { Labels } from "../../domain/request/labels";
import type { PipelineRequest } from "../../domain/request/normalize";
import { BATCH_KEY_PREFIX, IDEMPOTENCY_KEY_PREFIX, PRIMARY_KEY, RECORD_ID_PATTERN } from "./table-schema";

/** A row that does not hold what this module wrote, or a cursor this store did not hand out. */
export class RecordCodecError extends ServiceError {
  override readonly name = "RecordCodecError";
  declare readonly code: "CorruptRecord" | "InvalidRecord" | "InvalidCursor";
  constructor(code: "CorruptRecord" | "InvalidRecord" | "InvalidCursor", message: string) {
    super(code, message, { transient: false });
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function requireIsoTime(field: string, value: string): string {
  if (!ISO_TIME.test(value) || new Date(value).toISOString() !== value) {
    throw new RecordCodecError("InvalidRecord", `${field} must be a Date#toISOString() time, got ${value}`);
  }
  return value;
}

export function recordKey(id: string): TableStore.PrimaryKeyInput {
  return [{ [PRIMARY_KEY]: id }];
}

export function requireRecordId(id: string): string {
  if (!RECORD_ID_PATTERN.test(id))
    throw new RecordCodecError("InvalidRecord", `record id ${id} is not a ULID`);
  return id;
}

/** The attribute columns of a record row. Times are checked: index order depends on their form. */
export function recordColumns(record: PipelineRecord): TableStore.AttributeInput {
  const columns: TableStore.AttributeInput = [
    { status: record.status },
    { accountId: record.accountId },
    { regionId: record.regionId },
    { submittedBy: record.submittedBy },
    { clientToken: record.clientToken },
    { attempts: TableStore.Long.fromNumber(record.attempts) },
    { createdAt: requireIsoTime("createdAt", record.createdAt) },
    { updatedAt: requireIsoTime("updatedAt", record.updatedAt) },
    { request: JSON.stringify(record.request) },
  ];
  if (record.batchId !== null) columns.push({ batchId: record.batchId });
  if (record.imagePipelineId !== undefined) columns.push({ imagePipelineId: record.imagePipelineId });
  if (record.ecsRequestId !== undefined) columns.push({ ecsRequestId: record.ecsRequestId });
  if (record.error !== undefined) columns.push({ error: JSON.stringify(record.error) });
  if (record.completedAt !== undefined)
    columns.push({ completedAt: requireIsoTime("completedAt", record.completedAt) });
  if (record.leaseUntil !== undefined)
    columns.push({ leaseUntil: requireIsoTime("leaseUntil", record.leaseUntil) });
  columns.push(...outboxColumns(record));
  columns.push(...historyColumns(record));
  columns.push(...labelColumns(record));
  return columns;
}

/** The caller's labels (domain/request/labels) as one JSON column; no column when there are none. */
function labelColumns(record: PipelineRecord): TableStore.AttributeInput {
  return record.labels && Object.keys(record.labels).length > 0
    ? [{ labels: JSON.stringify(record.labels) }]
    : [];
}

function readLabelColumns(cells: Cells, record: PipelineRecord): void {
  const labels = optionalText(cells, "labels");
  if (labels !== undefined) record.labels = json<Labels>(labels, "labels", record.id);
}

/**
 * The attempt history (shared/domain/attempt-history): one JSON STRING column, bounded there to a
 * few tens of KB at most, so far below the 2 MB a cell may hold; no column while it is empty.
 */
function historyColumns(record: PipelineRecord): TableStore.AttributeInput {
  return record.attemptHistory?.length ? [{ attemptHistory: JSON.stringify(record.attemptHistory) }] : [];
}

/** A row written before the history existed has no column: read as no history. */
function readHistoryColumn(cells: Cells, record: PipelineRecord): void {
  const raw = optionalText(cells, "attemptHistory");
  if (raw === undefined) return;
  const history = json<unknown>(raw, "attemptHistory", record.id);
  if (!Array.isArray(history))
    throw new RecordCodecError("CorruptRecord", `record ${record.id}: attemptHistory is not a list`);
  record.attemptHistory = history as Attempt[];
}

/**
 * The outbox and no-false-failed columns (docs/processing.md): `eventOwedAt` (the key of the
 * `by_event_owed` index, so only records that owe an event are in it) and `outcomeUnknown`.
 */
function outboxColumns(record: PipelineRecord): TableStore.AttributeInput {
  const columns: TableStore.AttributeInput = [];
  if (record.eventOwedAt !== undefined)
    columns.push({ eventOwedAt: requireIsoTime("eventOwedAt", record.eventOwedAt) });
  if (record.outcomeUnknown) columns.push({ outcomeUnknown: true });
  return columns;
}

function readOutboxColumns(cells: Cells, record: PipelineRecord): void {
  const eventOwedAt = optionalText(cells, "eventOwedAt");
  if (eventOwedAt !== undefined) record.eventOwedAt = eventOwedAt;
  if (cells.get("outcomeUnknown") === true) record.outcomeUnknown = true;
}

type Cells = Map<string, TableStore.ColumnValue>;

function cellsOf(row: TableStore.Row): Cells {
  return new Map((row.attributes ?? []).map((a) => [a.columnName, a.columnValue]));
}

function keyValue(row: TableStore.Row, name: string): string | undefined {
  const value = row.primaryKey?.find((c) => c.name === name)?.value;
  return typeof value === "string" ? value : undefined;
}

function text(cells: Cells, name: string, id: string): string {
  const value = cells.get(name);
  if (typeof value !== "string")
    throw new RecordCodecError("CorruptRecord", `record ${id}: ${name} is missing`);
  return value;
}

function optionalText(cells: Cells, name: string): string | undefined {
  const value = cells.get(name);
  return typeof value === "string" ? value : undefined;
}

function integer(cells: Cells, name: string, id: string): number {
  const value = cells.get(name);
  if (typeof value === "object" && value !== null && !Buffer.isBuffer(value)) return value.toNumber();
  if (typeof value === "number") return value;
  throw new RecordCodecError("CorruptRecord", `record ${id}: ${name} is not an integer`);
}

function json<T>(raw: string, name: string, id: string): T {
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new RecordCodecError("CorruptRecord", `record ${id}: ${name} is not JSON`);
  }
}

function isStatus(value: string): value is RecordStatus {
  return (RECORD_STATUSES as readonly string[]).includes(value);
}

/** The record in a base-table row; undefined for an empty (missing) row. */
export function recordFromRow(row: TableStore.Row): PipelineRecord | undefined {
  const id = keyValue(row, PRIMARY_KEY);
  if (id === undefined || !row.attributes?.length) return undefined;
  const cells = cellsOf(row);
  const status = text(cells, "status", id);
  if (!isStatus(status))
    throw new RecordCodecError("CorruptRecord", `record ${id}: unknown status ${status}`);
  const record: PipelineRecord = {
    id,
    status,
    accountId: text(cells, "accountId", id),
    regionId: text(cells, "regionId", id),
    batchId: optionalText(cells, "batchId") ?? null,
    submittedBy: text(cells, "submittedBy", id),
    clientToken: text(cells, "clientToken", id),
    attempts: integer(cells, "attempts", id),
    createdAt: text(cells, "createdAt", id),
    updatedAt: text(cells, "updatedAt", id),
    request: json<PipelineRequest>(text(cells, "request", id), "request", id),
  };
  const imagePipelineId = optionalText(cells, "imagePipelineId");
  if (imagePipelineId !== undefined) record.imagePipelineId = imagePipelineId;
  const ecsRequestId = optionalText(cells, "ecsRequestId");
  if (ecsRequestId !== undefined) record.ecsRequestId = ecsRequestId;
  const error = optionalText(cells, "error");
  if (error !== undefined) record.error = json<RecordError>(error, "error", id);
  const completedAt = optionalText(cells, "completedAt");
  if (completedAt !== undefined) record.completedAt = completedAt;
  const leaseUntil = optionalText(cells, "leaseUntil");
  if (leaseUntil !== undefined) record.leaseUntil = leaseUntil;
  readOutboxColumns(cells, record);
  readHistoryColumn(cells, record);
  readLabelColumns(cells, record);
  return record;
}

/** Scopes hold caller-chosen text of any length; the key is a fixed-size hash of it. */
export function idempotencyKey(scope: string): TableStore.PrimaryKeyInput {
  return [
    { [PRIMARY_KEY]: IDEMPOTENCY_KEY_PREFIX + createHash("sha256").update(scope, "utf8").digest("hex") },
  ];
}

/** Column names of their own, so no record index (all sparse) ever picks an entry up. */
export function idempotencyColumns(entry: IdempotencyEntry): TableStore.AttributeInput {
  return [
    { idemScope: entry.scope },
    { idemTargetId: entry.targetId },
    { idemFingerprint: entry.fingerprint },
    { idemCreatedAt: entry.createdAt },
  ];
}

export function idempotencyFromRow(row: TableStore.Row, scope: string): IdempotencyEntry | undefined {
  if (!row.attributes?.length) return undefined;
  const cells = cellsOf(row);
  const stored = optionalText(cells, "idemScope");
  // A different scope under the same hash is not this entry (and would be a sha256 collision).
  if (stored !== scope) return undefined;
  return {
    scope,
    targetId: text(cells, "idemTargetId", scope),
    fingerprint: text(cells, "idemFingerprint", scope),
    createdAt: text(cells, "idemCreatedAt", scope),
  };
}

export function batchKey(batchId: string): TableStore.PrimaryKeyInput {
  return [{ [PRIMARY_KEY]: BATCH_KEY_PREFIX + requireRecordId(batchId) }];
}

/** Column names of their own (as for idempotency entries), so no index ever lists a header. */
export function batchColumns(header: BatchHeader): TableStore.AttributeInput {
  return [
    { batchSubmittedBy: header.submittedBy },
    { batchTotal: TableStore.Long.fromNumber(header.total) },
    { batchCreatedAt: requireIsoTime("createdAt", header.createdAt) },
  ];
}

export function batchFromRow(row: TableStore.Row, batchId: string): BatchHeader | undefined {
  if (!row.attributes?.length) return undefined;
  const cells = cellsOf(row);
  return {
    id: batchId,
    submittedBy: text(cells, "batchSubmittedBy", batchId),
    total: integer(cells, "batchTotal", batchId),
    createdAt: text(cells, "batchCreatedAt", batchId),
  };
}

/**
 * Bytes a cell costs on top of its name and value in a row as the SDK encodes it (PlainBuffer:
 * tags, lengths, type, checksum; about 14), rounded up.
 */
const CELL_OVERHEAD_BYTES = 16;

function valueBytes(value: TableStore.ColumnValue | TableStore.PrimaryKeyValue): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (Buffer.isBuffer(value)) return value.length;
  if (typeof value === "boolean") return 1;
  return 8; // INTEGER and DOUBLE (and the INF_MIN/INF_MAX markers, which writes never carry).
}

/**
 * What one row adds to a write request, by the service's data-size rule (column names plus
 * values; a string counts its UTF-8 bytes) plus the encoding's per-cell overhead, so a sum of
 * these is never below the size the service checks against its 4 MB limit.
 */
export function rowWriteBytes(
  primaryKey: TableStore.PrimaryKeyInput,
  attributeColumns: TableStore.AttributeInput,
): number {
  let bytes = 0;
  for (const cell of [...primaryKey, ...attributeColumns]) {
    for (const [name, value] of Object.entries(cell)) {
      if (name === "timestamp") continue;
      bytes += Buffer.byteLength(name, "utf8") + valueBytes(value) + CELL_OVERHEAD_BYTES;
    }
  }
  return bytes;
}

const CURSOR_VERSION = 1;

/**
 * A cursor holds the key of the first row of the next page *after* the partition value (the
 * submitter, batch or status), which the caller supplies again: a crafted cursor can move within
 * the caller's own partition but never into another's.
 */
export function encodeCursor(keyTail: readonly string[]): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, k: keyTail }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, length: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new RecordCodecError("InvalidCursor", "the cursor is not one this service handed out");
  }
  const keyTail =
    typeof parsed === "object" && parsed !== null ? (parsed as { v?: unknown; k?: unknown }) : {};
  if (
    keyTail.v !== CURSOR_VERSION ||
    !Array.isArray(keyTail.k) ||
    keyTail.k.length !== length ||
    !keyTail.k.every((part): part is string => typeof part === "string")
  ) {
    throw new RecordCodecError("InvalidCursor", "the cursor is not one this service handed out");
  }
  return keyTail.k;
}
