/** provisionResources and the `npm run provision` script against both emulators. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import type { RunningTablestore } from "../../../local/tablestore/index";
import { describeResult, ProvisionSetupError, targetsFromEnvironment } from "../../../scripts/provision";
import { type ProvisionTargets, provisionResources } from "../../../shared/adapters/provision";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/index";
import { indexTableName } from "../../../shared/adapters/tablestore/table-schema";
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
  mns.control.reset();
});

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
        { kind: "queue", name: "requests" },
        { kind: "queue", name: "requests-dlq" },
        { kind: "topic", name: "events" },
      ],
      existing: [],
    });
    const described = await tablestoreClient(tablestore).describeTable({ tableName: "records" });
    expect(described.indexMetas.map((m) => m.name).sort()).toEqual(
      (["byBatch", "byEventOwed", "byStatus", "bySubmitter"] as const)
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

    const second = await provisionResources(targets());
    expect(second.created).toEqual([]);
    expect(second.existing).toEqual(first.created);
    expect(tablestore.control.calls().CreateTable).toBe(1);
  });

  it("leaves an existing table as it is and skips what is not asked for", async () => {
    const client = tablestoreClient(tablestore);
    await client.createTable({
      tableMeta: { tableName: "records", primaryKey: [{ name: "pk", type: "STRING" }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const { mns: mnsTargets, tablestore: tablestoreTargets } = targets();
    const result = await provisionResources({
      tablestore: tablestoreTargets,
      mns: { client: mnsTargets.client, queue: "requests" },
    });
    expect(result.created).toEqual([{ kind: "queue", name: "requests" }]);
    expect(result.existing).toEqual([{ kind: "table", name: "records" }]);
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
