/**
 * CreateImagePipeline over `@alicloud/ecs20140526` 7.x: one HTTP attempt per call (the worker owns
 * retries and their time budget), explicit timeouts, and every failure - an ECS error answer, a
 * dropped connection, a timeout, an answer that cannot be read - turned into an {@link EcsFailure}
 * classified by shared/domain/ecs-error-codes.
 */
import { createHash } from "node:crypto";
import * as $Ecs from "@alicloud/ecs20140526";
import type { CreatePipelineOutcome, PipelineClient, PipelineTarget } from "../../app/ports";
import type { PipelineRequest } from "../../domain/request/normalize";
import type { AccessKeyCredentials, AccountCredentialsProvider } from "../credentials/index";
import {
  failure,
  type ResolvedEndpoint,
  resolveEndpoint,
  sdkClientClass,
  singleAttemptConfig,
  singleAttemptRuntime,
  text,
  toEcsFailure,
} from "../openapi/index";

type EcsClientClass = typeof $Ecs.default;
const clientClass = (): EcsClientClass => sdkClientClass<EcsClientClass>($Ecs);
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

/** ECS_ENDPOINT as ../openapi reads endpoints; unset: the region's public endpoint. */
export function resolveEcsEndpoint(configured: string | undefined, regionId: string): ResolvedEndpoint {
  return resolveEndpoint(configured, `ecs.${regionId}.aliyuncs.com`);
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
  const client = new Client(singleAttemptConfig(keys, where, regionId));
  if (clients.size >= MAX_CACHED_CLIENTS) {
    const oldest = clients.keys().next().value;
    if (oldest !== undefined) clients.delete(oldest);
  }
  clients.set(key, client);
  return client;
}

export function createPipelineClient(options: PipelineClientOptions): PipelineClient {
  return {
    // The same keys the call would use (cached by the provider); nothing reaches ECS.
    async checkAccess(target, clientToken, { timeoutMs }) {
      const keys = await options.credentials.forAccount(target.accountId, {
        timeoutMs,
        sessionHint: clientToken,
      });
      return keys.ok ? { ok: true } : { ok: false, failure: { ...keys.failure, reachedEcs: false } };
    },
    async createImagePipeline(target, request, clientToken, { timeoutMs }): Promise<CreatePipelineOutcome> {
      // Keys for another account may cost an STS call first; it comes out of the same budget.
      const startedAt = Date.now();
      const keys = await options.credentials.forAccount(target.accountId, {
        timeoutMs,
        sessionHint: clientToken,
      });
      // Nothing reached ECS: such a failure settles nothing about the token (domain/call-outcome).
      if (!keys.ok) return { ok: false, failure: { ...keys.failure, reachedEcs: false } };
      let sdkRequest: $Ecs.CreateImagePipelineRequest;
      try {
        sdkRequest = toCreateImagePipelineRequest(target, request, clientToken);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return {
          ok: false,
          failure: { code: "InvalidParameter.UnknownKey", message, transient: false, reachedEcs: false },
        };
      }
      try {
        const client = clientFor(
          resolveEcsEndpoint(options.endpoint, target.regionId),
          target.regionId,
          keys.credentials,
        );
        const response = await client.createImagePipelineWithOptions(
          sdkRequest,
          singleAttemptRuntime(timeoutMs - (Date.now() - startedAt)),
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
