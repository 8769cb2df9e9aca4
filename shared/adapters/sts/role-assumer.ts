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
import * as $Sts from "@alicloud/sts20150401";
import type { EcsFailure } from "../../app/ports";
import type { AccessKeyCredentials } from "../credentials/index";
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

type StsClientClass = typeof $Sts.default;
const clientClass = (): StsClientClass => sdkClientClass<StsClientClass>($Sts);

export function resolveStsEndpoint(configured: string | undefined, regionId: string): ResolvedEndpoint {
  return resolveEndpoint(configured, regionId ? `sts.${regionId}.aliyuncs.com` : "sts.aliyuncs.com");
}

export function createStsRoleAssumer(options: StsRoleAssumerOptions): RoleAssumer {
  const where = resolveStsEndpoint(options.endpoint, options.regionId);
  return async (source, input) => {
    try {
      // A client per call: AssumeRole runs about once per account and hour, and the source keys
      // rotate, so a client cache would buy nothing.
      const Client = clientClass();
      const client = new Client(singleAttemptConfig(source, where, options.regionId || "cn-hangzhou"));
      const response = await client.assumeRoleWithOptions(
        new $Sts.AssumeRoleRequest({
          roleArn: input.roleArn,
          roleSessionName: input.roleSessionName,
          durationSeconds: input.durationSeconds,
          ...(input.externalId ? { externalId: input.externalId } : {}),
        }),
        singleAttemptRuntime(input.timeoutMs),
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
          failure: failure(
            "UnparsableResponse",
            "The AssumeRole answer lacks credentials or their expiration",
            {
              ...(requestId ? { requestId } : {}),
            },
          ),
        };
      }
      return { ok: true, credentials: { accessKeyId, accessKeySecret, securityToken }, expiresAt, requestId };
    } catch (err) {
      return { ok: false, failure: toEcsFailure(err) };
    }
  };
}
