/**
 * Tablestore errors as values with the service's own code (docs/cloud-facts.md, "Tablestore errors"). The stock
 * SDK puts the HTTP status in `err.code` and the raw protobuf bytes in `err.message`; the client
 * from ./client decodes the body instead, and {@link toTablestoreError} normalises both shapes.
 */
import compiled from "tablestore/lib/protocol/tablestore_compiled_proto.js";
import { DependencyError } from "../../domain/errors";

/** Codes the service answers when it did not apply the request, so any operation may be retried. */
const NOT_APPLIED_CODES = new Set([
  "OTSRowOperationConflict",
  "OTSNotEnoughCapacityUnit",
  "OTSTableNotReady",
  "OTSPartitionUnavailable",
  "OTSServerBusy",
  "OTSOperationThrottled",
]);

/** Failures after which the request may or may not have been applied: safe to retry only for reads. */
const OUTCOME_UNKNOWN_CODES = new Set([
  "OTSTimeout",
  "OTSInternalServerError",
  "OTSServerUnavailable",
  "NetworkingError",
]);

const QUOTA_RETRY_MESSAGE = "Too frequent table operations.";

const isRetryable = (code: string, message: string, httpStatus: number): boolean =>
  isNotApplied(code, message) || OUTCOME_UNKNOWN_CODES.has(code) || httpStatus >= 500;

const isNotApplied = (code: string, message: string): boolean =>
  NOT_APPLIED_CODES.has(code) || (code === "OTSQuotaExhausted" && message === QUOTA_RETRY_MESSAGE);

/** A failed Tablestore store call; `transient` is {@link TablestoreError.retryable}. */
export class TablestoreError extends DependencyError {
  override readonly name = "TablestoreError";
  /** The service's code (`OTSConditionCheckFail`, …), `NetworkingError`, or `ClientError` for a request the SDK could not build. */
  declare readonly code: string;
  /** 0 when no HTTP response arrived. */
  declare readonly httpStatus: number;
  constructor(
    code: string,
    message: string,
    httpStatus: number,
    /** `x-ots-requestid` of the failed response, "" when none. */
    readonly requestId: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, {
      transient: isRetryable(code, message, httpStatus),
      httpStatus,
      cause: options?.cause,
    });
  }

  /** The service did not apply the request; retrying cannot duplicate a write. */
  get notApplied(): boolean {
    return isNotApplied(this.code, this.message);
  }

  /** A retry may succeed. For writes, only {@link notApplied} failures are retried automatically. */
  get retryable(): boolean {
    return this.transient;
  }
}

const HTTP_STATUS_NAMES: Record<number, string> = {
  304: "NotModified",
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
};

/**
 * The OTS code and message in an error response body (protobuf `main.proto.Error`), decoded with
 * the SDK's own compiled message; undefined when the body is not one.
 */
export function decodeErrorBody(body: Uint8Array): { code: string; message: string } | undefined {
  if (body.length === 0) return undefined;
  try {
    const decoded = compiled.main.proto.Error!.decode(body) as { code?: unknown; message?: unknown };
    if (typeof decoded.code !== "string" || decoded.code === "") return undefined;
    return { code: decoded.code, message: typeof decoded.message === "string" ? decoded.message : "" };
  } catch {
    return undefined;
  }
}

export function codeForStatus(status: number): string {
  return HTTP_STATUS_NAMES[status] ?? `HttpStatus${status}`;
}

function field(value: object, name: string): unknown {
  return (value as Record<string, unknown>)[name];
}

/** The stock SDK's message: protobuf bytes read as UTF-8, then " requestId:<id>". */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the protobuf tag bytes the SDK leaves in.
const STOCK_MESSAGE = /^\n[\s\S](OTS[A-Za-z]+)(?:\x12[\s\S])?([\s\S]*?) requestId:(\S*)$/;

/**
 * Any failure from a Tablestore call as a {@link TablestoreError}: errors from ./client pass
 * through, errors from a stock `TableStore.Client` are decoded as far as the SDK left them
 * decodable, and anything else becomes `ClientError`.
 */
export function toTablestoreError(err: unknown): TablestoreError {
  if (err instanceof TablestoreError) return err;
  if (typeof err !== "object" || err === null) return new TablestoreError("ClientError", String(err), 0, "");
  const code = field(err, "code");
  const message = err instanceof Error ? err.message : String(field(err, "message") ?? "");
  const status = field(err, "statusCode");
  const requestId = field(err, "requestId");
  if (typeof code === "string" && typeof status === "number") {
    return new TablestoreError(code, message, status, typeof requestId === "string" ? requestId : "", {
      cause: err,
    });
  }
  if (code === "NetworkingError") return new TablestoreError(code, message, 0, "", { cause: err });
  if (typeof code === "number") {
    const stock = STOCK_MESSAGE.exec(message);
    if (stock) return new TablestoreError(stock[1]!, stock[2]!, code, stock[3]!, { cause: err });
    return new TablestoreError(codeForStatus(code), message, code, "", { cause: err });
  }
  return new TablestoreError("ClientError", message, 0, "", { cause: err });
}
