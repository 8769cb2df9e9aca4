/**
 * CreateImagePipeline over `@alicloud/ecs20140526` 7.x: one HTTP attempt per call (the worker owns
 * retries and their time budget), explicit timeouts, and every failure - an ECS error answer, a
 * dropped connection, a timeout, an answer that cannot be read - turned into an {@link EcsFailure}
 * classified by shared/domain/ecs-error-codes.
 */
import { createHash } from "node:crypto";
import * as $Ecs from "@alicloud/ecs20140526";
import * as $OpenApi from "@alicloud/openapi-core";
// The SDK's own runtime package: RuntimeOptions and RetryOptions are only defined there.
import * as $dara from "@darabonba/typescript";
import type { CreatePipelineOutcome, EcsFailure, PipelineClient, PipelineTarget } from "../../app/ports";
import { classifyEcsFailure } from "../../domain/ecs-error-codes";
import type { PipelineRequest } from "../../domain/request/normalize";
import type { AccessKeyCredentials, AccountCredentialsProvider } from "../credentials/index";

/**
 * The SDK is CommonJS with `exports.default = Client`: Node's ESM loader (tsx, plain node) hands
 * over the whole `exports` as the default import, bundlers and vitest unwrap it. Take the class.
 */
type EcsClientClass = typeof $Ecs.default;
function clientClass(): EcsClientClass {
  const outer = ($Ecs as { default?: unknown }).default;
  const inner = (outer as { default?: unknown } | undefined)?.default;
  return (typeof inner === "function" ? inner : outer) as EcsClientClass;
}
type EcsClient = InstanceType<EcsClientClass>;

export interface PipelineClientOptions {
  /**
   * ECS_ENDPOINT: `host[:port]` or `http(s)://host[:port]`. Without a scheme, a loopback host is
   * spoken to over http (the local simulator), anything else over https. Unset: the region's
   * public endpoint `ecs.<region>.aliyuncs.com`.
   */
  endpoint?: string;
  credentials: AccountCredentialsProvider;
}

export interface ResolvedEndpoint {
  endpoint: string;
  protocol: "http" | "https";
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

export function resolveEcsEndpoint(configured: string | undefined, regionId: string): ResolvedEndpoint {
  if (!configured) return { endpoint: `ecs.${regionId}.aliyuncs.com`, protocol: "https" };
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

/** SDK model classes describe themselves: property -> wire name, and property -> type. */
interface ModelClass {
  names(): Record<string, string>;
  types(): Record<string, unknown>;
}

const isModelClass = (type: unknown): type is ModelClass =>
  typeof type === "function" && typeof (type as Partial<ModelClass>).names === "function";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

export class UnmappedParameterError extends Error {
  override readonly name = "UnmappedParameterError";
  readonly code = "InvalidParameter.UnknownKey";
}

/**
 * Our request uses the API's wire names (PascalCase); the SDK's models take their property names
 * (mostly camelCase, but `OSSBucket`, `OSType`...) and silently drop keys they do not know. Walk
 * the SDK's own name tables so every field lands, and refuse a field that has no place.
 */
function toModelInput(
  value: Record<string, unknown>,
  model: ModelClass,
  path: string,
): Record<string, unknown> {
  const propertyOf = new Map(Object.entries(model.names()).map(([property, wire]) => [wire, property]));
  const types = model.types();
  const input: Record<string, unknown> = {};
  for (const [wire, field] of Object.entries(value)) {
    if (field === undefined) continue;
    const property = propertyOf.get(wire);
    if (property === undefined)
      throw new UnmappedParameterError(`${path}${wire} has no CreateImagePipeline parameter`);
    input[property] = convert(field, types[property], `${path}${wire}.`);
  }
  return input;
}

function convert(field: unknown, type: unknown, path: string): unknown {
  if (isModelClass(type) && isObject(field)) return toModelInput(field, type, path);
  if (isObject(type) && type.type === "array" && Array.isArray(field)) {
    return field.map((item) => convert(item, type.itemType, path));
  }
  // Scalars go as they are; AddAccount ids stay strings (the SDK only stringifies them), so a
  // 16-digit account id never passes through a float.
  return field;
}

/** The SDK request for one call: the stored parameters, the target region, the record's token. */
export function toCreateImagePipelineRequest(
  target: PipelineTarget,
  request: PipelineRequest,
  clientToken: string,
): $Ecs.CreateImagePipelineRequest {
  const { AccountId: _ourField, ClientToken: _replaced, ...parameters } = request;
  const input = toModelInput(parameters, $Ecs.CreateImagePipelineRequest, "");
  return new $Ecs.CreateImagePipelineRequest({ ...input, regionId: target.regionId, clientToken });
}

/** Node's system error codes (ECONNRESET, ECONNREFUSED, ENOTFOUND, EAI_AGAIN...) and undici's. */
const NETWORK_CODE = /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/;

function failure(
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

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" && value !== "undefined" ? value : undefined;

/** Whatever the SDK threw, as an EcsFailure (reference/ecs.md §1.5). */
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

/** One SDK client per endpoint, region and keys, kept for the life of the instance. */
const clients = new Map<string, EcsClient>();
const MAX_CACHED_CLIENTS = 64;

function clientFor(where: ResolvedEndpoint, regionId: string, keys: AccessKeyCredentials): EcsClient {
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        where.endpoint,
        where.protocol,
        regionId,
        keys.accessKeyId,
        keys.accessKeySecret,
        keys.securityToken ?? "",
      ]),
    )
    .digest("hex");
  const cached = clients.get(key);
  if (cached) return cached;
  const Client = clientClass();
  const client = new Client(
    new $OpenApi.$OpenApiUtil.Config({
      accessKeyId: keys.accessKeyId,
      accessKeySecret: keys.accessKeySecret,
      ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
      endpoint: where.endpoint,
      protocol: where.protocol,
      regionId,
      // The SDK retries nothing unless retryOptions says so; say so explicitly.
      retryOptions: new $dara.RetryOptions({ retryable: false, retryCondition: [], noRetryCondition: [] }),
    }),
  );
  if (clients.size >= MAX_CACHED_CLIENTS) {
    const oldest = clients.keys().next().value;
    if (oldest !== undefined) clients.delete(oldest);
  }
  clients.set(key, client);
  return client;
}

