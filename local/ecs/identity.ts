/**
 * Who may call the simulator and as which account: the long-term keys of local/identities.ts, the
 * roles other accounts create for the service, and the temporary keys STS AssumeRole hands out.
 */
import { randomBytes } from "node:crypto";
import {
  LOCAL_ACCESS_KEYS,
  LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TRUSTING_ACCOUNT_IDS,
  type LocalAccessKey,
} from "../identities";
import { FAULTS, fault, type Outcome, type RpcFault } from "./errors";
import type { SignatureClaim } from "./protocol";

export interface Principal {
  accountId: string;
  accessKeyId: string;
  /** Set when the caller signs with temporary keys from AssumeRole. */
  assumedRoleArn?: string;
}

export interface StsSession {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  accountId: string;
  roleArn: string;
  roleSessionName: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface Role {
  accountId: string;
  roleName: string;
  /** Accounts whose principals the role's trust policy admits. */
  trustedAccountIds: readonly string[];
}

export interface AssumeRoleInput {
  RoleArn?: unknown;
  RoleSessionName?: unknown;
  DurationSeconds?: unknown;
  ExternalId?: unknown;
  Policy?: unknown;
  SourceIdentity?: unknown;
}

export interface AssumedRole {
  session: StsSession;
  assumedRoleId: string;
  assumedRoleUserArn: string;
}

export const DEFAULT_ROLES: readonly Role[] = LOCAL_TRUSTING_ACCOUNT_IDS.map((accountId) => ({
  accountId,
  roleName: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  trustedAccountIds: [LOCAL_SERVICE_ACCOUNT_ID],
}));

export const DEFAULT_ACCOUNT_IDS: readonly string[] = [
  LOCAL_SERVICE_ACCOUNT_ID,
  ...LOCAL_TRUSTING_ACCOUNT_IDS,
];

const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9._-]{1,64})$/;
const SESSION_NAME = /^[\w.@-]{2,64}$/;
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;
const DEFAULT_SESSION_SECONDS = 3600;

const noPermission = fault(
  403,
  "NoPermission",
  "You are not authorized to do this action. You should be authorized by RAM.",
);

export class IdentityDirectory {
  private readonly keys = new Map<string, LocalAccessKey>();
  private readonly sessions = new Map<string, StsSession>();
  private readonly sessionsByToken = new Map<string, StsSession>();

  constructor(
    keys: readonly LocalAccessKey[] = LOCAL_ACCESS_KEYS,
    private readonly roles: readonly Role[] = DEFAULT_ROLES,
    private readonly accountIds: readonly string[] = DEFAULT_ACCOUNT_IDS,
  ) {
    for (const key of keys) this.keys.set(key.accessKeyId, key);
  }

  authenticate(claim: SignatureClaim, now: number): Outcome<Principal> {
    const longTerm = this.keys.get(claim.accessKeyId);
    if (longTerm) {
      const verified = claim.verify(longTerm.accessKeySecret);
      if (!verified.ok) return verified;
      if (claim.securityToken) return { ok: false, fault: this.tokenFault(claim.securityToken) };
      return { ok: true, value: { accountId: longTerm.accountId, accessKeyId: longTerm.accessKeyId } };
    }
    const session = this.sessions.get(claim.accessKeyId);
    if (!session) return { ok: false, fault: FAULTS.unknownAccessKey };
    const verified = claim.verify(session.accessKeySecret);
    if (!verified.ok) return verified;
    if (!claim.securityToken) return { ok: false, fault: FAULTS.missingSecurityToken };
    if (claim.securityToken !== session.securityToken) {
      return { ok: false, fault: this.tokenFault(claim.securityToken) };
    }
    if (session.expiresAt <= now) return { ok: false, fault: FAULTS.securityTokenExpired };
    return {
      ok: true,
      value: {
        accountId: session.accountId,
        accessKeyId: session.accessKeyId,
        assumedRoleArn: session.roleArn,
      },
    };
  }

