import TableStore from "tablestore";
import { beforeEach, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TABLESTORE_INSTANCE } from "../../../local/identities";
import { createLocalRam } from "../../../local/ram/local-model";
import { type RunningTablestore, start } from "../../../local/tablestore/index";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/index";
import {
  adapterClient,
  attributesOf,
  BY_BATCH_INDEX,
  createRequestsTable,
  expectNotExist,
  failure,
  ignore,
  keyOf,
  putRequest,
  REQUESTS_TABLE,
  useEmulator,
} from "./helpers";

const { Condition, SingleColumnCondition, CompositeCondition, ComparatorType, LogicalOperator, Long } =
  TableStore;
const { EXPECT_EXIST, EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;

let emulator: RunningTablestore;
let client: TableStore.Client;

useEmulator((started, startedClient) => {
  emulator = started;
  client = startedClient;
});
beforeEach(async () => {
  emulator.control.reset();
  emulator.control.setFaults({ serverBusyRate: 0 });
  await createRequestsTable(client);
});

describe("table operations", () => {
  it("lists and describes a table with predefined columns and a global index", async () => {
    expect((await client.listTable({})).tableNames).toEqual([REQUESTS_TABLE]);
    const described = await client.describeTable({ tableName: REQUESTS_TABLE });
    expect(described.tableMeta.primaryKey.map((c) => [c.name, c.type])).toEqual([
      ["request_id", TableStore.PrimaryKeyType.STRING],
    ]);
    expect(described.tableMeta.definedColumn.map((c) => c.name)).toEqual([
      "batch_id",
      "created_at",
      "status",
    ]);
    expect(described.tableOptions).toMatchObject({ timeToLive: -1, maxVersions: 1 });
    expect(described.indexMetas).toHaveLength(1);
    // The base primary key is appended to the declared index columns.
    expect(described.indexMetas[0]).toMatchObject({
      name: BY_BATCH_INDEX,
      primaryKey: ["batch_id", "created_at", "request_id"],
      definedColumn: ["status"],
    });
  });

  it("refuses a second table of the same name with OTSObjectAlreadyExist", async () => {
    const err = await failure(createRequestsTable(client));
    expect([err.code, err.httpStatus]).toEqual(["OTSObjectAlreadyExist", 409]);
  });

  it("deletes a table and its index", async () => {
    await client.deleteTable({ tableName: REQUESTS_TABLE });
    expect((await client.listTable({})).tableNames).toEqual([]);
    const err = await failure(client.describeTable({ tableName: REQUESTS_TABLE }));
    expect([err.code, err.httpStatus, err.message]).toEqual([
      "OTSObjectNotExist",
      404,
      "Requested table does not exist.",
    ]);
    const indexRead = await failure(
      client.getRange({
        tableName: BY_BATCH_INDEX,
        direction: "FORWARD",
        inclusiveStartPrimaryKey: [
          { batch_id: TableStore.INF_MIN },
          { created_at: TableStore.INF_MIN },
          { request_id: TableStore.INF_MIN },
        ],
        exclusiveEndPrimaryKey: [
          { batch_id: TableStore.INF_MAX },
          { created_at: TableStore.INF_MAX },
          { request_id: TableStore.INF_MAX },
        ],
      }),
    );
    expect(indexRead.code).toBe("OTSObjectNotExist");
  });

  it("rejects an index on a column that is not predefined with OTSParameterInvalid", async () => {
    const err = await failure(
      client.createTable({
        tableMeta: { tableName: "bad", primaryKey: [{ name: "id", type: "STRING" }] },
        reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
        tableOptions: { timeToLive: -1, maxVersions: 1 },
        indexMetas: [{ name: "bad_by_x", primaryKey: ["x"], definedColumn: [] }],
      }),
    );
    expect([err.code, err.httpStatus]).toEqual(["OTSParameterInvalid", 400]);
  });
});

describe("row operations", () => {
  it("puts and gets every value type", async () => {
    await client.putRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      attributeColumns: [
        { status: "pending" },
        { created_at: Long.fromNumber(1_700_000_000_000) },
        { ratio: 0.25 },
        { urgent: true },
        { blob: Buffer.from([1, 2, 3]) },
      ],
      condition: expectNotExist(),
    });
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
    expect(keyOf(row)).toEqual(["r1"]);
    expect(attributesOf(row)).toEqual({
      status: "pending",
      created_at: 1_700_000_000_000,
      ratio: 0.25,
      urgent: true,
      blob: Buffer.from([1, 2, 3]),
    });
  });

  it("replaces the whole row on PutRow", async () => {
    await putRequest(client, "r1", { status: "pending", note: "old" });
    await putRequest(client, "r1", { status: "running" });
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
    expect(attributesOf(row)).toEqual({ status: "running" });
  });

  it("creates a missing row on UpdateRow with IGNORE", async () => {
    await client.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      updateOfAttributeColumns: [{ PUT: [{ status: "pending" }] }],
      condition: ignore(),
    });
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
    expect(attributesOf(row)).toEqual({ status: "pending" });
  });

  it("describes an index name as a missing table", async () => {
    const err = await failure(client.describeTable({ tableName: BY_BATCH_INDEX }));
    expect(err.code).toBe("OTSObjectNotExist");
  });

  it("answers a missing row with an empty row", async () => {
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "none" }] });
    expect(row).toEqual({});
  });

  it("returns only columnsToGet", async () => {
    await putRequest(client, "r1", { status: "pending", batch: "b1" });
    const { row } = await client.getRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      columnsToGet: ["status"],
    });
    expect(attributesOf(row)).toEqual({ status: "pending" });
  });

  it("updates with put, increment and delete-all in one call and returns the incremented value", async () => {
    await putRequest(client, "r1", { status: "pending", note: "x" });
    const updated = await client.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      updateOfAttributeColumns: [
        { PUT: [{ status: "running" }] },
        { INCREMENT: [{ attempts: Long.fromNumber(2) }] },
        { DELETE_ALL: ["note"] },
      ],
      condition: new Condition(EXPECT_EXIST, null),
      returnContent: { returnType: TableStore.ReturnType.AfterModify, returnColumns: ["attempts"] },
    });
    expect(attributesOf(updated.row)).toEqual({ attempts: 2 });
    await client.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      updateOfAttributeColumns: [{ INCREMENT: [{ attempts: Long.fromNumber(3) }] }],
      condition: ignore(),
    });
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
    expect(attributesOf(row)).toEqual({ status: "running", attempts: 5 });
  });

  it("deletes a row", async () => {
    await putRequest(client, "r1", { status: "pending" });
    await client.deleteRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      condition: new Condition(EXPECT_EXIST, null),
    });
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
    expect(row).toEqual({});
  });

  it.each([
    [
      "a primary key of the wrong type",
      () => client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: Long.fromNumber(1) }] }),
    ],
    [
      "a wrong primary key name",
      () => client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ id: "r1" }] }),
    ],
    [
      "a predefined column written with the wrong type",
      () =>
        client.putRow({
          tableName: REQUESTS_TABLE,
          primaryKey: [{ request_id: "r1" }],
          attributeColumns: [{ status: 1.5 }],
          condition: ignore(),
        }),
    ],
    [
      "a write to an index table",
      () =>
        client.putRow({
          tableName: BY_BATCH_INDEX,
          primaryKey: [{ batch_id: "b" }, { created_at: Long.fromNumber(1) }, { request_id: "r" }],
          attributeColumns: [],
          condition: ignore(),
        }),
    ],
  ])("answers %s with OTSParameterInvalid (400)", async (_name, call) => {
    const err = await failure(call());
    expect([err.code, err.httpStatus]).toEqual(["OTSParameterInvalid", 400]);
  });

  it("answers a row operation on a missing table with OTSObjectNotExist (404)", async () => {
    const err = await failure(client.getRow({ tableName: "nope", primaryKey: [{ request_id: "r1" }] }));
    expect([err.code, err.httpStatus]).toEqual(["OTSObjectNotExist", 404]);
  });
});

