/**
 * Types for the parts of `tablestore@5.6.5` this project uses. The package ships no types and
 * `@types/tablestore` is not installed, so these are written against the package source
 * (lib/client.js, lib/filter.js, lib/metadata.js, lib/protocol/*). Kept deliberately narrow:
 * anything not listed here is not relied on.
 */
declare module "tablestore" {
  namespace TableStore {
    /** int64-buffer's Int64LE, which the SDK uses for every INTEGER value it reads or writes. */
    export interface Int64LE {
      toNumber(): number;
      toString(radix?: number): string;
      toBuffer(): Buffer;
    }

    export type PrimaryKeyValue = string | Int64LE | Buffer | typeof INF_MIN | typeof INF_MAX;
    export type ColumnValue = string | number | boolean | Buffer | Int64LE;
    /** `[{ request_id: "r1" }, { n: Long.fromNumber(1) }]`: ordered single-key objects. */
    export type PrimaryKeyInput = Array<Record<string, PrimaryKeyValue>>;
    /** Attribute columns: single-key objects, optionally with `timestamp` (ms). */
    export type AttributeInput = Array<Record<string, ColumnValue>>;

    export interface PrimaryKeyColumn {
      name: string;
      value: string | Int64LE | Buffer;
    }
    export interface AttributeColumn {
      columnName: string;
      columnValue: ColumnValue;
      timestamp: Int64LE | null;
    }
    /** A missing row is `{}`, so both members are optional. */
    export interface Row {
      primaryKey?: PrimaryKeyColumn[];
      attributes?: AttributeColumn[];
    }

    export const INF_MIN: Readonly<Record<string, never>>;
    export const INF_MAX: Readonly<Record<string, never>>;

    export const Long: {
      fromNumber(value: number): Int64LE;
      fromString(value: string): Int64LE;
    };

    export const RowExistenceExpectation: { IGNORE: 0; EXPECT_EXIST: 1; EXPECT_NOT_EXIST: 2 };
    export type RowExistence = 0 | 1 | 2;
    export const ComparatorType: {
      EQUAL: 1;
      NOT_EQUAL: 2;
      GREATER_THAN: 3;
      GREATER_EQUAL: 4;
      LESS_THAN: 5;
      LESS_EQUAL: 6;
    };
    export type Comparator = 1 | 2 | 3 | 4 | 5 | 6;
    export const LogicalOperator: { NOT: 1; AND: 2; OR: 3 };
    export type Logical = 1 | 2 | 3;
    export const Direction: { FORWARD: "FORWARD"; BACKWARD: "BACKWARD" };
    export const UpdateType: {
      PUT: "PUT";
      DELETE: "DELETE";
      DELETE_ALL: "DELETE_ALL";
      INCREMENT: "INCREMENT";
    };
    export const ReturnType: { NONE: 0; Primarykey: 1; AfterModify: 2 };
    export const PrimaryKeyType: { INTEGER: 1; STRING: 2; BINARY: 3 };
    export const DefinedColumnType: {
      DCT_INTEGER: 1;
      DCT_DOUBLE: 2;
      DCT_BOOLEAN: 3;
      DCT_STRING: 4;
    };
    export const IndexUpdateMode: { IUM_ASYNC_INDEX: 0; IUM_SYNC_INDEX: 1 };
    export const IndexType: { IT_GLOBAL_INDEX: 0; IT_LOCAL_INDEX: 1 };

    export class ColumnCondition {}
    export class SingleColumnCondition extends ColumnCondition {
      constructor(
        columnName: string,
        columnValue: ColumnValue,
        comparator: Comparator,
        passIfMissing?: boolean,
        latestVersionOnly?: boolean,
      );
    }
    export class CompositeCondition extends ColumnCondition {
      constructor(combinator: Logical);
      addSubCondition(condition: ColumnCondition): void;
    }
    export class ColumnPaginationFilter extends ColumnCondition {
      constructor(limit: number, offset?: number);
    }
    export class Condition {
      constructor(rowExistenceExpectation: RowExistence, columnCondition: ColumnCondition | null);
    }

