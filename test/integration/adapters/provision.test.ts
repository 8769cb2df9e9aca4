/** provisionResources and the `npm run provision` script against both emulators. */
import TableStore from "tablestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import type { RunningTablestore } from "../../../local/tablestore/index";
import { describeResult, ProvisionSetupError, targetsFromEnvironment } from "../../../scripts/provision";
import {
  ProvisionSchemaError,
  type ProvisionTargets,
  provisionResources,
} from "../../../shared/adapters/provision";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/index";
import {
  type IndexName,
  indexTableName,
  recordsTableDefinition,
} from "../../../shared/adapters/tablestore/table-schema";
import {
  mnsClient,
  type RunningMns,
  startMnsEmulator,
  startTablestoreEmulator,
  tablestoreClient,
} from "./harness";

let tablestore: RunningTablestore;
let mns: RunningMns;

beforeAll(async () => {
  [tablestore, mns] = await Promise.all([startTablestoreEmulator(), startMnsEmulator()]);
});
afterAll(async () => {
  await Promise.all([tablestore.close(), mns.close()]);
});
beforeEach(() => {
  tablestore.control.reset();
  tablestore.control.setIndexLag(0);
  mns.control.reset();
});

const ALL_INDEXES: IndexName[] = ["bySubmitter", "bySubmitterStatus", "byBatch", "byStatus", "byEventOwed"];
const indexResources = (table: string, indexes: IndexName[] = ALL_INDEXES) =>
  indexes.map((i) => ({ kind: "index", name: indexTableName(table, i) }));

function targets(): ProvisionTargets {
  return {
    tablestore: { client: tablestoreClient(tablestore), table: "records" },
    mns: {
      client: mnsClient(mns),
      queue: "requests",
      deadLetterQueue: "requests-dlq",
      eventsTopic: "events",
    },
  };
}

