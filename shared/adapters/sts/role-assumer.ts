/**
 * STS AssumeRole over `@alicloud/sts20150401` 1.x, signed with the caller's own keys (the function
 * role's, from the FC context). One HTTP attempt per call with explicit timeouts; every failure -
 * an STS error answer, a dropped connection, a timeout - becomes a {@link CloudApiFailure} classified
 * like any ECS failure (shared/domain/ecs-error-codes), so the worker treats `EntityNotExist.Role`
 * and `NoPermission` as permanent and throttling, 5xx and network faults as transient.
 *
 * `@alicloud/credentials`' `ram_role_arn` provider is not used: it speaks hard-coded HTTPS, so it
 * can never reach the local simulator (docs/cloud-facts.md, "STS and cross-account credentials"), and it caches per provider
 * object rather than per account. The cache lives in ../credentials/assumed-role-provider.
 */
import * as $Sts from "@alicloud/sts20150401";
import type { CloudApiFailure } from "../../app/ports";
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
import type { AccessKeyCredentials } from "../credentials/keys";

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
  | { ok: false; failure: CloudApiFailure };

/** AssumeRole with `source` as the caller. Never throws: every failure is an outcome. */
export type RoleAssumer = (
  source: AccessKeyCredentials,
  input: AssumeRoleInput,
) => Promise<AssumeRoleOutcome>;

export interface StsRoleAssumerOptions {
  /**
   * STS_ENDPOINT: `host[:port]` or `http(s)://host[:port]`, read like ECS_ENDPOINT (a loopback host
   * without a scheme is plain http: the local simulator). Unset: the SDK's endpoint for the region.
   */
  endpoint?: string | undefined;
  /** The function's region (FC context); picks the regional endpoint when none is configured. */
  regionId: string;
}

type StsClientClass = typeof $Sts.default;
const clientClass = (): StsClientClass => sdkClientClass<StsClientClass>($Sts);

/** STS's global endpoint, for a function that knows no region (the SDK refuses an empty one). */
const GLOBAL_STS: ResolvedEndpoint = { endpoint: "sts.aliyuncs.com", protocol: "https" };

/**
 * STS_ENDPOINT as ../alibaba-rpc reads endpoints. Unset: undefined, and the SDK picks the region's
 * endpoint from its own map (it sends `ap-south-1` and `ap-southeast-2`, among others, to
 * `sts.aliyuncs.com`); with no region either, the global endpoint.
 */
export function resolveStsEndpoint(
  configured: string | undefined,
  regionId: string,
): ResolvedEndpoint | undefined {
  return resolveEndpoint(configured) ?? (regionId ? undefined : GLOBAL_STS);
}

/** The SDK client for AssumeRole from the function's region with `source` keys. */
export function stsClientFor(
  configured: string | undefined,
  regionId: string,
  source: AccessKeyCredentials,
): InstanceType<StsClientClass> {
  const Client = clientClass();
  return new Client(
    singleAttemptConfig(source, resolveStsEndpoint(configured, regionId), regionId || "cn-hangzhou"),
  );
}

export function createStsRoleAssumer(options: StsRoleAssumerOptions): RoleAssumer {
  return async (source, input) => {
    try {
      // A client per call: AssumeRole runs about once per account and hour, and the source keys
      // rotate, so a client cache would buy nothing.
      const client = stsClientFor(options.endpoint, options.regionId, source);
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
      return { ok: false, failure: toCloudApiFailure(err) };
    }
  };
}
