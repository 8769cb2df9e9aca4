/** Emulators on free ports and SDK clients for them, for the adapter tests. */
import type TableStore from "tablestore";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import { start as startMns } from "../../../local/mns/index";
import {
  type IndexLag,
  type RunningTablestore,
  start as startTablestore,
} from "../../../local/tablestore/index";
import { createMnsClient, type MnsSdkClient } from "../../../shared/adapters/mns/index";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/index";

export type RunningMns = Awaited<ReturnType<typeof startMns>>;

/** `indexLagMs`: the emulator's global-index lag (default 0: indexes follow writes at once). */
export function startTablestoreEmulator(options: { indexLagMs?: IndexLag } = {}): Promise<RunningTablestore> {
  return startTablestore({ port: 0, ...options });
}

export function startMnsEmulator(): Promise<RunningMns> {
  return startMns({ port: 0 });
}

export function tablestoreClient(emulator: { url: string }): TableStore.Client {
  return createTablestoreClient({
    endpoint: emulator.url,
    instanceName: LOCAL_TABLESTORE_INSTANCE,
    credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
    timeoutMs: 5000,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
}

export function mnsClient(emulator: { url: string }): MnsSdkClient {
  return createMnsClient({
    endpoint: emulator.url,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
  });
}
