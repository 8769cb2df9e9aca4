import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TableStore from "tablestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningTablestore, start } from "../../../local/tablestore/index";
import { type EmulatorProcess, runEmulator } from "../../support/emulator-process";
import {
  adapterClient,
  attributesOf,
  BY_BATCH_INDEX,
  createRequestsTable,
  keyOf,
  putRequest,
  REQUESTS_TABLE,
} from "./helpers";

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "tablestore-emulator-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const batchRange = (batch: string): TableStore.GetRangeParams => ({
  tableName: BY_BATCH_INDEX,
  direction: "FORWARD",
  inclusiveStartPrimaryKey: [
    { batch_id: batch },
    { created_at: TableStore.INF_MIN },
    { request_id: TableStore.INF_MIN },
  ],
  exclusiveEndPrimaryKey: [
    { batch_id: batch },
    { created_at: TableStore.INF_MAX },
    { request_id: TableStore.INF_MAX },
  ],
});

describe("--data", () => {
  it("keeps tables, rows and index contents across a restart", async () => {
    const first = await start({ port: 0, dataDir });
    const writer = adapterClient(first);
    await createRequestsTable(writer);
    await putRequest(writer, "r1", { batch: "b1", createdAt: 1, status: "pending", blob: Buffer.from("hi") });
    await putRequest(writer, "r2", { batch: "b1", createdAt: 2, status: "running" });
    await writer.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      updateOfAttributeColumns: [
        { INCREMENT: [{ attempts: TableStore.Long.fromString("9007199254740993") }] },
      ],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
    });
    await first.close();

    const second = await start({ port: 0, dataDir });
    try {
      const reader = adapterClient(second);
      expect((await reader.listTable({})).tableNames).toEqual([REQUESTS_TABLE]);
      const { row } = await reader.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
      const attributes = attributesOf(row);
      expect(attributes).toMatchObject({
        batch_id: "b1",
        created_at: 1,
        status: "pending",
        blob: Buffer.from("hi"),
      });
      // int64 beyond 2^53 survives the JSON snapshot exactly.
      const attempts = row.attributes?.find((a) => a.columnName === "attempts")
        ?.columnValue as TableStore.Int64LE;
      expect(attempts.toString()).toBe("9007199254740993");
      const indexed = await reader.getRange(batchRange("b1"));
      expect(indexed.rows.map(keyOf)).toEqual([
        ["b1", 1, "r1"],
        ["b1", 2, "r2"],
      ]);
    } finally {
      await second.close();
    }
  });

  it("keeps indexes added and dropped after creation, and table option changes", async () => {
    const first = await start({ port: 0, dataDir });
    const writer = adapterClient(first);
    first.control.reset();
    await createRequestsTable(writer);
    await putRequest(writer, "r1", { batch: "b1", createdAt: 1, status: "pending" });
    await writer.createIndex({
      mainTableName: REQUESTS_TABLE,
      indexMeta: { name: "requests_by_status", primaryKey: ["status"], definedColumn: [] },
      includeBaseData: true,
    });
    await writer.dropIndex({ mainTableName: REQUESTS_TABLE, indexName: BY_BATCH_INDEX });
    await first.close();

    const second = await start({ port: 0, dataDir });
    try {
      const reader = adapterClient(second);
      const described = await reader.describeTable({ tableName: REQUESTS_TABLE });
      expect(described.indexMetas.map((m) => m.name)).toEqual(["requests_by_status"]);
      const { rows } = await reader.getRange({
        tableName: "requests_by_status",
        direction: "FORWARD",
        inclusiveStartPrimaryKey: [{ status: TableStore.INF_MIN }, { request_id: TableStore.INF_MIN }],
        exclusiveEndPrimaryKey: [{ status: TableStore.INF_MAX }, { request_id: TableStore.INF_MAX }],
      });
      expect(rows.map(keyOf)).toEqual([["pending", "r1"]]);
    } finally {
      await second.close();
    }
  });

  it("persists a reset", async () => {
    const first = await start({ port: 0, dataDir });
    first.control.reset();
    await first.close();
    const second = await start({ port: 0, dataDir });
    try {
      expect((await adapterClient(second).listTable({})).tableNames).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("keeps nothing without --data", async () => {
    const first = await start({ port: 0 });
    await createRequestsTable(adapterClient(first));
    await first.close();
    const second = await start({ port: 0 });
    try {
      expect((await adapterClient(second).listTable({})).tableNames).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe("--data after kill -9", () => {
  it("keeps every answered table, row write and delete", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tablestore-kill9-"));
    const first = await runEmulator("tablestore", dir);
    let second: EmulatorProcess | undefined;
    try {
      const writer = adapterClient(first as unknown as RunningTablestore);
      await createRequestsTable(writer);
      const ids = Array.from({ length: 50 }, (_, i) => `r${String(i).padStart(2, "0")}`);
      await Promise.all(
        ids.map((id, i) => putRequest(writer, id, { batch: "b1", createdAt: i, status: "pending" })),
      );
      await writer.updateRow({
        tableName: REQUESTS_TABLE,
        primaryKey: [{ request_id: "r01" }],
        updateOfAttributeColumns: [{ PUT: [{ status: "succeeded" }] }],
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
      });
      await writer.deleteRow({
        tableName: REQUESTS_TABLE,
        primaryKey: [{ request_id: "r00" }],
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      });
      await writer.createIndex({
        mainTableName: REQUESTS_TABLE,
        indexMeta: { name: "requests_by_status", primaryKey: ["status"], definedColumn: [] },
        includeBaseData: false,
      });
      // Killed right after the last answer: nothing had time to be written later.
      await first.kill9();

      second = await runEmulator("tablestore", dir);
      const reader = adapterClient(second as unknown as RunningTablestore);
      const described = await reader.describeTable({ tableName: REQUESTS_TABLE });
      expect(described.indexMetas.map((m) => m.name)).toEqual([BY_BATCH_INDEX, "requests_by_status"]);
      const gone = await reader.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r00" }] });
      expect(gone.row.primaryKey).toBeUndefined();
      const updated = await reader.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r01" }] });
      expect(attributesOf(updated.row)).toMatchObject({ status: "succeeded", created_at: 1 });
      const indexed = await reader.getRange(batchRange("b1"));
      expect(indexed.rows.map(keyOf)).toEqual(ids.slice(1).map((id, i) => ["b1", i + 1, id]));
    } finally {
      await first.kill9();
      await second?.kill9();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
