/**
 * CreateImagePipeline over `@alicloud/ecs20140526` 7.x: one HTTP attempt per call (the worker owns
 * retries and their time budget), explicit timeouts, the parameters in a signed form body, and
 * every failure - an ECS error answer, a dropped connection, a timeout, an answer that cannot be
 * read - turned into a {@link CloudApiFailure} classified by shared/domain/ecs-error-codes.
 */
import { createHash } from "node:crypto";
import * as $Ecs from "@alicloud/ecs20140526";
import * as $OpenApi from "@alicloud/openapi-core";
import * as $dara from "@darabonba/typescript";
import type { CreatePipelineOutcome, PipelineClient, PipelineTarget } from "../../app/ports";
import { ServiceError } from "../../domain/errors";
import type { PipelineRequest } from "../../domain/request/normalize";
import {
  failure,
  type ResolvedEndpoint,
  resolveEndpoint,
  sdkClientClass,
  singleAttemptConfig,
  singleAttemptRuntime,
  text,
  toCloudApiFailure,
} from "../alibaba-rpc/index";
import type { AccessKeyCredentials, AccountCredentialsProvider } from "../credentials/index";

type EcsClientClass = typeof $Ecs.default;
const clientClass = (): EcsClientClass => sdkClientClass<EcsClientClass>($Ecs);
type EcsClient = InstanceType<EcsClientClass>;

export interface PipelineClientOptions {
  /**
   * ECS_ENDPOINT: `host[:port]` or `http(s)://host[:port]`. Without a scheme, a loopback host is
   * spoken to over http (the local simulator), anything else over https. Unset: the SDK's own
   * endpoint for the target region.
   */
  endpoint?: string | undefined;
  credentials: AccountCredentialsProvider;
}

/** ECS_ENDPOINT as ../alibaba-rpc reads endpoints; unset: undefined, the SDK resolves the region. */
export function resolveEcsEndpoint(configured: string | undefined): ResolvedEndpoint | undefined {
  return resolveEndpoint(configured);
}

/**
 * CreateImagePipeline as the SDK describes it (`createImagePipelineWithOptions`), except where the
 * parameters go. The generated method puts every one of them in the URL query; with a 16 KB
 * BuildContent and TestContent (multi-byte text grows ~9x when percent-encoded) that URL passes the
 * API gateway's limit and is refused with 414. The operation takes POST with `formData`, so the
 * same flattened parameters go in an `application/x-www-form-urlencoded` body, which the ACS3
 * signature covers through `x-acs-content-sha256`.
 */
const CREATE_IMAGE_PIPELINE = new $OpenApi.$OpenApiUtil.Params({
  action: "CreateImagePipeline",
  version: "2014-05-26",
  protocol: "HTTPS",
  pathname: "/",
  method: "POST",
  authType: "AK",
  style: "RPC",
  reqBodyType: "formData",
  bodyType: "json",
});

/**
 * The form body of one call: the request model's wire map flattened as the SDK flattens its query
 * (`ImageOptions.ImageTags.1.Key`, `ToRegionId.1`, ...), with every value a string.
 */
export function createImagePipelineForm(request: $Ecs.CreateImagePipelineRequest): Record<string, string> {
  return $OpenApi.OpenApiUtil.query(request.toMap());
}

async function createImagePipelineViaForm(
  client: EcsClient,
  request: $Ecs.CreateImagePipelineRequest,
  runtime: $dara.RuntimeOptions,
): Promise<$Ecs.CreateImagePipelineResponse> {
  request.validate();
  const answer = await client.callApi(
    CREATE_IMAGE_PIPELINE,
    new $OpenApi.$OpenApiUtil.OpenApiRequest({ body: createImagePipelineForm(request) }),
    runtime,
  );
  return $dara.cast<$Ecs.CreateImagePipelineResponse>(answer, new $Ecs.CreateImagePipelineResponse({}));
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

/** A request field the SDK's CreateImagePipeline model has no place for. */
export class UnmappedParameterError extends ServiceError {
  override readonly name = "UnmappedParameterError";
  declare readonly code: "InvalidParameter.UnknownKey";
  constructor(message: string) {
    super("InvalidParameter.UnknownKey", message, { transient: false });
  }
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

/**
 * The SDK client for calls into `regionId` with `keys`: pointed at ECS_ENDPOINT when it is set,
 * else at whatever endpoint the SDK's own map gives the region.
 */
export function ecsClientFor(
  configured: string | undefined,
  regionId: string,
  keys: AccessKeyCredentials,
): EcsClient {
  const where = resolveEcsEndpoint(configured);
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        where?.endpoint ?? "",
        where?.protocol ?? "",
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
        const client = ecsClientFor(options.endpoint, target.regionId, keys.credentials);
        const response = await createImagePipelineViaForm(
          client,
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
        return { ok: false, failure: toCloudApiFailure(err) };
      }
    },
  };
}
