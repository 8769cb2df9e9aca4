import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TableStore from "tablestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningTablestore, start } from "../../../local/tablestore/index";
import {
  adapterClient,
  attributesOf,
  BY_BATCH_INDEX,
  createRequestsTable,
  keyOf,
  putRequest,
  REQUESTS_TABLE,
  useEmulator,
} from "./helpers";

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

function batchRange(batch: string): TableStore.GetRangeParams {
  return {
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
  };
}

async function indexRows(client: TableStore.Client, batch: string): Promise<Record<string, unknown>[]> {
  const { rows } = await client.getRange(batchRange(batch));
  return rows.map((row) => ({ id: keyOf(row)[2], ...attributesOf(row) }));
}

async function baseRow(id: string): Promise<Record<string, unknown> | undefined> {
  const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: id }] });
  return row.primaryKey ? attributesOf(row) : undefined;
}

/** Polls `read` every 10 ms until `done` holds (bounded: fails the test after `withinMs`). */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, withinMs = 5000) {
  const seen: T[] = [];
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    seen.push(value);
    if (done(value)) return seen;
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("asynchronous global secondary indexes", () => {
  it("shows a put in the base table at once and in the index only after the lag", async () => {
    // Generous lags: the reads right after the writes must come before them even on a busy machine.
    emulator.control.setIndexLag(1000);
    const before = Date.now();
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "pending" });

    expect(await baseRow("r1")).toEqual({ batch_id: "b1", created_at: 1, status: "pending" });
    const base = await client.getRange({
      tableName: REQUESTS_TABLE,
      direction: "FORWARD",
      inclusiveStartPrimaryKey: [{ request_id: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ request_id: TableStore.INF_MAX }],
    });
    expect(base.rows.map(keyOf)).toEqual([["r1"]]);
    expect(await indexRows(client, "b1")).toEqual([]);
    expect(emulator.control.pendingIndexChanges()).toBe(1);

    await pollUntil(
      () => indexRows(client, "b1"),
      (rows) => rows.length === 1,
    );
    expect(Date.now() - before).toBeGreaterThanOrEqual(1000);
    expect(await indexRows(client, "b1")).toEqual([{ id: "r1", status: "pending" }]);
    expect(emulator.control.pendingIndexChanges()).toBe(0);
  });

  it("keeps a deleted row and an old index key visible until the lag has passed", async () => {
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "pending" });
    await putRequest(client, "r2", { batch: "b1", createdAt: 2, status: "pending" });
    emulator.control.setIndexLag(1000);
    await client.deleteRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    });
    await putRequest(client, "r2", { batch: "b2", createdAt: 2, status: "running" });

    expect(await baseRow("r1")).toBeUndefined();
    expect(await indexRows(client, "b1")).toEqual([
      { id: "r1", status: "pending" },
      { id: "r2", status: "pending" },
    ]);
    expect(await indexRows(client, "b2")).toEqual([]);

    await emulator.control.settleIndexes();
    expect(await indexRows(client, "b1")).toEqual([]);
    expect(await indexRows(client, "b2")).toEqual([{ id: "r2", status: "running" }]);
  });

  it("settleIndexes waits for every pending change and resolves at once when none is pending", async () => {
    emulator.control.setIndexLag([500, 1000]);
    const before = Date.now();
    for (let i = 0; i < 20; i++) await putRequest(client, `r${i}`, { batch: "b1", createdAt: i });
    expect((await indexRows(client, "b1")).length).toBeLessThan(20);

    await emulator.control.settleIndexes();
    expect(Date.now() - before).toBeGreaterThanOrEqual(500);
    expect(emulator.control.pendingIndexChanges()).toBe(0);
    expect(await indexRows(client, "b1")).toHaveLength(20);
    await emulator.control.settleIndexes();
  });

  it("applies the changes of one index row in write order, whatever lag each drew", async () => {
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "a" });
    emulator.control.setIndexLag(1500);
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "b" });
    // A shorter lag for the newer change: without ordering it would show "c" first, then "b".
    emulator.control.setIndexLag(50);
    await putRequest(client, "r1", { batch: "b1", createdAt: 1, status: "c" });
    emulator.control.setIndexLag(0);
    await putRequest(client, "r2", { batch: "b1", createdAt: 2, status: "other row" });

    // Another row with no pending change is not held back by r1's.
    expect(await indexRows(client, "b1")).toEqual([
      { id: "r1", status: "a" },
      { id: "r2", status: "other row" },
    ]);
    const seen = await pollUntil(
      async () => (await indexRows(client, "b1"))[0]?.status,
      (status) => status === "c",
    );
    expect(seen.every((status) => status === "a" || status === "c")).toBe(true);
    await emulator.control.settleIndexes();
    expect((await indexRows(client, "b1"))[0]?.status).toBe("c");
  });

  it("refuses an invalid lag with a RangeError and keeps the previous one", () => {
    emulator.control.setIndexLag([10, 20]);
    expect(() => emulator.control.setIndexLag(-1)).toThrow(RangeError);
    expect(() => emulator.control.setIndexLag([30, 20])).toThrow(RangeError);
    expect(() => emulator.control.setIndexLag(Number.NaN)).toThrow(RangeError);
    expect(emulator.control.getIndexLag()).toEqual([10, 20]);
  });
});

describe("index lag settings at start", () => {
  it("takes indexLagMs and --index-lag-ms", async () => {
    const fixed = await start({ port: 0, indexLagMs: 250 });
    const flagged = await start({ port: 0, args: ["--index-lag-ms", "5,50"] });
    try {
      expect(fixed.control.getIndexLag()).toBe(250);
      expect(flagged.control.getIndexLag()).toEqual([5, 50]);
    } finally {
      await fixed.close();
      await flagged.close();
    }
    await expect(start({ port: 0, args: ["--index-lag-ms", "x"] })).rejects.toThrow(RangeError);
  });
});

describe("a clean stop with index changes pending", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tablestore-index-lag-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("loses none of them", async () => {
    const first = await start({ port: 0, dataDir, indexLagMs: 60_000 });
    const writer = adapterClient(first);
    await createRequestsTable(writer);
    await putRequest(writer, "r1", { batch: "b1", createdAt: 1, status: "pending" });
    expect(await indexRows(writer, "b1")).toEqual([]);
    await first.close();

    const second = await start({ port: 0, dataDir, indexLagMs: 60_000 });
    try {
      expect(await indexRows(adapterClient(second), "b1")).toEqual([{ id: "r1", status: "pending" }]);
    } finally {
      await second.close();
    }
  });
});
