/**
 * Alibaba Cloud's RPC call plumbing that the ECS and STS adapters share. Alibaba names these SDKs
 * "OpenAPI" (`@alicloud/openapi-core` clients sign each RPC/ROA request); this folder has nothing to
 * do with the OpenAPI document of our HTTP API (shared/http/openapi.ts), hence its name. It covers: taking the client class out of a CommonJS module, reading an endpoint setting, a
 * configuration that makes one attempt per call (the caller owns retries and their time budget),
 * per-call options with explicit timeouts, and turning whatever a call throws, an answer that is
 * not JSON included, into a {@link CloudApiFailure}.
 */
import * as $OpenApi from "@alicloud/openapi-core";
// The SDKs' own runtime package: RuntimeOptions and RetryOptions are only defined there.
import * as $dara from "@darabonba/typescript";
import type { CloudApiFailure } from "../../app/ports";
import { classifyEcsFailure, UNPARSABLE_RESPONSE_CODE } from "../../domain/ecs-error-codes";
import { DependencyError } from "../../domain/errors";
import type { AccessKeyCredentials } from "../credentials/keys";

/**
 * The SDKs are CommonJS with `exports.default = Client`: Node's ESM loader (tsx, plain node) hands
 * over the whole `exports` as the default import, bundlers and vitest unwrap it. Take the class.
 */
export function sdkClientClass<T>(module: { default?: unknown }): T {
  const outer = module.default;
  const inner = (outer as { default?: unknown } | undefined)?.default;
  return (typeof inner === "function" ? inner : outer) as T;
}

