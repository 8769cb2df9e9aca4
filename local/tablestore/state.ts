/**
 * Tables, rows and global secondary indexes, independent of the wire format. A write changes the
 * base row at once; its index changes go through an {@link IndexChangeQueue} and become visible
 * after the configured lag, as the service's asynchronous indexes do.
 */
import { type ColumnFilter, matches } from "./conditions";
import { ots } from "./errors";
import { IndexChangeQueue } from "./index-lag";
import { checkCells, checkPrimaryKeyValues, checkTableName, isValidName, LIMITS, rowBytes } from "./limits";
import type { ParsedCell } from "./plain-buffer-reader";
import {
  type CellValue,
  comparePrimaryKeys,
  type DefinedColumnType,
  type KeyValue,
  type NamedValue,
  type PrimaryKeyType,
  primaryKeyId,
} from "./values";

export interface IndexSchema {
  name: string;
  /** The declared index columns followed by the base primary-key columns not already among them. */
  primaryKey: string[];
  definedColumns: string[];
  indexUpdateMode: number;
  indexType: number;
}

export interface TableSchema {
  name: string;
  primaryKey: { name: string; type: PrimaryKeyType }[];
  definedColumns: { name: string; type: DefinedColumnType }[];
  timeToLive: number;
  maxVersions: number;
  allowUpdate: boolean | undefined;
  reservedRead: number;
  reservedWrite: number;
  /** Seconds since the epoch. */
  createdAt: number;
  /** When the reserved throughput last went up / down (seconds); creation counts as an increase. */
  lastIncreaseTime?: number;
  lastDecreaseTime?: number;
  indexes: IndexSchema[];
}

/** What UpdateTable may change; absent fields stay as they are. */
export interface TableUpdate {
  reservedRead?: number;
  reservedWrite?: number;
  timeToLive?: number;
  maxVersions?: number;
  allowUpdate?: boolean;
}

/** The service allows one reserved-throughput adjustment per table every 2 minutes (general limits). */
const THROUGHPUT_ADJUSTMENT_INTERVAL_S = 120;

export interface StoredCell {
  value: CellValue;
  /** Version, ms since the epoch. */
  timestamp: number;
}

export interface StoredRow {
  primaryKey: CellValue[];
  attributes: Record<string, StoredCell>;
}

export type RowExistence = "IGNORE" | "EXPECT_EXIST" | "EXPECT_NOT_EXIST";

export interface WriteCondition {
  rowExistence: RowExistence;
  column: ColumnFilter | undefined;
}

export type RowWrite =
  | { kind: "put"; primaryKey: NamedValue<KeyValue>[]; cells: ParsedCell[] }
  | { kind: "update"; primaryKey: NamedValue<KeyValue>[]; cells: ParsedCell[] }
  | { kind: "delete"; primaryKey: NamedValue<KeyValue>[] };

export interface ReadOptions {
  columnsToGet: string[];
  filter: ColumnFilter | undefined;
}

/** A table as reads see it: a base table or an index table. */
interface Readable {
  primaryKey: { name: string; type: PrimaryKeyType }[];
  rows: Map<string, StoredRow>;
}

interface TableData {
  schema: TableSchema;
  rows: Map<string, StoredRow>;
  indexRows: Map<string, Map<string, StoredRow>>;
}

export interface RangeRequest {
  direction: "FORWARD" | "BACKWARD";
  start: NamedValue<KeyValue>[];
  end: NamedValue<KeyValue>[];
  limit: number;
  read: ReadOptions;
}

/** A write that has passed every check made before anything is applied (see {@link TablestoreState.prepareWrite}). */
export interface PreparedWrite {
  table: TableData;
  key: CellValue[];
  id: string;
  write: RowWrite;
}