describe("provisionResources", () => {
  it("creates the table with its indexes, both queues and the topic, then nothing on a second run", async () => {
    const first = await provisionResources(targets());
    expect(first).toEqual({
      created: [
        { kind: "table", name: "records" },
        ...indexResources("records"),
        { kind: "queue", name: "requests" },
        { kind: "queue", name: "requests-dlq" },
        { kind: "topic", name: "events" },
      ],
      existing: [],
      extra: [],
    });
    const described = await tablestoreClient(tablestore).describeTable({ tableName: "records" });
    expect(described.indexMetas.map((m) => m.name).sort()).toEqual(
      (["byBatch", "byEventOwed", "byStatus", "bySubmitter", "bySubmitterStatus"] as const)
        .map((i) => indexTableName("records", i))
        .sort(),
    );
    expect(
      mns.control
        .queues()
        .map((q) => q.name)
        .sort(),
    ).toEqual(["requests", "requests-dlq"]);
    expect(mns.control.topics().map((t) => t.name)).toEqual(["events"]);

    const calls = tablestore.control.calls();
    const second = await provisionResources(targets());
    expect(second.created).toEqual([]);
    expect(second.existing).toEqual(first.created);
    expect(second.extra).toEqual([]);
    expect(tablestore.control.calls().CreateTable).toBe(calls.CreateTable);
    expect(tablestore.control.calls().CreateIndex).toBe(calls.CreateIndex);
  });

  it("refuses a table with another primary key, changing nothing", async () => {
    const client = tablestoreClient(tablestore);
    await client.createTable({
      tableMeta: { tableName: "records", primaryKey: [{ name: "pk", type: "STRING" }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const { mns: mnsTargets, tablestore: tablestoreTargets } = targets();
    const run = provisionResources({
      tablestore: tablestoreTargets,
      mns: { client: mnsTargets.client, queue: "requests" },
    });
    await expect(run).rejects.toBeInstanceOf(ProvisionSchemaError);
    await expect(run).rejects.toMatchObject({ code: "ProvisionSchemaMismatch", message: /primary key/ });
    const described = await client.describeTable({ tableName: "records" });
    expect(described.tableMeta.primaryKey.map((k) => k.name)).toEqual(["pk"]);
    expect(described.indexMetas ?? []).toEqual([]);
  });

  it("creates queues with the attributes given", async () => {
    const { mns: mnsTargets, tablestore: tablestoreTargets } = targets();
    await provisionResources({
      tablestore: tablestoreTargets,
      mns: { client: mnsTargets.client, queue: "requests", queueAttributes: { VisibilityTimeout: 45 } },
    });
    const { body } = await mnsTargets.client.getQueueAttributes("requests");
    expect(body.VisibilityTimeout).toBe("45");
  });

  it("stops with the service's error when it cannot list tables", async () => {
    const bad = targets();
    bad.tablestore.client = createTablestoreClient({
      endpoint: tablestore.url,
      instanceName: LOCAL_TABLESTORE_INSTANCE,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: "wrong" },
    });
    await expect(provisionResources(bad)).rejects.toMatchObject({ code: "OTSAuthFailed" });
    expect(mns.control.queues()).toEqual([]);
  });
});

describe("upgrading a table made by an older layout", () => {
  /** The records table as an older release made it: without `byStatus` (and, optionally, its columns). */
  async function createOlderTable(
    options: { withoutIndexes?: IndexName[]; withoutColumns?: string[]; extraIndex?: boolean } = {},
  ) {
    const definition = recordsTableDefinition("records");
    const dropped = (options.withoutIndexes ?? ["byStatus"]).map((i) => indexTableName("records", i));
    const indexMetas = (definition.indexMetas ?? []).filter((m) => !dropped.includes(m.name));
    if (options.extraIndex) {
      indexMetas.push({ name: "records_by_legacy", primaryKey: ["createdAt"], definedColumn: [] });
    }
    await tablestoreClient(tablestore).createTable({
      ...definition,
      tableMeta: {
        ...definition.tableMeta,
        definedColumn: (definition.tableMeta.definedColumn ?? []).filter(
          (c) => !(options.withoutColumns ?? []).includes(c.name),
        ),
      },
      indexMetas,
    });
  }

  async function putRecord(id: string, status: string, updatedAt: string): Promise<void> {
    await tablestoreClient(tablestore).putRow({
      tableName: "records",
      primaryKey: [{ id }],
      attributeColumns: [{ status }, { updatedAt }, { submittedBy: "alice" }, { createdAt: updatedAt }],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    });
  }

  async function byStatus(status: string): Promise<string[]> {
    const { rows } = await tablestoreClient(tablestore).getRange({
      tableName: indexTableName("records", "byStatus"),
      direction: "FORWARD",
      inclusiveStartPrimaryKey: [{ status }, { updatedAt: TableStore.INF_MIN }, { id: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ status }, { updatedAt: TableStore.INF_MAX }, { id: TableStore.INF_MAX }],
    });
    return rows.map((row) => String(row.primaryKey?.[2]?.value));
  }

  it("adds the missing index over the existing rows, keeps the data, and changes nothing on a second run", async () => {
    await createOlderTable();
    await putRecord("01A", "pending", "2026-01-01T00:00:00.000Z");
    await putRecord("01B", "succeeded", "2026-01-02T00:00:00.000Z");
    await putRecord("01C", "pending", "2026-01-03T00:00:00.000Z");
    // Under index lag, as in the cloud, the new index fills asynchronously.
    tablestore.control.setIndexLag(100);
    const createIndexCalls = tablestore.control.calls().CreateIndex;

    const first = await provisionResources(targets());
    expect(first.created).toEqual([
      ...indexResources("records", ["byStatus"]),
      { kind: "queue", name: "requests" },
      { kind: "queue", name: "requests-dlq" },
      { kind: "topic", name: "events" },
    ]);
    expect(first.existing).toEqual([
      { kind: "table", name: "records" },
      ...indexResources("records", ["bySubmitter", "bySubmitterStatus", "byBatch", "byEventOwed"]),
    ]);
    expect(first.extra).toEqual([]);

    await tablestore.control.settleIndexes();
    expect(await byStatus("pending")).toEqual(["01A", "01C"]);
    expect(await byStatus("succeeded")).toEqual(["01B"]);
    const { row } = await tablestoreClient(tablestore).getRow({
      tableName: "records",
      primaryKey: [{ id: "01B" }],
    });
    expect(row.attributes?.find((a) => a.columnName === "status")?.columnValue).toBe("succeeded");

    const second = await provisionResources(targets());
    expect(second.created).toEqual([]);
    expect(second.existing).toEqual([
      { kind: "table", name: "records" },
      ...indexResources("records"),
      { kind: "queue", name: "requests" },
      { kind: "queue", name: "requests-dlq" },
      { kind: "topic", name: "events" },
    ]);
    expect(tablestore.control.calls().CreateIndex).toBe(createIndexCalls + 1);
    expect(describeResult(second)).toContain("exists  index records_by_status");
  });

  it("adds by_submitter_status (the filters' index) to the previous release's table, over its rows", async () => {
    await createOlderTable({ withoutIndexes: ["bySubmitterStatus"] });
    await putRecord("01A", "failed", "2026-01-01T00:00:00.000Z");
    tablestore.control.setIndexLag(100);
    const first = await provisionResources(targets());
    expect(first.created).toContainEqual({ kind: "index", name: "records_by_submitter_status" });
    await tablestore.control.settleIndexes();
    const { rows } = await tablestoreClient(tablestore).getRange({
      tableName: indexTableName("records", "bySubmitterStatus"),
      direction: "FORWARD",
      inclusiveStartPrimaryKey: [
        { submittedBy: "alice" },
        { status: "failed" },
        { createdAt: TableStore.INF_MIN },
        { id: TableStore.INF_MIN },
      ],
      exclusiveEndPrimaryKey: [
        { submittedBy: "alice" },
        { status: "failed" },
        { createdAt: TableStore.INF_MAX },
        { id: TableStore.INF_MAX },
      ],
    });
    expect(rows.map((row) => row.primaryKey?.[3]?.value)).toEqual(["01A"]);
  });

  // With five indexes in the schema, Tablestore's limit, an index of the table's own always leaves
  // too little room; it is named, never dropped.
  it("stops, changing nothing, when an index of the table's own leaves no room under the limit of 5", async () => {
    await createOlderTable({ withoutIndexes: ["bySubmitterStatus"], extraIndex: true });
    const createIndexCalls = tablestore.control.calls().CreateIndex;
    await expect(provisionResources(targets())).rejects.toMatchObject({
      code: "ProvisionSchemaMismatch",
      message: expect.stringMatching(
        /has 5 indexes \(records_by_legacy not this service's\); adding records_by_submitter_status would pass/,
      ),
    });
    expect(tablestore.control.calls().CreateIndex).toBe(createIndexCalls);
  });

  it("stops, changing nothing, when a missing index needs a predefined column the table lacks", async () => {
    await createOlderTable({ withoutIndexes: ["byStatus", "byBatch"], withoutColumns: ["updatedAt"] });
    const createIndexCalls = tablestore.control.calls().CreateIndex;
    await expect(provisionResources(targets())).rejects.toMatchObject({
      code: "ProvisionSchemaMismatch",
      message: expect.stringMatching(/records_by_status needs predefined column\(s\) updatedAt/),
    });
    expect(tablestore.control.calls().CreateIndex).toBe(createIndexCalls);
    expect(mns.control.queues()).toEqual([]);
  });

  it("stops when an index of the same name is defined differently", async () => {
    const definition = recordsTableDefinition("records");
    await tablestoreClient(tablestore).createTable({
      ...definition,
      indexMetas: [
        {
          name: indexTableName("records", "byBatch"),
          primaryKey: ["batchId", "createdAt"],
          definedColumn: [],
        },
      ],
    });
    await expect(provisionResources(targets())).rejects.toMatchObject({
      code: "ProvisionSchemaMismatch",
      message: expect.stringMatching(/^index records_by_batch exists as key \[batchId, createdAt, id\]/),
    });
  });
});

describe("scripts/provision", () => {
  const env = () => ({
    SERVICE_ACCOUNT_ID: LOCAL_SERVICE_ACCOUNT_ID,
    TABLESTORE_ENDPOINT: tablestore.url,
    TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
    MNS_ENDPOINT: mns.url,
    EVENTS_TOPIC: "completions",
    ALIBABA_CLOUD_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: LOCAL_ACCESS_KEY_SECRET,
  });

  it("provisions the names the functions use, with s.yaml's dead-letter queue default", async () => {
    const result = await provisionResources(targetsFromEnvironment(env()));
    expect(describeResult(result)).toEqual([
      "created table image_pipeline_records",
      "created index image_pipeline_records_by_submitter",
      "created index image_pipeline_records_by_submitter_status",
      "created index image_pipeline_records_by_batch",
      "created index image_pipeline_records_by_status",
      "created index image_pipeline_records_by_event_owed",
      "created table image_pipeline_call_slots",
      "created queue image-pipeline-requests",
      "created queue image-pipeline-requests-dlq",
      "created topic completions",
    ]);
  });

  it("refuses to run without access keys", () => {
    const { ALIBABA_CLOUD_ACCESS_KEY_SECRET: _secret, ...withoutSecret } = env();
    expect(() => targetsFromEnvironment(withoutSecret)).toThrow(ProvisionSetupError);
  });
});
