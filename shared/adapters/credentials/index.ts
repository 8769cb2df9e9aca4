/**
 * Which keys an SDK call for an account uses. The function's own keys come from the FC context
 * (the role's temporary keys in the cloud; locally the service account's long-term keys with an
 * empty token). A record in another account uses keys from STS AssumeRole on that account's role
 * (docs/processing.md, "Cross-account"): ./assumed-role-provider, which the worker wires.
 */
import { ServiceError } from "../../domain/errors";
import type { FcContext } from "../../fc/context";
import type { AccessKeyCredentials } from "./keys";

export type {
  AccessKeyCredentials,
  AccountCredentials,
  AccountCredentialsProvider,
  ForAccountOptions,
} from "./keys";

/** The function has no keys to sign with: a deployment error no retry fixes. */
export class CredentialsError extends ServiceError {
  override readonly name = "CredentialsError";
  declare readonly code: "MissingCredentials";
  constructor(message: string) {
    super("MissingCredentials", message, { transient: false });
  }
}

/**
 * The function's own keys. FC passes `{}` when the function has no role: that is a deployment
 * error, reported as one instead of as a signature failure from every service.
 */
export function credentialsFromContext(context: Pick<FcContext, "credentials">): AccessKeyCredentials {
  const { accessKeyId, accessKeySecret, securityToken } = (context.credentials ?? {}) as Partial<
    FcContext["credentials"]
  >;
  if (!accessKeyId || !accessKeySecret) {
    throw new CredentialsError(
      "The FC context carries no credentials: give the function a role (s.yaml `role`) so FC passes its keys",
    );
  }
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

/** Identifies a set of keys, so clients are rebuilt only when FC hands over other ones (it rotates the role's keys). */
export function keysFingerprint(keys: AccessKeyCredentials): string {
  return `${keys.accessKeyId}\n${keys.accessKeySecret}\n${keys.securityToken ?? ""}`;
}

export {
  ASSUMED_ROLE_DEFAULTS,
  type AssumedRoleProviderOptions,
  assumedRoleCredentials,
  roleArnOf,
  roleSessionName,
} from "./assumed-role-provider";
