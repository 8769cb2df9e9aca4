/**
 * The table and index operations (CreateTable, ListTable, DescribeTable, UpdateTable, DeleteTable,
 * CreateIndex, DropIndex): decode the `<Op>Request` protobuf, act on the state, encode the
 * `<Op>Response`. Message and field names are those of lib/protocol/tablestore.proto.
 */
import { ots } from "./errors";
import type { Handler } from "./handler";
import { LIMITS } from "./limits";
import { decode, encode, sent } from "./protocol";
import type { IndexSchema, TableSchema, TablestoreState, TableUpdate } from "./state";
import type { DefinedColumnType, PrimaryKeyType } from "./values";

const PK_TYPES: Record<number, PrimaryKeyType> = { 1: "INTEGER", 2: "STRING", 3: "BINARY" };
const PK_TYPE_NUMBERS: Record<PrimaryKeyType, number> = { INTEGER: 1, STRING: 2, BINARY: 3 };
const DEFINED_TYPES: Record<number, DefinedColumnType> = {
  1: "INTEGER",
  2: "DOUBLE",
  3: "BOOLEAN",
  4: "STRING",
  7: "BINARY",
};
const DEFINED_TYPE_NUMBERS: Record<DefinedColumnType, number> = {
  INTEGER: 1,
  DOUBLE: 2,
  BOOLEAN: 3,
  STRING: 4,
  BINARY: 7,
};
const TABLE_ACTIVE = 1;
const ISP_FULL = 1;
const ISP_INCR = 2;
const IT_GLOBAL_INDEX = 0;
const IUM_ASYNC_INDEX = 0;

function toSchema(
  message: {
    tableMeta: {
      tableName: string;
      primaryKey: { name: string; type: number; option?: number }[];
      definedColumn: { name: string; type: number }[];
    };
    reservedThroughput: { capacityUnit: { read?: number; write?: number } };
    tableOptions?: { timeToLive: number; maxVersions: number; allowUpdate: boolean } | null;
    indexMetas: {
      name: string;
      primaryKey: string[];
      definedColumn: string[];
      indexUpdateMode: number;
      indexType: number;
    }[];
  },
  now: number,
): TableSchema {
  const meta = message.tableMeta;
  const options = message.tableOptions;
  const primaryKey = meta.primaryKey.map((c) => {
    const type = PK_TYPES[c.type];
    if (!type) throw ots.parameterInvalid(`Invalid primary key type for '${c.name}'.`);
    if (sent(c, "option"))
      throw ots.parameterInvalid("AUTO_INCREMENT primary keys are not supported by the local emulator.");
    return { name: c.name, type };
  });
  const definedColumns = meta.definedColumn.map((c) => {
    const type = DEFINED_TYPES[c.type];
    if (!type) throw ots.parameterInvalid(`Invalid defined column type for '${c.name}'.`);
    return { name: c.name, type };
  });
  const basePk = primaryKey.map((c) => c.name);
  const indexes = message.indexMetas.map((m) => toIndexSchema(m, basePk));
  return {
    name: meta.tableName,
    primaryKey,
    definedColumns,
    timeToLive: options && sent(options, "timeToLive") ? options.timeToLive : -1,
    maxVersions: options && sent(options, "maxVersions") ? options.maxVersions : 1,
    allowUpdate: options && sent(options, "allowUpdate") ? options.allowUpdate : undefined,
    reservedRead: message.reservedThroughput.capacityUnit.read ?? 0,
    reservedWrite: message.reservedThroughput.capacityUnit.write ?? 0,
    createdAt: Math.floor(now / 1000),
    indexes,
  };
}

interface IndexMetaMessage {
  name: string;
  primaryKey: string[];
  definedColumn: string[];
  indexUpdateMode: number;
  indexType: number;
}

/**
 * An index as CreateTable and CreateIndex send it. Only global indexes, which the service updates
 * asynchronously; the base table's key columns are appended to the declared ones.
 */
function toIndexSchema(m: IndexMetaMessage, basePrimaryKey: readonly string[]): IndexSchema {
  if (m.indexType !== IT_GLOBAL_INDEX)
    throw ots.parameterInvalid("Only global secondary indexes are supported by the local emulator.");
  if (m.indexUpdateMode !== IUM_ASYNC_INDEX)
    throw ots.parameterInvalid("A global secondary index is updated asynchronously (IUM_ASYNC_INDEX).");
  if (m.primaryKey.length < 1 || m.primaryKey.length > LIMITS.indexKeyColumns) {
    throw ots.parameterInvalid(
      `The number of index columns must be in range: [1, ${LIMITS.indexKeyColumns}].`,
    );
  }
  if (m.definedColumn.length > LIMITS.indexAttributeColumns) {
    throw ots.parameterInvalid(
      `The number of index attribute columns must be in range: [0, ${LIMITS.indexAttributeColumns}].`,
    );
  }
  return {
    name: m.name,
    primaryKey: [...m.primaryKey, ...basePrimaryKey.filter((n) => !m.primaryKey.includes(n))],
    definedColumns: [...m.definedColumn],
    indexUpdateMode: m.indexUpdateMode,
    indexType: m.indexType,
  };
}