export interface RangeResult {
  rows: StoredRow[];
  primaryKeyNames: string[];
  nextStart: CellValue[] | undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const DEFINED_TYPE_OF: Record<DefinedColumnType, CellValue["type"]> = {
  INTEGER: "INTEGER",
  DOUBLE: "DOUBLE",
  BOOLEAN: "BOOLEAN",
  STRING: "STRING",
  BINARY: "BINARY",
};

export class TablestoreState {
  private readonly tables = new Map<string, TableData>();

  /**
   * `onChange` is called after every change, so persistence can schedule a snapshot (index rows
   * are not persisted: they are rebuilt from the base rows on load).
   */
  constructor(
    private readonly onChange: () => void = () => {},
    readonly indexChanges: IndexChangeQueue = new IndexChangeQueue(),
  ) {}

  reset(): void {
    this.tables.clear();
    this.indexChanges.clear();
    this.onChange();
  }

  // --- tables -------------------------------------------------------------------------------

  createTable(schema: TableSchema): void {
    validateSchema(schema);
    validateOptions(schema);
    if (this.tables.has(schema.name) || this.findIndex(schema.name)) throw ots.tableAlreadyExist();
    for (const index of schema.indexes) {
      if (this.tables.has(index.name) || this.findIndex(index.name)) throw ots.tableAlreadyExist();
    }
    this.tables.set(schema.name, {
      schema,
      rows: new Map(),
      indexRows: new Map(schema.indexes.map((i) => [i.name, new Map()])),
    });
    this.onChange();
  }

  deleteTable(name: string): void {
    if (!this.tables.delete(name)) throw ots.tableNotExist();
    this.onChange();
  }

  describeTable(name: string): TableSchema {
    return this.table(name).schema;
  }

  /** UpdateTable: reserved throughput and table options; the result is checked as at CreateTable. */
  updateTable(name: string, update: TableUpdate, now: number): TableSchema {
    const table = this.table(name);
    const before = table.schema;
    const next: TableSchema = { ...before };
    const nowS = Math.floor(now / 1000);
    const read = update.reservedRead ?? before.reservedRead;
    const write = update.reservedWrite ?? before.reservedWrite;
    if (read < 0 || write < 0) {
      throw ots.parameterInvalid(
        `Invalid Capacity Unit for UpdateTable: Either read(${read}) or write(${write}) should be non-negative.`,
      );
    }
    if (read !== before.reservedRead || write !== before.reservedWrite) {
      const last = Math.max(before.lastIncreaseTime ?? before.createdAt, before.lastDecreaseTime ?? 0);
      if (nowS - last < THROUGHPUT_ADJUSTMENT_INTERVAL_S) throw ots.tooFrequentThroughputAdjustment();
      const increased = read > before.reservedRead || write > before.reservedWrite;
      next.reservedRead = read;
      next.reservedWrite = write;
      if (increased) next.lastIncreaseTime = nowS;
      else next.lastDecreaseTime = nowS;
    }
    if (update.timeToLive !== undefined) next.timeToLive = update.timeToLive;
    if (update.maxVersions !== undefined) next.maxVersions = update.maxVersions;
    if (update.allowUpdate !== undefined) next.allowUpdate = update.allowUpdate;
    validateOptions(next);
    for (const index of next.indexes) validateIndex(next, index);
    table.schema = next;
    this.onChange();
    return next;
  }

  /**
   * CreateIndex: adds a global index to an existing table. With `includeBaseData` the existing
   * rows are indexed through the same lagging queue as writes (the service builds the index
   * asynchronously; DescribeTable shows ISP_FULL until it is done); without, only later writes.
   */
  createIndex(tableName: string, index: IndexSchema, includeBaseData: boolean): void {
    const table = this.table(tableName);
    if (this.tables.has(index.name) || this.findIndex(index.name)) throw ots.tableAlreadyExist();
    const schema = { ...table.schema, indexes: [...table.schema.indexes, index] };
    if (schema.indexes.length > LIMITS.indexesPerTable) {
      throw ots.parameterInvalid(`The number of indexes exceeds the limit: ${LIMITS.indexesPerTable}.`);
    }
    validateIndex(schema, index);
    const rows = new Map<string, StoredRow>();
    table.schema = schema;
    table.indexRows.set(index.name, rows);
    if (includeBaseData) {
      for (const [baseRowId, row] of table.rows) {
        const indexRow = indexRowOf(schema, index, row);
        if (!indexRow) continue;
        this.indexChanges.enqueue(
          indexChangeKey(tableName, index.name, baseRowId),
          () => rows.set(primaryKeyId(indexRow.primaryKey), indexRow),
          buildTag(tableName, index.name),
        );
      }
    }
    this.onChange();
  }

