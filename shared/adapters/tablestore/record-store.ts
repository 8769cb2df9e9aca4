/**
 * The RecordStore port over Tablestore (shared/app/ports.ts). Table layout: ./table-schema and
 * ./records-table.md. Every state change is one conditional write, so the row-level check-and-set of the
 * service decides races between workers, the API and the reconciler:
 *
 * - create: PutRow, row must not exist.
 * - update: PutRow of the whole next record (so fields the move removed, like `leaseUntil`, go
 *   away), row must exist with `status = from` and, when given, `leaseUntil = expectedLeaseUntil`;
 *   both column conditions fail on a missing column (`passIfMissing` false).
 * - OTSConditionCheckFail is `conflict`; every other failure is thrown as a TablestoreError. A write
 *   whose outcome is unknown is not retried by the client (./client), so `conflict` can also mean
 *   "our own earlier attempt won": callers re-read and decide (docs/processing.md).
 *
 * Lists read a global secondary index for keys, then the rows from the base table (strongly
 * consistent), so an item's fields are never older than the index entry that found it. Indexes lag
 * the table by milliseconds in the service: a record just written may be missing from a list for a
 * moment, and a record whose status just changed may be dropped from a status-filtered page (its
 * current status is checked against the filter again), so a page can be shorter than `limit` while
 * more pages follow.
 */
import TableStore from "tablestore";
import {
  type BatchHeader,
  type IdempotencyEntry,
  type ListOptions,
  MATCHING_SCAN_BUDGET,
  type Page,
  type RecordStore,
  type RecordWrite,
} from "../../app/ports";
import { type PipelineRecord, RECORD_STATUSES, type RecordStatus } from "../../domain/record";
import { matchesFilter, needsRecordCheck, type RecordFilter } from "../../domain/record-filter";
import { createTablestoreClient, type TablestoreClientOptions } from "./client";
import { TablestoreError, toTablestoreError } from "./errors";
import {
  batchColumns,
  batchFromRow,
  batchKey,
  decodeCursor,
  encodeCursor,
  idempotencyColumns,
  idempotencyFromRow,
  idempotencyKey,
  RecordCodecError,
  recordColumns,
  recordFromRow,
  recordKey,
  requireRecordId,
  rowWriteBytes,
} from "./record-codec";
import {
  INDEXES,
  type IndexName,
  indexTableName,
  PRIMARY_KEY,
  RECORD_ID_PATTERN,
  RECORD_KEY_HIGH,
  RECORD_KEY_LOW,
} from "./table-schema";

/** BatchWriteRow takes at most 200 rows and 4 MB of row data (records-table.md, "Limits"). */
export const BATCH_WRITE_MAX_ROWS = 200;
/**
 * What one BatchWriteRow of ours may carry, by {@link rowWriteBytes}: 3 MiB, a quarter under the
 * service's 4 MB of row data (and well under its 5 MB request body), so the estimate's error and
 * the request's own framing never reach the limit. 200 records of 33 KB (16 KB templates) are
 * ~6.6 MB: three calls, not one.
 */
export const BATCH_WRITE_MAX_BYTES = 3 * 1024 * 1024;
/** BatchGetRow takes at most 100 rows. */
const BATCH_GET_MAX_ROWS = 100;
/**
 * BatchWriteRow calls of one createMany in flight at once: a 500-record batch is 3 calls, whose
 * round trips then overlap instead of adding up.
 */
const WRITE_CONCURRENCY = 4;
/** BatchGetRow calls of one read in flight at once: counting a 500-item batch is 5 calls. */
const READ_CONCURRENCY = 4;
/** Further BatchWriteRow rounds for rows that failed with a retryable per-row error. */
const ROW_RETRIES = 3;

export type TablestoreRecordStoreOptions = {
  table: string;
  /** Delay before a retry round of failed batch rows, doubled each round, with full jitter. */
  rowRetryBaseDelayMs?: number;
} & ({ client: TableStore.Client } | { connection: TablestoreClientOptions });

const CONDITION_FAILED = "OTSConditionCheckFail";

function isConditionFailure(err: unknown): boolean {
  return toTablestoreError(err).code === CONDITION_FAILED;
}

function equals(column: string, value: string): TableStore.SingleColumnCondition {
  return new TableStore.SingleColumnCondition(column, value, TableStore.ComparatorType.EQUAL, false);
}