function describeIndex(state: TablestoreState, table: string, index: IndexSchema): object {
  return {
    name: index.name,
    primaryKey: index.primaryKey,
    definedColumn: index.definedColumns,
    indexUpdateMode: index.indexUpdateMode,
    indexType: index.indexType,
    indexSyncPhase: state.indexSyncPhase(table, index.name) === "FULL" ? ISP_FULL : ISP_INCR,
  };
}

function describeOptions(schema: TableSchema): object {
  return {
    timeToLive: schema.timeToLive,
    maxVersions: schema.maxVersions,
    ...(schema.allowUpdate === undefined ? {} : { allowUpdate: schema.allowUpdate }),
  };
}

function describeThroughput(schema: TableSchema): object {
  return {
    capacityUnit: { read: schema.reservedRead, write: schema.reservedWrite },
    lastIncreaseTime: schema.lastIncreaseTime ?? schema.createdAt,
    ...(schema.lastDecreaseTime === undefined ? {} : { lastDecreaseTime: schema.lastDecreaseTime }),
  };
}

export const TABLE_HANDLERS = {
  CreateTable(state, body, now) {
    state.createTable(toSchema(decode("CreateTableRequest", body), now));
    return encode("CreateTableResponse", {});
  },

  ListTable(state) {
    return encode("ListTableResponse", { tableNames: state.listTables() });
  },

  DescribeTable(state, body) {
    const { tableName } = decode<{ tableName: string }>("DescribeTableRequest", body);
    const schema = state.describeTable(tableName);
    return encode("DescribeTableResponse", {
      tableMeta: {
        tableName: schema.name,
        primaryKey: schema.primaryKey.map((c) => ({ name: c.name, type: PK_TYPE_NUMBERS[c.type] })),
        definedColumn: schema.definedColumns.map((c) => ({
          name: c.name,
          type: DEFINED_TYPE_NUMBERS[c.type],
        })),
      },
      reservedThroughputDetails: describeThroughput(schema),
      tableOptions: describeOptions(schema),
      tableStatus: TABLE_ACTIVE,
      indexMetas: schema.indexes.map((index) => describeIndex(state, schema.name, index)),
    });
  },

  UpdateTable(state, body, now) {
    const req = decode<{
      tableName: string;
      reservedThroughput?: { capacityUnit: { read?: number; write?: number } } | null;
      tableOptions?: {
        timeToLive?: number;
        maxVersions?: number;
        allowUpdate?: boolean;
        deviationCellVersionInSec?: unknown;
      } | null;
      streamSpec?: { enableStream: boolean } | null;
    }>("UpdateTableRequest", body);
    const options = req.tableOptions;
    const unit = req.reservedThroughput?.capacityUnit;
    const update: TableUpdate = {
      ...(unit && sent(unit, "read") ? { reservedRead: Number(unit.read) } : {}),
      ...(unit && sent(unit, "write") ? { reservedWrite: Number(unit.write) } : {}),
      ...(options && sent(options, "timeToLive") ? { timeToLive: options.timeToLive } : {}),
      ...(options && sent(options, "maxVersions") ? { maxVersions: options.maxVersions } : {}),
      ...(options && sent(options, "allowUpdate") ? { allowUpdate: options.allowUpdate } : {}),
    };
    if (req.streamSpec?.enableStream)
      throw ots.parameterInvalid("Streams are not supported by the local emulator.");
    if (
      Object.keys(update).length === 0 &&
      !req.streamSpec &&
      !(options && sent(options, "deviationCellVersionInSec"))
    )
      throw ots.parameterInvalid("No parameter is specified in table options.");
    const schema = state.updateTable(req.tableName, update, now);
    return encode("UpdateTableResponse", {
      reservedThroughputDetails: describeThroughput(schema),
      tableOptions: describeOptions(schema),
    });
  },

  CreateIndex(state, body) {
    const req = decode<{ mainTableName: string; indexMeta: IndexMetaMessage; includeBaseData?: boolean }>(
      "CreateIndexRequest",
      body,
    );
    const basePk = state.describeTable(req.mainTableName).primaryKey.map((c) => c.name);
    state.createIndex(req.mainTableName, toIndexSchema(req.indexMeta, basePk), req.includeBaseData === true);
    return encode("CreateIndexResponse", {});
  },

  DropIndex(state, body) {
    const req = decode<{ mainTableName: string; indexName: string }>("DropIndexRequest", body);
    state.dropIndex(req.mainTableName, req.indexName);
    return encode("DropIndexResponse", {});
  },

  DeleteTable(state, body) {
    const { tableName } = decode<{ tableName: string }>("DeleteTableRequest", body);
    state.deleteTable(tableName);
    return encode("DeleteTableResponse", {});
  },
} satisfies Record<string, Handler>;
