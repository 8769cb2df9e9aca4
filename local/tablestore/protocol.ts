/**
 * The wire formats, taken from the `tablestore` package itself rather than retyped: its compiled
 * protobuf messages (lib/protocol/tablestore_compiled_proto.js) and its PlainBuffer writer, which
 * computes the CRC8 checksums the SDK verifies on every row it reads. Nothing else of the SDK is
 * used by the emulator. Loading the package leaks a few implicit globals (`key`, `size`, `pro`,
 * `sub`); that is the SDK's doing and harmless here.
 */
import TableStore from "tablestore";
import type { CompiledMessage } from "tablestore/lib/protocol/tablestore_compiled_proto.js";
import compiled from "tablestore/lib/protocol/tablestore_compiled_proto.js";
import { ots } from "./errors";
import type { CellValue, NamedValue } from "./values";

function message(pkg: Record<string, CompiledMessage>, name: string): CompiledMessage {
  const found = pkg[name];
  if (!found) throw new Error(`tablestore package has no protobuf message ${name}`);
  return found;
}

/** `main.proto.<name>`, e.g. `PutRowRequest`. */
export const tableMessage = (name: string): CompiledMessage => message(compiled.main.proto, name);
/** `filter.proto.<name>`, e.g. `SingleColumnValueFilter`. */
export const filterMessage = (name: string): CompiledMessage => message(compiled.filter.proto, name);

export function decode<T>(name: string, body: Uint8Array): T {
  try {
    return tableMessage(name).decode(body) as T;
  } catch (err) {
    throw ots.parameterInvalid(`Failed to parse the ProtoBuf message: ${(err as Error).message}`);
  }
}

export function decodeFilterMessage<T>(name: string, body: Uint8Array): T {
  try {
    return filterMessage(name).decode(body) as T;
  } catch (err) {
    throw ots.parameterInvalid(`Failed to parse the filter: ${(err as Error).message}`);
  }
}

export function encode(name: string, value: object): Buffer {
  return Buffer.from(tableMessage(name).encode(value).finish());
}

function toSdkValue(value: CellValue): TableStore.ColumnValue {
  switch (value.type) {
    case "INTEGER":
      return TableStore.Long.fromString(value.value);
    case "BINARY":
      return Buffer.from(value.value, "base64");
    default:
      return value.value;
  }
}

function toSdkKey(primaryKey: readonly NamedValue[]): TableStore.PrimaryKeyInput {
  return primaryKey.map(({ name, value }) => ({ [name]: toSdkValue(value) as TableStore.PrimaryKeyValue }));
}

export interface OutputCell {
  name: string;
  value: CellValue;
  timestamp: number;
}

export interface OutputRow {
  primaryKey: readonly NamedValue[];
  attributes: readonly OutputCell[];
}

/** One row with its header, as GetRow and the write responses carry it. */
export function encodeRow(row: OutputRow): Buffer {
  const attributes = row.attributes.map(({ name, value, timestamp }) => ({
    [name]: toSdkValue(value),
    timestamp,
  }));
  return TableStore.PlainBufferBuilder.serializeForPutRow(toSdkKey(row.primaryKey), attributes);
}

const HEADER_LENGTH = 4;

/** GetRange's `rows`: one header, then the row bodies back to back. */
export function encodeRows(rows: readonly OutputRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const encoded = rows.map(encodeRow);
  return Buffer.concat([encoded[0]!, ...encoded.slice(1).map((b) => b.subarray(HEADER_LENGTH))]);
}

export function encodePrimaryKey(primaryKey: readonly NamedValue[]): Buffer {
  return TableStore.PlainBufferBuilder.serializePrimaryKey(toSdkKey(primaryKey));
}

/**
 * Whether an optional proto2 field was on the wire. protobufjs puts the field's default on the
 * message prototype (for an enum, its first value), so reading an absent field is not "unset".
 */
export function sent(message: object, field: string): boolean {
  return Object.hasOwn(message, field);
}
