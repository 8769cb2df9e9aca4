/**
 * The local cloud's RAM and STS state, shared by the ECS + STS simulator, the Tablestore emulator,
 * the MNS emulator and the local FC runtime: long-term keys, roles (a trust policy and permission
 * policies each), and STS sessions that expire. Each emulator asks it two things per request: whose
 * key signed it ({@link LocalRam.resolveKey}) and whether that identity may do it
 * ({@link LocalRam.authorize}); each maps the answer onto its own service's error codes.
 */
import { randomBytes } from "node:crypto";
import { type AccessRequest, type Decision, evaluate, type PolicyDocument, trustDecision } from "./policy";

/** A long-term key of a RAM user; `policies` are the user's permission policies. */
export interface LongTermKey {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  userName: string;
  policies: readonly PolicyDocument[];
}

export interface Role {
  accountId: string;
  name: string;
  trust: PolicyDocument;
  policies: readonly PolicyDocument[];
  /** STS caps DurationSeconds at the role's maximum session duration (default 3600). */
  maxSessionSeconds: number;
}

/** Temporary keys of a role, from STS AssumeRole or handed to a function by FC. */
export interface StsSession {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  accountId: string;
  roleArn: string;
  roleSessionName: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** AssumeRole's `Policy`: the session may do only what both it and the role's policies allow. */
  sessionPolicy?: PolicyDocument;
}

/** Who signed a request. */
export type Caller =
  | { kind: "user"; accountId: string; accessKeyId: string; userName: string }
  | {
      kind: "role";
      accountId: string;
      accessKeyId: string;
      roleName: string;
      roleArn: string;
      sessionName: string;
    };

export type KeyRefusal =
  | "UnknownKey"
  | "MissingToken"
  | "TokenWithLongTermKey"
  | "TokenMismatch"
  | "TokenMalformed"
  | "TokenExpired";

export type ResolvedKey = { ok: true; secret: string; caller: Caller } | { ok: false; refusal: KeyRefusal };

export type AssumeRefusal = "RoleNotFound" | "NotTrusted" | "NotAllowed";

export type AssumeOutcome =
  | { ok: true; session: StsSession; roleId: string }
  | { ok: false; refusal: AssumeRefusal; message: string };

export const roleArnOf = (accountId: string, name: string): string => `acs:ram::${accountId}:role/${name}`;

const ROLE_ARN = /^acs:ram::(\d+):role\/(.+)$/;

export interface LocalRamOptions {
  keys?: readonly LongTermKey[];
  roles?: readonly Role[];
  /** Evaluate permission policies (default true). Off, every authenticated caller may do anything. */
  enforce?: boolean;
  now?: () => number;
}

export class LocalRam {
  private readonly keys = new Map<string, LongTermKey>();
  private readonly roles = new Map<string, Role>();
  private readonly sessions = new Map<string, StsSession>();
  private readonly sessionsByToken = new Map<string, StsSession>();
  readonly now: () => number;
  enforce: boolean;

  constructor(options: LocalRamOptions = {}) {
    for (const key of options.keys ?? []) this.keys.set(key.accessKeyId, key);
    for (const role of options.roles ?? []) this.putRole(role);
    this.enforce = options.enforce ?? true;
    this.now = options.now ?? Date.now;
  }

  putRole(role: Role): void {
    this.roles.set(roleArnOf(role.accountId, role.name).toLowerCase(), role);
  }

  /** Role names are case-insensitive in RAM (fc3 even lower-cases them in s.yaml's role ARNs). */
  role(roleArn: string): Role | undefined {
    return this.roles.get(roleArn.toLowerCase());
  }

  /** Replaces a role's permission policies, e.g. a test that takes one action away. */
  setRolePolicies(roleArn: string, policies: readonly PolicyDocument[]): void {
    const role = this.role(roleArn);
    if (!role) throw new RangeError(`no role ${roleArn}`);
    this.putRole({ ...role, policies });
  }

  /** The key's secret and identity, or why it is refused. The caller checks the signature with the secret. */
  resolveKey(accessKeyId: string, securityToken: string | undefined, now = this.now()): ResolvedKey {
    const longTerm = this.keys.get(accessKeyId);
    if (longTerm) {
      if (securityToken) {
        return {
          ok: false,
          refusal: this.sessionsByToken.has(securityToken) ? "TokenMismatch" : "TokenWithLongTermKey",
        };
      }
      const { accountId, userName } = longTerm;
      return {
        ok: true,
        secret: longTerm.accessKeySecret,
        caller: { kind: "user", accountId, accessKeyId, userName },
      };
    }
    const session = this.sessions.get(accessKeyId);
    if (!session) return { ok: false, refusal: "UnknownKey" };
    if (!securityToken) return { ok: false, refusal: "MissingToken" };
    if (securityToken !== session.securityToken) {
      return {
        ok: false,
        refusal: this.sessionsByToken.has(securityToken) ? "TokenMismatch" : "TokenMalformed",
      };
    }
    if (session.expiresAt <= now) return { ok: false, refusal: "TokenExpired" };
    const roleName = ROLE_ARN.exec(session.roleArn)?.[2] ?? "";
    return {
      ok: true,
      secret: session.accessKeySecret,
      caller: {
        kind: "role",
        accountId: session.accountId,
        accessKeyId,
        roleName,
        roleArn: session.roleArn,
        sessionName: session.roleSessionName,
      },
    };
  }

