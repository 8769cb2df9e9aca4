/**
 * The one error model (docs/architecture.md, "Errors"). Every error this service raises on purpose
 * is a {@link ServiceError}: a stable `code` a program can branch on, whether a retry may succeed
 * (`transient`), the HTTP status that goes with it when there is one, and the error it wraps
 * (`cause`). Each adapter family has its subclass next to its adapter (MnsError, TablestoreError,
 * ...), the use cases theirs in shared/app, the HTTP edge its HttpProblem; {@link errorFields} is
 * the one way any of them (or anything else thrown) becomes log fields.
 *
 * It lives in the domain because every layer may import the domain and the domain imports nothing:
 * the base has to sit below all of its subclasses.
 */

export interface ServiceErrorOptions {
  /** A retry of the same operation may succeed (an outage, a throttle, a lost answer). */
  transient: boolean;
  /**
   * The status of the HTTP answer this failure came with: the cloud service's answer for a failed
   * call (0 where the MNS and Tablestore adapters had no answer at all), ours for an HttpProblem.
   */
  httpStatus?: number;
  cause?: unknown;
}

export class ServiceError extends Error {
  override readonly name: string = "ServiceError";
  /** Stable and machine-readable: the cloud service's own code, or one of ours. */
  readonly code: string;
  readonly transient: boolean;
  readonly httpStatus: number | undefined;

  constructor(code: string, message: string, options: ServiceErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.transient = options.transient;
    this.httpStatus = options.httpStatus;
  }
}

/**
 * A call to a service this one depends on (MNS, Tablestore, ECS, STS) failed: `httpStatus`, when
 * present, is the status of that service's answer, not one we give. The HTTP edge answers 503 to
 * such a failure that is an outage (docs/architecture.md, "Errors").
 */
export class DependencyError extends ServiceError {
  override readonly name: string = "DependencyError";
}

/** No answer (0), a throttle (429) or a server failure (5xx): the service, not the request, failed. */
export const isOutageStatus = (status: number | undefined): boolean =>
  status !== undefined && (status === 0 || status === 429 || status >= 500);

export const isServiceError = (error: unknown): error is ServiceError => error instanceof ServiceError;

/** What a log line holds about an error: bounded, so a huge message or a cause loop cannot flood it. */
export interface ErrorFields {
  name?: string;
  code?: string;
  message: string;
  transient?: boolean;
  httpStatus?: number;
  cause?: ErrorFields;
}

/** Messages are clipped to this many characters, and the cause chain to this many links. */
export const ERROR_FIELD_LIMITS = { messageChars: 1000, causeDepth: 3 } as const;

const clip = (text: string): string =>
  text.length > ERROR_FIELD_LIMITS.messageChars
    ? `${text.slice(0, ERROR_FIELD_LIMITS.messageChars)}... (${text.length} chars)`
    : text;

/** A code a foreign error carries (Node's `ECONNRESET`, an SDK's `NetworkingError`), if it is text. */
function foreignCode(error: Error): string | undefined {
  return "code" in error && typeof error.code === "string" ? error.code : undefined;
}

function ownFields(error: unknown): ErrorFields {
  if (error instanceof ServiceError) {
    return {
      name: error.name,
      code: error.code,
      message: clip(error.message),
      transient: error.transient,
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
    };
  }
  if (error instanceof Error) {
    const code = foreignCode(error);
    return { name: error.name, ...(code !== undefined ? { code } : {}), message: clip(error.message) };
  }
  return { message: clip(String(error)) };
}

/**
 * The log fields of anything thrown: name, code, message, transient and httpStatus where known,
 * and the chain of causes up to {@link ERROR_FIELD_LIMITS}.causeDepth links.
 */
export function errorFields(error: unknown): ErrorFields {
  const fields = ownFields(error);
  let link = fields;
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < ERROR_FIELD_LIMITS.causeDepth; depth++) {
    link.cause = ownFields(cause);
    link = link.cause;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return fields;
}
