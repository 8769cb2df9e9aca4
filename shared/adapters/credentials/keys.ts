/**
 * The shapes of keys and of the per-account key provider, on their own so the provider
 * (./assumed-role-provider), STS (../sts) and the RPC plumbing (../alibaba-rpc) can name them without
 * importing the barrel (./index) that re-exports the provider: that was an import cycle.
 */
import type { CloudApiFailure } from "../../app/ports";

export interface AccessKeyCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Absent for long-term keys. */
  securityToken?: string;
}

export type AccountCredentials =
  | { ok: true; credentials: AccessKeyCredentials }
  | { ok: false; failure: CloudApiFailure };

/** What the call that needs the keys can tell the provider. */
export interface ForAccountOptions {
  /** The caller's remaining time budget: an AssumeRole made for it takes no longer. */
  timeoutMs?: number;
  /** Names the cause (the record's ClientToken) in the assumed role's session name. */
  sessionHint?: string;
}

export interface AccountCredentialsProvider {
  /** Never throws: a failure to get keys is a failure of the record's call, with a code. */
  forAccount(accountId: string, options?: ForAccountOptions): Promise<AccountCredentials>;
}
