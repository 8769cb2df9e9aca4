/**
 * Renders the policy templates in deploy/ram/ for one deployment: `${Name}` placeholders become the
 * region, account and resource names. An optional placeholder left unset removes what it names
 * (a resource from its list, a statement left without resources, a condition key), so "no events
 * topic" grants no topic and "no external id" asks for none.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type PolicyDocument, PolicyError, type Statement, validatePolicy } from "./policy";

export const POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../deploy/ram");

/** Every placeholder the templates may use; `optional` ones may be left unset. */
export const PLACEHOLDERS = {
  Region: { optional: false, about: "the region the service runs in" },
  AccountId: { optional: false, about: "the service account (where the functions run)" },
  TargetAccountId: { optional: false, about: "the account that holds the cross-account role" },
  TablestoreInstance: { optional: false, about: "TABLESTORE_INSTANCE" },
  RecordsTable: { optional: false, about: "RECORDS_TABLE; its index tables are <table>_by_*" },
  CallSlotsTable: { optional: false, about: "CALL_SLOTS_TABLE, the worker's shared pacing counters" },
  QueueName: { optional: false, about: "QUEUE_NAME" },
  EventsTopic: { optional: true, about: "EVENTS_TOPIC; unset grants no topic" },
  LogProject: { optional: false, about: "the functions' SLS project" },
  LogStore: { optional: false, about: "the functions' logstore" },
  CrossAccountRoleName: { optional: false, about: "CROSS_ACCOUNT_ROLE_NAME" },
  ExternalId: {
    optional: true,
    about: "CROSS_ACCOUNT_EXTERNAL_ID; unset drops the sts:ExternalId condition",
  },
  ImageBuilderServiceName: {
    optional: false,
    about: "ram:ServiceName of ECS image building's service-linked role",
  },
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;
export type PolicyValues = Partial<Record<PlaceholderName, string | undefined>>;

/** The roles and the files that define them. `target` roles live in every other account. */
export const ROLE_FILES = {
  api: { policy: "api.policy.json", trust: "fc-function.trust.json", account: "service" },
  worker: { policy: "worker.policy.json", trust: "fc-function.trust.json", account: "service" },
  reconciler: { policy: "reconciler.policy.json", trust: "fc-function.trust.json", account: "service" },
  crossAccount: { policy: "cross-account.policy.json", trust: "cross-account.trust.json", account: "target" },
} as const;

export type RoleKey = keyof typeof ROLE_FILES;

const OMIT = Symbol("omit");
const PLACEHOLDER = /\$\{([A-Za-z]+)\}/g;

function fill(text: string, values: PolicyValues, where: string): string | typeof OMIT {
  let omitted = false;
  const out = text.replace(PLACEHOLDER, (_, name: string) => {
    if (!Object.hasOwn(PLACEHOLDERS, name))
      throw new PolicyError(`${where}: unknown placeholder \${${name}}`);
    const value = values[name as PlaceholderName];
    if (value !== undefined && value !== "") return value;
    if (PLACEHOLDERS[name as PlaceholderName].optional) {
      omitted = true;
      return "";
    }
    throw new PolicyError(
      `${where}: no value for \${${name}} (${PLACEHOLDERS[name as PlaceholderName].about})`,
    );
  });
  return omitted ? OMIT : out;
}

function fillList(value: string | readonly string[], values: PolicyValues, where: string): string[] {
  const items = Array.isArray(value) ? (value as string[]) : [value as string];
  return items.map((v) => fill(v, values, where)).filter((v): v is string => v !== OMIT);
}

/** Strings where an unset optional placeholder may not appear: it would silently widen a grant. */
function fillStrict(value: unknown, values: PolicyValues, where: string): unknown {
  if (typeof value === "string") {
    const out = fill(value, values, where);
    if (out === OMIT) throw new PolicyError(`${where}: an optional placeholder cannot be left unset here`);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => fillStrict(v, values, where));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillStrict(v, values, where)]));
  }
  return value;
}

function renderStatement(s: Statement, values: PolicyValues, where: string): Statement | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === "Resource") {
      const resources = fillList(value as string | string[], values, `${where}.Resource`);
      if (resources.length === 0) return undefined;
      out.Resource = Array.isArray(value) ? resources : resources[0];
    } else if (key === "Condition") {
      const condition: Record<string, Record<string, string[] | string>> = {};
      for (const [operator, keys] of Object.entries(value as Record<string, Record<string, string>>)) {
        for (const [conditionKey, expected] of Object.entries(keys)) {
          const filled = fillList(expected, values, `${where}.Condition`);
          if (filled.length === 0) continue;
          condition[operator] ??= {};
          condition[operator][conditionKey] = Array.isArray(expected) ? filled : filled[0]!;
        }
      }
      if (Object.keys(condition).length > 0) out.Condition = condition;
    } else out[key] = fillStrict(value, values, `${where}.${key}`);
  }
  return out as unknown as Statement;
}

export function renderPolicy(template: unknown, values: PolicyValues, name: string): PolicyDocument {
  const doc = validatePolicy(template, name);
  const statements = doc.Statement.map((s, i) =>
    renderStatement(s, values, `${name} Statement[${i}]`),
  ).filter((s): s is Statement => s !== undefined);
  return validatePolicy({ Version: "1", Statement: statements }, name);
}

export function readTemplate(file: string, dir: string = POLICY_DIR): unknown {
  return JSON.parse(readFileSync(path.join(dir, file), "utf8"));
}

export interface RenderedRole {
  policy: PolicyDocument;
  trust: PolicyDocument;
}

/** One role's permission and trust policy for `values` (TargetAccountId set for a target role). */
export function renderRole(role: RoleKey, values: PolicyValues, dir: string = POLICY_DIR): RenderedRole {
  const files = ROLE_FILES[role];
  return {
    policy: renderPolicy(readTemplate(files.policy, dir), values, files.policy),
    trust: renderPolicy(readTemplate(files.trust, dir), values, files.trust),
  };
}
