/**
 * The raw series of the submit benchmark, run in a worker thread: the function under test also runs
 * in a thread of its own (local/fc/invoker), so the raw calls pay the same cross-thread socket
 * hops to the emulators on the main thread. Posts back the milliseconds of each PutRow +
 * BatchSendMessage pair made through the same adapters submit uses.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET, LOCAL_TABLESTORE_INSTANCE } from "../local/identities";
import { LOCAL_QUEUE_NAME, LOCAL_RECORDS_TABLE } from "../local/stack";
import { createMnsClient } from "../shared/adapters/mns/client";
import { MnsRequestQueue } from "../shared/adapters/mns/request-queue";
import { TablestoreRecordStore } from "../shared/adapters/tablestore/record-store";
import { pendingRecord } from "./common";

export interface RawRoundTripsInput {
  tablestore: string;
  mns: string;
  accountId: string;
}

const input = workerData as RawRoundTripsInput;
const keys = { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET };
const store = new TablestoreRecordStore({
  table: LOCAL_RECORDS_TABLE,
  connection: { endpoint: input.tablestore, instanceName: LOCAL_TABLESTORE_INSTANCE, credentials: keys },
});
const queue = new MnsRequestQueue({
  queue: LOCAL_QUEUE_NAME,
  client: createMnsClient({ endpoint: input.mns, accountId: input.accountId, ...keys }),
});

parentPort?.on("message", async (count: number) => {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const record = pendingRecord(input.accountId);
    await store.create(record);
    await queue.send([{ id: record.id }]);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  parentPort?.postMessage(samples);
});
