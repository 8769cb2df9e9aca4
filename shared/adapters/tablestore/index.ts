export {
  createTablestoreClient,
  DEFAULT_RETRY_POLICY,
  shouldRetry,
  type TablestoreClientOptions,
  type TablestoreCredentials,
  type TablestoreRetryPolicy,
} from "./client";
export { decodeErrorBody, TablestoreError, toTablestoreError } from "./errors";
export { RecordCodecError } from "./record-codec";
export {
  BATCH_WRITE_MAX_ROWS,
  TablestoreRecordStore,
  type TablestoreRecordStoreOptions,
} from "./record-store";
export { indexTableName, recordsTableDefinition } from "./table-schema";