describe("conditions", () => {
  const status = (value: string, comparator: TableStore.Comparator, passIfMissing = false) =>
    new SingleColumnCondition("status", value, comparator, passIfMissing);
  const composite = (operator: TableStore.Logical, ...children: TableStore.ColumnCondition[]) => {
    const c = new CompositeCondition(operator);
    for (const child of children) c.addSubCondition(child);
    return c;
  };
  const cases: [string, boolean, () => TableStore.Condition, "ok" | "OTSConditionCheckFail"][] = [
    ["EXPECT_NOT_EXIST, row missing", false, () => new Condition(EXPECT_NOT_EXIST, null), "ok"],
    [
      "EXPECT_NOT_EXIST, row present",
      true,
      () => new Condition(EXPECT_NOT_EXIST, null),
      "OTSConditionCheckFail",
    ],
    ["EXPECT_EXIST, row missing", false, () => new Condition(EXPECT_EXIST, null), "OTSConditionCheckFail"],
    ["EXPECT_EXIST, row present", true, () => new Condition(EXPECT_EXIST, null), "ok"],
    ["IGNORE, row missing", false, () => new Condition(IGNORE, null), "ok"],
    [
      "status EQUAL running (it is)",
      true,
      () => new Condition(EXPECT_EXIST, status("running", ComparatorType.EQUAL)),
      "ok",
    ],
    [
      "status EQUAL pending (it is not)",
      true,
      () => new Condition(EXPECT_EXIST, status("pending", ComparatorType.EQUAL)),
      "OTSConditionCheckFail",
    ],
    [
      "status NOT_EQUAL pending",
      true,
      () => new Condition(IGNORE, status("pending", ComparatorType.NOT_EQUAL)),
      "ok",
    ],
    [
      "attempts GREATER_THAN 1 (it is 2)",
      true,
      () =>
        new Condition(
          IGNORE,
          new SingleColumnCondition("attempts", Long.fromNumber(1), ComparatorType.GREATER_THAN, false),
        ),
      "ok",
    ],
    [
      "attempts LESS_THAN 2 (it is 2)",
      true,
      () =>
        new Condition(
          IGNORE,
          new SingleColumnCondition("attempts", Long.fromNumber(2), ComparatorType.LESS_THAN, false),
        ),
      "OTSConditionCheckFail",
    ],
    [
      "missing column, passIfMissing true",
      true,
      () => new Condition(IGNORE, new SingleColumnCondition("absent", "x", ComparatorType.EQUAL, true)),
      "ok",
    ],
    [
      "missing column, passIfMissing false",
      true,
      () => new Condition(IGNORE, new SingleColumnCondition("absent", "x", ComparatorType.EQUAL, false)),
      "OTSConditionCheckFail",
    ],
    [
      "missing row, passIfMissing false",
      false,
      () => new Condition(IGNORE, status("running", ComparatorType.EQUAL, false)),
      "OTSConditionCheckFail",
    ],
    [
      "value of another type never matches",
      true,
      () => new Condition(IGNORE, new SingleColumnCondition("attempts", "2", ComparatorType.EQUAL, false)),
      "OTSConditionCheckFail",
    ],
    [
      "AND, both hold",
      true,
      () =>
        new Condition(
          IGNORE,
          composite(
            LogicalOperator.AND,
            status("running", ComparatorType.EQUAL),
            new SingleColumnCondition("attempts", Long.fromNumber(2), ComparatorType.EQUAL, false),
          ),
        ),
      "ok",
    ],
    [
      "AND, one fails",
      true,
      () =>
        new Condition(
          IGNORE,
          composite(
            LogicalOperator.AND,
            status("running", ComparatorType.EQUAL),
            status("x", ComparatorType.EQUAL),
          ),
        ),
      "OTSConditionCheckFail",
    ],
    [
      "OR, one holds",
      true,
      () =>
        new Condition(
          IGNORE,
          composite(
            LogicalOperator.OR,
            status("pending", ComparatorType.EQUAL),
            status("running", ComparatorType.EQUAL),
          ),
        ),
      "ok",
    ],
    [
      "NOT of a failing condition",
      true,
      () => new Condition(IGNORE, composite(LogicalOperator.NOT, status("pending", ComparatorType.EQUAL))),
      "ok",
    ],
  ];

  it.each(cases)("%s (row exists: %s) -> %s", async (_name, rowExists, condition, expected) => {
    if (rowExists) await putRequest(client, "c1", { status: "running", attempts: Long.fromNumber(2) });
    const update = client.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "c1" }],
      updateOfAttributeColumns: [{ PUT: [{ touched: true }] }],
      condition: condition(),
    });
    const { row } = await (async () => {
      if (expected === "ok") {
        await update;
      } else {
        const err = await failure(update);
        expect([err.code, err.httpStatus, err.message]).toEqual([expected, 403, "Condition check failed."]);
      }
      return client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "c1" }] });
    })();
    // The write happened exactly when the condition held.
    expect(attributesOf(row).touched).toBe(expected === "ok" ? true : undefined);
  });

  it("checks conditions on PutRow and DeleteRow too", async () => {
    await putRequest(client, "c1", { status: "running" });
    const put = await failure(
      client.putRow({
        tableName: REQUESTS_TABLE,
        primaryKey: [{ request_id: "c1" }],
        attributeColumns: [],
        condition: expectNotExist(),
      }),
    );
    expect(put.code).toBe("OTSConditionCheckFail");
    const del = await failure(
      client.deleteRow({
        tableName: REQUESTS_TABLE,
        primaryKey: [{ request_id: "c1" }],
        condition: new Condition(EXPECT_EXIST, status("pending", ComparatorType.EQUAL)),
      }),
    );
    expect(del.code).toBe("OTSConditionCheckFail");
    const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "c1" }] });
    expect(attributesOf(row)).toEqual({ status: "running" });
  });
});

