export {
  createTablestoreClient,
  DEFAULT_RETRY_POLICY,
  shouldRetry,
  type TablestoreClientOptions,
  type TablestoreCredentials,
  type TablestoreRetryPolicy,
} from "./client";
export { decodeErrorBody, TablestoreError, toTablestoreError } from "./errors";
