/**
 * RAM policy documents and their evaluation, as RAM describes them ("Policy structure and
 * syntax", "Policy evaluation logic"; sources in ./README.md): statements with `Effect`,
 * `Action`, `Resource` (permission policies) or `Principal` (trust policies), and `Condition`.
 * A request is allowed when some Allow statement matches it and no Deny statement does; an
 * explicit Deny always wins, and nothing matching is an implicit deny.
 */

export type Effect = "Allow" | "Deny";

/** `{ "<operator>": { "<key>": value | [values] } }` */
export type ConditionBlock = Record<string, Record<string, string | boolean | readonly (string | boolean)[]>>;

export interface Principal {
  /** `acs:ram::<account>:root` (every RAM identity of that account) or `acs:ram::<account>:role/<name>`. */
  RAM?: string | readonly string[];
  /** A cloud service, e.g. `fc.aliyuncs.com`. */
  Service?: string | readonly string[];
}

export interface Statement {
  Sid?: string;
  Effect: Effect;
  Action: string | readonly string[];
  Resource?: string | readonly string[];
  Principal?: Principal;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: "1";
  Statement: readonly Statement[];
}

/** What a request asks for: an action on a resource, with the condition keys it carries. */
export interface AccessRequest {
  action: string;
  resource: string;
  context?: Readonly<Record<string, string | undefined>>;
}

export type Decision = "Allow" | "ImplicitDeny" | "ExplicitDeny";

export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** RAM wildcards: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

type ConditionTest = (expected: readonly string[], actual: string | undefined) => boolean;

/**
 * The operators the policy files use and their close relatives. A key the request does not carry
 * fails every operator: the stricter reading where RAM's docs do not say.
 */
const OPERATORS: Record<string, ConditionTest> = {
  StringEquals: (e, a) => a !== undefined && e.includes(a),
  StringNotEquals: (e, a) => a !== undefined && !e.includes(a),
  StringEqualsIgnoreCase: (e, a) => a !== undefined && e.some((v) => v.toLowerCase() === a.toLowerCase()),
  StringNotEqualsIgnoreCase: (e, a) => a !== undefined && !e.some((v) => v.toLowerCase() === a.toLowerCase()),
  StringLike: (e, a) => a !== undefined && e.some((p) => wildcardMatch(p, a)),
  StringNotLike: (e, a) => a !== undefined && !e.some((p) => wildcardMatch(p, a)),
  Bool: (e, a) => a !== undefined && e.includes(a.toLowerCase()),
};

/** Throws {@link PolicyError} for what RAM would refuse to store, so a broken file fails at load. */
export function validatePolicy(doc: unknown, name: string): PolicyDocument {
  const fail = (why: string): never => {
    throw new PolicyError(`${name}: ${why}`);
  };
  if (typeof doc !== "object" || doc === null) fail("not a JSON object");
  const { Version, Statement } = doc as Partial<PolicyDocument>;
  if (Version !== "1") fail('Version must be "1"');
  if (!Array.isArray(Statement) || Statement.length === 0) fail("Statement must be a non-empty array");
  for (const [i, s] of (Statement as Statement[]).entries()) {
    const at = `Statement[${i}]`;
    if (s.Effect !== "Allow" && s.Effect !== "Deny") fail(`${at}.Effect must be Allow or Deny`);
    if (list(s.Action).length === 0) fail(`${at}.Action is empty`);
    for (const action of list(s.Action)) {
      if (action !== "*" && !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action))
        fail(`${at}.Action "${action}" is not <service>:<Action>`);
    }
    if (s.Principal === undefined && list(s.Resource).length === 0) fail(`${at} has no Resource`);
    for (const operator of Object.keys(s.Condition ?? {})) {
      if (!OPERATORS[operator]) fail(`${at}.Condition operator "${operator}" is not supported`);
    }
  }
  return doc as PolicyDocument;
}

function conditionsHold(statement: Statement, context: AccessRequest["context"] = {}): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    const test = OPERATORS[operator];
    if (!test) return false;
    for (const [key, expected] of Object.entries(keys)) {
      // Condition keys are case-insensitive in RAM; the request's keys are stored lower case.
      const actual = context[key.toLowerCase()];
      if (!test(list(expected).map(String), actual)) return false;
    }
  }
  return true;
}

const actionMatches = (statement: Statement, action: string): boolean =>
  list(statement.Action).some((pattern) => wildcardMatch(pattern, action, true));

/** A permission policy's verdict on one request. */
export function evaluate(policies: readonly PolicyDocument[], request: AccessRequest): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.Statement) {
      if (!actionMatches(statement, request.action)) continue;
      if (!list(statement.Resource).some((pattern) => wildcardMatch(pattern, request.resource))) continue;
      if (!conditionsHold(statement, request.context)) continue;
      if (statement.Effect === "Deny") return "ExplicitDeny";
      allowed = true;
    }
  }
  return allowed ? "Allow" : "ImplicitDeny";
}

/** Who asks to assume a role: a cloud service, or a RAM identity (user or role session) of an account. */
export type TrustCaller =
  | { kind: "service"; service: string }
  | { kind: "ram"; accountId: string; roleName?: string };

function principalMatches(principal: Principal | undefined, caller: TrustCaller): boolean {
  if (caller.kind === "service") return list(principal?.Service).includes(caller.service);
  return list(principal?.RAM).some((arn) => {
    if (arn === `acs:ram::${caller.accountId}:root`) return true;
    const role = /^acs:ram::(\d+):role\/(.+)$/.exec(arn);
    return (
      role !== null &&
      role[1] === caller.accountId &&
      caller.roleName !== undefined &&
      role[2]!.toLowerCase() === caller.roleName.toLowerCase()
    );
  });
}

/** A trust policy's verdict on `sts:AssumeRole` by `caller`. */
export function trustDecision(
  trust: PolicyDocument,
  caller: TrustCaller,
  context: AccessRequest["context"] = {},
): Decision {
  let allowed = false;
  for (const statement of trust.Statement) {
    if (!actionMatches(statement, "sts:AssumeRole")) continue;
    if (!principalMatches(statement.Principal, caller)) continue;
    if (!conditionsHold(statement, context)) continue;
    if (statement.Effect === "Deny") return "ExplicitDeny";
    allowed = true;
  }
  return allowed ? "Allow" : "ImplicitDeny";
}
