/** The Tablestore record store through the real SDK against the emulator. */
import TableStore from "tablestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningTablestore, start as startTablestore } from "../../../local/tablestore/index";
import { encodeCursor } from "../../../shared/adapters/tablestore/record-codec";
import {
  BATCH_WRITE_MAX_BYTES,
  BATCH_WRITE_MAX_ROWS,
  TablestoreRecordStore,
} from "../../../shared/adapters/tablestore/record-store";
import {
  INDEXES,
  type IndexName,
  indexTableName,
  recordsTableDefinition,
} from "../../../shared/adapters/tablestore/table-schema";
import { largeRequest, makeRecord, recordStoreContract } from "../../support/record-store-contract";
import { startTablestoreEmulator, tablestoreClient } from "./harness";

const TABLE = "records";
let emulator: RunningTablestore;
let client: TableStore.Client;

beforeAll(async () => {
  emulator = await startTablestoreEmulator();
  client = tablestoreClient(emulator);
});
afterAll(async () => {
  await emulator.close();
});

async function freshStore(): Promise<TablestoreRecordStore> {
  emulator.control.setIndexLag(0);
  emulator.control.reset();
  await client.createTable(recordsTableDefinition(TABLE));
  return new TablestoreRecordStore({ client, table: TABLE, rowRetryBaseDelayMs: 1 });
}

/** Held: index changes wait 2.5 s, far longer than the reads that follow a write take. */
const HOLD_MS = 2_500;

recordStoreContract("Tablestore adapter", freshStore, () => ({
  hold: () => emulator.control.setIndexLag(HOLD_MS),
  settle: async () => {
    emulator.control.setIndexLag(0);
    await emulator.control.settleIndexes();
  },
}));

