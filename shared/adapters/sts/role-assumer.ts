/**
 * STS AssumeRole over `@alicloud/sts20150401` 1.x, signed with the caller's own keys (the function
 * role's, from the FC context). One HTTP attempt per call with explicit timeouts; every failure -
 * an STS error answer, a dropped connection, a timeout - becomes an {@link EcsFailure} classified
 * like any ECS failure (shared/domain/ecs-error-codes), so the worker treats `EntityNotExist.Role`
 * and `NoPermission` as permanent and throttling, 5xx and network faults as transient.
 *
 * `@alicloud/credentials`' `ram_role_arn` provider is not used: it speaks hard-coded HTTPS, so it
 * can never reach the local simulator (reference/ecs.md section 6), and it caches per provider
 * object rather than per account. The cache lives in ../credentials/assumed-role-provider.
 */
import * as $OpenApi from "@alicloud/openapi-core";
import * as $Sts from "@alicloud/sts20150401";
// The SDK's own runtime package: RuntimeOptions and RetryOptions are only defined there.
import * as $dara from "@darabonba/typescript";
import type { EcsFailure } from "../../app/ports";
import { classifyEcsFailure } from "../../domain/ecs-error-codes";
import type { AccessKeyCredentials } from "../credentials/index";
import { type ResolvedEndpoint, resolveEcsEndpoint, toEcsFailure } from "../ecs/pipeline-client";

/** What one AssumeRole asks for. */
export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  externalId?: string;
  timeoutMs: number;
}

export type AssumeRoleOutcome =
  | {
      ok: true;
      credentials: AccessKeyCredentials & { securityToken: string };
      expiresAt: Date;
      requestId: string;
    }
  | { ok: false; failure: EcsFailure };

/** AssumeRole with `source` as the caller. Never throws: every failure is an outcome. */
export type RoleAssumer = (
  source: AccessKeyCredentials,
  input: AssumeRoleInput,
) => Promise<AssumeRoleOutcome>;

export interface StsRoleAssumerOptions {
  /**
   * STS_ENDPOINT: `host[:port]` or `http(s)://host[:port]`, read like ECS_ENDPOINT (a loopback host
   * without a scheme is plain http: the local simulator). Unset: the region's public endpoint.
   */
  endpoint?: string;
  /** The function's region (FC context); picks the regional endpoint when none is configured. */
  regionId: string;
}

/**
 * The SDK is CommonJS with `exports.default = Client`: Node's ESM loader hands over the whole
 * `exports` as the default import, bundlers and vitest unwrap it. Take the class.
 */
type StsClientClass = typeof $Sts.default;
function clientClass(): StsClientClass {
  const outer = ($Sts as { default?: unknown }).default;
  const inner = (outer as { default?: unknown } | undefined)?.default;
  return (typeof inner === "function" ? inner : outer) as StsClientClass;
}

export function resolveStsEndpoint(configured: string | undefined, regionId: string): ResolvedEndpoint {
  if (configured) return resolveEcsEndpoint(configured, regionId);
  return { endpoint: regionId ? `sts.${regionId}.aliyuncs.com` : "sts.aliyuncs.com", protocol: "https" };
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

export function createStsRoleAssumer(options: StsRoleAssumerOptions): RoleAssumer {
  const where = resolveStsEndpoint(options.endpoint, options.regionId);
  return async (source, input) => {
    const timeout = Math.max(1, Math.floor(input.timeoutMs));
    try {
      // A client per call: AssumeRole runs about once per account and hour, and the source keys
      // rotate, so a client cache would buy nothing.
      const Client = clientClass();
      const client = new Client(
        new $OpenApi.$OpenApiUtil.Config({
          accessKeyId: source.accessKeyId,
          accessKeySecret: source.accessKeySecret,
          ...(source.securityToken ? { securityToken: source.securityToken } : {}),
          endpoint: where.endpoint,
          protocol: where.protocol,
          regionId: options.regionId || "cn-hangzhou",
          retryOptions: new $dara.RetryOptions({
            retryable: false,
            retryCondition: [],
            noRetryCondition: [],
          }),
        }),
      );
      const response = await client.assumeRoleWithOptions(
        new $Sts.AssumeRoleRequest({
          roleArn: input.roleArn,
          roleSessionName: input.roleSessionName,
          durationSeconds: input.durationSeconds,
          ...(input.externalId ? { externalId: input.externalId } : {}),
        }),
        new $dara.RuntimeOptions({
          readTimeout: timeout,
          connectTimeout: timeout,
          autoretry: false,
          maxAttempts: 0,
        }),
      );
      const body = response.body;
      const keys = body?.credentials;
      const requestId = text(body?.requestId) ?? "";
      const accessKeyId = text(keys?.accessKeyId);
      const accessKeySecret = text(keys?.accessKeySecret);
      const securityToken = text(keys?.securityToken);
      const expiresAt = new Date(text(keys?.expiration) ?? "");
      if (!accessKeyId || !accessKeySecret || !securityToken || Number.isNaN(expiresAt.getTime())) {
        return {
          ok: false,
          failure: {
            code: "UnparsableResponse",
            message: "The AssumeRole answer lacks credentials or their expiration",
            ...(requestId ? { requestId } : {}),
            transient: classifyEcsFailure({ code: "UnparsableResponse" }) === "transient",
          },
        };
      }
      return { ok: true, credentials: { accessKeyId, accessKeySecret, securityToken }, expiresAt, requestId };
    } catch (err) {
      return { ok: false, failure: toEcsFailure(err) };
    }
  };
}
