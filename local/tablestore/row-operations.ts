/**
 * The row operations (PutRow, GetRow, UpdateRow, DeleteRow, GetRange, BatchGetRow, BatchWriteRow):
 * decode the `<Op>Request` protobuf, act on the state, encode the `<Op>Response`, with the limits
 * and conditions the real service applies. Message and field names are those of
 * lib/protocol/tablestore.proto.
 */
import { assertConditionFilter, parseFilter } from "./conditions";
import { OtsFailure, ots } from "./errors";
import type { Handler } from "./handler";
import { checkColumnsToGet, checkRowWriteSize, LIMITS, writeBytes } from "./limits";
import { readRow } from "./plain-buffer-reader";
import { decode, encode, encodePrimaryKey, encodeRow, encodeRows, type OutputRow, sent } from "./protocol";
import type {
  ReadOptions,
  RowExistence,
  RowWrite,
  StoredRow,
  TablestoreState,
  WriteCondition,
} from "./state";
import type { NamedValue } from "./values";

const ROW_EXISTENCE: Record<number, RowExistence> = { 0: "IGNORE", 1: "EXPECT_EXIST", 2: "EXPECT_NOT_EXIST" };
const RT_PK = 1;
const RT_AFTER_MODIFY = 2;
const CONSUMED_READ = { capacityUnit: { read: 1, write: 0 } };
const CONSUMED_WRITE = { capacityUnit: { read: 0, write: 1 } };

interface ConditionMessage {
  rowExistence: number;
  columnCondition?: Uint8Array | null;
}
interface ReturnContentMessage {
  returnType?: number;
  returnColumnNames?: string[];
}

function toCondition(message: ConditionMessage | null | undefined): WriteCondition {
  const rowExistence = ROW_EXISTENCE[message?.rowExistence ?? 0];
  if (!rowExistence) throw ots.parameterInvalid("Invalid row existence expectation.");
  const column = parseFilter(message?.columnCondition);
  assertConditionFilter(column);
  return { rowExistence, column };
}

function toReadOptions(
  columnsToGet: string[] | undefined,
  filter: Uint8Array | null | undefined,
): ReadOptions {
  return { columnsToGet: columnsToGet ?? [], filter: parseFilter(filter) };
}

function outputRow(names: string[], row: StoredRow): OutputRow {
  return {
    primaryKey: row.primaryKey.map((value, i) => ({ name: names[i]!, value })),
    attributes: Object.entries(row.attributes).map(([name, cell]) => ({ name, ...cell })),
  };
}

/** The `row` a write response carries for `return_content`, or an empty buffer. */
function returnedRow(
  returnContent: ReturnContentMessage | null | undefined,
  key: NamedValue[],
  after: StoredRow | undefined,
): Buffer {
  const type = returnContent?.returnType ?? 0;
  if (type === RT_PK) return encodeRow({ primaryKey: key, attributes: [] });
  if (type === RT_AFTER_MODIFY) {
    const wanted = returnContent?.returnColumnNames ?? [];
    const attributes = Object.entries(after?.attributes ?? {})
      .filter(([name]) => wanted.includes(name))
      .map(([name, cell]) => ({ name, ...cell }));
    return encodeRow({ primaryKey: key, attributes });
  }
  return Buffer.alloc(0);
}

const WRITE_OPERATION = { put: "PutRow", update: "UpdateRow" } as const;

/** At most 1024 columns per written row; in a batch the message names the row. */
function checkColumnCount(write: RowWrite, batch?: { table: string; row: number }): void {
  if (write.kind === "delete" || write.cells.length <= LIMITS.columnsPerWrite) return;
  const verb = write.kind === "put" ? "putting" : "updating";
  throw ots.parameterInvalid(
    batch
      ? `The number of columns from the request exceeded the limit of ${verb} row #${batch.row} in table: '${batch.table}'.`
      : "The number of columns from the request exceeded the limit.",
  );
}

function rowWriteBytes(write: RowWrite): number {
  return writeBytes(write.primaryKey, write.kind === "delete" ? [] : write.cells);
}

/** PutRow, UpdateRow, DeleteRow: one row, every check failing the request. */
function writeOne(
  state: TablestoreState,
  tableName: string,
  write: RowWrite,
  condition: WriteCondition,
  returnContent: ReturnContentMessage | null | undefined,
  now: number,
): Buffer {
  checkColumnCount(write);
  if (write.kind !== "delete") checkRowWriteSize(WRITE_OPERATION[write.kind], rowWriteBytes(write));
  const after = state.write(tableName, write, condition, now);
  // state.write has checked that the key is exact (no INF_MIN/INF_MAX).
  return returnedRow(returnContent, write.primaryKey as NamedValue[], after);
}

