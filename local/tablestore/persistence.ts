/**
 * `--data DIR`: `DIR/tablestore.json` (every table's schema and rows) and the journal
 * `DIR/tablestore.journal` of every change since (local/journal.ts): a table created or deleted, a
 * table's schema after UpdateTable, CreateIndex or DropIndex, a row as it is after a write (or
 * gone), a reset. The emulator awaits
 * {@link TablestorePersistence.durable} before it answers, so a write that was answered survives
 * `kill -9`. Index rows are not stored: they are rebuilt from the base rows on load.
 */
import { Journal } from "../journal";
import type { IndexChangeQueue } from "./index-lag";
import {
  type IndexSchema,
  type PreparedWrite,
  type StoredRow,
  type TableSchema,
  TablestoreState,
  type TableUpdate,
  type WriteCondition,
} from "./state";
import { type CellValue, primaryKeyId } from "./values";

export type TableSnapshot = { schema: TableSchema; rows: StoredRow[] }[];

const FORMAT_VERSION = 1;

interface SnapshotDocument {
  version: number;
  tables: TableSnapshot;
}

/** One change to what `--data` keeps, as the journal records it. */
export type TablestoreChange =
  | { kind: "createTable"; schema: TableSchema }
  | { kind: "deleteTable"; name: string }
  /** UpdateTable, CreateIndex, DropIndex: the table's schema after the change (its rows stay). */
  | { kind: "schema"; schema: TableSchema }
  | { kind: "row"; table: string; primaryKey: CellValue[]; row: StoredRow | null }
  | { kind: "reset" };

function isDocument(value: unknown): value is SnapshotDocument {
  if (typeof value !== "object" || value === null) return false;
  const doc = value as Record<string, unknown>;
  return doc.version === FORMAT_VERSION && Array.isArray(doc.tables);
}

/** The state, telling the journal each change after it is made (and only when it was made). */
class JournaledState extends TablestoreState {
  record: (change: TablestoreChange) => void = () => {};

  override reset(): void {
    super.reset();
    this.record({ kind: "reset" });
  }

  override createTable(schema: TableSchema): void {
    super.createTable(schema);
    this.record({ kind: "createTable", schema });
  }

  override deleteTable(name: string): void {
    super.deleteTable(name);
    this.record({ kind: "deleteTable", name });
  }

  override updateTable(name: string, update: TableUpdate, now: number): TableSchema {
    const schema = super.updateTable(name, update, now);
    this.record({ kind: "schema", schema });
    return schema;
  }

  override createIndex(tableName: string, index: IndexSchema, includeBaseData: boolean): void {
    super.createIndex(tableName, index, includeBaseData);
    this.record({ kind: "schema", schema: this.describeTable(tableName) });
  }

  override dropIndex(tableName: string, indexName: string): void {
    super.dropIndex(tableName, indexName);
    this.record({ kind: "schema", schema: this.describeTable(tableName) });
  }

  /** Every row write goes through here: PutRow, UpdateRow, DeleteRow and each row of BatchWriteRow. */
  override applyWrite(
    prepared: PreparedWrite,
    condition: WriteCondition,
    now: number,
  ): StoredRow | undefined {
    const after = super.applyWrite(prepared, condition, now);
    this.record({
      kind: "row",
      table: prepared.table.schema.name,
      primaryKey: prepared.key,
      row: after ?? null,
    });
    return after;
  }
}

/** Applies the journal's changes to the snapshot's tables. */
function replay(tables: TableSnapshot, changes: TablestoreChange[]): TableSnapshot {
  const byName = new Map(
    tables.map(({ schema, rows }) => [
      schema.name,
      { schema, rows: new Map(rows.map((r) => [primaryKeyId(r.primaryKey), r])) },
    ]),
  );
  for (const change of changes) {
    if (change.kind === "reset") byName.clear();
    else if (change.kind === "createTable")
      byName.set(change.schema.name, { schema: change.schema, rows: new Map() });
    else if (change.kind === "deleteTable") byName.delete(change.name);
    else if (change.kind === "schema") {
      const table = byName.get(change.schema.name);
      if (!table)
        throw new Error(`tablestore journal: a schema change of ${change.schema.name}, which does not exist`);
      table.schema = change.schema;
    } else {
      const table = byName.get(change.table);
      if (!table) throw new Error(`tablestore journal: a row of table ${change.table}, which does not exist`);
      const id = primaryKeyId(change.primaryKey);
      if (change.row) table.rows.set(id, change.row);
      else table.rows.delete(id);
    }
  }
  return [...byName.values()].map(({ schema, rows }) => ({ schema, rows: [...rows.values()] }));
}

export interface TablestorePersistence {
  state: TablestoreState;
  /** Resolves once every change so far is on disk. */
  durable(): Promise<void>;
  /** Compacts the journal into the snapshot and closes it. */
  close(): Promise<void>;
}

/** Loads `dir` into a new state whose every change is journaled. */
export async function openTablestorePersistence(
  dir: string,
  indexChanges?: IndexChangeQueue,
): Promise<TablestorePersistence> {
  const state = new JournaledState(undefined, indexChanges);
  const journal = await Journal.open(
    {
      dir,
      name: "tablestore",
      snapshot: () => ({ version: FORMAT_VERSION, tables: state.snapshot() }) satisfies SnapshotDocument,
    },
    ({ snapshot, changes }) => {
      if (snapshot !== undefined && !isDocument(snapshot)) {
        throw new Error(`${dir}/tablestore.json is not a version ${FORMAT_VERSION} Tablestore snapshot`);
      }
      state.restore(replay(snapshot?.tables ?? [], changes as TablestoreChange[]));
    },
  );
  state.record = (change) => journal.append(change);
  return { state, durable: () => journal.durable(), close: () => journal.close() };
}
