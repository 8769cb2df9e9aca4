/**
 * The records table: its key, predefined columns and global secondary indexes, in one place so the
 * store (./record-store) and provisioning (../provision) cannot disagree. The design and its
 * consistency rules are explained in ./records-table.md.
 *
 * - Primary key `id` (STRING). A record's row has its ULID as `id`; an idempotency entry's row has
 *   `idem:<sha256 of the scope>`, a batch header's `batch:<batch id>`. ULIDs start with 0-7 and
 *   the others with a lower-case letter, so none collide and a range over the ULID key space
 *   never meets an entry or a header.
 * - Times are `Date#toISOString()` strings (fixed width, UTC), whose text order is time order,
 *   so they serve as index keys without a second, numeric copy.
 * - The indexes hold keys only (plus `status` where a list filters on it); list reads fetch the
 *   rows themselves from the base table, which is strongly consistent.
 * - Indexes are sparse: a row without an index's key column is not in it. Idempotency rows use
 *   their own column names, and so do batch headers, so no index ever lists them; records without
 *   a batch are not in `by_batch`.
 */
import TableStore from "tablestore";

export const PRIMARY_KEY = "id";

/** Record ids are ULIDs (shared/domain/record-id): Crockford base32, 26 characters, first character 0-7. */
export { RECORD_ID_PATTERN } from "../../domain/record-id";
/** Range bounds that enclose every ULID and nothing else in the table. */
export const RECORD_KEY_LOW = "0";
export const RECORD_KEY_HIGH = "8";

export const IDEMPOTENCY_KEY_PREFIX = "idem:";
/** A batch header's row: `batch:` + the batch id; above the ULID key space, below `idem:`. */
export const BATCH_KEY_PREFIX = "batch:";

export const INDEXES = {
  /** The caller's records, newest first: read BACKWARD. */
  bySubmitter: { suffix: "by_submitter", key: ["submittedBy", "createdAt"], covered: ["status"] },
  /**
   * The caller's records in one status, newest first: `GET /v1/pipelines?status=`. The fifth
   * global index, Tablestore's most per table (records-table.md, "Filters").
   */
  bySubmitterStatus: {
    suffix: "by_submitter_status",
    key: ["submittedBy", "status", "createdAt"],
    covered: [],
  },
  /** A batch's records in id (submission) order: read FORWARD. */
  byBatch: { suffix: "by_batch", key: ["batchId"], covered: ["status"] },
  /** What the reconciler sweeps: oldest `updatedAt` first within a status. */
  byStatus: { suffix: "by_status", key: ["status", "updatedAt"], covered: [] },
  /** The outbox: terminal records whose completion event is still owed, oldest debt first. */
  byEventOwed: { suffix: "by_event_owed", key: ["eventOwedAt"], covered: [] },
} as const;

export type IndexName = keyof typeof INDEXES;

/** Index table names are `<table>_<suffix>`: the same instance-wide namespace as tables. */
export function indexTableName(table: string, index: IndexName): string {
  return `${table}_${INDEXES[index].suffix}`;
}

const DEFINED_COLUMNS = [
  "submittedBy",
  "createdAt",
  "batchId",
  "status",
  "updatedAt",
  "eventOwedAt",
] as const;

/** The CreateTable request for the records table with its indexes. */
export function recordsTableDefinition(table: string): TableStore.CreateTableParams {
  return {
    tableMeta: {
      tableName: table,
      primaryKey: [{ name: PRIMARY_KEY, type: "STRING" }],
      definedColumn: DEFINED_COLUMNS.map((name) => ({
        name,
        type: TableStore.DefinedColumnType.DCT_STRING,
      })),
    },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    // A table with global indexes needs one version and no TTL (docs/cloud-facts.md, "Tablestore indexes and TTL");
    // records and idempotency keys are kept as long as each other (docs/http-api.md).
    tableOptions: { timeToLive: -1, maxVersions: 1 },
    indexMetas: (Object.keys(INDEXES) as IndexName[]).map((index) => ({
      name: indexTableName(table, index),
      primaryKey: [...INDEXES[index].key],
      definedColumn: [...INDEXES[index].covered],
      indexType: TableStore.IndexType.IT_GLOBAL_INDEX,
      indexUpdateMode: TableStore.IndexUpdateMode.IUM_ASYNC_INDEX,
    })),
  };
}
