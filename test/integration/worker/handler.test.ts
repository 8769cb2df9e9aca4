/**
 * The worker function as FC runs it (the `handler` functions/worker builds with
 * createWorkerFunction, a Buffer event and an FC context), wired from its own environment to the Tablestore emulator and the ECS simulator, with faults on.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEcsEmulator, start as startEcs } from "../../../local/ecs/index";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import { type RunningTablestore, start as startTablestore } from "../../../local/tablestore/index";
import { encodeQueueBody } from "../../../shared/adapters/mns/queue-body";
import { systemClock } from "../../../shared/adapters/system-clock";
import { callSlotsTableDefinition } from "../../../shared/adapters/tablestore/call-slot-ledger";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/client";
import { TablestoreRecordStore } from "../../../shared/adapters/tablestore/record-store";
import { recordsTableDefinition } from "../../../shared/adapters/tablestore/table-schema";
import { newRecordId } from "../../../shared/app/ids";
import { createWorkerFunction } from "../../../shared/composition/worker";
import type { PipelineRecord } from "../../../shared/domain/record";
import type { FcContext } from "../../../shared/fc/context";

const TABLE = "worker_handler_records";
const CALL_SLOTS = "worker_handler_call_slots";
let ecs: RunningEcsEmulator;
let ots: RunningTablestore;
let store: TablestoreRecordStore;
let handler: (event: unknown, context: FcContext) => Promise<unknown>;

function context(timeoutSeconds = 30): FcContext {
  return {
    requestId: `inv-${Math.random().toString(36).slice(2)}`,
    credentials: {
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      securityToken: "",
    },
    function: { name: "worker", handler: "index.handler", memory: 512, timeout: timeoutSeconds },
    region: "cn-hangzhou",
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
  };
}

/** An EventBridge event-streaming batch, as bytes, the way FC hands it over. */
function event(ids: string[]): Buffer {
  return Buffer.from(
    JSON.stringify(
      ids.map((id, i) => ({
        specversion: "1.0",
        type: "mns:Queue:SendMessage",
        data: { requestId: `r-${i}`, messageId: `m-${i}`, messageBody: encodeQueueBody({ id }) },
      })),
    ),
  );
}

async function pendingRecord(accountId = LOCAL_SERVICE_ACCOUNT_ID): Promise<PipelineRecord> {
  const now = new Date().toISOString();
  const id = newRecordId(systemClock);
  const record: PipelineRecord = {
    id,
    status: "pending",
    accountId,
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: `tok-${id}`,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    request: {
      RegionId: "cn-hangzhou",
      BaseImageType: "IMAGE",
      BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
      BuildContent: "RUN echo hello",
      Name: "from-the-worker",
    },
  };
  expect(await store.create(record)).toBe("applied");
  return record;
}

async function stored(id: string): Promise<PipelineRecord | undefined> {
  return store.get(id);
}

beforeAll(async () => {
  [ecs, ots] = await Promise.all([startEcs({ port: 0 }), startTablestore({ port: 0 })]);
  const connection = {
    endpoint: ots.url,
    instanceName: LOCAL_TABLESTORE_INSTANCE,
    credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
  };
  await createTablestoreClient(connection).createTable(recordsTableDefinition(TABLE));
  // The worker paces its ECS calls through the shared schedule in this table.
  await createTablestoreClient(connection).createTable(callSlotsTableDefinition(CALL_SLOTS));
  store = new TablestoreRecordStore({ table: TABLE, connection });
  handler = createWorkerFunction({
    SERVICE_ACCOUNT_ID: LOCAL_SERVICE_ACCOUNT_ID,
    TABLESTORE_ENDPOINT: ots.url,
    TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
    RECORDS_TABLE: TABLE,
    CALL_SLOTS_TABLE: CALL_SLOTS,
    ECS_ENDPOINT: `127.0.0.1:${ecs.port}`,
    STS_ENDPOINT: `127.0.0.1:${ecs.port}`,
    WORKER_MAX_ATTEMPTS: "20",
    // Only errors reach stdout, and none is expected.
    LOG_LEVEL: "error",
  });
});

afterAll(async () => {
  await Promise.all([ecs?.close(), ots?.close()]);
});

beforeEach(() => {
  ecs.control.reset();
  ecs.control.setFaults({
    throttleRate: 0,
    serverErrorRate: 0,
    dropAfterCommitRate: 0,
    latencyMs: 0,
    qpsPerAccount: 0,
  });
});