  dropIndex(tableName: string, indexName: string): void {
    const table = this.table(tableName);
    if (!table.schema.indexes.some((i) => i.name === indexName)) throw ots.tableNotExist();
    table.schema = { ...table.schema, indexes: table.schema.indexes.filter((i) => i.name !== indexName) };
    // Changes still queued for it land in the detached map and are lost with it.
    table.indexRows.delete(indexName);
    this.onChange();
  }

  /** Whether an index is still being built from the base rows (ISP_FULL) or follows writes (ISP_INCR). */
  indexSyncPhase(tableName: string, indexName: string): "FULL" | "INCR" {
    return this.indexChanges.pendingTagged(buildTag(tableName, indexName)) > 0 ? "FULL" : "INCR";
  }

  listTables(): string[] {
    return [...this.tables.keys()];
  }

  // --- snapshot -------------------------------------------------------------------------------

  snapshot(): { schema: TableSchema; rows: StoredRow[] }[] {
    return [...this.tables.values()].map((t) => ({ schema: t.schema, rows: [...t.rows.values()] }));
  }

  restore(tables: { schema: TableSchema; rows: StoredRow[] }[]): void {
    this.tables.clear();
    for (const { schema, rows } of tables) {
      const data: TableData = {
        schema,
        rows: new Map(),
        indexRows: new Map(schema.indexes.map((i) => [i.name, new Map()])),
      };
      for (const row of rows) {
        data.rows.set(primaryKeyId(row.primaryKey), row);
        for (const index of schema.indexes) {
          const indexRow = indexRowOf(schema, index, row);
          if (indexRow) data.indexRows.get(index.name)!.set(primaryKeyId(indexRow.primaryKey), indexRow);
        }
      }
      this.tables.set(schema.name, data);
    }
  }

  // --- rows -----------------------------------------------------------------------------------

  getRow(tableName: string, primaryKey: NamedValue<KeyValue>[], read: ReadOptions): StoredRow | undefined {
    const readable = this.readable(tableName);
    const key = exactKey(readable.primaryKey, primaryKey);
    const row = readable.rows.get(primaryKeyId(key));
    if (!row || (read.filter && !matches(read.filter, row.attributes))) return undefined;
    return project(row, read);
  }

  /**
   * The checks that fail a whole request (for BatchWriteRow: before any row is applied): table
   * and column names, key schema and sizes, value sizes, a write to an index table. Throws them.
   */
  prepareWrite(tableName: string, write: RowWrite): PreparedWrite {
    checkTableName(tableName);
    if (this.findIndex(tableName)) throw ots.parameterInvalid("Can't write index table directly.");
    const table = this.table(tableName);
    const schema = table.schema;
    const key = exactKey(schema.primaryKey, write.primaryKey);
    if (write.kind !== "delete") {
      checkCells(write.cells);
      for (const cell of write.cells) {
        if (schema.primaryKey.some((c) => c.name === cell.name)) {
          throw ots.parameterInvalid(
            `Duplicated attribute column name with primary key column: '${cell.name}'.`,
          );
        }
      }
      if (write.kind === "put") {
        const typed = write.cells.find((c) => c.operation !== "PUT");
        if (typed)
          throw ots.parameterInvalid(`OpType cannot be given for column name:'${typed.name}' in PutRow.`);
      }
      if (write.kind === "update" && write.cells.length === 0) {
        throw ots.parameterInvalid("Invalid update row request: missing cells in request.");
      }
    }
    return { table, key, id: primaryKeyId(key), write };
  }