function checkBatchTables(names: readonly string[], emptyTable: (name: string) => string | undefined): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw ots.parameterInvalid(`Duplicated table name: '${name}'.`);
    seen.add(name);
    const empty = emptyTable(name);
    if (empty) throw ots.parameterInvalid(empty);
  }
}

/** Why a row repeated in one BatchWriteRow is refused (the service's messages for each case). */
function repeatedRowMessage(condition: WriteCondition): string {
  if (condition.rowExistence !== "IGNORE")
    return "Repeated rows do not support row exist expectation check in BatchModify.";
  if (condition.column) return "Repeated rows do not support row condition check in BatchModify.";
  return "Duplicate rows detected in MultiPut.";
}

function toRowWrite(kind: RowWrite["kind"], bytes: Uint8Array): RowWrite {
  const row = readRow(Buffer.from(bytes));
  if (kind === "delete") return { kind, primaryKey: row.primaryKey };
  return { kind, primaryKey: row.primaryKey, cells: row.cells };
}

function rowError(err: unknown): { isOk: false; error: { code: string; message: string } } {
  const failure = err instanceof OtsFailure ? err : ots.internal(String(err));
  return { isOk: false, error: { code: failure.code, message: failure.message } };
}

export const ROW_HANDLERS = {
  PutRow(state, body, now) {
    const req = decode<{
      tableName: string;
      row: Uint8Array;
      condition: ConditionMessage;
      returnContent?: ReturnContentMessage;
    }>("PutRowRequest", body);
    const row = writeOne(
      state,
      req.tableName,
      toRowWrite("put", req.row),
      toCondition(req.condition),
      req.returnContent,
      now,
    );
    return encode("PutRowResponse", { consumed: CONSUMED_WRITE, row });
  },

  UpdateRow(state, body, now) {
    const req = decode<{
      tableName: string;
      rowChange: Uint8Array;
      condition: ConditionMessage;
      returnContent?: ReturnContentMessage;
    }>("UpdateRowRequest", body);
    const row = writeOne(
      state,
      req.tableName,
      toRowWrite("update", req.rowChange),
      toCondition(req.condition),
      req.returnContent,
      now,
    );
    return encode("UpdateRowResponse", { consumed: CONSUMED_WRITE, row });
  },

  DeleteRow(state, body, now) {
    const req = decode<{
      tableName: string;
      primaryKey: Uint8Array;
      condition: ConditionMessage;
      returnContent?: ReturnContentMessage;
    }>("DeleteRowRequest", body);
    const row = writeOne(
      state,
      req.tableName,
      toRowWrite("delete", req.primaryKey),
      toCondition(req.condition),
      req.returnContent,
      now,
    );
    return encode("DeleteRowResponse", { consumed: CONSUMED_WRITE, row });
  },

  GetRow(state, body) {
    const req = decode<{
      tableName: string;
      primaryKey: Uint8Array;
      columnsToGet: string[];
      filter?: Uint8Array;
    }>("GetRowRequest", body);
    checkColumnsToGet(req.columnsToGet ?? []);
    const key = readRow(Buffer.from(req.primaryKey)).primaryKey;
    const found = state.getRow(req.tableName, key, toReadOptions(req.columnsToGet, req.filter));
    const row = found ? encodeRow(outputRow(state.primaryKeyNames(req.tableName), found)) : Buffer.alloc(0);
    return encode("GetRowResponse", { consumed: CONSUMED_READ, row });
  },

  GetRange(state, body) {
    const req = decode<{
      tableName: string;
      direction: number;
      columnsToGet: string[];
      limit?: number;
      inclusiveStartPrimaryKey: Uint8Array;
      exclusiveEndPrimaryKey: Uint8Array;
      filter?: Uint8Array;
    }>("GetRangeRequest", body);
    checkColumnsToGet(req.columnsToGet ?? []);
    if (sent(req, "limit") && (req.limit ?? 0) <= 0)
      throw ots.parameterInvalid("The limit must be greater than 0.");
    const result = state.getRange(req.tableName, {
      direction: req.direction === 1 ? "BACKWARD" : "FORWARD",
      start: readRow(Buffer.from(req.inclusiveStartPrimaryKey)).primaryKey,
      end: readRow(Buffer.from(req.exclusiveEndPrimaryKey)).primaryKey,
      limit: req.limit ?? 0,
      read: toReadOptions(req.columnsToGet, req.filter),
    });
    const names = result.primaryKeyNames;
    return encode("GetRangeResponse", {
      consumed: { capacityUnit: { read: Math.max(1, result.rows.length), write: 0 } },
      rows: encodeRows(result.rows.map((r) => outputRow(names, r))),
      ...(result.nextStart
        ? {
            nextStartPrimaryKey: encodePrimaryKey(
              result.nextStart.map((value, i) => ({ name: names[i]!, value })),
            ),
          }
        : {}),
    });
  },

  BatchGetRow(state, body) {
    const req = decode<{
      tables: { tableName: string; primaryKey: Uint8Array[]; columnsToGet: string[]; filter?: Uint8Array }[];
    }>("BatchGetRowRequest", body);
    // Every check below fails the whole request (the BatchGetRow API reference); only reading a
    // row can fail on its own.
    const total = req.tables.reduce((n, t) => n + t.primaryKey.length, 0);
    if (total === 0) throw ots.parameterInvalid("No row specified in the request of BatchGetRow.");
    if (total > LIMITS.batchGetRows)
      throw ots.parameterInvalid(`Rows count exceeds the upper limit: ${LIMITS.batchGetRows}.`);
    checkBatchTables(
      req.tables.map((t) => t.tableName),
      (name) =>
        req.tables.find((t) => t.tableName === name)?.primaryKey.length === 0
          ? "No row specified in the request of BatchGetRow."
          : undefined,
    );
    const planned = req.tables.map((t) => {
      checkColumnsToGet(t.columnsToGet ?? [], t.tableName);
      const read = toReadOptions(t.columnsToGet, t.filter);
      const ids = new Set<string>();
      const keys = t.primaryKey.map((bytes) => {
        const key = readRow(Buffer.from(bytes)).primaryKey;
        const id = state.readKeyId(t.tableName, key);
        if (ids.has(id)) throw ots.parameterInvalid("Duplicate rows detected in MultiGet.");
        ids.add(id);
        return key;
      });
      return { tableName: t.tableName, read, keys, names: state.primaryKeyNames(t.tableName) };
    });
    const tables = planned.map((t) => ({
      tableName: t.tableName,
      rows: t.keys.map((key) => {
        try {
          const found = state.getRow(t.tableName, key, t.read);
          const row = found ? encodeRow(outputRow(t.names, found)) : Buffer.alloc(0);
          return { isOk: true, consumed: CONSUMED_READ, row };
        } catch (err) {
          return rowError(err);
        }
      }),
    }));
    return encode("BatchGetRowResponse", { tables });
  },

  BatchWriteRow(state, body, now) {
    const req = decode<{
      tables: {
        tableName: string;
        rows: {
          type: number;
          rowChange: Uint8Array;
          condition: ConditionMessage;
          returnContent?: ReturnContentMessage;
        }[];
      }[];
    }>("BatchWriteRowRequest", body);
    // Every check below fails the whole request (the BatchWriteRow API reference) before any row
    // is written; then each row succeeds or fails on its own (conditions): the batch is not atomic.
    const total = req.tables.reduce((n, t) => n + t.rows.length, 0);
    if (total === 0) throw ots.parameterInvalid("No row is specified in BatchWriteRow.");
    if (total > LIMITS.batchWriteRows)
      throw ots.parameterInvalid(`Rows count exceeds the upper limit: ${LIMITS.batchWriteRows}.`);
    checkBatchTables(
      req.tables.map((t) => t.tableName),
      (name) =>
        req.tables.find((t) => t.tableName === name)?.rows.length === 0
          ? `No operation is specified for table: '${name}'.`
          : undefined,
    );
    let bytes = 0;
    const planned = req.tables.map((t) => {
      const ids = new Set<string>();
      return t.rows.map((r, index) => {
        const kind = r.type === 1 ? "put" : r.type === 2 ? "update" : r.type === 3 ? "delete" : undefined;
        if (!kind) throw ots.parameterInvalid("The type of row in batch write operation is invalid.");
        const write = toRowWrite(kind, r.rowChange);
        const condition = toCondition(r.condition);
        checkColumnCount(write, { table: t.tableName, row: index });
        const prepared = state.prepareWrite(t.tableName, write);
        if (ids.has(prepared.id)) throw ots.parameterInvalid(repeatedRowMessage(condition));
        ids.add(prepared.id);
        bytes += rowWriteBytes(write);
        return { prepared, condition, returnContent: r.returnContent };
      });
    });
    if (bytes > LIMITS.batchWriteBytes) {
      throw ots.parameterInvalid(
        `The total data size of BatchWriteRow request exceeds the limit, limit size: ${LIMITS.batchWriteBytes}, data size: ${bytes}.`,
      );
    }
    const tables = req.tables.map((t, i) => ({
      tableName: t.tableName,
      rows: planned[i]!.map(({ prepared, condition, returnContent }) => {
        try {
          const after = state.applyWrite(prepared, condition, now);
          const row = returnedRow(returnContent, prepared.write.primaryKey as NamedValue[], after);
          return { isOk: true, consumed: CONSUMED_WRITE, ...(row.length > 0 ? { row } : {}) };
        } catch (err) {
          return rowError(err);
        }
      }),
    }));
    return encode("BatchWriteRowResponse", { tables });
  },
} satisfies Record<string, Handler>;
