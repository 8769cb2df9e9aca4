/**
 * What the ECS and STS adapters share about Alibaba Cloud's OpenAPI SDKs (`@alicloud/openapi-core`
 * clients): taking the client class out of a CommonJS module, reading an endpoint setting, a
 * configuration that never retries (the caller owns retries and their time budget), per-call
 * options with explicit timeouts, and turning whatever a call throws into an {@link EcsFailure}.
 */
import * as $OpenApi from "@alicloud/openapi-core";
// The SDKs' own runtime package: RuntimeOptions and RetryOptions are only defined there.
import * as $dara from "@darabonba/typescript";
import type { EcsFailure } from "../../app/ports";
import { classifyEcsFailure } from "../../domain/ecs-error-codes";
import type { AccessKeyCredentials } from "../credentials/index";

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
 * over https. Unset: `publicHost` over https.
 */
export function resolveEndpoint(configured: string | undefined, publicHost: string): ResolvedEndpoint {
  if (!configured) return { endpoint: publicHost, protocol: "https" };
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

/** A client configuration that retries nothing: the SDK retries only when retryOptions says so. */
export function singleAttemptConfig(
  keys: AccessKeyCredentials,
  where: ResolvedEndpoint,
  regionId: string,
): $OpenApi.$OpenApiUtil.Config {
  return new $OpenApi.$OpenApiUtil.Config({
    accessKeyId: keys.accessKeyId,
    accessKeySecret: keys.accessKeySecret,
    ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
    endpoint: where.endpoint,
    protocol: where.protocol,
    regionId,
    retryOptions: new $dara.RetryOptions({ retryable: false, retryCondition: [], noRetryCondition: [] }),
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

/** An EcsFailure with `transient` from shared/domain/ecs-error-codes. */
export function failure(
  code: string,
  message: string,
  extra: { requestId?: string; httpStatus?: number } = {},
): EcsFailure {
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

/** Whatever an OpenAPI SDK call threw, as an EcsFailure (reference/ecs.md §1.5). */
export function toEcsFailure(err: unknown): EcsFailure {
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
  if (err instanceof SyntaxError || /mismatch/i.test(message)) return failure("UnparsableResponse", message);
  return failure(code ?? "ClientSideError", message);
}