  /**
   * Applies one prepared write atomically: the condition is checked against the current row and
   * the change is applied only if it holds. Returns the row after the change (undefined if deleted).
   */
  applyWrite(prepared: PreparedWrite, condition: WriteCondition, now: number): StoredRow | undefined {
    const { table, key, id, write } = prepared;
    const schema = table.schema;
    const current = table.rows.get(id);

    if (condition.rowExistence === "EXPECT_EXIST" && !current) throw ots.conditionCheckFail();
    if (condition.rowExistence === "EXPECT_NOT_EXIST" && current) throw ots.conditionCheckFail();
    if (condition.column && !matches(condition.column, current?.attributes ?? {}))
      throw ots.conditionCheckFail();

    let next: StoredRow | undefined;
    if (write.kind === "delete") {
      next = undefined;
    } else if (write.kind === "put") {
      next = { primaryKey: key, attributes: {} };
      for (const cell of write.cells) next.attributes[cell.name] = this.putCell(schema, cell, now);
    } else {
      if (schema.allowUpdate === false) {
        throw ots.parameterInvalid("UpdateRow is not allowed on a table with allow_update set to false.");
      }
      next = { primaryKey: key, attributes: { ...current?.attributes } };
      for (const cell of write.cells) applyUpdate(schema, next, cell, now);
      if (!current && Object.keys(next.attributes).length === 0) next = undefined;
    }

    if (next) table.rows.set(id, next);
    else table.rows.delete(id);
    this.reindex(table, id, current, next);
    this.onChange();
    return next;
  }

  /** {@link prepareWrite} then {@link applyWrite}. */
  write(tableName: string, write: RowWrite, condition: WriteCondition, now: number): StoredRow | undefined {
    return this.applyWrite(this.prepareWrite(tableName, write), condition, now);
  }

  getRange(tableName: string, request: RangeRequest): RangeResult {
    const readable = this.readable(tableName);
    const names = readable.primaryKey.map((c) => c.name);
    const start = rangeKey(readable.primaryKey, request.start, "inclusive_start_primary_key");
    const end = rangeKey(readable.primaryKey, request.end, "exclusive_end_primary_key");
    const forward = request.direction === "FORWARD";
    const order = comparePrimaryKeys(start, end);
    if (forward ? order >= 0 : order <= 0) {
      throw ots.parameterInvalid(
        forward
          ? "Begin key must less than end key in FORWARD"
          : "Begin key must more than end key in BACKWARD",
      );
    }
    const inRange = [...readable.rows.values()].filter((row) => {
      const fromStart = comparePrimaryKeys(row.primaryKey, start);
      const toEnd = comparePrimaryKeys(row.primaryKey, end);
      return forward ? fromStart >= 0 && toEnd < 0 : fromStart <= 0 && toEnd > 0;
    });
    inRange.sort((a, b) => (forward ? 1 : -1) * comparePrimaryKeys(a.primaryKey, b.primaryKey));

    // A response holds at most `limit` (capped at 5000) rows and 4 MB; the service cuts it at a
    // row boundary and says where to go on.
    const limit = request.limit > 0 ? Math.min(request.limit, LIMITS.rangeRows) : LIMITS.rangeRows;
    const rows: StoredRow[] = [];
    let bytes = 0;
    let scanned = 0;
    for (const row of inRange) {
      if (rows.length >= limit) break;
      if (request.read.filter && !matches(request.read.filter, row.attributes)) {
        scanned++;
        continue;
      }
      const projected = project(row, request.read);
      const size = rowBytes(names, projected.primaryKey, projected.attributes);
      if (rows.length > 0 && bytes + size > LIMITS.rangeBytes) break;
      bytes += size;
      rows.push(projected);
      scanned++;
    }
    return { rows, primaryKeyNames: names, nextStart: inRange[scanned]?.primaryKey };
  }