  /** A token we issued to another key is a mismatch; anything else is not a token of ours. */
  private tokenFault(token: string): RpcFault {
    return this.sessionsByToken.has(token) ? FAULTS.securityTokenMismatch : FAULTS.securityTokenMalformed;
  }

  assumeRole(caller: Principal, input: AssumeRoleInput, now: number): Outcome<AssumedRole> {
    const { RoleArn, RoleSessionName, DurationSeconds } = input;
    if (RoleArn === undefined || RoleArn === "")
      return { ok: false, fault: FAULTS.missingParameter("RoleArn") };
    if (RoleSessionName === undefined || RoleSessionName === "") {
      return { ok: false, fault: FAULTS.missingParameter("RoleSessionName") };
    }
    const arn = typeof RoleArn === "string" ? ROLE_ARN.exec(RoleArn) : null;
    if (!arn)
      return { ok: false, fault: fault(400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrong.") };
    if (typeof RoleSessionName !== "string" || !SESSION_NAME.test(RoleSessionName)) {
      return {
        ok: false,
        fault: fault(400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrong."),
      };
    }
    const durationSeconds = DurationSeconds ?? DEFAULT_SESSION_SECONDS;
    if (
      typeof durationSeconds !== "number" ||
      !Number.isInteger(durationSeconds) ||
      durationSeconds < MIN_SESSION_SECONDS ||
      durationSeconds > MAX_SESSION_SECONDS
    ) {
      return {
        ok: false,
        fault: fault(
          400,
          "InvalidParameter.DurationSeconds",
          `The Min/Max value of DurationSeconds is ${MIN_SESSION_SECONDS}/${MAX_SESSION_SECONDS} seconds.`,
        ),
      };
    }
    const [, accountId, roleName] = arn as unknown as [string, string, string];
    if (!this.accountIds.includes(accountId)) return { ok: false, fault: noPermission };
    const role = this.roles.find((r) => r.accountId === accountId && r.roleName === roleName);
    if (!role) {
      return {
        ok: false,
        fault: fault(
          404,
          "EntityNotExist.Role",
          `The specified Role not exists: acs:ram::${accountId}:role/${roleName}`,
        ),
      };
    }
    if (!role.trustedAccountIds.includes(caller.accountId)) {
      return {
        ok: false,
        fault: fault(
          403,
          "NoPermission",
          "You are not authorized to assume this role: its trust policy does not admit you.",
        ),
      };
    }
    const session: StsSession = {
      accessKeyId: `STS.${randomBytes(15).toString("base64url").replace(/[-_]/g, "x")}`,
      accessKeySecret: randomBytes(30).toString("base64url"),
      securityToken: `CAIS${randomBytes(96).toString("base64")}`,
      accountId,
      roleArn: `acs:ram::${accountId}:role/${roleName}`,
      roleSessionName: RoleSessionName,
      expiresAt: Math.floor(now / 1000) * 1000 + durationSeconds * 1000,
    };
    this.addSession(session);
    const roleId = roleIdOf(accountId, roleName);
    return {
      ok: true,
      value: {
        session,
        assumedRoleId: `${roleId}:${RoleSessionName}`,
        assumedRoleUserArn: `acs:ram::${accountId}:assumed-role/${roleName.toLowerCase()}/${RoleSessionName}`,
      },
    };
  }

  addSession(session: StsSession): void {
    this.sessions.set(session.accessKeyId, session);
    this.sessionsByToken.set(session.securityToken, session);
  }

  listSessions(): StsSession[] {
    return [...this.sessions.values()];
  }

  clearSessions(): void {
    this.sessions.clear();
    this.sessionsByToken.clear();
  }
}

/** RAM role ids are 19 digits; derive a stable one so the same role always shows the same id. */
function roleIdOf(accountId: string, roleName: string): string {
  let hash = 0n;
  for (const ch of `${accountId}/${roleName}`) hash = (hash * 131n + BigInt(ch.charCodeAt(0))) % 10n ** 18n;
  return `3${hash.toString().padStart(18, "0")}`;
}
