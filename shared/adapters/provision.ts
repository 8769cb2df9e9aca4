/**
 * Creates what the service needs if it is missing: the records table with its indexes
 * (./tablestore/table-schema), the request queue, its dead-letter queue and the events topic.
 * An existing records table is upgraded, never rebuilt: indexes the schema names and the table
 * lacks are added with CreateIndex (built over the existing rows), indexes it has and the schema
 * does not name are left alone and reported. What cannot be done without losing or
 * misreading data (another primary key, an index of the same name defined differently, a
 * predefined column a new index needs, which the Node SDK cannot add) stops the run with a
 * {@link ProvisionSchemaError} saying what to fix. Idempotent: a second run changes nothing.
 * Used by the local stack at start and by `scripts/provision.ts` against a real account.
 */
import type TableStore from "tablestore";
import { ServiceError } from "../domain/errors";
import type { MnsSdkClient } from "./mns/client";
import { mnsCall, toMnsError } from "./mns/errors";
import { callSlotsTableDefinition } from "./tablestore/call-slot-ledger";
import { toTablestoreError } from "./tablestore/errors";
import { recordsTableDefinition } from "./tablestore/table-schema";

export interface ProvisionTargets {
  tablestore: {
    client: TableStore.Client;
    table: string;
    /** The worker's shared call schedule (./tablestore/call-slot-ledger); created when named. */
    callSlotsTable?: string;
  };
  mns: {
    client: MnsSdkClient;
    queue: string;
    deadLetterQueue?: string;
    eventsTopic?: string;
    /** Attributes for queues this run creates (e.g. `{ VisibilityTimeout: 60 }`); MNS defaults otherwise. */
    queueAttributes?: Record<string, string | number | boolean>;
  };
}

export interface ProvisionedResource {
  kind: "table" | "index" | "queue" | "topic";
  name: string;
}

export interface ProvisionResult {
  created: ProvisionedResource[];
  existing: ProvisionedResource[];
  /** Indexes on the records table that the schema does not name: left as they are. */
  extra: ProvisionedResource[];
}

/** An existing table that provisioning cannot bring to the schema without losing data. */
export class ProvisionSchemaError extends ServiceError {
  override readonly name = "ProvisionSchemaError";
  declare readonly code: "ProvisionSchemaMismatch";
  constructor(message: string) {
    super("ProvisionSchemaMismatch", message, { transient: false });
  }
}

type TableDefinition = TableStore.CreateTableParams;
type IndexDefinition = TableStore.IndexMetaInput;
type DescribedTable = TableStore.DescribeTableResult;

const PRIMARY_KEY_TYPE_NUMBERS: Record<string, number> = { INTEGER: 1, STRING: 2, BINARY: 3 };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkPrimaryKey(described: DescribedTable, definition: TableDefinition): void {
  const want = definition.tableMeta.primaryKey.map(
    (c) => `${c.name}:${typeof c.type === "number" ? c.type : PRIMARY_KEY_TYPE_NUMBERS[c.type]}`,
  );
  const have = described.tableMeta.primaryKey.map((c) => `${c.name}:${c.type}`);
  if (!sameList(want, have)) {
    throw new ProvisionSchemaError(
      `table ${definition.tableMeta.tableName} has primary key [${have.join(", ")}], the service needs [${want.join(", ")}]; provisioning does not rebuild tables`,
    );
  }
}

/** The predefined columns an index needs that the table lacks (or has with another type). */
function missingDefinedColumns(
  described: DescribedTable,
  definition: TableDefinition,
  index: IndexDefinition,
): string[] {
  const keyNames = new Set(definition.tableMeta.primaryKey.map((c) => c.name));
  return [...index.primaryKey, ...index.definedColumn]
    .filter((name) => !keyNames.has(name))
    .filter((name) => {
      const wanted = definition.tableMeta.definedColumn?.find((c) => c.name === name);
      const present = described.tableMeta.definedColumn.find((c) => c.name === name);
      return !present || (wanted !== undefined && present.type !== wanted.type);
    });
}

/** An index of the same name must be the same index: key (with the base key appended) and columns. */
function checkIndexMatches(
  present: DescribedTable["indexMetas"][number],
  wanted: IndexDefinition,
  basePrimaryKey: readonly string[],
): void {
  const key = [...wanted.primaryKey, ...basePrimaryKey.filter((n) => !wanted.primaryKey.includes(n))];
  const columns = [...wanted.definedColumn].sort();
  if (!sameList(present.primaryKey, key) || !sameList([...present.definedColumn].sort(), columns)) {
    throw new ProvisionSchemaError(
      `index ${wanted.name} exists as key [${present.primaryKey.join(", ")}] columns [${present.definedColumn.join(", ")}], the service needs key [${key.join(", ")}] columns [${columns.join(", ")}]; drop it (DropIndex) and run provisioning again`,
    );
  }
}

/** Tablestore's most global secondary indexes per table (records-table.md, "Filters"). */
export const MAX_INDEXES_PER_TABLE = 5;

