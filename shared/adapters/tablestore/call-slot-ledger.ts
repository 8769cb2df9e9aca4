/**
 * The CallSlotLedger port (shared/app/ports.ts) over Tablestore: one row per target account and
 * window in a table of its own, `slot` = `<accountId>/<window>`, whose INTEGER column `taken` is an
 * atomic counter. A take is one UpdateRow that INCREMENTs `taken` and asks for the value after it
 * (ReturnType AfterModify): one round trip, no read-modify-write, so concurrent instances never
 * conflict or retry against each other, and the service's row atomicity hands every ticket out once.
 *
 * Rows are written only, never read or deleted: the table's time to live (one day, the least
 * Tablestore allows) removes them. A write whose outcome is unknown (timeout, 5xx, lost
 * connection) is taken again: if the first one had in fact applied, its tickets are only wasted,
 * which slows the account down for a moment and never lets a call past the limit.
 */
import TableStore from "tablestore";
import type { CallSlotLedger } from "../../app/ports";
import { toTablestoreError } from "./errors";

/** The table's key column and its counter column. */
export const CALL_SLOTS_KEY = "slot";
export const CALL_SLOTS_COUNTER = "taken";

/** The least time to live Tablestore accepts, in seconds (one day); a window is spent in one second. */
const CALL_SLOTS_TTL_SECONDS = 86_400;

/** The CreateTable request for the call-slots table: no indexes, so a time to live is allowed. */
export function callSlotsTableDefinition(table: string): TableStore.CreateTableParams {
  return {
    tableMeta: { tableName: table, primaryKey: [{ name: CALL_SLOTS_KEY, type: "STRING" }] },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: CALL_SLOTS_TTL_SECONDS, maxVersions: 1 },
  };
}

export interface TablestoreCallSlotLedgerOptions {
  client: TableStore.Client;
  table: string;
  /** Takes after the first when the outcome of one is unknown; default 2. */
  retries?: number;
}

export class TablestoreCallSlotLedger implements CallSlotLedger {
  private readonly retries: number;

  constructor(private readonly options: TablestoreCallSlotLedgerOptions) {
    this.retries = options.retries ?? 2;
  }

  async take(accountId: string, window: number, count: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.increment(accountId, window, count);
      } catch (err) {
        const error = toTablestoreError(err);
        if (attempt >= this.retries || !error.retryable) throw error;
      }
    }
  }

  private async increment(accountId: string, window: number, count: number): Promise<number> {
    const result = await this.options.client.updateRow({
      tableName: this.options.table,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ [CALL_SLOTS_KEY]: `${accountId}/${window}` }],
      updateOfAttributeColumns: [
        { INCREMENT: [{ [CALL_SLOTS_COUNTER]: TableStore.Long.fromNumber(count) }] },
      ],
      returnContent: { returnType: TableStore.ReturnType.AfterModify, returnColumns: [CALL_SLOTS_COUNTER] },
    });
    const cell = result.row.attributes?.find((c) => c.columnName === CALL_SLOTS_COUNTER);
    const value = cell?.columnValue;
    const total =
      typeof value === "object" && value !== null && "toNumber" in value ? value.toNumber() : value;
    if (typeof total !== "number" || !Number.isSafeInteger(total) || total < count) {
      throw new Error(
        `UpdateRow on ${this.options.table} returned no usable ${CALL_SLOTS_COUNTER}: ${String(value)}`,
      );
    }
    return total;
  }
}
