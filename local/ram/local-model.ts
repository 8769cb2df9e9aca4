/**
 * The RAM model the local cloud starts with: the administrator key of local/identities.ts, the
 * service account's function roles, and the cross-account role in every trusting account, each
 * with the policies of deploy/ram/ rendered for the local names. So the local cloud enforces the
 * very files a deployment creates.
 */
import {
  LOCAL_ACCESS_KEYS,
  LOCAL_ADMIN_USER_NAME,
  LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  LOCAL_ROLE_NAMES,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "../identities";
import { LocalRam, type Role } from "./model";
import type { PolicyDocument } from "./policy";
import { POLICY_DIR, type PolicyValues, type RoleKey, renderRole } from "./render";

/** AdministratorAccess: what the account's administrator (and so the local key) may do. */
const ADMINISTRATOR: PolicyDocument = {
  Version: "1",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

/**
 * Not found in a stored Alibaba Cloud document (local/ram/README.md): the service name of ECS
 * image building's service-linked role. Override with IMAGE_BUILDER_SERVICE_NAME when rendering.
 */
export const DEFAULT_IMAGE_BUILDER_SERVICE_NAME = "imagebuilder.ecs.aliyuncs.com";

export const LOCAL_POLICY_VALUES: PolicyValues = {
  Region: "cn-hangzhou",
  AccountId: LOCAL_SERVICE_ACCOUNT_ID,
  TablestoreInstance: LOCAL_TABLESTORE_INSTANCE,
  RecordsTable: "image_pipeline_records",
  CallSlotsTable: "image_pipeline_call_slots",
  QueueName: "image-pipeline-requests",
  EventsTopic: "image-pipeline-events",
  LogProject: "serverless-cn-hangzhou-local",
  LogStore: "default-logs",
  CrossAccountRoleName: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  ImageBuilderServiceName: DEFAULT_IMAGE_BUILDER_SERVICE_NAME,
};

export interface LocalRamSetup {
  /** Overrides of {@link LOCAL_POLICY_VALUES} (the stack passes its own names). */
  values?: PolicyValues;
  /** Where the templates are; default deploy/ram. */
  policyDir?: string;
  /** Policies in place of a rendered file, per role (a test that removes one action). */
  policyOverrides?: Partial<Record<RoleKey, PolicyDocument>>;
  enforce?: boolean;
  now?: () => number;
}

const FUNCTION_ROLES = ["api", "worker", "reconciler"] as const;

export function localRoles(setup: LocalRamSetup = {}): Role[] {
  const values = { ...LOCAL_POLICY_VALUES, ...setup.values };
  const role = (key: RoleKey, accountId: string, name: string, extra: PolicyValues = {}): Role => {
    const rendered = renderRole(key, { ...values, ...extra }, setup.policyDir ?? POLICY_DIR);
    const policy = setup.policyOverrides?.[key] ?? rendered.policy;
    // As if each role were created with the longest maximum session duration RAM allows.
    return { accountId, name, trust: rendered.trust, policies: [policy], maxSessionSeconds: 43_200 };
  };
  const serviceAccount = values.AccountId ?? LOCAL_SERVICE_ACCOUNT_ID;
  return [
    ...FUNCTION_ROLES.map((key) => role(key, serviceAccount, LOCAL_ROLE_NAMES[key])),
    ...LOCAL_TRUSTING_ACCOUNT_IDS.map((accountId) =>
      role("crossAccount", accountId, values.CrossAccountRoleName ?? LOCAL_CROSS_ACCOUNT_ROLE_NAME, {
        TargetAccountId: accountId,
      }),
    ),
  ];
}

export function createLocalRam(setup: LocalRamSetup = {}): LocalRam {
  return new LocalRam({
    keys: LOCAL_ACCESS_KEYS.map((key) => ({
      ...key,
      userName: LOCAL_ADMIN_USER_NAME,
      policies: [ADMINISTRATOR],
    })),
    roles: localRoles(setup),
    enforce: setup.enforce ?? true,
    ...(setup.now ? { now: setup.now } : {}),
  });
}