/** An extra index of the table's own can leave no room for ours: say so before any change. */
function checkIndexCount(
  table: string,
  present: string[],
  wanted: IndexDefinition[],
  toCreate: IndexDefinition[],
): void {
  if (present.length + toCreate.length <= MAX_INDEXES_PER_TABLE) return;
  const foreign = present.filter((name) => !wanted.some((index) => index.name === name));
  const named = foreign.length > 0 ? ` (${foreign.join(", ")} not this service's)` : "";
  throw new ProvisionSchemaError(
    `table ${table} has ${present.length} indexes${named}; adding ${toCreate.map((i) => i.name).join(", ")} would pass Tablestore's limit of ${MAX_INDEXES_PER_TABLE} per table; drop the indexes this service does not name (DropIndex) and run provisioning again`,
  );
}

/**
 * Brings an existing records table's indexes to the schema: adds the missing ones over the
 * existing rows, checks the present ones, reports the extra ones. Never drops or rewrites.
 */
async function upgradeIndexes(
  ots: TableStore.Client,
  definition: TableDefinition,
  result: ProvisionResult,
): Promise<void> {
  const table = definition.tableMeta.tableName;
  const described = await ots.describeTable({ tableName: table });
  checkPrimaryKey(described, definition);
  const basePrimaryKey = definition.tableMeta.primaryKey.map((c) => c.name);
  const present = new Map((described.indexMetas ?? []).map((m) => [m.name, m]));
  const wanted = definition.indexMetas ?? [];
  const toCreate: IndexDefinition[] = [];
  for (const index of wanted) {
    const existing = present.get(index.name);
    if (existing) {
      checkIndexMatches(existing, index, basePrimaryKey);
      result.existing.push({ kind: "index", name: index.name });
      continue;
    }
    const missing = missingDefinedColumns(described, definition, index);
    if (missing.length > 0) {
      throw new ProvisionSchemaError(
        `index ${index.name} needs predefined column(s) ${missing.join(", ")} on table ${table}, which the Node SDK cannot add; add them (console or CLI: AddDefinedColumn) and run provisioning again`,
      );
    }
    toCreate.push(index);
  }
  checkIndexCount(table, [...present.keys()], wanted, toCreate);
  // Every check passes before the first change, so a refused upgrade changes nothing.
  for (const index of toCreate) {
    try {
      await ots.createIndex({ mainTableName: table, indexMeta: index, includeBaseData: true });
      result.created.push({ kind: "index", name: index.name });
    } catch (err) {
      if (toTablestoreError(err).code !== "OTSObjectAlreadyExist") throw err;
      result.existing.push({ kind: "index", name: index.name });
    }
  }
  for (const name of present.keys()) {
    if (!wanted.some((index) => index.name === name)) result.extra.push({ kind: "index", name });
  }
}

/** Creates a resource unless `exists` says it is there; losing a creation race counts as existing. */
async function ensure(
  resource: ProvisionedResource,
  exists: () => Promise<boolean>,
  create: () => Promise<void>,
  isAlreadyExists: (err: unknown) => boolean,
  result: ProvisionResult,
): Promise<void> {
  if (await exists()) {
    result.existing.push(resource);
    return;
  }
  try {
    await create();
    result.created.push(resource);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    result.existing.push(resource);
  }
}

async function mnsExists(call: () => Promise<unknown>, notFoundCode: string): Promise<boolean> {
  try {
    await mnsCall(call);
    return true;
  } catch (err) {
    if (toMnsError(err).code === notFoundCode) return false;
    throw err;
  }
}

export async function provisionResources(targets: ProvisionTargets): Promise<ProvisionResult> {
  const result: ProvisionResult = { created: [], existing: [], extra: [] };
  const { client: ots, table } = targets.tablestore;
  const definition = recordsTableDefinition(table);
  await ensure(
    { kind: "table", name: table },
    async () => (await ots.listTable({})).tableNames.includes(table),
    async () => {
      await ots.createTable(definition);
    },
    (err) => toTablestoreError(err).code === "OTSObjectAlreadyExist",
    result,
  );
  if (result.created.some((r) => r.kind === "table")) {
    for (const index of definition.indexMetas ?? []) result.created.push({ kind: "index", name: index.name });
  } else {
    await upgradeIndexes(ots, definition, result);
  }
  const slots = targets.tablestore.callSlotsTable;
  if (slots) {
    await ensure(
      { kind: "table", name: slots },
      async () => (await ots.listTable({})).tableNames.includes(slots),
      async () => {
        await ots.createTable(callSlotsTableDefinition(slots));
      },
      (err) => toTablestoreError(err).code === "OTSObjectAlreadyExist",
      result,
    );
  }

  const mns = targets.mns;
  const queues = [mns.queue, ...(mns.deadLetterQueue ? [mns.deadLetterQueue] : [])];
  for (const queue of queues) {
    await ensure(
      { kind: "queue", name: queue },
      () => mnsExists(() => mns.client.getQueueAttributes(queue), "QueueNotExist"),
      async () => {
        await mnsCall(() => mns.client.createQueue(queue, mns.queueAttributes));
      },
      (err) => toMnsError(err).code === "QueueAlreadyExist",
      result,
    );
  }
  if (mns.eventsTopic) {
    const topic = mns.eventsTopic;
    await ensure(
      { kind: "topic", name: topic },
      () => mnsExists(() => mns.client.getTopicAttributes(topic), "TopicNotExist"),
      async () => {
        await mnsCall(() => mns.client.createTopic(topic));
      },
      (err) => toMnsError(err).code === "TopicAlreadyExist",
      result,
    );
  }
  return result;
}
