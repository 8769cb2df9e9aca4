/**
 * The service's documented limits and the checks that enforce them, with the service's error
 * messages where they are documented (README.md "Limits" lists each with its source).
 */
import { ots } from "./errors";
import type { ParsedCell } from "./plain-buffer-reader";
import type { CellValue, KeyValue, NamedValue } from "./values";

const MB = 1024 * 1024;

export const LIMITS = {
  batchWriteRows: 200,
  batchWriteBytes: 4 * MB,
  batchGetRows: 100,
  rangeRows: 5000,
  rangeBytes: 4 * MB,
  /** PutRow and UpdateRow: primary key plus attribute columns of the one row. */
  rowWriteBytes: 4 * MB,
  primaryKeyColumns: 4,
  primaryKeyValueBytes: 1024,
  attributeValueBytes: 2 * MB,
  columnsPerWrite: 1024,
  columnsToGet: 128,
  definedColumns: 32,
  indexesPerTable: 5,
  indexKeyColumns: 4,
  indexAttributeColumns: 32,
} as const;

/** Table, index and column names: letters, digits and `_`, not starting with a digit, 1-255 bytes. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export function isValidName(name: string): boolean {
  return NAME.test(name);
}

export function checkTableName(name: string): void {
  if (!isValidName(name)) throw ots.parameterInvalid(`Invalid table name: '${name}'.`);
}

export function checkColumnName(name: string): void {
  if (!isValidName(name)) throw ots.parameterInvalid(`Invalid column name: '${name}'.`);
}

/** Bytes a value counts for in sizes: UTF-8 for strings, raw bytes for binary, 8 or 1 otherwise. */
export function valueBytes(value: CellValue): number {
  switch (value.type) {
    case "STRING":
      return Buffer.byteLength(value.value, "utf8");
    case "BINARY":
      return Buffer.byteLength(value.value, "base64");
    case "BOOLEAN":
      return 1;
    default:
      return 8;
  }
}

function isSized(value: KeyValue): value is CellValue & { type: "STRING" | "BINARY" } {
  return value.type === "STRING" || value.type === "BINARY";
}

export function checkPrimaryKeyValues(key: readonly NamedValue<KeyValue>[]): void {
  for (const { name, value } of key) {
    if (!isSized(value)) continue;
    const length = valueBytes(value);
    if (length > LIMITS.primaryKeyValueBytes) {
      throw ots.parameterInvalid(
        `The length of primary key column: '${name}' exceeded the MaxLength:${LIMITS.primaryKeyValueBytes} with CurrentLength:${length}.`,
      );
    }
  }
}

/** Attribute column names and value sizes of one written row. */
export function checkCells(cells: readonly ParsedCell[]): void {
  for (const cell of cells) {
    checkColumnName(cell.name);
    if (!cell.value || !isSized(cell.value)) continue;
    const length = valueBytes(cell.value);
    if (length > LIMITS.attributeValueBytes) {
      throw ots.parameterInvalid(
        `The length of attribute column: '${cell.name}' exceeded the MaxLength:${LIMITS.attributeValueBytes} with CurrentLength:${length}.`,
      );
    }
  }
}

/** Data size of a written row: names and values of its key and attribute columns. */
export function writeBytes(key: readonly NamedValue<KeyValue>[], cells: readonly ParsedCell[]): number {
  let total = 0;
  for (const { name, value } of key) {
    total += Buffer.byteLength(name, "utf8");
    if (value.type !== "INF_MIN" && value.type !== "INF_MAX") total += valueBytes(value);
  }
  for (const cell of cells) {
    total += Buffer.byteLength(cell.name, "utf8") + (cell.value ? valueBytes(cell.value) : 0);
  }
  return total;
}

/** Data size of a stored row as a read returns it. */
export function rowBytes(
  names: readonly string[],
  primaryKey: readonly CellValue[],
  attributes: Record<string, { value: CellValue }>,
): number {
  let total = 0;
  primaryKey.forEach((value, i) => {
    total += Buffer.byteLength(names[i] ?? "", "utf8") + valueBytes(value);
  });
  for (const [name, cell] of Object.entries(attributes)) {
    total += Buffer.byteLength(name, "utf8") + valueBytes(cell.value);
  }
  return total;
}

export function checkRowWriteSize(operation: "PutRow" | "UpdateRow", bytes: number): void {
  if (bytes > LIMITS.rowWriteBytes) {
    throw ots.parameterInvalid(
      `The total data size of ${operation} request exceeds the limit, limit size: ${LIMITS.rowWriteBytes}, data size: ${bytes}.`,
    );
  }
}

export function checkColumnsToGet(columns: readonly string[], batchTable?: string): void {
  for (const name of columns) checkColumnName(name);
  if (columns.length > LIMITS.columnsToGet) {
    throw ots.parameterInvalid(
      batchTable === undefined
        ? "The number of columns from the request exceeded the limit."
        : `The number of columns from the request exceeded the limit of getting row in table '${batchTable}'.`,
    );
  }
}
