/**
 * Who may call the simulator and what they may do, on the shared RAM model (local/ram): the
 * long-term keys, the roles with the policies of deploy/ram/, and the temporary keys that STS
 * AssumeRole (answered here) and the local FC runtime hand out. This module maps the model's
 * answers onto the RPC gateway's, ECS's and STS's error codes (README.md cites them).
 */
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TRUSTING_ACCOUNT_IDS } from "../identities";
// The `ram:ServiceName` the simulator asks for (not confirmed in a stored doc: local/ram/README.md).
import {
  createLocalRam,
  DEFAULT_IMAGE_BUILDER_SERVICE_NAME as IMAGE_BUILDER_SERVICE_NAME,
} from "../ram/local-model";
import type { Caller, KeyRefusal, LocalRam, StsSession } from "../ram/model";
import { type PolicyDocument, validatePolicy } from "../ram/policy";
import { FAULTS, fault, type Outcome, type RpcFault } from "./errors";
import type { SignatureClaim } from "./protocol";

export type { StsSession } from "../ram/model";

export interface Principal {
  accountId: string;
  accessKeyId: string;
  /** Set when the caller signs with temporary keys of a role. */
  assumedRoleArn?: string;
  caller: Caller;
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

export const DEFAULT_ACCOUNT_IDS: readonly string[] = [
  LOCAL_SERVICE_ACCOUNT_ID,
  ...LOCAL_TRUSTING_ACCOUNT_IDS,
];

const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9._-]{1,64})$/;
const SESSION_NAME = /^[\w.@-]{2,64}$/;
/** STS AssumeRole: ExternalId is 2..1224 characters of `[\w+=,.@:/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;
const DEFAULT_SESSION_SECONDS = 3600;

const noPermission = (message: string): RpcFault => fault(403, "NoPermission", message);

/** ECS's answer to a RAM identity without the permission (the API's error table, ./README.md). */
export const forbiddenByRam = fault(
  403,
  "Forbidden.RAM",
  "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
);
/** ECS's answer when the service-linked role image building needs may not be created by the caller. */
export const noPermissionCreateServiceLinkedRole = fault(
  403,
  "InvalidOperation.NoPermissionCreateServiceLinkedRole",
  "You are not authorized to create the service-linked role that image building needs: grant ram:CreateServiceLinkedRole.",
);

/** STS's answer to a `Policy` that is not a valid policy document (STS error list, local/ram/README.md). */
const policyGrammar = fault(
  400,
  "InvalidParameter.PolicyGrammar",
  "The parameter Policy has not passed grammar check.",
);

/** AssumeRole's `Policy` (at most 2048 characters of policy JSON), or null when STS would refuse it. */
function sessionPolicyOf(text: unknown): PolicyDocument | null {
  if (typeof text !== "string" || text.length > 2048) return null;
  try {
    return validatePolicy(JSON.parse(text), "Policy");
  } catch {
    return null;
  }
}

const KEY_FAULTS: Record<KeyRefusal, RpcFault> = {
  UnknownKey: FAULTS.unknownAccessKey,
  MissingToken: FAULTS.missingSecurityToken,
  TokenWithLongTermKey: FAULTS.securityTokenMalformed,
  TokenMismatch: FAULTS.securityTokenMismatch,
  TokenMalformed: FAULTS.securityTokenMalformed,
  TokenExpired: FAULTS.securityTokenExpired,
};

export class IdentityDirectory {
  /** Accounts that already have image building's service-linked role. */
  private readonly linkedRoleAccounts = new Set<string>();
  /** Sessions this simulator's AssumeRole issued: the ones it persists and forgets on reset (FC's own stay). */
  private readonly issued = new Set<string>();

  constructor(
    readonly ram: LocalRam = createLocalRam(),
    private readonly accountIds: readonly string[] = DEFAULT_ACCOUNT_IDS,
  ) {}

  authenticate(claim: SignatureClaim, now: number): Outcome<Principal> {
    const resolved = this.ram.resolveKey(claim.accessKeyId, claim.securityToken || undefined, now);
    if (!resolved.ok) {
      // A wrong signature on a known key is reported before anything about its token, as the gateway does.
      if (resolved.refusal !== "UnknownKey") {
        const secret = this.secretOf(claim.accessKeyId);
        if (secret !== undefined) {
          const verified = claim.verify(secret);
          if (!verified.ok) return verified;
        }
      }
      return { ok: false, fault: KEY_FAULTS[resolved.refusal] };
    }
    const verified = claim.verify(resolved.secret);
    if (!verified.ok) return verified;
    const { caller } = resolved;
    return {
      ok: true,
      value: {
        accountId: caller.accountId,
        accessKeyId: caller.accessKeyId,
        ...(caller.kind === "role" ? { assumedRoleArn: caller.roleArn } : {}),
        caller,
      },
    };
  }