  /** Checks a read's key against the table's (or index's) schema; returns its row id. */
  readKeyId(tableName: string, primaryKey: NamedValue<KeyValue>[]): string {
    return primaryKeyId(exactKey(this.readable(tableName).primaryKey, primaryKey));
  }

  primaryKeyNames(tableName: string): string[] {
    return this.readable(tableName).primaryKey.map((c) => c.name);
  }

  // --- internals ------------------------------------------------------------------------------

  private table(name: string): TableData {
    checkTableName(name);
    const table = this.tables.get(name);
    if (!table) throw ots.tableNotExist();
    return table;
  }

  private findIndex(name: string): { table: TableData; index: IndexSchema } | undefined {
    for (const table of this.tables.values()) {
      const index = table.schema.indexes.find((i) => i.name === name);
      if (index) return { table, index };
    }
    return undefined;
  }

  private readable(name: string): Readable {
    checkTableName(name);
    const table = this.tables.get(name);
    if (table) return { primaryKey: table.schema.primaryKey, rows: table.rows };
    const found = this.findIndex(name);
    if (!found) throw ots.tableNotExist();
    this.indexChanges.applyDue();
    return {
      primaryKey: indexPrimaryKeySchema(found.table.schema, found.index),
      rows: found.table.indexRows.get(found.index.name)!,
    };
  }

  private putCell(schema: TableSchema, cell: ParsedCell, now: number): StoredCell {
    if (!cell.value) throw ots.parameterInvalid(`Column '${cell.name}' has no value.`);
    checkDefinedType(schema, cell.name, cell.value);
    return { value: cell.value, timestamp: cell.timestamp ?? now };
  }