    export interface ClientConfig {
      accessKeyId: string;
      secretAccessKey?: string;
      accessKeySecret?: string;
      stsToken?: string;
      securityToken?: string;
      endpoint: string;
      instancename: string;
      /** Sets a process-global retry count for every client; never pass it (see the adapter). */
      maxRetries?: number;
      httpOptions?: {
        timeout?: number;
        maxSockets?: number;
        agent?: import("node:http").Agent;
      };
      logger?: { log(...args: unknown[]): void };
    }

    export interface Consumed {
      capacityUnit: { read?: number; write?: number };
    }
    export interface WithRequestId {
      RequestId: string;
    }
    export interface ReturnContent {
      returnType: 0 | 1 | 2;
      returnColumns?: string[];
    }
    export interface TableMetaInput {
      tableName: string;
      primaryKey: Array<{ name: string; type: keyof typeof PrimaryKeyType | 1 | 2 | 3 }>;
      definedColumn?: Array<{ name: string; type: 1 | 2 | 3 | 4 }>;
    }
    export interface IndexMetaInput {
      name: string;
      primaryKey: string[];
      definedColumn: string[];
      indexUpdateMode?: 0 | 1;
      indexType?: 0 | 1;
    }
    export interface CreateTableParams {
      tableMeta: TableMetaInput;
      reservedThroughput: { capacityUnit: { read: number; write: number } };
      tableOptions: { timeToLive: number; maxVersions: number; allowUpdate?: boolean };
      indexMetas?: IndexMetaInput[];
    }
    export interface DescribeTableResult extends WithRequestId {
      tableMeta: {
        tableName: string;
        primaryKey: Array<{ name: string; type: number }>;
        definedColumn: Array<{ name: string; type: number }>;
      };
      tableOptions: { timeToLive: number; maxVersions: number };
      tableStatus: number;
      indexMetas: Array<{
        name: string;
        primaryKey: string[];
        definedColumn: string[];
        indexType: number;
        /** The SDK decodes ISP_FULL (still building from existing rows) and ISP_INCR to these. */
        indexSyncPhase?: "FULL" | "INCR";
      }>;
    }
    export interface CreateIndexParams {
      mainTableName: string;
      indexMeta: IndexMetaInput;
      /** Index the rows already in the table too (built asynchronously). */
      includeBaseData?: boolean;
    }
    export interface UpdateTableParams {
      tableName: string;
      /** Required by the SDK's encoder, even when only the throughput changes. */
      tableOptions: { timeToLive?: number; maxVersions?: number; allowUpdate?: boolean };
      reservedThroughput?: { capacityUnit: { read: number; write: number } };
    }
    export interface UpdateTableResult extends WithRequestId {
      reservedThroughputDetails: { capacityUnit: { read: number; write: number } };
      tableOptions: { timeToLive: number; maxVersions: number; allowUpdate?: boolean };
    }
    export interface RowWriteParams {
      tableName: string;
      primaryKey: PrimaryKeyInput;
      condition: Condition;
      returnContent?: ReturnContent;
    }
    export interface PutRowParams extends RowWriteParams {
      attributeColumns: AttributeInput;
    }
    export type UpdateOfAttributeColumns = Array<
      | { PUT: AttributeInput }
      | { INCREMENT: AttributeInput }
      | { DELETE: AttributeInput }
      | { DELETE_ALL: string[] }
    >;
    export interface UpdateRowParams extends RowWriteParams {
      updateOfAttributeColumns: UpdateOfAttributeColumns;
    }
    export interface ReadOptions {
      columnsToGet?: string[];
      columnFilter?: ColumnCondition;
      maxVersions?: number;
    }
    export interface GetRowParams extends ReadOptions {
      tableName: string;
      primaryKey: PrimaryKeyInput;
    }
    export interface GetRangeParams extends ReadOptions {
      tableName: string;
      direction: "FORWARD" | "BACKWARD";
      inclusiveStartPrimaryKey: PrimaryKeyInput;
      exclusiveEndPrimaryKey: PrimaryKeyInput;
      limit?: number;
    }
    export interface RowResult extends WithRequestId {
      consumed: Consumed;
      row: Row;
    }
    export interface GetRangeResult extends WithRequestId {
      consumed: Consumed;
      rows: Row[];
      nextStartPrimaryKey: PrimaryKeyColumn[] | null;
    }
    export interface BatchGetRowParams {
      tables: Array<ReadOptions & { tableName: string; primaryKey: PrimaryKeyInput[] }>;
    }
    export interface BatchRowResult {
      isOk: boolean;
      errorCode: string | null;
      errorMessage: string | null;
      tableName: string;
      primaryKey: PrimaryKeyColumn[] | null;
      attributes: AttributeColumn[] | null;
    }
    export interface BatchGetRowResult extends WithRequestId {
      /** One list per requested table, rows in request order. */
      tables: BatchRowResult[][];
    }
    export type BatchWriteRow =
      | {
          type: "PUT";
          primaryKey: PrimaryKeyInput;
          attributeColumns: AttributeInput;
          condition: Condition;
          returnContent?: ReturnContent;
        }
      | {
          type: "UPDATE";
          primaryKey: PrimaryKeyInput;
          attributeColumns: UpdateOfAttributeColumns;
          condition: Condition;
          returnContent?: ReturnContent;
        }
      | { type: "DELETE"; primaryKey: PrimaryKeyInput; condition: Condition; returnContent?: ReturnContent };
    export interface BatchWriteRowParams {
      tables: Array<{ tableName: string; rows: BatchWriteRow[] }>;
    }
    export interface BatchWriteRowResult extends WithRequestId {
      /** Flat: one entry per row across all tables. */
      tables: BatchRowResult[];
    }