  private secretOf(accessKeyId: string): string | undefined {
    const session = this.ram.session(accessKeyId);
    if (session) return session.accessKeySecret;
    const longTerm = this.ram.resolveKey(accessKeyId, undefined);
    return longTerm.ok ? longTerm.secret : undefined;
  }

  /**
   * The RAM check of one ECS call: the action on the image pipelines of the region it names, and
   * for CreateImagePipeline in an account without image building's service-linked role, the right
   * to create that role (the API's "associated operation").
   */
  authorizeEcs(
    principal: Principal,
    action: string,
    params: Readonly<Record<string, string>>,
  ): Outcome<void> {
    const region = params.RegionId ?? "*";
    const pipeline = action === "DeleteImagePipeline" ? (params.ImagePipelineId ?? "*") : "*";
    const resource = `acs:ecs:${region}:${principal.accountId}:imagepipeline/${pipeline}`;
    if (this.ram.authorize(principal.caller, { action: `ecs:${action}`, resource }) !== "Allow") {
      return { ok: false, fault: forbiddenByRam };
    }
    if (action === "CreateImagePipeline" && !this.linkedRoleAccounts.has(principal.accountId)) {
      const decision = this.ram.authorize(principal.caller, {
        action: "ram:CreateServiceLinkedRole",
        resource: `acs:ram::${principal.accountId}:role/*`,
        context: { "ram:ServiceName": IMAGE_BUILDER_SERVICE_NAME },
      });
      if (decision !== "Allow") return { ok: false, fault: noPermissionCreateServiceLinkedRole };
      this.linkedRoleAccounts.add(principal.accountId);
    }
    return { ok: true, value: undefined };
  }

  assumeRole(caller: Principal, input: AssumeRoleInput, now: number): Outcome<AssumedRole> {
    const { RoleArn, RoleSessionName, DurationSeconds, ExternalId, Policy } = input;
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
    if (ExternalId !== undefined && (typeof ExternalId !== "string" || !EXTERNAL_ID.test(ExternalId))) {
      return {
        ok: false,
        fault: fault(400, "InvalidParameter.ExternalId", "The parameter ExternalId is wrong."),
      };
    }
    const sessionPolicy = Policy === undefined || Policy === "" ? undefined : sessionPolicyOf(Policy);
    if (sessionPolicy === null) return { ok: false, fault: policyGrammar };
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
    if (!this.accountIds.includes(accountId)) {
      return {
        ok: false,
        fault: noPermission("You are not authorized to do this action. You should be authorized by RAM."),
      };
    }
    const role = this.ram.role(RoleArn as string);
    if (role && durationSeconds > role.maxSessionSeconds) {
      return {
        ok: false,
        fault: fault(
          400,
          "InvalidParameter.DurationSeconds",
          `The Min/Max value of DurationSeconds is ${MIN_SESSION_SECONDS}/${role.maxSessionSeconds} seconds.`,
        ),
      };
    }
    const outcome = this.ram.assumeRole(
      caller.caller,
      {
        roleArn: RoleArn as string,
        sessionName: RoleSessionName,
        durationSeconds,
        ...(typeof ExternalId === "string" ? { externalId: ExternalId } : {}),
        ...(sessionPolicy ? { sessionPolicy } : {}),
      },
      now,
    );
    if (!outcome.ok) {
      return {
        ok: false,
        fault:
          outcome.refusal === "RoleNotFound"
            ? fault(404, "EntityNotExist.Role", outcome.message)
            : noPermission(outcome.message),
      };
    }
    this.issued.add(outcome.session.accessKeyId);
    return {
      ok: true,
      value: {
        session: outcome.session,
        assumedRoleId: `${outcome.roleId}:${RoleSessionName}`,
        assumedRoleUserArn: `acs:ram::${accountId}:assumed-role/${roleName.toLowerCase()}/${RoleSessionName}`,
      },
    };
  }

  addSession(session: StsSession): void {
    this.issued.add(session.accessKeyId);
    this.ram.addSession(session);
  }

  listSessions(): StsSession[] {
    return this.ram.listSessions().filter((s) => this.issued.has(s.accessKeyId));
  }

  clearSessions(): void {
    this.ram.forgetSessions(this.issued);
    this.issued.clear();
  }
}
