/**
 * Every problem the HTTP API answers with (RFC 9457, `application/problem+json`), in one table: a
 * stable `type` URI, its title and status, and the `code` a client can switch on. docs/http-api.md
 * lists the same table; a test checks that each entry has a distinct URI and code.
 */
import { ServiceError } from "../domain/errors";

export const PROBLEM_TYPE_BASE = "https://image-pipelines.dev/problems/";

export const PROBLEMS = {
  validation: {
    status: 400,
    code: "InvalidRequest",
    title: "The request is not a valid CreateImagePipeline request",
  },
  "malformed-json": { status: 400, code: "MalformedJSON", title: "The request body is not valid JSON" },
  "invalid-query": { status: 400, code: "InvalidQueryParameter", title: "A query parameter is invalid" },
  "invalid-idempotency-key": {
    status: 400,
    code: "InvalidIdempotencyKey",
    title: "The Idempotency-Key header must be 1 to 64 printable ASCII characters",
  },
  unauthorized: { status: 401, code: "Unauthorized", title: "A valid bearer token is required" },
  "insufficient-scope": {
    status: 403,
    code: "InsufficientScope",
    title: "The token does not carry the scope this operation needs",
  },
  "not-found": { status: 404, code: "NotFound", title: "No such resource" },
  "method-not-allowed": {
    status: 405,
    code: "MethodNotAllowed",
    title: "The method is not allowed on this resource",
  },
  "invalid-state": {
    status: 409,
    code: "IncorrectRecordStatus",
    title: "The record is not in a state that allows this operation",
  },
  "payload-too-large": { status: 413, code: "PayloadTooLarge", title: "The request body is too large" },
  "unsupported-media-type": {
    status: 415,
    code: "UnsupportedMediaType",
    title: "The request body must be application/json in UTF-8",
  },
  "idempotency-key-reused": {
    status: 422,
    code: "IdempotencyKeyReused",
    title: "The idempotency key was already used with a different request body",
  },
  internal: { status: 500, code: "InternalError", title: "The service failed to handle the request" },
  "service-unavailable": {
    status: 503,
    code: "ServiceUnavailable",
    title: "A service this request depends on is unavailable; retry later",
  },
} as const satisfies Record<string, { status: number; code: string; title: string }>;

export type ProblemKind = keyof typeof PROBLEMS;

export const problemTypeUri = (kind: ProblemKind): string => `${PROBLEM_TYPE_BASE}${kind}`;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/**
 * A problem as a value that can be thrown through the middy chain; the problem responder turns it
 * into the response. `headers` carry what the status needs (`Allow`, `WWW-Authenticate`, ...).
 */
export class HttpProblem extends ServiceError {
  override readonly name = "HttpProblem";
  /** The status we answer; also the base's `httpStatus`. */
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    const { status, code, title } = PROBLEMS[kind];
    // Only an unavailable dependency is worth the same request again; every other problem is the request's.
    super(code, detail ?? title, { transient: status === 503, httpStatus: status });
    this.status = status;
  }

  toDetails(instance?: string): ProblemDetails {
    const { status, code, title } = PROBLEMS[this.kind];
    return {
      type: problemTypeUri(this.kind),
      title,
      status,
      code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

/**
 * A problem document lists at most this many errors (the first found) and counts them all in
 * `errorCount`; with pointers and details clipped (domain/request/violation) it stays under 64 KB.
 */
export const MAX_LISTED_ERRORS = 100;

/** The `errors` and `errorCount` members of a problem that reports a list of faults. */
export function errorList<T>(errors: readonly T[]): { errors: T[]; errorCount: number } {
  return { errors: errors.slice(0, MAX_LISTED_ERRORS), errorCount: errors.length };
}

/** "3 parameters are invalid", and which of them the document lists. */
export function errorSummary(count: number, one: string, many: string, countLimit?: number): string {
  const atLimit = countLimit !== undefined && count >= countLimit;
  const counted = `${count}${atLimit ? " or more" : ""} ${count === 1 && !atLimit ? one : many}`;
  return count > MAX_LISTED_ERRORS ? `${counted}; the first ${MAX_LISTED_ERRORS} are listed` : counted;
}

export const isHttpProblem = (error: unknown): error is HttpProblem => error instanceof HttpProblem;