    /** The SDK's per-request state machine (lib/request.js), as far as the adapter hooks into it. */
    export interface SdkRequest {
      operation: string;
      addListener(event: string, listener: (response: SdkResponse) => void): void;
    }
    export interface SdkResponse {
      request: SdkRequest;
      retryCount: number;
      error: (Error & { retryable?: boolean }) | null;
      httpResponse: {
        statusCode: number;
        headers: Record<string, string | undefined>;
        body: Uint8Array;
      };
    }

    export class Client {
      constructor(config: ClientConfig);
      config: ClientConfig;
      /** Internal, but every operation goes through it; the adapter overrides it per instance. */
      makeRequest(
        operation: string,
        params: unknown,
        callback?: (err: unknown, data: unknown) => void,
      ): unknown;
      /** Internal: registers build/extract listeners on each request, read from `this`. */
      setupRequestListeners(request: SdkRequest): void;
      /** Internal: turns an error HTTP response into `response.error`. */
      extractError(response: SdkResponse): void;
      createTable(params: CreateTableParams): Promise<WithRequestId>;
      listTable(params: Record<string, never>): Promise<WithRequestId & { tableNames: string[] }>;
      describeTable(params: { tableName: string }): Promise<DescribeTableResult>;
      deleteTable(params: { tableName: string }): Promise<WithRequestId>;
      updateTable(params: UpdateTableParams): Promise<UpdateTableResult>;
      createIndex(params: CreateIndexParams): Promise<WithRequestId>;
      dropIndex(params: { mainTableName: string; indexName: string }): Promise<WithRequestId>;
      putRow(params: PutRowParams): Promise<RowResult>;
      getRow(params: GetRowParams): Promise<RowResult>;
      updateRow(params: UpdateRowParams): Promise<RowResult>;
      deleteRow(params: RowWriteParams): Promise<RowResult>;
      getRange(params: GetRangeParams): Promise<GetRangeResult>;
      batchGetRow(params: BatchGetRowParams): Promise<BatchGetRowResult>;
      batchWriteRow(params: BatchWriteRowParams): Promise<BatchWriteRowResult>;
    }

    export const DefaultRetryPolicy: { maxRetryTimes: number };

    /** Row writer the SDK uses for requests; the emulator reuses it for responses (correct CRC8s). */
    export const PlainBufferBuilder: {
      serializePrimaryKey(primaryKey: PrimaryKeyInput): Buffer;
      serializeForPutRow(primaryKey: PrimaryKeyInput, attributeColumns: AttributeInput): Buffer;
    };
  }
  export = TableStore;
}

/** The SDK's own `pbjs -t static-module` output: message classes by proto package. */
declare module "tablestore/lib/protocol/tablestore_compiled_proto.js" {
  export interface CompiledMessage {
    encode(message: object): { finish(): Uint8Array };
    decode(bytes: Uint8Array): unknown;
  }
  const compiled: {
    main: { proto: Record<string, CompiledMessage> };
    filter: { proto: Record<string, CompiledMessage> };
  };
  export default compiled;
}