const notExisting = () => new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How one list walks a key range: which table, the fixed leading key, and the varying tail. */
interface RangeScan {
  table: string;
  direction: "FORWARD" | "BACKWARD";
  /** Leading key columns the caller fixes (submitter, batch, status); empty for the base table. */
  partition: TableStore.PrimaryKeyInput;
  /** Names of the remaining key columns, in key order; the cursor holds their values. */
  tail: readonly string[];
  /** Start and end of the tail when no cursor is given. */
  openStart: TableStore.PrimaryKeyValue[];
  end: TableStore.PrimaryKeyValue[];
  /** Only rows with this status; checked again on the fetched records, which may be newer. */
  status?: RecordStatus | undefined;
  /** Whether the scanned table has a `status` column to filter on while reading. */
  filterWhileReading: boolean;
  /** Index rows hold keys only: fetch the records from the base table. */
  fromIndex: boolean;
}

export class TablestoreRecordStore implements RecordStore {
  readonly table: string;
  private readonly client: TableStore.Client;
  private readonly rowRetryBaseDelayMs: number;

  constructor(options: TablestoreRecordStoreOptions) {
    this.table = options.table;
    this.client = "client" in options ? options.client : createTablestoreClient(options.connection);
    this.rowRetryBaseDelayMs = options.rowRetryBaseDelayMs ?? 50;
  }

  async create(record: PipelineRecord): Promise<RecordWrite> {
    return this.putIfAbsent(recordKey(requireRecordId(record.id)), recordColumns(record));
  }

  /** PutRow that requires the row not to exist: `conflict` when it does. */
  private async putIfAbsent(
    primaryKey: TableStore.PrimaryKeyInput,
    attributeColumns: TableStore.AttributeInput,
  ): Promise<RecordWrite> {
    try {
      await this.client.putRow({
        tableName: this.table,
        primaryKey,
        attributeColumns,
        condition: notExisting(),
      });
      return "applied";
    } catch (err) {
      if (isConditionFailure(err)) return "conflict";
      throw toTablestoreError(err);
    }
  }