describe("the worker function", () => {
  it("takes a batch to succeeded: one pipeline per record, ids as ECS answered", async () => {
    const records = [await pendingRecord(), await pendingRecord()];
    await handler(event(records.map((r) => r.id)), context());
    const pipelines = ecs.control.pipelines();
    expect(pipelines).toHaveLength(2);
    for (const record of records) {
      const after = await stored(record.id);
      expect(after).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(pipelines.find((p) => p.clientToken === record.clientToken)?.imagePipelineId).toBe(
        after?.imagePipelineId,
      );
    }
  });

  it("throttling and 5xx are retried in place; still one pipeline", async () => {
    const record = await pendingRecord();
    ecs.control.forceNext("throttle", 1);
    ecs.control.forceNext("serverError", 1);
    await handler(event([record.id]), context());
    expect(await stored(record.id)).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("a connection dropped after the commit: the retry with the same token finds the same pipeline", async () => {
    const record = await pendingRecord();
    ecs.control.forceNext("dropAfterCommit", 1);
    await handler(event([record.id]), context());
    const after = await stored(record.id);
    expect(after).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(ecs.control.pipelines()).toEqual([
      expect.objectContaining({ imagePipelineId: after?.imagePipelineId }),
    ]);
  });

  it("duplicate and concurrent deliveries of one message make one pipeline", async () => {
    const record = await pendingRecord();
    ecs.control.setFaults({ latencyMs: 100 });
    const invocations = [1, 2, 3].map(() => handler(event([record.id, record.id]), context()));
    await Promise.all(invocations);
    expect(await stored(record.id)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(ecs.control.pipelines()).toHaveLength(1);
    expect(ecs.control.calls().createImagePipeline.received).toBe(1);
  });

  it("out of time: the record is released, the invocation throws, the redelivery finishes it", async () => {
    const record = await pendingRecord();
    ecs.control.setFaults({ throttleRate: 1 });
    await expect(handler(event([record.id]), context(4))).rejects.toMatchObject({
      code: "MessagesLeftForRedelivery",
      recordIds: [record.id],
    });
    const released = await stored(record.id);
    expect(released).toMatchObject({
      status: "pending",
      error: { code: "Throttling.User", retryable: true },
    });
    expect(released?.leaseUntil).toBeUndefined();
    expect(released?.attempts).toBe(ecs.control.calls().createImagePipeline.received);

    ecs.control.setFaults({ throttleRate: 0 });
    await handler(event([record.id]), context());
    expect(await stored(record.id)).toMatchObject({ status: "succeeded" });
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("an unreadable 4xx answer (the gateway's HTML 414) fails the record after one call, not five", async () => {
    const record = await pendingRecord();
    ecs.control.forceNext("uriTooLarge", 5);
    await handler(event([record.id]), context());
    expect(await stored(record.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "UnparsableResponse", retryable: false },
    });
    expect(ecs.control.calls().createImagePipeline.received).toBe(1);
    expect(ecs.control.pipelines()).toHaveLength(0);
  });

  it("an unreadable 5xx answer (the gateway's HTML 502) and an empty 200 are retried; one pipeline", async () => {
    const record = await pendingRecord();
    ecs.control.forceNext("badGateway", 1);
    ecs.control.forceNext("emptyAnswer", 1);
    await handler(event([record.id]), context());
    const after = await stored(record.id);
    expect(after).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(ecs.control.pipelines()).toEqual([
      expect.objectContaining({ imagePipelineId: after?.imagePipelineId }),
    ]);
  });

  it("a permanent ECS error fails the record with the ECS code and request id", async () => {
    const record = await pendingRecord();
    await store.update(
      { ...record, request: { ...record.request, Name: "9-bad-name" } },
      { from: "pending" },
    );
    await handler(event([record.id]), context());
    const after = await stored(record.id);
    expect(after).toMatchObject({
      status: "failed",
      error: { code: "InvalidName.Malformed", retryable: false },
    });
    expect(after?.error?.requestId).toEqual(expect.any(String));
  });

  it("records of other accounts run there through AssumeRole; one without the role fails alone", async () => {
    const records = [
      await pendingRecord("1000000000000002"),
      await pendingRecord("1000000000000003"),
      await pendingRecord("1000000000000002"),
      await pendingRecord("1000000000000009"),
    ];
    await handler(event(records.map((r) => r.id)), context());
    const [b1, c1, b2, none] = await Promise.all(records.map((r) => stored(r.id)));
    for (const done of [b1, c1, b2]) expect(done).toMatchObject({ status: "succeeded" });
    expect(none).toMatchObject({ status: "failed", error: { code: "NoPermission", retryable: false } });
    expect(none?.error?.requestId).toEqual(expect.any(String));
    const accountOf = new Map(ecs.control.pipelines().map((p) => [p.imagePipelineId, p.accountId]));
    expect([b1, c1, b2].map((r) => accountOf.get(r?.imagePipelineId ?? ""))).toEqual([
      "1000000000000002",
      "1000000000000003",
      "1000000000000002",
    ]);
    // One session per account, shared by its records; the refusal is asked once.
    expect(ecs.control.calls().assumeRole.received).toBe(3);
  });

  it("unreadable messages and unknown ids are acknowledged", async () => {
    const raw = Buffer.from(
      JSON.stringify([
        { messageId: "m-1", messageBody: "not base64" },
        { messageId: "m-2", messageBody: encodeQueueBody({ id: newRecordId(systemClock) }) },
      ]),
    );
    await expect(handler(raw, context())).resolves.toMatchObject({ messages: 2, unreadable: 1 });
  });
});