describe("GetRange", () => {
  const all = (direction: "FORWARD" | "BACKWARD") => ({
    tableName: REQUESTS_TABLE,
    direction,
    inclusiveStartPrimaryKey: [
      { request_id: direction === "FORWARD" ? TableStore.INF_MIN : TableStore.INF_MAX },
    ],
    exclusiveEndPrimaryKey: [
      { request_id: direction === "FORWARD" ? TableStore.INF_MAX : TableStore.INF_MIN },
    ],
  });

  beforeEach(async () => {
    for (const [i, id] of ["a", "b", "c", "d", "e"].entries()) {
      await putRequest(client, id, {
        batch: i < 3 ? "b1" : "b2",
        createdAt: 100 + i,
        status: i % 2 ? "running" : "pending",
      });
    }
  });

  it.each([
    ["FORWARD", ["a", "b", "c", "d", "e"]],
    ["BACKWARD", ["e", "d", "c", "b", "a"]],
  ] as const)("reads %s in key order", async (direction, ids) => {
    const result = await client.getRange(all(direction));
    expect(result.rows.map((r) => keyOf(r)[0])).toEqual(ids);
    expect(result.nextStartPrimaryKey).toBeNull();
  });

  it("reads a bounded range: inclusive start, exclusive end", async () => {
    const result = await client.getRange({
      tableName: REQUESTS_TABLE,
      direction: "FORWARD",
      inclusiveStartPrimaryKey: [{ request_id: "b" }],
      exclusiveEndPrimaryKey: [{ request_id: "d" }],
    });
    expect(result.rows.map((r) => keyOf(r)[0])).toEqual(["b", "c"]);
  });

  it("pages with limit and nextStartPrimaryKey", async () => {
    const seen: unknown[] = [];
    let start: TableStore.PrimaryKeyInput = [{ request_id: TableStore.INF_MAX }];
    let pages = 0;
    for (;;) {
      const page = await client.getRange({ ...all("BACKWARD"), inclusiveStartPrimaryKey: start, limit: 2 });
      pages++;
      seen.push(...page.rows.map((r) => keyOf(r)[0]));
      if (!page.nextStartPrimaryKey) break;
      expect(page.rows).toHaveLength(2);
      start = page.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
    }
    expect(seen).toEqual(["e", "d", "c", "b", "a"]);
    expect(pages).toBe(3);
  });

  it("applies a column filter", async () => {
    const result = await client.getRange({
      ...all("FORWARD"),
      columnFilter: new SingleColumnCondition("status", "running", ComparatorType.EQUAL, false),
    });
    expect(result.rows.map((r) => keyOf(r)[0])).toEqual(["b", "d"]);
  });

  it("orders a composite key with integers numerically, negatives and beyond 2^53 included", async () => {
    await client.createTable({
      tableMeta: {
        tableName: "events",
        primaryKey: [
          { name: "stream", type: "STRING" },
          { name: "seq", type: "INTEGER" },
        ],
      },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    for (const [stream, seq] of [
      ["s", "10"],
      ["s", "-5"],
      ["s", "1152921504606846977"],
      ["s", "3"],
      ["t", "0"],
    ]) {
      await client.putRow({
        tableName: "events",
        primaryKey: [{ stream: stream! }, { seq: Long.fromString(seq!) }],
        attributeColumns: [],
        condition: ignore(),
      });
    }
    const result = await client.getRange({
      tableName: "events",
      direction: "FORWARD",
      inclusiveStartPrimaryKey: [{ stream: "s" }, { seq: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ stream: "s" }, { seq: TableStore.INF_MAX }],
    });
    expect(result.rows.map((r) => String(r.primaryKey?.[1]?.value))).toEqual([
      "-5",
      "3",
      "10",
      "1152921504606846977",
    ]);
  });

  it("rejects a FORWARD range whose start is after its end", async () => {
    const err = await failure(
      client.getRange({
        tableName: REQUESTS_TABLE,
        direction: "FORWARD",
        inclusiveStartPrimaryKey: [{ request_id: "d" }],
        exclusiveEndPrimaryKey: [{ request_id: "b" }],
      }),
    );
    expect(err.code).toBe("OTSParameterInvalid");
  });
});

describe("global secondary index", () => {
  const batchRange = (batch: string): TableStore.GetRangeParams => ({
    tableName: BY_BATCH_INDEX,
    direction: "BACKWARD" as const,
    inclusiveStartPrimaryKey: [
      { batch_id: batch },
      { created_at: TableStore.INF_MAX },
      { request_id: TableStore.INF_MAX },
    ],
    exclusiveEndPrimaryKey: [
      { batch_id: batch },
      { created_at: TableStore.INF_MIN },
      { request_id: TableStore.INF_MIN },
    ],
  });
  const listBatch = async (batch: string) =>
    (await client.getRange(batchRange(batch))).rows.map((r) => ({ key: keyOf(r), ...attributesOf(r) }));

  it("lists a batch newest first with the index key and covered columns", async () => {
    await putRequest(client, "r1", { batch: "b1", createdAt: 10, status: "pending", extra: "not covered" });
    await putRequest(client, "r2", { batch: "b1", createdAt: 20, status: "running" });
    await putRequest(client, "r3", { batch: "b2", createdAt: 30, status: "pending" });
    expect(await listBatch("b1")).toEqual([
      { key: ["b1", 20, "r2"], status: "running" },
      { key: ["b1", 10, "r1"], status: "pending" },
    ]);
  });

  it("follows updates, moves and deletes, and leaves out rows missing an index column", async () => {
    await putRequest(client, "r1", { batch: "b1", createdAt: 10, status: "pending" });
    await putRequest(client, "r2", { batch: "b1", createdAt: 20, status: "pending" });
    await putRequest(client, "r3", { batch: "b1", status: "pending" });
    await client.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      updateOfAttributeColumns: [{ PUT: [{ status: "succeeded" }] }],
      condition: ignore(),
    });
    await client.updateRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r2" }],
      updateOfAttributeColumns: [{ PUT: [{ batch_id: "b2" }] }],
      condition: ignore(),
    });
    expect(await listBatch("b1")).toEqual([{ key: ["b1", 10, "r1"], status: "succeeded" }]);
    expect(await listBatch("b2")).toEqual([{ key: ["b2", 20, "r2"], status: "pending" }]);
    await client.deleteRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "r1" }],
      condition: ignore(),
    });
    expect(await listBatch("b1")).toEqual([]);
  });

  it("pages an index read", async () => {
    for (let i = 0; i < 5; i++)
      await putRequest(client, `r${i}`, { batch: "b1", createdAt: i, status: "pending" });
    const first = await client.getRange({ ...batchRange("b1"), limit: 3 });
    expect(first.rows.map((r) => keyOf(r)[2])).toEqual(["r4", "r3", "r2"]);
    const next = first.nextStartPrimaryKey!.map((c) => ({ [c.name]: c.value }));
    const second = await client.getRange({ ...batchRange("b1"), inclusiveStartPrimaryKey: next, limit: 3 });
    expect(second.rows.map((r) => keyOf(r)[2])).toEqual(["r1", "r0"]);
    expect(second.nextStartPrimaryKey).toBeNull();
  });
});