export function createPipelineClient(options: PipelineClientOptions): PipelineClient {
  return {
    async createImagePipeline(target, request, clientToken, { timeoutMs }): Promise<CreatePipelineOutcome> {
      // Keys for another account may cost an STS call first; it comes out of the same budget.
      const startedAt = Date.now();
      const keys = await options.credentials.forAccount(target.accountId, {
        timeoutMs,
        sessionHint: clientToken,
      });
      if (!keys.ok) return { ok: false, failure: keys.failure };
      let sdkRequest: $Ecs.CreateImagePipelineRequest;
      try {
        sdkRequest = toCreateImagePipelineRequest(target, request, clientToken);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, failure: { code: "InvalidParameter.UnknownKey", message, transient: false } };
      }
      const timeout = Math.max(1, Math.floor(timeoutMs - (Date.now() - startedAt)));
      try {
        const client = clientFor(
          resolveEcsEndpoint(options.endpoint, target.regionId),
          target.regionId,
          keys.credentials,
        );
        // connectTimeout is also the socket's idle timeout in the SDK's HTTP layer: keep both equal
        // so a slow answer is a read timeout of the whole budget, not an early "connect" timeout.
        const response = await client.createImagePipelineWithOptions(
          sdkRequest,
          new $dara.RuntimeOptions({
            readTimeout: timeout,
            connectTimeout: timeout,
            autoretry: false,
            maxAttempts: 0,
          }),
        );
        const imagePipelineId = text(response.body?.imagePipelineId);
        const requestId = text(response.body?.requestId);
        if (!imagePipelineId) {
          return {
            ok: false,
            failure: failure("UnparsableResponse", "The CreateImagePipeline answer has no ImagePipelineId", {
              ...(requestId ? { requestId } : {}),
              ...(typeof response.statusCode === "number" ? { httpStatus: response.statusCode } : {}),
            }),
          };
        }
        return { ok: true, imagePipelineId, requestId: requestId ?? "" };
      } catch (err) {
        return { ok: false, failure: toEcsFailure(err) };
      }
    },
  };
}
