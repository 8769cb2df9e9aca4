/**
 * The service's documented limits and whole-request rejections, through the official SDK
 * (local/tablestore/README.md "Limits" gives the source of each).
 */
import TableStore from "tablestore";
import { beforeEach, describe, expect, it } from "vitest";
import type { RunningTablestore } from "../../../local/tablestore/index";
import {
  createRequestsTable,
  failure,
  ignore,
  keyOf,
  putRequest,
  REQUESTS_TABLE,
  useEmulator,
} from "./helpers";

const MB = 1024 * 1024;

let emulator: RunningTablestore;
let client: TableStore.Client;

useEmulator((started, startedClient) => {
  emulator = started;
  client = startedClient;
});
beforeEach(async () => {
  emulator.control.reset();
  await createRequestsTable(client);
});

type WriteRow = TableStore.BatchWriteRowParams["tables"][number]["rows"][number];

function putRow(id: string, columns: TableStore.AttributeInput = [{ status: "pending" }]): WriteRow {
  return { type: "PUT", primaryKey: [{ request_id: id }], attributeColumns: columns, condition: ignore() };
}

function rows(count: number, prefix = "r"): WriteRow[] {
  return Array.from({ length: count }, (_, i) => putRow(`${prefix}${String(i).padStart(5, "0")}`));
}

async function exists(id: string, table = REQUESTS_TABLE): Promise<boolean> {
  const { row } = await client.getRow({ tableName: table, primaryKey: [{ request_id: id }] });
  return row.primaryKey !== undefined;
}

async function createKeyTable(name: string, primaryKey: { name: string; type: "STRING" | "BINARY" }[]) {
  await client.createTable({
    tableMeta: { tableName: name, primaryKey },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
  });
}

const invalid = (message: string | RegExp) => ({
  code: "OTSParameterInvalid",
  httpStatus: 400,
  message: typeof message === "string" ? message : expect.stringMatching(message),
});

describe("BatchWriteRow", () => {
  it("takes 200 rows and refuses 201 as a whole (Rows count exceeds the upper limit: 200)", async () => {
    await client.batchWriteRow({ tables: [{ tableName: REQUESTS_TABLE, rows: rows(200) }] });
    expect(await exists("r00199")).toBe(true);

    const err = await failure(
      client.batchWriteRow({ tables: [{ tableName: REQUESTS_TABLE, rows: rows(201, "s") }] }),
    );
    expect(err).toMatchObject(invalid("Rows count exceeds the upper limit: 200."));
    expect(await exists("s00000")).toBe(false);
  });

  it("refuses more than 4 MB of data as a whole", async () => {
    const big = "x".repeat(1.5 * MB);
    const err = await failure(
      client.batchWriteRow({
        tables: [
          {
            tableName: REQUESTS_TABLE,
            rows: [putRow("a", [{ body: big }]), putRow("b", [{ body: big }]), putRow("c", [{ body: big }])],
          },
        ],
      }),
    );
    expect(err).toMatchObject(
      invalid(
        /^The total data size of BatchWriteRow request exceeds the limit, limit size: 4194304, data size: \d+\.$/,
      ),
    );
    expect(await exists("a")).toBe(false);
    // Two of them (3 MB) pass.
    await client.batchWriteRow({
      tables: [
        { tableName: REQUESTS_TABLE, rows: [putRow("a", [{ body: big }]), putRow("b", [{ body: big }])] },
      ],
    });
    expect(await exists("b")).toBe(true);
  });

  it("refuses the same primary key twice as a whole, whatever the conditions", async () => {
    const err = await failure(
      client.batchWriteRow({
        tables: [{ tableName: REQUESTS_TABLE, rows: [putRow("a"), putRow("b"), putRow("a")] }],
      }),
    );
    expect(err).toMatchObject(invalid("Duplicate rows detected in MultiPut."));
    const conditional = await failure(
      client.batchWriteRow({
        tables: [
          {
            tableName: REQUESTS_TABLE,
            rows: [
              putRow("a"),
              {
                type: "DELETE",
                primaryKey: [{ request_id: "a" }],
                condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
              },
            ],
          },
        ],
      }),
    );
    expect(conditional).toMatchObject(
      invalid("Repeated rows do not support row exist expectation check in BatchModify."),
    );
    expect(await exists("a")).toBe(false);
    expect(await exists("b")).toBe(false);
  });

  it("refuses the same table listed twice as a whole", async () => {
    const err = await failure(
      client.batchWriteRow({
        tables: [
          { tableName: REQUESTS_TABLE, rows: [putRow("a")] },
          { tableName: REQUESTS_TABLE, rows: [putRow("b")] },
        ],
      }),
    );
    expect(err).toMatchObject(invalid(`Duplicated table name: '${REQUESTS_TABLE}'.`));
    expect(await exists("a")).toBe(false);
  });

  it("refuses a missing table as a whole with OTSObjectNotExist, writing nothing", async () => {
    const err = await failure(
      client.batchWriteRow({
        tables: [
          { tableName: REQUESTS_TABLE, rows: [putRow("a")] },
          { tableName: "missing_table", rows: [putRow("b")] },
        ],
      }),
    );
    expect(err).toMatchObject({ code: "OTSObjectNotExist", httpStatus: 404 });
    expect(await exists("a")).toBe(false);
  });

  it("refuses a row whose key does not fit the schema as a whole, writing nothing", async () => {
    const err = await failure(
      client.batchWriteRow({
        tables: [
          {
            tableName: REQUESTS_TABLE,
            rows: [
              putRow("a"),
              {
                type: "PUT",
                primaryKey: [{ wrong: "b" }],
                attributeColumns: [{ s: "x" }],
                condition: ignore(),
              },
            ],
          },
        ],
      }),
    );
    expect(err.code).toBe("OTSParameterInvalid");
    expect(await exists("a")).toBe(false);
  });

  it("refuses more than 1024 columns in one row, naming the row", async () => {
    const columns = Array.from({ length: 1025 }, (_, i) => ({ [`c${i}`]: "v" }));
    const err = await failure(
      client.batchWriteRow({
        tables: [{ tableName: REQUESTS_TABLE, rows: [putRow("a"), putRow("b", columns)] }],
      }),
    );
    expect(err).toMatchObject(
      invalid(
        `The number of columns from the request exceeded the limit of putting row #1 in table: '${REQUESTS_TABLE}'.`,
      ),
    );
  });
});