  async update(
    next: PipelineRecord,
    condition: { from: RecordStatus; expectedLeaseUntil?: string },
  ): Promise<RecordWrite> {
    let columnCondition: TableStore.ColumnCondition = equals("status", condition.from);
    if (condition.expectedLeaseUntil !== undefined) {
      const both = new TableStore.CompositeCondition(TableStore.LogicalOperator.AND);
      both.addSubCondition(columnCondition);
      both.addSubCondition(equals("leaseUntil", condition.expectedLeaseUntil));
      columnCondition = both;
    }
    const row = { primaryKey: recordKey(requireRecordId(next.id)), attributeColumns: recordColumns(next) };
    try {
      await this.client.putRow({
        tableName: this.table,
        ...row,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, columnCondition),
      });
      return "applied";
    } catch (err) {
      if (isConditionFailure(err)) return "conflict";
      throw toTablestoreError(err);
    }
  }

  async get(id: string): Promise<PipelineRecord | undefined> {
    // Anything outside the ULID key space is not a record (and may be an idempotency row).
    if (!RECORD_ID_PATTERN.test(id)) return undefined;
    const { row } = await this.client.getRow({ tableName: this.table, primaryKey: recordKey(id) });
    return recordFromRow(row);
  }

  /**
   * BatchWriteRow in chunks of at most {@link BATCH_WRITE_MAX_ROWS} rows and
   * {@link BATCH_WRITE_MAX_BYTES}, {@link WRITE_CONCURRENCY} chunks at a time. The batch is not
   * atomic: rows that failed with a retryable error are sent again (alone) a few times; a row that
   * already exists, or any row still failing, makes this throw a TablestoreError naming how many
   * rows failed, once every chunk has settled (so nothing is still being written when it throws).
   */
  async createMany(records: PipelineRecord[]): Promise<void> {
    const chunks = chunkRows(records.map((record) => toNewRow(record)));
    await inLanes(chunks, WRITE_CONCURRENCY, (chunk) => this.writeChunk(chunk));
  }

  private async writeChunk(chunk: NewRow[]): Promise<void> {
    let pending = chunk;
    for (let round = 0; ; round++) {
      const response = await this.sendChunk(pending, round);
      if (!response) {
        await sleep(Math.random() * this.rowRetryBaseDelayMs * 2 ** round);
        continue;
      }
      const failed: { record: NewRow; error: TablestoreError }[] = [];
      pending.forEach((record, i) => {
        const result = response.tables[i];
        if (result?.isOk) return;
        const code = result?.errorCode ?? "MissingRowResult";
        const message = result?.errorMessage ?? `no result for row ${record.id}`;
        failed.push({ record, error: new TablestoreError(code, message, 200, response.RequestId) });
      });
      if (failed.length === 0) return;
      // A row that exists after an earlier round failed with an unknown outcome is ours if it
      // carries our client token; a row that existed before we started is a real conflict.
      const stillFailing: typeof failed = [];
      for (const failure of failed) {
        if (round > 0 && failure.error.code === CONDITION_FAILED) {
          const stored = await this.get(failure.record.id);
          if (stored?.clientToken === failure.record.clientToken) continue;
        }
        stillFailing.push(failure);
      }
      if (stillFailing.length === 0) return;
      const first = stillFailing[0]!.error;
      if (round >= ROW_RETRIES || stillFailing.some((f) => !f.error.retryable)) {
        throw new TablestoreError(
          first.code,
          `${stillFailing.length} of ${chunk.length} rows were not written (first: ${stillFailing[0]!.record.id}: ${first.message})`,
          first.httpStatus,
          first.requestId,
        );
      }
      await sleep(Math.random() * this.rowRetryBaseDelayMs * 2 ** round);
      pending = stillFailing.map((f) => f.record);
    }
  }

  /**
   * One BatchWriteRow of `rows`; undefined when the call failed with an unknown outcome (the
   * connection broke, a timeout, a 5xx) and may be sent again: the client does not retry such a
   * write, but these rows can be, since a row that did land fails its condition on the next round
   * and is recognised as ours by its client token. Throws when rounds are used up or the failure
   * is final.
   */
  private async sendChunk(
    rows: NewRow[],
    round: number,
  ): Promise<TableStore.BatchWriteRowResult | undefined> {
    try {
      return await this.client.batchWriteRow({
        tables: [
          {
            tableName: this.table,
            rows: rows.map((row) => ({
              type: "PUT" as const,
              primaryKey: row.primaryKey,
              attributeColumns: row.attributeColumns,
              condition: notExisting(),
            })),
          },
        ],
      });
    } catch (err) {
      const error = toTablestoreError(err);
      if (round >= ROW_RETRIES || !error.retryable) throw error;
      return undefined;
    }
  }

  /** Records by id with BatchGetRow, 100 a call, in the order given; missing ids left out. */
  async getMany(ids: readonly string[]): Promise<PipelineRecord[]> {
    const rows = await this.readRows(ids);
    return ids
      .map((id) => rows.get(id))
      .map((row) => (row ? recordFromRow(row) : undefined))
      .filter((r): r is PipelineRecord => r !== undefined);
  }

  /** BatchGetRow of the `status` column only: a 500-item batch costs 5 small calls. */
  async statusesOf(ids: readonly string[]): Promise<Map<string, RecordStatus>> {
    const rows = await this.readRows(ids, ["status"]);
    const statuses = new Map<string, RecordStatus>();
    for (const [id, row] of rows) {
      const status = row.attributes?.find((a) => a.columnName === "status")?.columnValue;
      if (typeof status !== "string" || !(RECORD_STATUSES as readonly string[]).includes(status)) {
        throw new RecordCodecError("CorruptRecord", `record ${id}: status is ${String(status)}`);
      }
      statuses.set(id, status as RecordStatus);
    }
    return statuses;
  }

  async putBatch(header: BatchHeader): Promise<RecordWrite> {
    return this.putIfAbsent(batchKey(header.id), batchColumns(header));
  }

  async getBatch(batchId: string): Promise<BatchHeader | undefined> {
    if (!RECORD_ID_PATTERN.test(batchId)) return undefined;
    const { row } = await this.client.getRow({ tableName: this.table, primaryKey: batchKey(batchId) });
    return batchFromRow(row, batchId);
  }

  async putIdempotency(entry: IdempotencyEntry): Promise<RecordWrite> {
    return this.putIfAbsent(idempotencyKey(entry.scope), idempotencyColumns(entry));
  }

  async getIdempotency(scope: string): Promise<IdempotencyEntry | undefined> {
    const { row } = await this.client.getRow({ tableName: this.table, primaryKey: idempotencyKey(scope) });
    return idempotencyFromRow(row, scope);
  }

  listBySubmitter(submittedBy: string, options: ListOptions): Promise<Page<PipelineRecord>> {
    return this.list(options, this.indexScan("bySubmitter", [submittedBy], "BACKWARD", options.status));
  }

  listByBatch(batchId: string, options: ListOptions): Promise<Page<PipelineRecord>> {
    return this.list(options, this.indexScan("byBatch", [batchId], "FORWARD", options.status));
  }

  async listByStatus(status: "pending" | "running", options: ListOptions): Promise<Page<PipelineRecord>> {
    if (options.status !== undefined && options.status !== status) return { items: [] };
    return this.list(options, this.indexScan("byStatus", [status], "FORWARD", status));
  }

  /**
   * The outbox index `by_event_owed` (key `eventOwedAt`, then `id`): only rows that owe an event
   * have the column, so the read is as long as the debt, not the table. The fetched rows are checked
   * again: an event marked sent a moment ago may still have its index entry.
   */
  async listOwedEvents(owedSince: string, options: ListOptions): Promise<Page<PipelineRecord>> {
    const page = await this.list(
      { limit: options.limit, ...(options.cursor ? { cursor: options.cursor } : {}) },
      {
        table: indexTableName(this.table, "byEventOwed"),
        direction: "FORWARD",
        partition: [],
        tail: [...INDEXES.byEventOwed.key, PRIMARY_KEY],
        openStart: [TableStore.INF_MIN, TableStore.INF_MIN],
        end: [owedSince, TableStore.INF_MAX],
        filterWhileReading: false,
        fromIndex: true,
      },
    );
    return { ...page, items: page.items.filter((r) => r.eventOwedAt !== undefined) };
  }

  /** The base table read newest id first: ULIDs sort by creation time. */
  listAll(options: ListOptions): Promise<Page<PipelineRecord>> {
    return this.list(options, {
      table: this.table,
      direction: "BACKWARD",
      partition: [],
      tail: [PRIMARY_KEY],
      // Inclusive start RECORD_KEY_HIGH is above every ULID; both bounds keep idempotency rows out.
      openStart: [RECORD_KEY_HIGH],
      end: [RECORD_KEY_LOW],
      status: options.status,
      filterWhileReading: true,
      fromIndex: false,
    });
  }

  /**
   * The filtered list (records-table.md, "Filters"): a batch through `by_batch` (its status a
   * column filter on the covered `status`), a status through `by_submitter_status`, anything else
   * through `by_submitter`; the time window is a key range where `createdAt` is in the key. The
   * rest (account, region, labels, and for a batch the window and the caller) is checked on the
   * records as the base table has them, like every field of the filter, since an index may lag.
   */
  async listMatching(
    submittedBy: string | undefined,
    filter: RecordFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<PipelineRecord>> {
    const scan = this.matchingScan(submittedBy, filter);
    const wanted = page.limit + 1;
    const matched: { record: PipelineRecord; tail: string[] }[] = [];
    const start = page.cursor ? this.matchingCursorStart(scan, filter, page.cursor) : scan.openStart;
    let next: TableStore.PrimaryKeyInput | null = this.key(scan, start);
    let resumeAt: TableStore.GetRangeResult["nextStartPrimaryKey"] = null;
    // Each call counts as at least one entry, so a filtered range that keeps answering empty ends too.
    for (let examined = 0; next && matched.length < wanted && examined < MATCHING_SCAN_BUDGET; ) {
      const range: TableStore.GetRangeResult = await this.client.getRange({
        tableName: scan.table,
        direction: scan.direction,
        inclusiveStartPrimaryKey: next,
        exclusiveEndPrimaryKey: this.key(scan, scan.end),
        limit: Math.min(
          BATCH_GET_MAX_ROWS,
          MATCHING_SCAN_BUDGET - examined,
          needsRecordCheck(filter) ? BATCH_GET_MAX_ROWS : wanted - matched.length,
        ),
        ...(scan.status && scan.filterWhileReading ? { columnFilter: equals("status", scan.status) } : {}),
      });
      examined += Math.max(range.rows.length, 1);
      resumeAt = range.nextStartPrimaryKey;
      next = resumeAt?.map((c) => ({ [c.name]: c.value })) ?? null;
      const tails = range.rows.map((row) => this.tailOf(scan, row));
      const records = new Map((await this.getMany(tails.map((t) => t.at(-1)!))).map((r) => [r.id, r]));
      for (const tail of tails) {
        const record = records.get(tail.at(-1)!);
        if (!record || !matchesFilter(record, filter)) continue;
        if (submittedBy === undefined || record.submittedBy === submittedBy) matched.push({ record, tail });
      }
    }
    const items = matched.slice(0, page.limit).map((m) => m.record);
    // The next page starts at the first match past this one, or where the scan stopped.
    const following =
      matched[page.limit]?.tail ?? (resumeAt ? this.tailOf(scan, { primaryKey: resumeAt }) : undefined);
    return following ? { items, nextCursor: encodeCursor(following) } : { items };
  }

  /**
   * A cursor below the window's start would make a BACKWARD range whose start is under its end,
   * which the service refuses (OTSParameterInvalid); only a crafted cursor can be there.
   */
  private matchingCursorStart(scan: RangeScan, filter: RecordFilter, cursor: string): string[] {
    const start = this.cursorStart(scan, cursor);
    const createdAt = scan.tail[0] === "createdAt" ? start[0]! : undefined;
    if (createdAt !== undefined && filter.createdAfter !== undefined && createdAt < filter.createdAfter)
      throw new RecordCodecError("InvalidCursor", "the cursor is outside the filter's time window");
    return start;
  }

  private matchingScan(submittedBy: string | undefined, filter: RecordFilter): RangeScan {
    if (filter.batchId !== undefined)
      return this.indexScan("byBatch", [filter.batchId], "FORWARD", filter.status);
    if (submittedBy === undefined) throw new Error("listMatching: any caller's records only within a batch");
    const [index, partition]: [IndexName, string[]] =
      filter.status === undefined
        ? ["bySubmitter", [submittedBy]]
        : ["bySubmitterStatus", [submittedBy, filter.status]];
    const scan = this.indexScan(index, partition, "BACKWARD", undefined);
    // Tail [createdAt, id], read BACKWARD: from just below createdBefore down to createdAfter.
    const { INF_MIN, INF_MAX } = TableStore;
    return {
      ...scan,
      openStart: filter.createdBefore === undefined ? [INF_MAX, INF_MAX] : [filter.createdBefore, INF_MIN],
      end: filter.createdAfter === undefined ? [INF_MIN, INF_MIN] : [filter.createdAfter, INF_MIN],
    };
  }

  private indexScan(
    index: IndexName,
    partitionValues: string[],
    direction: "FORWARD" | "BACKWARD",
    status: RecordStatus | undefined,
  ): RangeScan {
    const [first, ...rest] = INDEXES[index].key;
    const keyColumns: string[] = [first, ...rest];
    const partitionNames = keyColumns.slice(0, partitionValues.length);
    const tail = [...keyColumns.slice(partitionValues.length), PRIMARY_KEY];
    const low = tail.map(() => TableStore.INF_MIN);
    const high = tail.map(() => TableStore.INF_MAX);
    return {
      table: indexTableName(this.table, index),
      direction,
      partition: partitionNames.map((name, i) => ({ [name]: partitionValues[i]! })),
      tail,
      openStart: direction === "BACKWARD" ? high : low,
      end: direction === "BACKWARD" ? low : high,
      status,
      // by_status has the status in its key; the others cover it as a column.
      filterWhileReading: (INDEXES[index].covered as readonly string[]).includes("status"),
      fromIndex: true,
    };
  }

  private key(
    scan: RangeScan,
    tailValues: readonly TableStore.PrimaryKeyValue[],
  ): TableStore.PrimaryKeyInput {
    return [...scan.partition, ...scan.tail.map((name, i) => ({ [name]: tailValues[i]! }))];
  }

  /**
   * One page: reads up to limit + 1 matching rows; the extra row, if any, starts the next page, so
   * the last page has no cursor. A filtered GetRange may stop early with a next key: keep going.
   */
  private async list(options: ListOptions, scan: RangeScan): Promise<Page<PipelineRecord>> {
    const wanted = options.limit + 1;
    const start = options.cursor ? this.cursorStart(scan, options.cursor) : scan.openStart;
    let next: TableStore.PrimaryKeyInput | null = this.key(scan, start);
    const rows: TableStore.Row[] = [];
    while (next && rows.length < wanted) {
      const page: TableStore.GetRangeResult = await this.client.getRange({
        tableName: scan.table,
        direction: scan.direction,
        inclusiveStartPrimaryKey: next,
        exclusiveEndPrimaryKey: this.key(scan, scan.end),
        limit: wanted - rows.length,
        ...(scan.status && scan.filterWhileReading ? { columnFilter: equals("status", scan.status) } : {}),
      });
      rows.push(...page.rows);
      next = page.nextStartPrimaryKey?.map((c) => ({ [c.name]: c.value })) ?? null;
    }
    const pageRows = rows.slice(0, options.limit);
    const following = rows[options.limit];
    const nextCursor = following ? encodeCursor(this.tailOf(scan, following)) : undefined;
    const items = scan.fromIndex
      ? await this.fetch(
          pageRows.map((row) => this.tailOf(scan, row).at(-1)!),
          scan.status,
        )
      : pageRows.map((row) => recordFromRow(row)).filter((r): r is PipelineRecord => r !== undefined);
    return nextCursor ? { items, nextCursor } : { items };
  }

  /** The tail always ends with a record id; one outside the ULID key space could reach other rows. */
  private cursorStart(scan: RangeScan, cursor: string): string[] {
    const tail = decodeCursor(cursor, scan.tail.length);
    if (!RECORD_ID_PATTERN.test(tail.at(-1)!)) {
      throw new RecordCodecError("InvalidCursor", "the cursor is not one this service handed out");
    }
    return tail;
  }

  private tailOf(scan: RangeScan, row: TableStore.Row): string[] {
    return scan.tail.map((name) => {
      const value = row.primaryKey?.find((c) => c.name === name)?.value;
      if (typeof value !== "string")
        throw new TablestoreError("CorruptIndexRow", `index row without ${name}`, 200, "");
      return value;
    });
  }

  /** The records behind index entries, in the entries' order, as the base table has them now. */
  private async fetch(ids: string[], status: RecordStatus | undefined): Promise<PipelineRecord[]> {
    const records = await this.getMany(ids);
    return records.filter((r) => status === undefined || r.status === status);
  }

  /**
   * The rows of the ids that exist (ULIDs only), by id, with BatchGetRow, 100 a call; with
   * `columns`, only those columns. A row the service could not read fails the whole read.
   */
  private async readRows(ids: readonly string[], columns?: string[]): Promise<Map<string, TableStore.Row>> {
    const rows = new Map<string, TableStore.Row>();
    const keys = ids.filter((id) => RECORD_ID_PATTERN.test(id));
    const chunks: string[][] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_MAX_ROWS) {
      chunks.push(keys.slice(start, start + BATCH_GET_MAX_ROWS));
    }
    await inLanes(chunks, READ_CONCURRENCY, async (chunk) => {
      const response = await this.client.batchGetRow({
        tables: [
          {
            tableName: this.table,
            primaryKey: chunk.map(recordKey),
            ...(columns ? { columnsToGet: columns } : {}),
          },
        ],
      });
      for (const result of response.tables[0] ?? []) {
        if (!result.isOk) {
          throw new TablestoreError(
            result.errorCode ?? "BatchGetRowFailed",
            result.errorMessage ?? "",
            200,
            response.RequestId,
          );
        }
        const id = result.primaryKey?.find((c) => c.name === PRIMARY_KEY)?.value;
        if (typeof id === "string" && result.attributes?.length) {
          rows.set(id, { primaryKey: result.primaryKey ?? [], attributes: result.attributes });
        }
      }
    });
    return rows;
  }
}

