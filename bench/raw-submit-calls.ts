/**
 * The raw round trips one accepted POST /v1/pipelines makes (one conditional PutRow, one
 * BatchSendMessage), through the same adapters submit uses: what the submit benchmark's series
 * compare the function against.
 */
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET, LOCAL_TABLESTORE_INSTANCE } from "../local/identities";
import { LOCAL_QUEUE_NAME, LOCAL_RECORDS_TABLE } from "../local/stack";
import { createMnsClient } from "../shared/adapters/mns/client";
import { MnsRequestQueue } from "../shared/adapters/mns/request-queue";
import { TablestoreRecordStore } from "../shared/adapters/tablestore/record-store";
import { pendingRecord } from "./common";

export interface RawSubmitTarget {
  tablestore: string;
  mns: string;
  accountId: string;
}

export function rawSubmitCalls(target: RawSubmitTarget): () => Promise<void> {
  const keys = { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET };
  const store = new TablestoreRecordStore({
    table: LOCAL_RECORDS_TABLE,
    connection: { endpoint: target.tablestore, instanceName: LOCAL_TABLESTORE_INSTANCE, credentials: keys },
  });
  const queue = new MnsRequestQueue({
    queue: LOCAL_QUEUE_NAME,
    client: createMnsClient({ endpoint: target.mns, accountId: target.accountId, ...keys }),
  });
  return async () => {
    const record = pendingRecord(target.accountId);
    await store.create(record);
    await queue.send([{ id: record.id }]);
  };
}
