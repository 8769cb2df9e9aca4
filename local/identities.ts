/**
 * The local cloud's default identities (docs/local.md, "Default identities"). Every emulator,
 * the local stack and the tests take them from here, so a changed key is changed once. The RAM
 * model built from them (roles and their policies from deploy/ram/) is local/ram/local-model.ts.
 */
export const LOCAL_ACCESS_KEY_ID = "LTAILOCALDEVKEY0001";
export const LOCAL_ACCESS_KEY_SECRET = "local-dev-secret-0001";

/** The account the service itself runs in. */
export const LOCAL_SERVICE_ACCOUNT_ID = "1000000000000001";

/** The role that other accounts create for the service to assume. */
export const LOCAL_CROSS_ACCOUNT_ROLE_NAME = "ImagePipelineRequestRole";

/** Accounts that trust the service account through {@link LOCAL_CROSS_ACCOUNT_ROLE_NAME}. */
export const LOCAL_TRUSTING_ACCOUNT_IDS = ["1000000000000002", "1000000000000003"] as const;

export const LOCAL_TABLESTORE_INSTANCE = "local";

/** The RAM user that owns {@link LOCAL_ACCESS_KEY_ID}: an administrator of the service account. */
export const LOCAL_ADMIN_USER_NAME = "local-admin";

/** The functions' roles, as s.yaml names them by default (API_ROLE_NAME, ...). */
export const LOCAL_ROLE_NAMES = {
  api: "image-pipeline-api",
  worker: "image-pipeline-worker",
  reconciler: "image-pipeline-reconciler",
} as const;

/** A long-term access key and the account it belongs to. */
export interface LocalAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
}

export const LOCAL_ACCESS_KEYS: readonly LocalAccessKey[] = [
  {
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
  },
];