describe("BatchGetRow", () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => [{ request_id: `r${i}` }]);

  it("takes 100 rows and refuses 101", async () => {
    const ok = await client.batchGetRow({ tables: [{ tableName: REQUESTS_TABLE, primaryKey: keys(100) }] });
    expect(ok.tables[0]).toHaveLength(100);
    const err = await failure(
      client.batchGetRow({ tables: [{ tableName: REQUESTS_TABLE, primaryKey: keys(101) }] }),
    );
    expect(err).toMatchObject(invalid("Rows count exceeds the upper limit: 100."));
  });

  it("refuses a missing table, a table listed twice and a key asked twice, as a whole", async () => {
    await putRequest(client, "r0", { status: "pending" });
    const missing = await failure(
      client.batchGetRow({
        tables: [
          { tableName: REQUESTS_TABLE, primaryKey: keys(1) },
          { tableName: "missing_table", primaryKey: keys(1) },
        ],
      }),
    );
    expect(missing).toMatchObject({ code: "OTSObjectNotExist", httpStatus: 404 });
    const twice = await failure(
      client.batchGetRow({
        tables: [
          { tableName: REQUESTS_TABLE, primaryKey: keys(1) },
          { tableName: REQUESTS_TABLE, primaryKey: keys(1) },
        ],
      }),
    );
    expect(twice).toMatchObject(invalid(`Duplicated table name: '${REQUESTS_TABLE}'.`));
    const sameKey = await failure(
      client.batchGetRow({ tables: [{ tableName: REQUESTS_TABLE, primaryKey: [...keys(1), ...keys(1)] }] }),
    );
    expect(sameKey).toMatchObject(invalid("Duplicate rows detected in MultiGet."));
  });

  it("refuses more than 128 columns to get", async () => {
    const columnsToGet = Array.from({ length: 129 }, (_, i) => `c${i}`);
    const err = await failure(
      client.batchGetRow({ tables: [{ tableName: REQUESTS_TABLE, primaryKey: keys(1), columnsToGet }] }),
    );
    expect(err).toMatchObject(
      invalid(
        `The number of columns from the request exceeded the limit of getting row in table '${REQUESTS_TABLE}'.`,
      ),
    );
  });
});

/** A next_start_primary_key as the key of the next call. */
function asKey(next: TableStore.PrimaryKeyColumn[] | null | undefined): TableStore.PrimaryKeyInput {
  if (!next) throw new Error("expected a next_start_primary_key");
  return next.map((c) => ({ [c.name]: c.value }));
}