describe("batch operations", () => {
  it("BatchGetRow returns each row, empty for a missing one", async () => {
    await putRequest(client, "r1", { status: "pending" });
    const result = await client.batchGetRow({
      tables: [{ tableName: REQUESTS_TABLE, primaryKey: [[{ request_id: "r1" }], [{ request_id: "none" }]] }],
    });
    expect(result.tables[0]!.map((r) => [r.isOk, r.primaryKey?.[0]?.value ?? null])).toEqual([
      [true, "r1"],
      [true, null],
    ]);
  });

  it("BatchWriteRow reports per-row results and applies the rows that pass (not atomic)", async () => {
    await putRequest(client, "existing", { status: "running" });
    await putRequest(client, "other", { status: "running" });
    const result = await client.batchWriteRow({
      tables: [
        {
          tableName: REQUESTS_TABLE,
          rows: [
            {
              type: "PUT",
              primaryKey: [{ request_id: "new1" }],
              attributeColumns: [{ status: "pending" }],
              condition: expectNotExist(),
            },
            {
              type: "PUT",
              primaryKey: [{ request_id: "existing" }],
              attributeColumns: [{ status: "pending" }],
              condition: expectNotExist(),
            },
            {
              type: "UPDATE",
              primaryKey: [{ request_id: "other" }],
              attributeColumns: [{ PUT: [{ note: "updated" }] }],
              condition: new Condition(EXPECT_EXIST, null),
            },
            {
              type: "DELETE",
              primaryKey: [{ request_id: "ghost" }],
              condition: new Condition(EXPECT_EXIST, null),
            },
          ],
        },
      ],
    });
    expect(result.tables.map((r) => [r.isOk, r.errorCode])).toEqual([
      [true, null],
      [false, "OTSConditionCheckFail"],
      [true, null],
      [false, "OTSConditionCheckFail"],
    ]);
    const got = await client.batchGetRow({
      tables: [
        {
          tableName: REQUESTS_TABLE,
          primaryKey: [[{ request_id: "new1" }], [{ request_id: "existing" }], [{ request_id: "other" }]],
        },
      ],
    });
    expect(
      got.tables[0]!.map((r) =>
        Object.fromEntries((r.attributes ?? []).map((a) => [a.columnName, a.columnValue])),
      ),
    ).toEqual([{ status: "pending" }, { status: "running" }, { status: "running", note: "updated" }]);
  });
});