  /**
   * Queues, per index, the change a base-row write makes to it: the index row computed from the
   * row before the write goes, the one from the row after it comes. Keyed by index and base row,
   * so the changes of one index row apply in write order.
   */
  private reindex(
    table: TableData,
    baseRowId: string,
    before: StoredRow | undefined,
    after: StoredRow | undefined,
  ): void {
    for (const index of table.schema.indexes) {
      const rows = table.indexRows.get(index.name)!;
      const old = before && indexRowOf(table.schema, index, before);
      const fresh = after && indexRowOf(table.schema, index, after);
      if (!old && !fresh) continue;
      this.indexChanges.enqueue(indexChangeKey(table.schema.name, index.name, baseRowId), () => {
        if (old) rows.delete(primaryKeyId(old.primaryKey));
        if (fresh) rows.set(primaryKeyId(fresh.primaryKey), fresh);
      });
    }
  }
}

function buildTag(table: string, index: string): string {
  return `build\u0000${table}\u0000${index}`;
}

/** Time to live and versions, checked at CreateTable and UpdateTable. */
function validateOptions(schema: TableSchema): void {
  if (schema.timeToLive === 0 || schema.timeToLive < -1) {
    throw ots.parameterInvalid("TimeToLive cannot be 0 or less than -1.");
  }
  if (schema.timeToLive !== -1 && schema.timeToLive < 86400) {
    // The docs give the minimum (one day) but not the message.
    throw ots.parameterInvalid("TimeToLive must be -1 or at least 86400 seconds.");
  }
  if (schema.maxVersions <= 0) {
    throw ots.parameterInvalid("The maximum versions cannot be less than or equal to 0.");
  }
}

function indexChangeKey(table: string, index: string, baseRowId: string): string {
  return `${table}\u0000${index}\u0000${baseRowId}`;
}

function applyUpdate(schema: TableSchema, row: StoredRow, cell: ParsedCell, now: number): void {
  switch (cell.operation) {
    case "PUT":
      if (!cell.value) throw ots.parameterInvalid(`Column '${cell.name}' has no value.`);
      checkDefinedType(schema, cell.name, cell.value);
      row.attributes[cell.name] = { value: cell.value, timestamp: cell.timestamp ?? now };
      return;
    case "DELETE_ALL_VERSIONS":
      delete row.attributes[cell.name];
      return;
    case "DELETE_ONE_VERSION": {
      // One version is kept per column (max_versions 1), so deleting it deletes the column.
      const existing = row.attributes[cell.name];
      if (existing && (cell.timestamp === undefined || existing.timestamp === cell.timestamp)) {
        delete row.attributes[cell.name];
      }
      return;
    }
    case "INCREMENT": {
      if (cell.value?.type !== "INTEGER") {
        throw ots.parameterInvalid(`Increment of column '${cell.name}' needs an INTEGER value.`);
      }
      const existing = row.attributes[cell.name];
      if (existing && existing.value.type !== "INTEGER") {
        throw ots.parameterInvalid(`Column '${cell.name}' is not an INTEGER and cannot be incremented.`);
      }
      const sum = BigInt(existing?.value.value ?? 0) + BigInt(cell.value.value);
      if (sum < INT64_MIN || sum > INT64_MAX) throw ots.parameterInvalid("Increment overflows int64.");
      row.attributes[cell.name] = { value: { type: "INTEGER", value: sum.toString() }, timestamp: now };
      return;
    }
  }
}

function checkDefinedType(schema: TableSchema, column: string, value: CellValue): void {
  const defined = schema.definedColumns.find((c) => c.name === column);
  if (defined && DEFINED_TYPE_OF[defined.type] !== value.type) {
    throw ots.parameterInvalid(
      `Column '${column}' is a predefined ${defined.type} column, got a ${value.type} value.`,
    );
  }
}

function indexPrimaryKeySchema(
  schema: TableSchema,
  index: IndexSchema,
): { name: string; type: PrimaryKeyType }[] {
  return index.primaryKey.map((name) => {
    const pk = schema.primaryKey.find((c) => c.name === name);
    if (pk) return pk;
    const defined = schema.definedColumns.find((c) => c.name === name)!;
    return { name, type: defined.type as PrimaryKeyType };
  });
}

/** The index row for a base row, or undefined when an index column is missing (indexes are sparse). */
function indexRowOf(schema: TableSchema, index: IndexSchema, row: StoredRow): StoredRow | undefined {
  const primaryKey: CellValue[] = [];
  for (const name of index.primaryKey) {
    const at = schema.primaryKey.findIndex((c) => c.name === name);
    const value = at >= 0 ? row.primaryKey[at] : row.attributes[name]?.value;
    if (!value) return undefined;
    primaryKey.push(value);
  }
  const attributes: Record<string, StoredCell> = {};
  for (const name of index.definedColumns) {
    const cell = row.attributes[name];
    if (cell) attributes[name] = cell;
  }
  return { primaryKey, attributes };
}

function project(row: StoredRow, read: ReadOptions): StoredRow {
  let names = Object.keys(row.attributes).sort();
  if (read.columnsToGet.length > 0) names = names.filter((n) => read.columnsToGet.includes(n));
  const page = findPagination(read.filter);
  if (page) names = names.slice(page.offset, page.offset + page.limit);
  const attributes: Record<string, StoredCell> = {};
  for (const name of names) attributes[name] = row.attributes[name]!;
  return { primaryKey: row.primaryKey, attributes };
}

function findPagination(filter: ColumnFilter | undefined): { offset: number; limit: number } | undefined {
  if (!filter) return undefined;
  if (filter.kind === "pagination") return filter;
  if (filter.kind === "composite") {
    for (const child of filter.children) {
      const found = findPagination(child);
      if (found) return found;
    }
  }
  return undefined;
}

function checkKeyNames(schema: readonly { name: string }[], given: readonly NamedValue<KeyValue>[]): void {
  if (given.length !== schema.length || given.some((c, i) => c.name !== schema[i]!.name)) {
    throw ots.parameterInvalid(
      `Validate PK name fail. Expected [${schema.map((c) => c.name).join(", ")}], got [${given.map((c) => c.name).join(", ")}].`,
    );
  }
}

/** A fully specified key (no INF_MIN/INF_MAX) that matches the schema's names, order and types. */
function exactKey(
  schema: readonly { name: string; type: PrimaryKeyType }[],
  given: NamedValue<KeyValue>[],
): CellValue[] {
  checkKeyNames(schema, given);
  checkPrimaryKeyValues(given);
  return given.map(({ name, value }, i) => {
    if (value.type !== schema[i]!.type) {
      throw ots.parameterInvalid(
        `Validate PK type fail. Column '${name}' is ${schema[i]!.type}, got ${value.type}.`,
      );
    }
    return value as CellValue;
  });
}

function rangeKey(
  schema: readonly { name: string; type: PrimaryKeyType }[],
  given: NamedValue<KeyValue>[],
  field: string,
): KeyValue[] {
  checkKeyNames(schema, given);
  checkPrimaryKeyValues(given);
  return given.map(({ name, value }, i) => {
    if (value.type !== "INF_MIN" && value.type !== "INF_MAX" && value.type !== schema[i]!.type) {
      throw ots.parameterInvalid(
        `Validate PK type fail in ${field}. Column '${name}' is ${schema[i]!.type}.`,
      );
    }
    return value;
  });
}

function validateSchema(schema: TableSchema): void {
  checkTableName(schema.name);
  const columns = [...schema.primaryKey.map((c) => c.name), ...schema.definedColumns.map((c) => c.name)];
  for (const name of columns) {
    if (!isValidName(name)) throw ots.parameterInvalid(`Invalid column name: '${name}'.`);
  }
  if (schema.primaryKey.length < 1 || schema.primaryKey.length > LIMITS.primaryKeyColumns) {
    throw ots.parameterInvalid(
      `The number of primary key columns must be in range: [1, ${LIMITS.primaryKeyColumns}].`,
    );
  }
  if (schema.definedColumns.length > LIMITS.definedColumns) {
    throw ots.parameterInvalid(
      `The number of defined columns must be in range: [0, ${LIMITS.definedColumns}].`,
    );
  }
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) throw ots.parameterInvalid(`Duplicated primary key name: '${name}'.`);
    seen.add(name);
  }
  if (schema.indexes.length > LIMITS.indexesPerTable) {
    throw ots.parameterInvalid(`The number of indexes exceeds the limit: ${LIMITS.indexesPerTable}.`);
  }
  const names = new Set<string>();
  for (const index of schema.indexes) {
    if (names.has(index.name)) throw ots.tableAlreadyExist();
    names.add(index.name);
    validateIndex(schema, index);
  }
}