  /** The permission policies' verdict on `caller` doing `request`. */
  authorize(caller: Caller, request: AccessRequest): Decision {
    if (!this.enforce) return "Allow";
    const policies =
      caller.kind === "user"
        ? (this.keys.get(caller.accessKeyId)?.policies ?? [])
        : (this.role(caller.roleArn)?.policies ?? []);
    // Condition keys are matched case-insensitively; store them lower case once.
    const context = Object.fromEntries(
      Object.entries(request.context ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const decision = evaluate(policies, { ...request, context });
    const sessionPolicy =
      caller.kind === "role" ? this.sessions.get(caller.accessKeyId)?.sessionPolicy : undefined;
    if (decision !== "Allow" || !sessionPolicy) return decision;
    return evaluate([sessionPolicy], { ...request, context });
  }

  /**
   * STS AssumeRole by a RAM identity: the caller's own policies must allow `sts:AssumeRole` on the
   * role, and the role's trust policy must admit the caller (with `sts:ExternalId` when it asks).
   */
  assumeRole(
    caller: Caller,
    input: {
      roleArn: string;
      sessionName: string;
      durationSeconds: number;
      externalId?: string;
      sessionPolicy?: PolicyDocument;
    },
    now = this.now(),
  ): AssumeOutcome {
    const role = this.role(input.roleArn);
    if (!role) {
      return {
        ok: false,
        refusal: "RoleNotFound",
        message: `The specified Role not exists: ${input.roleArn}`,
      };
    }
    const arn = roleArnOf(role.accountId, role.name);
    if (this.authorize(caller, { action: "sts:AssumeRole", resource: arn }) !== "Allow") {
      return {
        ok: false,
        refusal: "NotAllowed",
        message: `You are not authorized to do this action. You should be authorized by RAM: sts:AssumeRole on ${arn}.`,
      };
    }
    const trusted = trustDecision(
      role.trust,
      {
        kind: "ram",
        accountId: caller.accountId,
        ...(caller.kind === "role" ? { roleName: caller.roleName } : {}),
      },
      { "sts:externalid": input.externalId },
    );
    if (trusted !== "Allow") {
      return {
        ok: false,
        refusal: "NotTrusted",
        message:
          "No permission perform sts:AssumeRole on this Role. Maybe you are not in trust list or the ExternalId does not match.",
      };
    }
    const session = this.issue(role, input.sessionName, input.durationSeconds, now);
    if (input.sessionPolicy) session.sessionPolicy = input.sessionPolicy;
    return { ok: true, session, roleId: roleIdOf(arn) };
  }

  /**
   * What FC does before it runs a function: assume the function's role as the service
   * `fc.aliyuncs.com`, which the role's trust policy must admit. Throws when it does not (FC
   * refuses to create such a function).
   */
  issueServiceSession(
    service: string,
    roleArn: string,
    lifetimeSeconds: number,
    sessionName: string,
    now = this.now(),
  ): StsSession {
    const role = this.role(roleArn);
    if (!role) throw new RangeError(`no role ${roleArn}`);
    if (trustDecision(role.trust, { kind: "service", service }) !== "Allow") {
      throw new RangeError(`the trust policy of ${roleArn} does not admit the service ${service}`);
    }
    return this.issue(role, sessionName, lifetimeSeconds, now);
  }

  private issue(role: Role, sessionName: string, seconds: number, now: number): StsSession {
    const session: StsSession = {
      accessKeyId: `STS.${randomBytes(15).toString("base64url").replace(/[-_]/g, "x")}`,
      accessKeySecret: randomBytes(30).toString("base64url"),
      securityToken: `CAIS${randomBytes(96).toString("base64")}`,
      accountId: role.accountId,
      roleArn: roleArnOf(role.accountId, role.name),
      roleSessionName: sessionName,
      expiresAt: Math.floor(now / 1000) * 1000 + seconds * 1000,
    };
    this.addSession(session);
    return session;
  }

  session(accessKeyId: string): StsSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  addSession(session: StsSession): void {
    this.sessions.set(session.accessKeyId, session);
    this.sessionsByToken.set(session.securityToken, session);
  }

  listSessions(): StsSession[] {
    return [...this.sessions.values()];
  }

  /** Forgets the sessions of these access key ids. */
  forgetSessions(accessKeyIds: Iterable<string>): void {
    for (const id of accessKeyIds) {
      const session = this.sessions.get(id);
      if (!session) continue;
      this.sessions.delete(id);
      this.sessionsByToken.delete(session.securityToken);
    }
  }
}

/** RAM role ids are 19 digits; derive a stable one so the same role always shows the same id. */
function roleIdOf(roleArn: string): string {
  let hash = 0n;
  for (const ch of roleArn.toLowerCase()) hash = (hash * 131n + BigInt(ch.charCodeAt(0))) % 10n ** 18n;
  return `3${hash.toString().padStart(18, "0")}`;
}