describe("TablestoreRecordStore on the wire", () => {
  it("refuses a crafted filtered-list cursor below the time window (the range would be upside down)", async () => {
    const store = await freshStore();
    const record = makeRecord(5000, { submittedBy: "nia" });
    await store.create(record);
    const filter = { createdAfter: new Date(Date.parse(record.createdAt) - 1000).toISOString() };
    expect((await store.listMatching("nia", filter, { limit: 5 })).items).toEqual([record]);
    const below = encodeCursor(["2000-01-01T00:00:00.000Z", record.id]);
    await expect(store.listMatching("nia", filter, { limit: 5, cursor: below })).rejects.toMatchObject({
      code: "InvalidCursor",
    });
  });

  it("writes 450 records in three BatchWriteRow calls and lists them through the index and BatchGetRow", async () => {
    const store = await freshStore();
    const before = emulator.control.calls();
    await store.createMany(Array.from({ length: 450 }, (_, i) => makeRecord(i, { submittedBy: "erin" })));
    const afterWrite = emulator.control.calls();
    expect(afterWrite.BatchWriteRow - before.BatchWriteRow).toBe(3);

    const page = await store.listBySubmitter("erin", { limit: 100 });
    expect(page.items).toHaveLength(100);
    const afterList = emulator.control.calls();
    expect(afterList.BatchGetRow - afterWrite.BatchGetRow).toBe(1);
  });

  it("splits 200 records of 33 KB by size: every BatchWriteRow under 4 MB as the SDK encodes it", async () => {
    const store = await freshStore();
    // What each BatchWriteRow carried, measured as the SDK encodes the rows (PlainBuffer).
    const sent: { rows: number; bytes: number }[] = [];
    const batchWriteRow = client.batchWriteRow.bind(client);
    client.batchWriteRow = (params) => {
      const rows = params.tables.flatMap((t) => t.rows);
      const bytes = rows.reduce(
        (sum, row) =>
          sum +
          TableStore.PlainBufferBuilder.serializeForPutRow(
            row.primaryKey,
            row.type === "PUT" ? row.attributeColumns : [],
          ).length,
        0,
      );
      sent.push({ rows: rows.length, bytes });
      return batchWriteRow(params);
    };
    try {
      const records = Array.from({ length: 200 }, (_, i) =>
        makeRecord(i, { submittedBy: "kim", request: largeRequest(`large-${i}`) }),
      );
      await store.createMany(records);
      // ~6.6 MB in all: a split by rows alone (one call of 200) would send it in one request.
      expect(sent.reduce((sum, call) => sum + call.bytes, 0)).toBeGreaterThan(6_000_000);
      expect(sent.length).toBeGreaterThanOrEqual(3);
      for (const call of sent) {
        expect(call.rows).toBeLessThanOrEqual(BATCH_WRITE_MAX_ROWS);
        expect(call.bytes).toBeLessThanOrEqual(BATCH_WRITE_MAX_BYTES);
      }
      expect(sent.reduce((sum, call) => sum + call.rows, 0)).toBe(200);
      expect(await store.get(records[199]!.id)).toEqual(records[199]);
    } finally {
      client.batchWriteRow = batchWriteRow;
    }
  });

  it("sends a chunk again when its answer was lost after it was applied, and counts the rows as written", async () => {
    const store = await freshStore();
    const batchWriteRow = client.batchWriteRow.bind(client);
    let calls = 0;
    // The first call reaches the service and is applied, but its answer is lost (as on a broken
    // connection); the store cannot know which rows landed.
    client.batchWriteRow = async (params) => {
      calls++;
      const answer = await batchWriteRow(params);
      if (calls === 1) throw Object.assign(new Error("write EPIPE"), { code: "NetworkingError" });
      return answer;
    };
    try {
      const records = Array.from({ length: 3 }, (_, i) => makeRecord(i, { submittedBy: "lee" }));
      await store.createMany(records);
      expect(calls).toBe(2);
      expect(await store.getMany(records.map((r) => r.id))).toEqual(records);
      // A row that existed before, under another client token, is still a conflict.
      calls = 10;
      await expect(store.createMany([{ ...records[0]!, clientToken: "other" }])).rejects.toMatchObject({
        code: "OTSConditionCheckFail",
      });
    } finally {
      client.batchWriteRow = batchWriteRow;
    }
  });

  it("gets a batch through while the service is busy every other request", async () => {
    // A second emulator whose fault draws alternate: every other request answers OTSServerBusy.
    let draw = 0;
    const busy = await startTablestore({
      port: 0,
      faults: { serverBusyRate: 0.5 },
      random: () => (draw++ % 2 === 0 ? 0.1 : 0.9),
    });
    try {
      const busyClient = tablestoreClient(busy);
      busy.control.setFaults({ serverBusyRate: 0 });
      await busyClient.createTable(recordsTableDefinition(TABLE));
      busy.control.setFaults({ serverBusyRate: 0.5 });
      const store = new TablestoreRecordStore({ client: busyClient, table: TABLE });
      const records = Array.from({ length: 250 }, (_, i) => makeRecord(i, { submittedBy: "faye" }));
      await store.createMany(records);
      busy.control.setFaults({ serverBusyRate: 0 });
      // Two chunks, each refused once and then written by the client's retry.
      expect(busy.control.calls().BatchWriteRow).toBe(4);
      const listed = await store.listBySubmitter("faye", { limit: 100 });
      expect(listed.items).toEqual(records.slice(-100).reverse());
    } finally {
      await busy.close();
    }
  });

  it("stores times as text, attempts as an integer and the request as JSON", async () => {
    const store = await freshStore();
    const record = makeRecord(0, { attempts: 3 });
    await store.create(record);
    const { row } = await client.getRow({ tableName: TABLE, primaryKey: [{ id: record.id }] });
    const cells = new Map((row.attributes ?? []).map((a) => [a.columnName, a.columnValue]));
    expect(cells.get("createdAt")).toBe(record.createdAt);
    const attempts = cells.get("attempts");
    expect(typeof attempts === "object" && !Buffer.isBuffer(attempts) ? attempts.toString() : attempts).toBe(
      "3",
    );
    expect(JSON.parse(String(cells.get("request")))).toEqual(record.request);
    expect(cells.has("batchId")).toBe(false);
  });

  it("stores the attempt history as one JSON column, none while empty; refuses a column that is not a list", async () => {
    const store = await freshStore();
    const cellsOf = async (id: string) => {
      const { row } = await client.getRow({ tableName: TABLE, primaryKey: [{ id }] });
      return new Map((row.attributes ?? []).map((a) => [a.columnName, a.columnValue]));
    };
    const attempt = { number: 1, at: makeRecord(0).createdAt, durationMs: 5, outcome: "succeeded" as const };
    const tried = makeRecord(0, { attemptHistory: [attempt] });
    const untried = makeRecord(1, { attemptHistory: [] });
    await store.create(tried);
    await store.create(untried);
    expect(JSON.parse(String((await cellsOf(tried.id)).get("attemptHistory")))).toEqual([attempt]);
    expect((await cellsOf(untried.id)).has("attemptHistory")).toBe(false);
    expect(await store.get(untried.id)).not.toHaveProperty("attemptHistory");

    await client.updateRow({
      tableName: TABLE,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
      primaryKey: [{ id: tried.id }],
      updateOfAttributeColumns: [{ PUT: [{ attemptHistory: '{"number":1}' }] }],
    });
    await expect(store.get(tried.id)).rejects.toMatchObject({ code: "CorruptRecord" });
  });

  it.each(Object.keys(INDEXES) as IndexName[])("keeps idempotency entries out of index %s", async (index) => {
    const store = await freshStore();
    // Terminal with its event owed, so it belongs in every index (by_event_owed is that sparse).
    const base = makeRecord(0, { batchId: makeRecord(0).id });
    const record = {
      ...base,
      status: "succeeded" as const,
      completedAt: base.createdAt,
      eventOwedAt: base.createdAt,
    };
    await store.create(record);
    await store.putIdempotency({
      scope: "key:alice:1",
      targetId: record.id,
      fingerprint: "f",
      createdAt: "t",
    });
    const keyColumns = [...INDEXES[index].key, "id"];
    const range = await client.getRange({
      tableName: indexTableName(TABLE, index),
      direction: "FORWARD",
      inclusiveStartPrimaryKey: keyColumns.map((name) => ({ [name]: TableStore.INF_MIN })),
      exclusiveEndPrimaryKey: keyColumns.map((name) => ({ [name]: TableStore.INF_MAX })),
    });
    expect(range.rows.map((row) => row.primaryKey?.at(-1)?.value)).toEqual([record.id]);
  });

  it.each([
    ["not base64url JSON", "%%%"],
    ["another shape", Buffer.from(JSON.stringify({ v: 1, k: [1, 2] })).toString("base64url")],
    ["too few key parts", Buffer.from(JSON.stringify({ v: 1, k: ["x"] })).toString("base64url")],
    [
      "outside the record ids",
      Buffer.from(JSON.stringify({ v: 1, k: ["t", "idem:"] })).toString("base64url"),
    ],
  ])("refuses a cursor that is %s", async (_, cursor) => {
    const store = await freshStore();
    await expect(store.listBySubmitter("alice", { limit: 5, cursor })).rejects.toMatchObject({
      code: "InvalidCursor",
    });
  });

  it("never reaches idempotency rows through a listAll cursor", async () => {
    const store = await freshStore();
    await store.create(makeRecord(0));
    await store.putIdempotency({ scope: "key:a:1", targetId: "x", fingerprint: "f", createdAt: "t" });
    const cursor = Buffer.from(JSON.stringify({ v: 1, k: ["idem:~"] })).toString("base64url");
    await expect(store.listAll({ limit: 5, cursor })).rejects.toMatchObject({
      code: "InvalidCursor",
    });
  });

  it("never reads another submitter's records through a cursor", async () => {
    const store = await freshStore();
    const theirs = makeRecord(5000, { submittedBy: "zed" });
    const mine = makeRecord(1000, { submittedBy: "amy" });
    await store.create(theirs);
    await store.create(mine);
    // A cursor pointing above zed's record: the partition comes from the caller, not the cursor.
    const crafted = Buffer.from(JSON.stringify({ v: 1, k: ["9999", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"] })).toString(
      "base64url",
    );
    const page = await store.listBySubmitter("amy", { limit: 10, cursor: crafted });
    expect(page.items.map((r) => r.submittedBy)).toEqual(["amy"]);
  });

  it("refuses a record id outside the ULID key space", async () => {
    const store = await freshStore();
    await expect(store.create(makeRecord(0, { id: "idem:abc" }))).rejects.toMatchObject({
      code: "InvalidRecord",
    });
    expect(await store.get("idem:abc")).toBeUndefined();
  });

  it.each([
    ["createdAt", { createdAt: "2026-11-27T10:00:00Z" }],
    ["updatedAt", { updatedAt: "2026-11-27 10:00:00.000Z" }],
    ["leaseUntil", { leaseUntil: "tomorrow" }],
  ])("refuses a record whose %s is not an ISO time as toISOString writes it", async (_, fields) => {
    const store = await freshStore();
    const putsBefore = emulator.control.calls().PutRow;
    await expect(store.create(makeRecord(0, fields))).rejects.toMatchObject({ code: "InvalidRecord" });
    expect(emulator.control.calls().PutRow).toBe(putsBefore);
  });

  it("throws the service's error for a missing table", async () => {
    emulator.control.reset();
    const store = new TablestoreRecordStore({ client, table: "missing" });
    await expect(store.create(makeRecord(0))).rejects.toMatchObject({ code: "OTSObjectNotExist" });
  });
});
