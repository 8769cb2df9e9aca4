/**
 * Reads PlainBuffer rows sent by the SDK (docs/cloud-facts.md, "PlainBuffer"). The SDK ships only a
 * reader that cannot parse INF_MIN/INF_MAX or cell-type tags, so requests need this one; responses
 * are written with the SDK's own writer (see protocol.ts). Checksums are not verified: the SDK
 * always computes them and a corrupt body would already fail the content-MD5 check.
 */
import { ots } from "./errors";
import type { CellValue, KeyValue, NamedValue } from "./values";

const HEADER = 0x75;
const TAG_ROW_PK = 0x1;
const TAG_ROW_DATA = 0x2;
const TAG_CELL = 0x3;
const TAG_CELL_NAME = 0x4;
const TAG_CELL_VALUE = 0x5;
const TAG_CELL_TYPE = 0x6;
const TAG_CELL_TIMESTAMP = 0x7;
const TAG_DELETE_ROW_MARKER = 0x8;
const TAG_ROW_CHECKSUM = 0x9;
const TAG_CELL_CHECKSUM = 0xa;

const VT_INTEGER = 0x0;
const VT_DOUBLE = 0x1;
const VT_BOOLEAN = 0x2;
const VT_STRING = 0x3;
const VT_BLOB = 0x7;
const VT_INF_MIN = 0x9;
const VT_INF_MAX = 0xa;
const VT_AUTO_INCREMENT = 0xb;

const invalid = ots.parameterInvalid;

const OP_DELETE_ALL_VERSIONS = 0x1;
const OP_DELETE_ONE_VERSION = 0x3;
const OP_INCREMENT = 0x4;

export type CellOperation = "PUT" | "DELETE_ONE_VERSION" | "DELETE_ALL_VERSIONS" | "INCREMENT";

export interface ParsedCell {
  name: string;
  value: CellValue | undefined;
  operation: CellOperation;
  timestamp: number | undefined;
}

export interface ParsedRow {
  primaryKey: NamedValue<KeyValue>[];
  cells: ParsedCell[];
  deleteMarker: boolean;
}

class Cursor {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  get atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }
  peek(): number | undefined {
    return this.bytes[this.offset];
  }
  byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  int32(): number {
    this.need(4);
    const v = this.bytes.readInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  take(length: number): Buffer {
    if (length < 0) throw ots.parameterInvalid("Invalid PlainBuffer: negative length.");
    this.need(length);
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
  private need(length: number): void {
    if (this.offset + length > this.bytes.length)
      throw ots.parameterInvalid("Invalid PlainBuffer: truncated.");
  }
}

/** A variant: type byte then payload (the form column conditions use, and cell values inside their length prefix). */
export function readVariant(bytes: Buffer): KeyValue {
  const cursor = new Cursor(bytes);
  const type = cursor.byte();
  switch (type) {
    case VT_INTEGER:
      return { type: "INTEGER", value: cursor.take(8).readBigInt64LE(0).toString() };
    case VT_DOUBLE:
      return { type: "DOUBLE", value: cursor.take(8).readDoubleLE(0) };
    case VT_BOOLEAN:
      return { type: "BOOLEAN", value: cursor.byte() !== 0 };
    case VT_STRING:
      return { type: "STRING", value: cursor.take(cursor.int32()).toString("utf8") };
    case VT_BLOB:
      return { type: "BINARY", value: cursor.take(cursor.int32()).toString("base64") };
    case VT_INF_MIN:
      return { type: "INF_MIN" };
    case VT_INF_MAX:
      return { type: "INF_MAX" };
    case VT_AUTO_INCREMENT:
      throw ots.parameterInvalid("AUTO_INCREMENT primary keys are not supported by the local emulator.");
    default:
      throw ots.parameterInvalid(`Invalid PlainBuffer: unknown variant type ${type}.`);
  }
}

export function readCellValue(bytes: Buffer): CellValue {
  const value = readVariant(bytes);
  if (value.type === "INF_MIN" || value.type === "INF_MAX") {
    throw invalid("INF_MIN and INF_MAX are only allowed in range primary keys.");
  }
  return value;
}

function readCell(cursor: Cursor): {
  name: string;
  value: KeyValue | undefined;
  op: number | undefined;
  ts?: number;
} {
  if (cursor.byte() !== TAG_CELL_NAME) throw invalid("Invalid PlainBuffer: expected a cell name.");
  const name = cursor.take(cursor.int32()).toString("utf8");
  let value: KeyValue | undefined;
  let op: number | undefined;
  let ts: number | undefined;
  for (;;) {
    const tag = cursor.byte();
    if (tag === TAG_CELL_VALUE) value = readVariant(cursor.take(cursor.int32()));
    else if (tag === TAG_CELL_TYPE) op = cursor.byte();
    else if (tag === TAG_CELL_TIMESTAMP) ts = Number(cursor.take(8).readBigInt64LE(0));
    else if (tag === TAG_CELL_CHECKSUM) {
      cursor.byte();
      return { name, value, op, ...(ts === undefined ? {} : { ts }) };
    } else throw invalid(`Invalid PlainBuffer: unexpected tag ${tag} in a cell.`);
  }
}

function operationOf(op: number | undefined): CellOperation {
  switch (op) {
    case undefined:
      return "PUT";
    case OP_DELETE_ALL_VERSIONS:
      return "DELETE_ALL_VERSIONS";
    case OP_DELETE_ONE_VERSION:
      return "DELETE_ONE_VERSION";
    case OP_INCREMENT:
      return "INCREMENT";
    default:
      throw invalid(`Invalid PlainBuffer: unknown cell operation ${op}.`);
  }
}

/** One row with its header, as every request field of type "row" or "primary key" carries it. */
export function readRow(bytes: Buffer): ParsedRow {
  const cursor = new Cursor(bytes);
  if (cursor.int32() !== HEADER) throw invalid("Invalid PlainBuffer: bad header.");
  let tag = cursor.byte();
  const primaryKey: NamedValue<KeyValue>[] = [];
  const cells: ParsedCell[] = [];
  let deleteMarker = false;
  if (tag !== TAG_ROW_PK) throw invalid("Invalid PlainBuffer: expected the primary key.");
  tag = cursor.byte();
  while (tag === TAG_CELL) {
    const cell = readCell(cursor);
    if (cell.value === undefined) throw invalid(`Primary key column '${cell.name}' has no value.`);
    primaryKey.push({ name: cell.name, value: cell.value });
    tag = cursor.byte();
  }
  if (tag === TAG_ROW_DATA) {
    tag = cursor.byte();
    while (tag === TAG_CELL) {
      const cell = readCell(cursor);
      const operation = operationOf(cell.op);
      const value = cell.value;
      if (value && (value.type === "INF_MIN" || value.type === "INF_MAX")) {
        throw invalid("INF_MIN and INF_MAX are only allowed in range primary keys.");
      }
      cells.push({ name: cell.name, value, operation, timestamp: cell.ts });
      tag = cursor.byte();
    }
  }
  if (tag === TAG_DELETE_ROW_MARKER) {
    deleteMarker = true;
    tag = cursor.byte();
  }
  // The SDK pads keys holding INF_MIN/INF_MAX with a trailing zero, so stop at the row checksum.
  if (tag !== TAG_ROW_CHECKSUM)
    throw invalid(`Invalid PlainBuffer: expected the row checksum, got tag ${tag}.`);
  cursor.byte();
  return { primaryKey, cells, deleteMarker };
}
