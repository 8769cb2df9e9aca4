/** UpdateTable, CreateIndex, DropIndex and DescribeTable's index_metas, through the official SDK. */
import TableStore from "tablestore";
import { beforeEach, describe, expect, it } from "vitest";
import type { RunningTablestore } from "../../../local/tablestore/index";
import {
  attributesOf,
  BY_BATCH_INDEX,
  createRequestsTable,
  failure,
  keyOf,
  putRequest,
  REQUESTS_TABLE,
  useEmulator,
} from "./helpers";

const BY_STATUS_INDEX = "requests_by_status";
// The SDK decodes index_sync_phase into TableStore.SyncPhase's strings.
const ISP_FULL = "FULL";
const ISP_INCR = "INCR";

let emulator: RunningTablestore;
let client: TableStore.Client;

useEmulator((started, startedClient) => {
  emulator = started;
  client = startedClient;
});
beforeEach(async () => {
  emulator.control.reset();
  emulator.control.setIndexLag(0);
  await createRequestsTable(client);
});

const byStatus = (): TableStore.CreateIndexParams => ({
  mainTableName: REQUESTS_TABLE,
  indexMeta: { name: BY_STATUS_INDEX, primaryKey: ["status"], definedColumn: [] },
  includeBaseData: true,
});

async function statusIndex(status: string): Promise<string[]> {
  const { rows } = await client.getRange({
    tableName: BY_STATUS_INDEX,
    direction: "FORWARD",
    inclusiveStartPrimaryKey: [{ status }, { request_id: TableStore.INF_MIN }],
    exclusiveEndPrimaryKey: [{ status }, { request_id: TableStore.INF_MAX }],
  });
  return rows.map((row) => String(keyOf(row)[1]));
}

async function indexMetas() {
  return (await client.describeTable({ tableName: REQUESTS_TABLE })).indexMetas;
}

describe("CreateIndex", () => {
  it("indexes the existing rows with includeBaseData, and later writes", async () => {
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "pending" });
    await putRequest(client, "r2", { batch: "b1", createdAt: 2, status: "running" });
    await putRequest(client, "r3", { batch: "b1", createdAt: 3 });

    await client.createIndex(byStatus());
    expect(await statusIndex("pending")).toEqual(["r1"]);
    await putRequest(client, "r4", { status: "pending" });
    expect(await statusIndex("pending")).toEqual(["r1", "r4"]);
    expect(await statusIndex("running")).toEqual(["r2"]);

    const metas = await indexMetas();
    expect(metas.map((m) => [m.name, m.primaryKey, m.indexSyncPhase])).toEqual([
      [BY_BATCH_INDEX, ["batch_id", "created_at", "request_id"], ISP_INCR],
      [BY_STATUS_INDEX, ["status", "request_id"], ISP_INCR],
    ]);
  });

  it("without includeBaseData indexes only later writes", async () => {
    await putRequest(client, "r1", { status: "pending" });
    await client.createIndex({ ...byStatus(), includeBaseData: false });
    await putRequest(client, "r2", { status: "pending" });
    expect(await statusIndex("pending")).toEqual(["r2"]);
  });

  it("builds asynchronously under index lag: ISP_FULL until the existing rows are in", async () => {
    await putRequest(client, "r1", { status: "pending" });
    emulator.control.setIndexLag(1000);
    await client.createIndex(byStatus());
    expect(await statusIndex("pending")).toEqual([]);
    expect((await indexMetas()).find((m) => m.name === BY_STATUS_INDEX)?.indexSyncPhase).toBe(ISP_FULL);

    await emulator.control.settleIndexes();
    expect(await statusIndex("pending")).toEqual(["r1"]);
    expect((await indexMetas()).find((m) => m.name === BY_STATUS_INDEX)?.indexSyncPhase).toBe(ISP_INCR);
  });

  it("refuses a name in use, a missing table, a column that is not predefined and a sixth index", async () => {
    const taken = await failure(
      client.createIndex({ ...byStatus(), indexMeta: { ...byStatus().indexMeta, name: BY_BATCH_INDEX } }),
    );
    expect([taken.code, taken.httpStatus]).toEqual(["OTSObjectAlreadyExist", 409]);
    const missing = await failure(client.createIndex({ ...byStatus(), mainTableName: "missing_table" }));
    expect([missing.code, missing.httpStatus]).toEqual(["OTSObjectNotExist", 404]);
    const notDefined = await failure(
      client.createIndex({
        ...byStatus(),
        indexMeta: { name: "requests_by_note", primaryKey: ["note"], definedColumn: [] },
      }),
    );
    expect(notDefined.code).toBe("OTSParameterInvalid");

    for (const [i, column] of ["status", "created_at", "batch_id", "status"].entries()) {
      await client.createIndex({
        ...byStatus(),
        indexMeta: { name: `extra_${i}`, primaryKey: [column], definedColumn: [] },
      });
    }
    const sixth = await failure(
      client.createIndex({
        ...byStatus(),
        indexMeta: { name: "extra_5", primaryKey: ["status"], definedColumn: [] },
      }),
    );
    expect(sixth.code).toBe("OTSParameterInvalid");
    expect(await indexMetas()).toHaveLength(5);
  });
});

