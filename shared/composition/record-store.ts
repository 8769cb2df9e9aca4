/**
 * The record store every function builds the same way from the configuration and the function's
 * own keys. Kept apart from ./mns so the status bundle, which only reads, carries no MNS SDK.
 */

import type { AccessKeyCredentials } from "../adapters/credentials/index";
import { TablestoreRecordStore } from "../adapters/tablestore/record-store";
import type { RecordStore } from "../app/ports";
import type { Config } from "../config";

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
