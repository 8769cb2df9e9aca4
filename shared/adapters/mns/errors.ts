/**
 * MNS failures as values with codes. `@alicloud/mns` throws a plain Error whose only structure is its
 * name (`MNS<Code>Error`) and a message `"<VERB> <url> failed with <status>. requestid: <id>, hostid:
 * <host>, message: <text>"`; non-MNS failures (timeouts, refused connections, a non-XML answer) have
 * no MNS code at all. {@link toMnsError} turns each into one shape: a {@link DependencyError} whose
 * `transient` says the service did not answer (`httpStatus` 0), throttled (429) or failed (5xx).
 */
import { DependencyError, isOutageStatus } from "../../domain/errors";

/** Codes for failures that never reached an MNS answer, next to the service's own codes. */
export const CLIENT_SIDE_CODES = {
  /** Connection refused/reset, DNS, or a timeout: the request may or may not have been applied. */
  network: "NetworkError",
  /** An HTTP answer that is not an MNS XML document (e.g. a proxy's 502 page). */
  unexpectedResponse: "UnexpectedResponse",
  /** The answer's MessageBodyMD5 does not match what was sent. */
  md5Mismatch: "MessageBodyMD5Mismatch",
} as const;

/** A failed MNS queue or topic call. */
export class MnsError extends DependencyError {
  override readonly name = "MnsError";
  /** The MNS error code (`QueueNotExist`, `MessageNotExist`, ...) or one of {@link CLIENT_SIDE_CODES}. */
  declare readonly code: string;
  /** 0 when no HTTP answer was received. */
  declare readonly httpStatus: number;
  constructor(
    code: string,
    message: string,
    httpStatus: number,
    readonly requestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(code, message, { transient: isOutageStatus(httpStatus), httpStatus, cause: options?.cause });
  }
}

const SDK_ERROR_NAME = /^MNS(.+)Error$/;
const SDK_ERROR_MESSAGE = /failed with (\d{3})\. requestid: ([^,]*), hostid: [^,]*, message: ([\s\S]*)$/;

export function toMnsError(err: unknown): MnsError {
  if (err instanceof MnsError) return err;
  if (err instanceof Error) {
    const code = SDK_ERROR_NAME.exec(err.name)?.[1];
    if (code) {
      const parts = SDK_ERROR_MESSAGE.exec(err.message);
      const requestId = parts?.[2];
      return new MnsError(
        code,
        parts?.[3] ?? err.message,
        parts ? Number(parts[1]) : 0,
        requestId && requestId !== "undefined" ? requestId : undefined,
        { cause: err },
      );
    }
    // The SDK reads a root element it did not expect as `Object.keys(undefined)`.
    if (err instanceof TypeError) {
      return new MnsError(CLIENT_SIDE_CODES.unexpectedResponse, err.message, 0, undefined, { cause: err });
    }
    return new MnsError(CLIENT_SIDE_CODES.network, `${err.name}: ${err.message}`, 0, undefined, {
      cause: err,
    });
  }
  return new MnsError(CLIENT_SIDE_CODES.network, String(err), 0, undefined, { cause: err });
}

/** The SDK resolves non-XML error answers instead of throwing; this makes them errors too. */
export function expectStatus(
  response: { code: number; headers: Record<string, string | undefined> },
  ok: readonly number[],
): void {
  if (!ok.includes(response.code)) {
    throw new MnsError(
      CLIENT_SIDE_CODES.unexpectedResponse,
      `MNS answered HTTP ${response.code}, expected ${ok.join(" or ")}`,
      response.code,
      response.headers["x-mns-request-id"],
    );
  }
}

/** Runs one SDK call and rethrows any failure as an {@link MnsError}. */
export async function mnsCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toMnsError(err);
  }
}
