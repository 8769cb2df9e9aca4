/**
 * `npm run render-policies -- [--out DIR]`: renders the RAM policies in deploy/ram/ for one
 * deployment and writes, per role, `<role>.policy.json` and `<role>.trust.json`, ready for
 * `aliyun ram CreatePolicy` / `CreateRole` or the RAM console; it prints those commands.
 *
 * Reads the variables s.yaml reads, with its defaults (REGION, TABLESTORE_INSTANCE, RECORDS_TABLE, CALL_SLOTS_TABLE,
 * QUEUE_NAME, EVENTS_TOPIC, API_ROLE_NAME, WORKER_ROLE_NAME, RECONCILER_ROLE_NAME,
 * CROSS_ACCOUNT_ROLE_NAME, CROSS_ACCOUNT_EXTERNAL_ID), plus:
 *
 * - ACCOUNT_ID (required): the service account, s.yaml's `${config('AccountID')}`.
 * - LOG_PROJECT (required), LOG_STORE (default default-logs, the logstore fc3 creates with logConfig: auto): where the functions log.
 * - TARGET_ACCOUNT_IDS (optional, comma-separated): also render the cross-account role for each.
 * - IMAGE_BUILDER_SERVICE_NAME: `ram:ServiceName` of image building's service-linked role.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_IMAGE_BUILDER_SERVICE_NAME } from "../local/ram/local-model";
import type { PolicyDocument } from "../local/ram/policy";
import { type PolicyValues, type RoleKey, renderRole } from "../local/ram/render";

type Env = Record<string, string | undefined>;

export class RenderSetupError extends Error {
  readonly code = "InvalidRenderSetup";
}

export interface RenderedFile {
  roleName: string;
  kind: "policy" | "trust";
  document: PolicyDocument;
}

const setting = (env: Env, name: string, fallback?: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : fallback;
};

function required(env: Env, name: string, why: string): string {
  const value = setting(env, name);
  if (!value) throw new RenderSetupError(`${name} is required: ${why}`);
  return value;
}

/** Every role's rendered documents for the deployment the environment describes. */
export function renderForEnvironment(env: Env): RenderedFile[] {
  const values: PolicyValues = {
    Region: setting(env, "REGION", "cn-hangzhou"),
    AccountId: required(env, "ACCOUNT_ID", "the service account (s.yaml's config('AccountID'))"),
    TablestoreInstance: setting(env, "TABLESTORE_INSTANCE", "imgpipe"),
    RecordsTable: setting(env, "RECORDS_TABLE", "image_pipeline_records"),
    CallSlotsTable: setting(env, "CALL_SLOTS_TABLE", "image_pipeline_call_slots"),
    QueueName: setting(env, "QUEUE_NAME", "image-pipeline-requests"),
    EventsTopic: setting(env, "EVENTS_TOPIC"),
    LogProject: required(
      env,
      "LOG_PROJECT",
      "the SLS project the functions log to (with logConfig: auto, the serverless-<region>-... project fc3 created)",
    ),
    LogStore: setting(env, "LOG_STORE", "default-logs"),
    CrossAccountRoleName: setting(env, "CROSS_ACCOUNT_ROLE_NAME", "ImagePipelineRequestRole"),
    ExternalId: setting(env, "CROSS_ACCOUNT_EXTERNAL_ID"),
    ImageBuilderServiceName: setting(env, "IMAGE_BUILDER_SERVICE_NAME", DEFAULT_IMAGE_BUILDER_SERVICE_NAME),
  };
  const roles: [RoleKey, string, PolicyValues][] = [
    ["api", setting(env, "API_ROLE_NAME", "image-pipeline-api")!, values],
    ["worker", setting(env, "WORKER_ROLE_NAME", "image-pipeline-worker")!, values],
    ["reconciler", setting(env, "RECONCILER_ROLE_NAME", "image-pipeline-reconciler")!, values],
  ];
  for (const target of (setting(env, "TARGET_ACCOUNT_IDS") ?? "").split(",").filter(Boolean)) {
    roles.push([
      "crossAccount",
      `${values.CrossAccountRoleName}@${target.trim()}`,
      { ...values, TargetAccountId: target.trim() },
    ]);
  }
  return roles.flatMap(([key, roleName, v]) => {
    const { policy, trust } = renderRole(key, v);
    return [
      { roleName, kind: "policy" as const, document: policy },
      { roleName, kind: "trust" as const, document: trust },
    ];
  });
}

function commandsFor(roleName: string, dir: string): string[] {
  const [name, account] = roleName.split("@");
  const file = (kind: string) => path.join(dir, `${roleName}.${kind}.json`);
  const where = account ? ` # in account ${account}, with its own credentials` : "";
  return [
    `aliyun ram CreateRole --RoleName ${name} --AssumeRolePolicyDocument "$(cat ${file("trust")})"${where}`,
    `aliyun ram CreatePolicy --PolicyName ${name}-policy --PolicyDocument "$(cat ${file("policy")})"${where}`,
    `aliyun ram AttachPolicyToRole --PolicyType Custom --PolicyName ${name}-policy --RoleName ${name}${where}`,
  ];
}

export function writeRendered(files: readonly RenderedFile[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  for (const { roleName, kind, document } of files) {
    writeFileSync(path.join(dir, `${roleName}.${kind}.json`), `${JSON.stringify(document, null, 2)}\n`);
  }
  return [...new Set(files.map((f) => f.roleName))].flatMap((role) => commandsFor(role, dir));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  const dir = path.resolve(at > 0 ? (process.argv[at + 1] ?? "") : ".local/ram-policies");
  try {
    const commands = writeRendered(renderForEnvironment(process.env), dir);
    process.stdout.write(`Wrote the policies to ${dir}. Create the roles with:\n\n${commands.join("\n")}\n`);
  } catch (err) {
    process.stderr.write(`render-policies: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