/** Whether `index` may be put on the table `schema` (used by CreateTable and CreateIndex). */
export function validateIndex(schema: TableSchema, index: IndexSchema): void {
  checkTableName(index.name);
  if (schema.maxVersions !== 1) throw ots.parameterInvalid("The table with index can only have one version.");
  if (schema.timeToLive !== -1 && schema.allowUpdate !== false) {
    throw ots.parameterInvalid("Don't support allow update operation on table with index and ttl");
  }
  for (const column of index.primaryKey) {
    const isPk = schema.primaryKey.some((c) => c.name === column);
    const defined = schema.definedColumns.find((c) => c.name === column);
    if (!isPk && !defined) {
      throw ots.parameterInvalid(
        `Index '${index.name}' key column '${column}' is neither a primary key nor a predefined column.`,
      );
    }
    if (defined && !["INTEGER", "STRING", "BINARY"].includes(defined.type)) {
      throw ots.parameterInvalid(`Index key column '${column}' must be INTEGER, STRING or BINARY.`);
    }
  }
  for (const column of index.definedColumns) {
    if (!schema.definedColumns.some((c) => c.name === column) || index.primaryKey.includes(column)) {
      throw ots.parameterInvalid(
        `Index '${index.name}' attribute column '${column}' must be a predefined column not in its key.`,
      );
    }
  }
}
