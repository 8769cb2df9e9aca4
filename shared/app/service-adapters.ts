/**
 * The adapters every function builds the same way from the configuration and the function's own
 * keys: the record store, the MNS client and the request queue. The worker and reconciler
 * compositions take them from here, so a connection setting changes in one place.
 */
import type { AccessKeyCredentials } from "../adapters/credentials/index";
import { createMnsClient, type MnsSdkClient } from "../adapters/mns/client";
import { MnsRequestQueue } from "../adapters/mns/request-queue";
import { TablestoreRecordStore } from "../adapters/tablestore/record-store";
import type { Config } from "../config";
import type { FcContext } from "../fc/context";
import type { RecordStore, RequestQueue } from "./ports";

/** Identifies a set of keys, to rebuild clients only when FC hands over other ones. */
export function keysFingerprint(keys: AccessKeyCredentials): string {
  return `${keys.accessKeyId}\n${keys.accessKeySecret}\n${keys.securityToken ?? ""}`;
}

export function recordStoreFor(cfg: Config, keys: AccessKeyCredentials): RecordStore {
  return new TablestoreRecordStore({
    table: cfg.tablestore.table,
    connection: {
      endpoint: cfg.tablestore.endpoint,
      instanceName: cfg.tablestore.instance,
      credentials: keys,
    },
  });
}

/** MNS in the service account: MNS_ENDPOINT, else the public endpoint of the function's region. */
export function mnsClientFor(
  cfg: Config,
  context: Pick<FcContext, "accountId" | "region">,
  keys: AccessKeyCredentials,
): MnsSdkClient {
  return createMnsClient({
    accountId: context.accountId || cfg.serviceAccountId,
    ...keys,
    endpoint: cfg.mns.endpoint,
    region: context.region,
  });
}

export function requestQueueFor(
  cfg: Config,
  context: Pick<FcContext, "accountId" | "region">,
  keys: AccessKeyCredentials,
): RequestQueue {
  return new MnsRequestQueue({ queue: cfg.mns.queue, client: mnsClientFor(cfg, context, keys) });
}