describe("GetRange", () => {
  const whole: TableStore.GetRangeParams = {
    tableName: REQUESTS_TABLE,
    direction: "FORWARD",
    inclusiveStartPrimaryKey: [{ request_id: TableStore.INF_MIN }],
    exclusiveEndPrimaryKey: [{ request_id: TableStore.INF_MAX }],
  };

  it("returns at most 5000 rows per call with next_start_primary_key, whatever the limit", async () => {
    for (let batch = 0; batch < 26; batch++) {
      const chunk = rows(5001).slice(batch * 200, batch * 200 + 200);
      if (chunk.length > 0)
        await client.batchWriteRow({ tables: [{ tableName: REQUESTS_TABLE, rows: chunk }] });
    }
    const first = await client.getRange({ ...whole, limit: 10_000 });
    expect(first.rows).toHaveLength(5000);
    expect(first.nextStartPrimaryKey?.map((c) => c.value)).toEqual(["r05000"]);
    const second = await client.getRange({
      ...whole,
      inclusiveStartPrimaryKey: asKey(first.nextStartPrimaryKey),
    });
    expect(second.rows.map(keyOf)).toEqual([["r05000"]]);
    expect(second.nextStartPrimaryKey).toBeFalsy();
  });

  it("returns at most 4 MB per call, cut at a row, with next_start_primary_key", async () => {
    const big = "x".repeat(1.9 * MB);
    for (const id of ["a", "b", "c"]) {
      await client.putRow({
        tableName: REQUESTS_TABLE,
        primaryKey: [{ request_id: id }],
        attributeColumns: [{ body: big }],
        condition: ignore(),
      });
    }
    const first = await client.getRange(whole);
    expect(first.rows.map(keyOf)).toEqual([["a"], ["b"]]);
    expect(first.nextStartPrimaryKey?.map((c) => c.value)).toEqual(["c"]);
    const second = await client.getRange({
      ...whole,
      inclusiveStartPrimaryKey: asKey(first.nextStartPrimaryKey),
    });
    expect(second.rows.map(keyOf)).toEqual([["c"]]);
  });

  it("refuses a limit below 1 and more than 128 columns to get", async () => {
    expect(await failure(client.getRange({ ...whole, limit: -1 }))).toMatchObject(
      invalid("The limit must be greater than 0."),
    );
    const columnsToGet = Array.from({ length: 129 }, (_, i) => `c${i}`);
    expect(await failure(client.getRange({ ...whole, columnsToGet }))).toMatchObject(
      invalid("The number of columns from the request exceeded the limit."),
    );
  });
});

describe("primary keys", () => {
  it("takes 1 to 4 key columns at CreateTable", async () => {
    const five = ["a", "b", "c", "d", "e"].map((name) => ({ name, type: "STRING" as const }));
    expect(await failure(createKeyTable("five_keys", five))).toMatchObject(
      invalid("The number of primary key columns must be in range: [1, 4]."),
    );
    await createKeyTable("four_keys", five.slice(0, 4));
  });

  it("takes string and binary key values up to 1 KB", async () => {
    await createKeyTable("binary_keys", [{ name: "k", type: "BINARY" }]);
    await client.putRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "k".repeat(1024) }],
      attributeColumns: [],
      condition: ignore(),
    });
    await client.putRow({
      tableName: "binary_keys",
      primaryKey: [{ k: Buffer.alloc(1024) }],
      attributeColumns: [],
      condition: ignore(),
    });

    const longString = await failure(
      client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "k".repeat(1025) }] }),
    );
    expect(longString).toMatchObject(
      invalid(
        "The length of primary key column: 'request_id' exceeded the MaxLength:1024 with CurrentLength:1025.",
      ),
    );
    const longBinary = await failure(
      client.putRow({
        tableName: "binary_keys",
        primaryKey: [{ k: Buffer.alloc(1025) }],
        attributeColumns: [],
        condition: ignore(),
      }),
    );
    expect(longBinary).toMatchObject(
      invalid("The length of primary key column: 'k' exceeded the MaxLength:1024 with CurrentLength:1025."),
    );
    // Multi-byte characters count in UTF-8 bytes: 342 × 3 bytes = 1026.
    expect(
      (
        await failure(
          client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "€".repeat(342) }] }),
        )
      ).code,
    ).toBe("OTSParameterInvalid");
  });
});

