/**
 * BatchWriteRow's per-row failures. The emulator fails whole requests only (OTSServerBusy), so a
 * scripted stand-in for the client answers per-row results here; everything else about the store
 * is tested through the real SDK in record-store.test.ts.
 */
import type TableStore from "tablestore";
import { describe, expect, it } from "vitest";
import { recordColumns } from "../../../shared/adapters/tablestore/record-codec";
import { TablestoreRecordStore } from "../../../shared/adapters/tablestore/record-store";
import type { PipelineRecord } from "../../../shared/domain/record";
import { makeRecord } from "../../support/record-store-contract";

type RowOutcome = "ok" | string;

/** Answers each BatchWriteRow call from `rounds` (one outcome per row sent), and GetRow from `stored`. */
function scriptedClient(rounds: RowOutcome[][], stored: PipelineRecord[] = []) {
  const sent: string[][] = [];
  const client = {
    async batchWriteRow(params: TableStore.BatchWriteRowParams): Promise<TableStore.BatchWriteRowResult> {
      const rows = params.tables[0]?.rows ?? [];
      sent.push(rows.map((row) => String(row.primaryKey[0]?.id)));
      const outcomes = rounds[sent.length - 1] ?? [];
      return {
        RequestId: `req-${sent.length}`,
        tables: rows.map((_, i) => {
          const outcome = outcomes[i] ?? "ok";
          return {
            isOk: outcome === "ok",
            errorCode: outcome === "ok" ? null : outcome,
            errorMessage: outcome === "ok" ? null : `${outcome} for row ${i}`,
            tableName: "records",
            primaryKey: null,
            attributes: null,
          };
        }),
      };
    },
    async getRow(params: TableStore.GetRowParams): Promise<TableStore.RowResult> {
      const id = params.primaryKey[0]?.id;
      const record = stored.find((r) => r.id === id);
      return {
        RequestId: "get",
        consumed: { capacityUnit: {} },
        row: record
          ? {
              primaryKey: [{ name: "id", value: record.id }],
              attributes: recordColumns(record).map((cell) => {
                const [columnName, columnValue] = Object.entries(cell)[0]!;
                return { columnName, columnValue: columnValue!, timestamp: null };
              }),
            }
          : {},
      };
    },
  };
  const store = new TablestoreRecordStore({
    client: client as unknown as TableStore.Client,
    table: "records",
    rowRetryBaseDelayMs: 0,
  });
  return { store, sent };
}

describe("createMany per-row results", () => {
  it("sends again only the rows that failed with a retryable error", async () => {
    const records = [makeRecord(0), makeRecord(1), makeRecord(2)];
    const { store, sent } = scriptedClient([["ok", "OTSServerBusy", "ok"], ["ok"]]);
    await store.createMany(records);
    expect(sent).toEqual([records.map((r) => r.id), [records[1]!.id]]);
  });

  it("gives up after three retry rounds and names the failure", async () => {
    const records = [makeRecord(0), makeRecord(1)];
    const busy = ["ok", "OTSPartitionUnavailable"];
    const { store, sent } = scriptedClient([
      busy,
      ["OTSPartitionUnavailable"],
      ["OTSPartitionUnavailable"],
      ["OTSPartitionUnavailable"],
    ]);
    await expect(store.createMany(records)).rejects.toMatchObject({
      code: "OTSPartitionUnavailable",
      message: expect.stringContaining("1 of 2 rows were not written"),
    });
    expect(sent).toHaveLength(4);
  });

  it("throws at once for a row that already exists", async () => {
    const records = [makeRecord(0), makeRecord(1)];
    const { store, sent } = scriptedClient([["OTSConditionCheckFail", "OTSServerBusy"]]);
    await expect(store.createMany(records)).rejects.toMatchObject({ code: "OTSConditionCheckFail" });
    expect(sent).toHaveLength(1);
  });

  it("accepts a row found on a retry when it is the one an earlier, unclear round wrote", async () => {
    const mine = makeRecord(0);
    const { store, sent } = scriptedClient([["OTSTimeout"], ["OTSConditionCheckFail"]], [mine]);
    await store.createMany([mine]);
    expect(sent).toHaveLength(2);
  });

  it("refuses a row found on a retry that someone else wrote", async () => {
    const mine = makeRecord(0);
    const { store } = scriptedClient(
      [["OTSTimeout"], ["OTSConditionCheckFail"]],
      [{ ...mine, clientToken: "other" }],
    );
    await expect(store.createMany([mine])).rejects.toMatchObject({ code: "OTSConditionCheckFail" });
  });

  it("splits 450 records into chunks of 200", async () => {
    const records = Array.from({ length: 450 }, (_, i) => makeRecord(i));
    const { store, sent } = scriptedClient([]);
    await store.createMany(records);
    expect(sent.map((ids) => ids.length)).toEqual([200, 200, 50]);
    expect(sent.flat()).toEqual(records.map((r) => r.id));
  });
});
