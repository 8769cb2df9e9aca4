/**
 * The reconciler function as FC runs it (the `handler` functions/reconciler builds with
 * createReconcilerFunction, the timer event sample as bytes, an FC context), wired from its own environment to the Tablestore and MNS emulators: it queues
 * exactly the records nothing will pick up, and never writes a record.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import { start as startMns } from "../../../local/mns/index";
import { type RunningTablestore, start as startTablestore } from "../../../local/tablestore/index";
import { createMnsClient, decodeQueueBody, type MnsSdkClient } from "../../../shared/adapters/mns/index";
import { systemClock } from "../../../shared/adapters/system-clock";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/client";
import { TablestoreRecordStore } from "../../../shared/adapters/tablestore/record-store";
import { recordsTableDefinition } from "../../../shared/adapters/tablestore/table-schema";
import { newRecordId } from "../../../shared/app/ids";
import type { ReconcileReport } from "../../../shared/app/reconcile";
import { createReconcilerFunction } from "../../../shared/composition/reconciler";
import type { PipelineRecord, RecordStatus } from "../../../shared/domain/record";
import type { FcContext } from "../../../shared/fc/context";
import { receiveUntilEmpty } from "../../support/mns-drain";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const TABLE = "reconciler_records";
const QUEUE = "reconciler-requests";
const PENDING_AFTER_SECONDS = 120;
const MINUTE = 60_000;

let ots: RunningTablestore;
let mns: Awaited<ReturnType<typeof startMns>>;
let store: TablestoreRecordStore;
let queue: MnsSdkClient;
let handler: (event: unknown, context: FcContext) => Promise<ReconcileReport>;

/** The sample timer event, as the bytes FC hands over. */
const timerEvent = () => readFileSync(path.join(root, "events/reconciler/timer.json"));

function context(): FcContext {
  return {
    requestId: `inv-${Math.random().toString(36).slice(2)}`,
    credentials: {
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      securityToken: "",
    },
    function: { name: "reconciler", handler: "index.handler", memory: 512, timeout: 60 },
    region: "cn-hangzhou",
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
  };
}

async function stored(
  status: RecordStatus,
  ageMs: number,
  patch: Partial<PipelineRecord> = {},
): Promise<string> {
  const at = new Date(Date.now() - ageMs).toISOString();
  const id = newRecordId(systemClock);
  const record: PipelineRecord = {
    id,
    status,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: id,
    attempts: status === "pending" ? 0 : 1,
    createdAt: at,
    updatedAt: at,
    request: {
      RegionId: "cn-hangzhou",
      BaseImageType: "IMAGE",
      BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
      BuildContent: "RUN echo hello",
      Name: "reconciled",
    },
    ...patch,
  };
  expect(await store.create(record)).toBe("applied");
  return id;
}

/** The record ids queued now, until MNS answers MessageNotExist (any other failure fails the test). */
async function queuedIds(): Promise<string[]> {
  const messages = await receiveUntilEmpty(queue, QUEUE);
  return messages.map((message) => (decodeQueueBody(message.MessageBody) as { id: string }).id).sort();
}

const WRITES = ["PutRow", "UpdateRow", "DeleteRow", "BatchWriteRow"] as const;
const writeCalls = () => {
  const calls = ots.control.calls();
  return Object.fromEntries(WRITES.map((op) => [op, calls[op]]));
};

beforeAll(async () => {
  [ots, mns] = await Promise.all([startTablestore({ port: 0 }), startMns({ port: 0 })]);
  const keys = { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET };
  const connection = { endpoint: ots.url, instanceName: LOCAL_TABLESTORE_INSTANCE, credentials: keys };
  await createTablestoreClient(connection).createTable(recordsTableDefinition(TABLE));
  store = new TablestoreRecordStore({ table: TABLE, connection });
  queue = createMnsClient({ endpoint: mns.url, accountId: LOCAL_SERVICE_ACCOUNT_ID, ...keys });
  await queue.createQueue(QUEUE);
  handler = createReconcilerFunction({
    SERVICE_ACCOUNT_ID: LOCAL_SERVICE_ACCOUNT_ID,
    TABLESTORE_ENDPOINT: ots.url,
    TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
    RECORDS_TABLE: TABLE,
    MNS_ENDPOINT: mns.url,
    QUEUE_NAME: QUEUE,
    RECONCILE_PENDING_AFTER_SECONDS: String(PENDING_AFTER_SECONDS),
    LOG_LEVEL: "error",
  });
});

afterAll(async () => {
  await Promise.all([ots?.close(), mns?.close()]);
});

beforeEach(async () => {
  // Leave nothing of one test for the next: drain the queue, and settle what a test left stale.
  await queuedIds();
});

describe("the reconciler function", () => {
  it("the sample timer event has the shape FC's timer trigger sends", () => {
    const event = JSON.parse(timerEvent().toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(event).sort()).toEqual(["payload", "triggerName", "triggerTime"]);
    expect(String(event.triggerTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("queues a stale pending record and an expired running one, nothing else, and writes no record", async () => {
    const lost = await stored("pending", 10 * MINUTE);
    // Stale under the configured 120 s, not under the 300 s default: the setting is what counts.
    const staleByConfig = await stored("pending", (PENDING_AFTER_SECONDS + 60) * 1000);
    const expired = await stored("running", 10 * MINUTE, {
      leaseUntil: new Date(Date.now() - MINUTE).toISOString(),
    });
    await stored("pending", 0);
    await stored("pending", (PENDING_AFTER_SECONDS - 30) * 1000);
    await stored("running", 10 * MINUTE, { leaseUntil: new Date(Date.now() + 5 * MINUTE).toISOString() });
    await stored("succeeded", 10 * MINUTE, { imagePipelineId: "ip-1" });
    await stored("failed", 10 * MINUTE, {
      error: { code: "InvalidName.Malformed", message: "bad", retryable: false },
    });
    await stored("cancelled", 10 * MINUTE);
    const writesBefore = writeCalls();

    const report = await handler(timerEvent(), context());

    expect(report).toEqual({
      requeuedPending: [lost, staleByConfig],
      requeuedExpired: [expired],
      truncated: false,
    });
    expect(await queuedIds()).toEqual([lost, staleByConfig, expired].sort());
    expect(writeCalls()).toEqual(writesBefore);
  });

  it("queues the same stale record again on the next run: it never marks what it sent", async () => {
    const lost = await stored("pending", 10 * MINUTE);
    const first = await handler(timerEvent(), context());
    const second = await handler(timerEvent(), context());
    expect(first.requeuedPending).toContain(lost);
    expect(second.requeuedPending).toContain(lost);
    expect((await queuedIds()).filter((id) => id === lost)).toHaveLength(2);
  });

  it("sends nothing when nothing is stale", async () => {
    // Records of earlier tests are still pending and stale: settle them the way a worker would.
    for (const record of (await store.listByStatus("pending", { limit: 100 })).items) {
      await store.update({ ...record, status: "cancelled" }, { from: "pending" });
    }
    for (const record of (await store.listByStatus("running", { limit: 100 })).items) {
      await store.update(
        { ...record, status: "succeeded", imagePipelineId: "ip-x" },
        {
          from: "running",
          ...(record.leaseUntil ? { expectedLeaseUntil: record.leaseUntil } : {}),
        },
      );
    }
    await stored("pending", 0);
    const sendsBefore = mns.control.calls();
    const report = await handler(timerEvent(), context());
    expect(report).toEqual({ requeuedPending: [], requeuedExpired: [], truncated: false });
    expect(mns.control.calls()).toEqual(sendsBefore);
    expect(await queuedIds()).toEqual([]);
  });
});