describe("DropIndex", () => {
  it("removes the index and its rows; the table and its other indexes stay", async () => {
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "pending" });
    await client.createIndex(byStatus());
    await client.dropIndex({ mainTableName: REQUESTS_TABLE, indexName: BY_STATUS_INDEX });

    expect((await indexMetas()).map((m) => m.name)).toEqual([BY_BATCH_INDEX]);
    expect((await failure(statusIndex("pending"))).code).toBe("OTSObjectNotExist");
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
    expect(attributesOf(row)).toMatchObject({ status: "pending" });

    const again = await failure(
      client.dropIndex({ mainTableName: REQUESTS_TABLE, indexName: BY_STATUS_INDEX }),
    );
    expect([again.code, again.httpStatus]).toEqual(["OTSObjectNotExist", 404]);
  });
});

describe("UpdateTable", () => {
  const plainTable = "plain";
  beforeEach(async () => {
    await client.createTable({
      tableMeta: { tableName: plainTable, primaryKey: [{ name: "id", type: "STRING" }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
  });

  it("changes the time to live and versions and answers the new options", async () => {
    const updated = await client.updateTable({
      tableName: plainTable,
      tableOptions: { timeToLive: 2 * 86400, maxVersions: 3 },
    });
    expect(updated.tableOptions).toMatchObject({ timeToLive: 2 * 86400, maxVersions: 3 });
    const described = await client.describeTable({ tableName: plainTable });
    expect(described.tableOptions).toMatchObject({ timeToLive: 2 * 86400, maxVersions: 3 });
  });

  it("refuses options a table with indexes cannot have, and an invalid time to live", async () => {
    const versions = await failure(
      client.updateTable({ tableName: REQUESTS_TABLE, tableOptions: { maxVersions: 2 } }),
    );
    expect(versions.code).toBe("OTSParameterInvalid");
    const ttl = await failure(
      client.updateTable({ tableName: REQUESTS_TABLE, tableOptions: { timeToLive: 86400 } }),
    );
    expect(ttl).toMatchObject({
      code: "OTSParameterInvalid",
      message: "Don't support allow update operation on table with index and ttl",
    });
    const short = await failure(
      client.updateTable({ tableName: plainTable, tableOptions: { timeToLive: 3600 } }),
    );
    expect(short.code).toBe("OTSParameterInvalid");
    const nothing = await failure(client.updateTable({ tableName: plainTable, tableOptions: {} }));
    expect(nothing).toMatchObject({
      code: "OTSParameterInvalid",
      message: "No parameter is specified in table options.",
    });
    expect((await client.describeTable({ tableName: REQUESTS_TABLE })).tableOptions).toMatchObject({
      timeToLive: -1,
      maxVersions: 1,
    });
  });

  it("refuses a second reserved-throughput change within 2 minutes, and a missing table", async () => {
    const tooSoon = await failure(
      client.updateTable({
        tableName: plainTable,
        tableOptions: {},
        reservedThroughput: { capacityUnit: { read: 1, write: 1 } },
      }),
    );
    expect([tooSoon.code, tooSoon.httpStatus]).toEqual(["OTSTooFrequentReservedThroughputAdjustment", 403]);
    const missing = await failure(
      client.updateTable({ tableName: "missing_table", tableOptions: { maxVersions: 1 } }),
    );
    expect([missing.code, missing.httpStatus]).toEqual(["OTSObjectNotExist", 404]);
  });
});
