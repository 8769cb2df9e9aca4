/** Shared fixtures for the Tablestore emulator tests: a client through our adapter and a table with an index. */
import TableStore from "tablestore";
import { afterAll, beforeAll } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import { type RunningTablestore, start } from "../../../local/tablestore/index";
import {
  createTablestoreClient,
  type TablestoreError,
  toTablestoreError,
} from "../../../shared/adapters/tablestore/index";

export function adapterClient(
  emulator: RunningTablestore,
  secret = LOCAL_ACCESS_KEY_SECRET,
): TableStore.Client {
  return createTablestoreClient({
    endpoint: emulator.url,
    instanceName: LOCAL_TABLESTORE_INSTANCE,
    credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: secret },
    timeoutMs: 5000,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
}

export function stockClient(emulator: RunningTablestore): TableStore.Client {
  return new TableStore.Client({
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    secretAccessKey: LOCAL_ACCESS_KEY_SECRET,
    endpoint: emulator.url,
    instancename: LOCAL_TABLESTORE_INSTANCE,
    httpOptions: { timeout: 5000 },
  });
}

/** The rejection of `promise` as a TablestoreError; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<TablestoreError> {
  try {
    await promise;
  } catch (err) {
    return toTablestoreError(err);
  }
  throw new Error("expected the call to fail");
}

export const REQUESTS_TABLE = "requests";
export const BY_BATCH_INDEX = "requests_by_batch";

/** Like the project's record table: request_id key, batch index on [batch_id, created_at]. */
export async function createRequestsTable(client: TableStore.Client): Promise<void> {
  await client.createTable({
    tableMeta: {
      tableName: REQUESTS_TABLE,
      primaryKey: [{ name: "request_id", type: "STRING" }],
      definedColumn: [
        { name: "batch_id", type: TableStore.DefinedColumnType.DCT_STRING },
        { name: "created_at", type: TableStore.DefinedColumnType.DCT_INTEGER },
        { name: "status", type: TableStore.DefinedColumnType.DCT_STRING },
      ],
    },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
    indexMetas: [{ name: BY_BATCH_INDEX, primaryKey: ["batch_id", "created_at"], definedColumn: ["status"] }],
  });
}

export const ignore = () => new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
export const expectNotExist = () =>
  new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null);

export async function putRequest(
  client: TableStore.Client,
  id: string,
  attributes: { batch?: string; createdAt?: number; status?: string; [other: string]: unknown },
): Promise<void> {
  const { batch, createdAt, status, ...rest } = attributes;
  const columns: TableStore.AttributeInput = [];
  if (batch !== undefined) columns.push({ batch_id: batch });
  if (createdAt !== undefined) columns.push({ created_at: TableStore.Long.fromNumber(createdAt) });
  if (status !== undefined) columns.push({ status });
  for (const [name, value] of Object.entries(rest)) columns.push({ [name]: value as TableStore.ColumnValue });
  await client.putRow({
    tableName: REQUESTS_TABLE,
    primaryKey: [{ request_id: id }],
    attributeColumns: columns,
    condition: ignore(),
  });
}

/** Attributes as a plain object; integers as numbers. */
export function attributesOf(row: TableStore.Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of row.attributes ?? []) {
    const v = a.columnValue;
    out[a.columnName] = typeof v === "object" && !Buffer.isBuffer(v) ? v.toNumber() : v;
  }
  return out;
}

export function keyOf(row: TableStore.Row): unknown[] {
  return (row.primaryKey ?? []).map((c) =>
    typeof c.value === "object" && !Buffer.isBuffer(c.value) ? c.value.toNumber() : c.value,
  );
}

/**
 * One emulator for the whole file, on a free port, with a client through our adapter: started
 * before the file's tests and closed after them. `onStart` hands both to the file's variables.
 */
export function useEmulator(onStart: (emulator: RunningTablestore, client: TableStore.Client) => void): void {
  let running: RunningTablestore | undefined;
  beforeAll(async () => {
    running = await start({ port: 0 });
    onStart(running, adapterClient(running));
  });
  afterAll(async () => {
    await running?.close();
  });
}
