/**
 * The one place that creates `TableStore.Client`s. What it changes, on the returned instance only
 * (never `Client.prototype`, `DefaultRetryPolicy` or an http global agent):
 *
 * - Error responses are decoded with the SDK's own protobuf `Error`, so a failed call rejects with
 *   a {@link TablestoreError} carrying the OTS code, message, HTTP status and request id.
 * - Retries follow our policy instead of the SDK's (20 retries, up to 3 s apart, and in practice
 *   none for writes): reads are retried on any retryable failure; writes only on failures where the
 *   service says it did not apply them (OTSServerBusy, OTSPartitionUnavailable, …). A write whose
 *   outcome is unknown (timeout, 500, connection lost) is not retried: a retried conditional write
 *   that had in fact succeeded would come back as OTSConditionCheckFail, so the caller re-reads
 *   and decides instead.
 * - A request timeout (the SDK default is none) and a keep-alive agent of its own. `maxRetries` is
 *   never passed to the SDK: it would set the retry count of every client in the process.
 *
 * The `tablestore` package leaks implicit globals on load (`key`, `size`, `pro`, `sub`); that is
 * not worth fighting.
 */
import * as http from "node:http";
import * as https from "node:https";
import TableStore from "tablestore";
import { codeForStatus, decodeErrorBody, type TablestoreError, toTablestoreError } from "./errors";

export interface TablestoreCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token; sent as x-ots-ststoken. */
  securityToken?: string | undefined;
}

export interface TablestoreRetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TablestoreClientOptions {
  /** `https://<instance>.<region>.ots.aliyuncs.com`, or the local emulator's URL. */
  endpoint: string;
  instanceName: string;
  credentials: TablestoreCredentials;
  /** Per HTTP attempt; default 10 s. */
  timeoutMs?: number;
  retry?: Partial<TablestoreRetryPolicy>;
}

export const DEFAULT_RETRY_POLICY: TablestoreRetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 100,
  maxDelayMs: 2000,
};
const DEFAULT_TIMEOUT_MS = 10_000;

/** Operations that change nothing, so any retryable failure may be retried. */
const READ_OPERATIONS = new Set(["listTable", "describeTable", "getRow", "batchGetRow", "getRange"]);

export function shouldRetry(operation: string, error: TablestoreError): boolean {
  return READ_OPERATIONS.has(operation) ? error.retryable : error.notApplied;
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^attempt)]. */
function backoffMs(policy: TablestoreRetryPolicy, attempt: number): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function header(headers: Record<string, string | undefined>, name: string): string {
  return headers[name] ?? "";
}

/** Replaces the SDK's extractError, which cannot decode protobuf error bodies in Node. */
function extractError(response: TableStore.SdkResponse): void {
  const { statusCode, headers, body } = response.httpResponse;
  const requestId = header(headers, "x-ots-requestid") || header(headers, "x-ots-request-id");
  const decoded = decodeErrorBody(body);
  // Shaped as the SDK's own errors (plain Error + code) so its state machine treats it alike;
  // toTablestoreError recognises it by the string code plus statusCode.
  response.error = Object.assign(new Error(decoded?.message ?? ""), {
    code: decoded?.code ?? codeForStatus(statusCode),
    statusCode,
    requestId,
  });
}

export function createTablestoreClient(options: TablestoreClientOptions): TableStore.Client {
  const policy: TablestoreRetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const secure = options.endpoint.startsWith("https:");
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const globalAgent = secure ? https.globalAgent : http.globalAgent;
  const client = new TableStore.Client({
    accessKeyId: options.credentials.accessKeyId,
    secretAccessKey: options.credentials.accessKeySecret,
    ...(options.credentials.securityToken ? { stsToken: options.credentials.securityToken } : {}),
    endpoint: options.endpoint,
    instancename: options.instanceName,
    httpOptions: {
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      agent,
      // The SDK assigns httpOptions.maxSockets (default 300) to the *global* agent on every
      // request; answering with the global agent's own value makes that assignment a no-op.
      get maxSockets() {
        return globalAgent.maxSockets;
      },
    },
  });

  const stockSetup = TableStore.Client.prototype.setupRequestListeners;
  const stockMakeRequest = TableStore.Client.prototype.makeRequest;
  client.extractError = extractError;
  client.setupRequestListeners = function setupRequestListeners(request) {
    stockSetup.call(this, request);
    // Runs after the SDK's RETRY_CHECK listener: retrying is done below, with our policy.
    request.addListener("retry", (response) => {
      if (response.error) response.error.retryable = false;
    });
  };
  const withRetries = async (
    self: TableStore.Client,
    operation: string,
    params: unknown,
  ): Promise<unknown> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await stockMakeRequest.call(self, operation, params);
      } catch (err) {
        const error = toTablestoreError(err);
        if (attempt >= policy.maxRetries || !shouldRetry(operation, error)) throw error;
        await sleep(backoffMs(policy, attempt));
      }
    }
  };
  client.makeRequest = function makeRequest(operation, params, callback) {
    if (callback) throw new TypeError("the Tablestore adapter client is promise-only; omit the callback");
    return withRetries(this, operation, params);
  };
  return client;
}