export interface ResolvedEndpoint {
  endpoint: string;
  protocol: "http" | "https";
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

/**
 * An endpoint setting (ECS_ENDPOINT, STS_ENDPOINT): `host[:port]` or `http(s)://host[:port]`.
 * Without a scheme, a loopback host is spoken to over http (the local simulator), anything else
 * over https. Unset: undefined, and the SDK picks the region's endpoint from its own map (some
 * regions are served elsewhere than `<product>.<region>.aliyuncs.com`) over the API's HTTPS.
 */
export function resolveEndpoint(configured: string | undefined): ResolvedEndpoint | undefined {
  if (!configured?.trim()) return undefined;
  const withScheme = /^(https?):\/\/(.+?)\/*$/i.exec(configured.trim());
  if (withScheme) {
    return {
      endpoint: withScheme[2] ?? "",
      protocol: withScheme[1]?.toLowerCase() === "http" ? "http" : "https",
    };
  }
  const host = configured.trim().replace(/\/+$/, "");
  return { endpoint: host, protocol: LOOPBACK.test(host) ? "http" : "https" };
}

/**
 * A call whose answer was not the JSON the SDK reads (a gateway's HTML error page, an empty or
 * cut body), with the HTTP status it came with; undefined only if no status was seen.
 */
export class UnreadableAnswerError extends DependencyError {
  override readonly name = "UnreadableAnswerError";
  constructor(statusCode: number | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const status = statusCode !== undefined ? { httpStatus: statusCode } : {};
    super(UNPARSABLE_RESPONSE_CODE, `HTTP ${statusCode ?? "(no status)"} answer is not JSON: ${reason}`, {
      transient: classifyEcsFailure({ code: UNPARSABLE_RESPONSE_CODE, ...status }) === "transient",
      ...status,
      cause,
    });
  }
}

/**
 * The SDK parses every answer as JSON, error answers too, and a body that is not JSON escapes as a
 * bare SyntaxError: the HTTP status, all there is to judge such an answer by, is lost. The only
 * place that still holds it is the context the SDK hands its retry policy before a second attempt.
 * So our retry options accept a SyntaxError for "retry", and the backoff policy, asked how long to
 * wait before that attempt, throws an {@link UnreadableAnswerError} with the status instead: the
 * second attempt is never made (the call is still one HTTP request), and every other failure is not
 * retried at all.
 */
class StopWithTheStatus extends $dara.BackoffPolicy {
  constructor() {
    super({ policy: "StopWithTheStatus" });
  }
  override getDelayTime(ctx: $dara.RetryPolicyContext): number {
    throw new UnreadableAnswerError(ctx.httpResponse?.statusCode, ctx.exception);
  }
}

function singleAttemptRetryOptions(): $dara.RetryOptions {
  const options = new $dara.RetryOptions({
    retryable: true,
    retryCondition: [{ exception: ["SyntaxError"], errorCode: [], maxAttempts: 2 }],
    noRetryCondition: [],
  });
  for (const condition of options.retryCondition) condition.backoff = new StopWithTheStatus();
  return options;
}

/**
 * A client configuration that makes one HTTP attempt per call (the caller owns retries and their
 * time budget). `where` undefined: no endpoint, so the SDK resolves the region's endpoint itself.
 */
export function singleAttemptConfig(
  keys: AccessKeyCredentials,
  where: ResolvedEndpoint | undefined,
  regionId: string,
): $OpenApi.$OpenApiUtil.Config {
  return new $OpenApi.$OpenApiUtil.Config({
    accessKeyId: keys.accessKeyId,
    accessKeySecret: keys.accessKeySecret,
    ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
    ...(where ? { endpoint: where.endpoint, protocol: where.protocol } : {}),
    regionId,
    retryOptions: singleAttemptRetryOptions(),
  });
}

/**
 * One attempt within `timeoutMs`. connectTimeout is also the socket's idle timeout in the SDK's
 * HTTP layer: keep both equal so a slow answer is a read timeout of the whole budget, not an early
 * "connect" timeout.
 */
export function singleAttemptRuntime(timeoutMs: number): $dara.RuntimeOptions {
  const timeout = Math.max(1, Math.floor(timeoutMs));
  return new $dara.RuntimeOptions({
    readTimeout: timeout,
    connectTimeout: timeout,
    autoretry: false,
    maxAttempts: 0,
  });
}

/** Node's system error codes (ECONNRESET, ECONNREFUSED, ENOTFOUND, EAI_AGAIN...) and undici's. */
const NETWORK_CODE = /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/** A non-empty string, or undefined (the SDK writes absent fields as "undefined" at times). */
export const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" && value !== "undefined" ? value : undefined;

/** A CloudApiFailure with `transient` from shared/domain/ecs-error-codes. */
export function failure(
  code: string,
  message: string,
  extra: { requestId?: string | undefined; httpStatus?: number | undefined } = {},
): CloudApiFailure {
  const httpStatus = extra.httpStatus;
  return {
    code,
    message,
    ...(extra.requestId ? { requestId: extra.requestId } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    transient:
      classifyEcsFailure({ code, ...(httpStatus !== undefined ? { httpStatus } : {}) }) === "transient",
  };
}

/** Whatever an OpenAPI SDK call threw, as a CloudApiFailure (docs/cloud-facts.md, "ECS SDK errors"). */
export function toCloudApiFailure(err: unknown): CloudApiFailure {
  if (err instanceof UnreadableAnswerError) {
    return failure(err.code, err.message, {
      ...(err.httpStatus !== undefined ? { httpStatus: err.httpStatus } : {}),
    });
  }
  const e = isObject(err) ? err : {};
  const message = err instanceof Error ? err.message : String(err);
  const code = text(e.code);
  const statusCode = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const data = isObject(e.data) ? e.data : {};
  if (statusCode !== undefined) {
    return failure(code ?? text(data.Code) ?? `Http${statusCode}`, text(data.Message) ?? message, {
      requestId: text(data.RequestId) ?? text(e.requestId),
      httpStatus: statusCode,
    });
  }
  if (e.name === "RequestTimeoutError") return failure("Timeout", message);
  if (code && NETWORK_CODE.test(code)) return failure("NetworkError", `${code}: ${message}`);
  // A body that is not JSON (a proxy's HTML page) or not the expected shape.
  if (err instanceof SyntaxError || /mismatch/i.test(message))
    return failure(UNPARSABLE_RESPONSE_CODE, message);
  return failure(code ?? "ClientSideError", message);
}