describe("attribute columns", () => {
  const put = (columns: TableStore.AttributeInput) =>
    client.putRow({
      tableName: REQUESTS_TABLE,
      primaryKey: [{ request_id: "a" }],
      attributeColumns: columns,
      condition: ignore(),
    });

  it("takes string and binary values up to 2 MB", async () => {
    await put([{ s: "x".repeat(2 * MB) }, { b: Buffer.alloc(2 * MB - 100) }]);
    expect(await failure(put([{ s: "x".repeat(2 * MB + 1) }]))).toMatchObject(
      invalid(
        "The length of attribute column: 's' exceeded the MaxLength:2097152 with CurrentLength:2097153.",
      ),
    );
    expect(await failure(put([{ b: Buffer.alloc(2 * MB + 1) }]))).toMatchObject(
      invalid(
        "The length of attribute column: 'b' exceeded the MaxLength:2097152 with CurrentLength:2097153.",
      ),
    );
  });

  it("refuses a PutRow or UpdateRow with more than 4 MB of data", async () => {
    const twoMb = "x".repeat(2 * MB);
    expect(await failure(put([{ a: twoMb }, { b: twoMb }]))).toMatchObject(
      invalid(
        /^The total data size of PutRow request exceeds the limit, limit size: 4194304, data size: \d+\.$/,
      ),
    );
    const update = await failure(
      client.updateRow({
        tableName: REQUESTS_TABLE,
        primaryKey: [{ request_id: "a" }],
        updateOfAttributeColumns: [{ PUT: [{ a: twoMb }, { b: twoMb }] }],
        condition: ignore(),
      }),
    );
    expect(update.message).toMatch(/^The total data size of UpdateRow request exceeds the limit/);
  });

  it("takes column names of 1 to 255 letters, digits and underscores, not starting with a digit", async () => {
    await put([{ [`_${"n".repeat(254)}`]: "ok" }]);
    for (const name of ["n".repeat(256), "1abc", "a-b"]) {
      expect(await failure(put([{ [name]: "x" }]))).toMatchObject(invalid(`Invalid column name: '${name}'.`));
    }
  });

  it("refuses more than 1024 columns in one write and an attribute named like a key column", async () => {
    await put(Array.from({ length: 1024 }, (_, i) => ({ [`c${i}`]: "v" })));
    expect(await failure(put(Array.from({ length: 1025 }, (_, i) => ({ [`c${i}`]: "v" }))))).toMatchObject(
      invalid("The number of columns from the request exceeded the limit."),
    );
    expect(await failure(put([{ request_id: "x" }]))).toMatchObject(
      invalid("Duplicated attribute column name with primary key column: 'request_id'."),
    );
  });
});

describe("table and index names", () => {
  const table = (name: string, extra: Partial<TableStore.CreateTableParams> = {}) =>
    client.createTable({
      tableMeta: { tableName: name, primaryKey: [{ name: "id", type: "STRING" }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
      ...extra,
    });

  it("takes 1 to 255 letters, digits and underscores, starting with a letter or underscore", async () => {
    await table("_".repeat(255));
    for (const name of ["t".repeat(256), "9table", "my-table"]) {
      expect(await failure(table(name))).toMatchObject(invalid(`Invalid table name: '${name}'.`));
    }
    expect(await failure(client.describeTable({ tableName: "bad-name" }))).toMatchObject(
      invalid("Invalid table name: 'bad-name'."),
    );
  });

  it("applies the same rules to index names, and at most 32 predefined columns", async () => {
    const indexed = (indexName: string) =>
      table("indexed", {
        tableMeta: {
          tableName: "indexed",
          primaryKey: [{ name: "id", type: "STRING" }],
          definedColumn: [{ name: "k", type: TableStore.DefinedColumnType.DCT_STRING }],
        },
        indexMetas: [{ name: indexName, primaryKey: ["k"], definedColumn: [] }],
      });
    expect(await failure(indexed("by-k"))).toMatchObject(invalid("Invalid table name: 'by-k'."));
    const many = await failure(
      table("wide", {
        tableMeta: {
          tableName: "wide",
          primaryKey: [{ name: "id", type: "STRING" }],
          definedColumn: Array.from({ length: 33 }, (_, i) => ({
            name: `c${i}`,
            type: TableStore.DefinedColumnType.DCT_STRING,
          })),
        },
      }),
    );
    expect(many).toMatchObject(invalid("The number of defined columns must be in range: [0, 32]."));
  });
});