describe("authentication", () => {
  it("answers a wrong secret with OTSAuthFailed (403)", async () => {
    const err = await failure(adapterClient(emulator, "wrong-secret").listTable({}));
    expect([err.code, err.httpStatus]).toEqual(["OTSAuthFailed", 403]);
  });

  it.each([
    [
      "an unknown access key",
      { accessKeyId: "LTAIUNKNOWN", accessKeySecret: "x" },
      LOCAL_TABLESTORE_INSTANCE,
    ],
    [
      "an STS token nobody issued",
      { accessKeyId: "STS.x", accessKeySecret: "y", securityToken: "t" },
      LOCAL_TABLESTORE_INSTANCE,
    ],
    ["another instance name", undefined, "other"],
  ])("answers %s with OTSAuthFailed", async (_name, credentials, instanceName) => {
    const base = adapterClient(emulator).config;
    const other = createTablestoreClient({
      endpoint: emulator.url,
      instanceName,
      credentials: credentials ?? { accessKeyId: base.accessKeyId, accessKeySecret: base.secretAccessKey! },
      retry: { maxRetries: 0 },
    });
    expect((await failure(other.listTable({}))).code).toBe("OTSAuthFailed");
  });

  it("accepts an STS key of the shared RAM model with its token", async () => {
    const ram = createLocalRam();
    const roleArn = `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/image-pipeline-api`;
    ram.setRolePolicies(roleArn, [
      { Version: "1", Statement: [{ Effect: "Allow", Action: "ots:ListTable", Resource: "*" }] },
    ]);
    const session = ram.issueServiceSession("fc.aliyuncs.com", roleArn, 60, "test");
    const sts = await start({ port: 0, ram });
    try {
      const temporary = createTablestoreClient({
        endpoint: sts.url,
        instanceName: LOCAL_TABLESTORE_INSTANCE,
        credentials: {
          accessKeyId: session.accessKeyId,
          accessKeySecret: session.accessKeySecret,
          securityToken: session.securityToken,
        },
      });
      expect((await temporary.listTable({})).tableNames).toEqual([]);
    } finally {
      await sts.close();
    }
  });
});