/**
 * `work` on every input, `lanes` at a time; after a failure no further input is started. Throws
 * the first failure once every lane has stopped, so no call of ours is still in flight when the
 * caller hears of it.
 */
async function inLanes<T>(
  inputs: readonly T[],
  lanes: number,
  work: (input: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const running = Array.from({ length: Math.min(lanes, inputs.length) }, async () => {
    while (next < inputs.length && !failed) {
      try {
        await work(inputs[next++]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const failure = (await Promise.allSettled(running)).find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
}

/** A record as one BatchWriteRow row, with what it adds to the request. */
interface NewRow {
  id: string;
  clientToken: string;
  primaryKey: TableStore.PrimaryKeyInput;
  attributeColumns: TableStore.AttributeInput;
  bytes: number;
}

function toNewRow(record: PipelineRecord): NewRow {
  const primaryKey = recordKey(requireRecordId(record.id));
  const attributeColumns = recordColumns(record);
  return {
    id: record.id,
    clientToken: record.clientToken,
    primaryKey,
    attributeColumns,
    bytes: rowWriteBytes(primaryKey, attributeColumns),
  };
}

/**
 * Rows in order, cut into BatchWriteRow calls of at most {@link BATCH_WRITE_MAX_ROWS} rows and
 * {@link BATCH_WRITE_MAX_BYTES}. A row over the byte budget alone still goes, alone (the service
 * then judges it; a record is far smaller).
 */
export function chunkRows<T extends { bytes: number }>(rows: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (
      current.length > 0 &&
      (current.length >= BATCH_WRITE_MAX_ROWS || bytes + row.bytes > BATCH_WRITE_MAX_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