describe("control and fault injection", () => {
  it("answers OTSServerBusy (503) at rate 1 and counts the calls", async () => {
    emulator.control.setFaults({ serverBusyRate: 1 });
    const before = emulator.control.calls().GetRow;
    const err = await failure(
      client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] }),
    );
    expect([err.code, err.httpStatus, err.retryable]).toEqual(["OTSServerBusy", 503, true]);
    // The helper's client retries twice.
    expect(emulator.control.calls().GetRow - before).toBe(3);
  });

  it.each([
    [{ serverBusyRate: -0.1 }],
    [{ serverBusyRate: 2 }],
    [{ serverBusyRate: Number.NaN }],
    [{ other: 1 }],
  ])("refuses invalid fault settings %j", (partial) => {
    expect(() => emulator.control.setFaults(partial as Partial<{ serverBusyRate: number }>)).toThrow(
      RangeError,
    );
    expect(emulator.control.getFaults()).toEqual({ serverBusyRate: 0 });
  });

  it("takes --server-busy-rate from the command line", async () => {
    const flagged = await start({ port: 0, args: ["--server-busy-rate", "0.5"] });
    await flagged.close();
    expect(flagged.control.getFaults()).toEqual({ serverBusyRate: 0.5 });
    await expect(start({ port: 0, args: ["--server-busy-rate", "7"] })).rejects.toThrow(RangeError);
  });

  it("reset drops every table", async () => {
    emulator.control.reset();
    expect((await client.listTable({})).tableNames).toEqual([]);
  });
});
