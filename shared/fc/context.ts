/**
 * The FC3 invocation context as the Node.js runtime passes it (docs/cloud-facts.md, "FC3 invocation context"), reduced to
 * the fields this service reads. The local runtime builds exactly this shape and nothing more, so
 * code that runs locally reads nothing the cloud would not give it.
 */

/**
 * The function role's temporary keys. FC passes `{}` when the function has no role, so every field
 * may be missing at run time; shared/adapters/credentials checks them before use.
 */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Empty locally, where the service account's long-term keys stand in for the role's. */
  securityToken: string;
}

export interface FcFunctionMeta {
  name: string;
  handler: string;
  /** MB */
  memory: number;
  /** Seconds. FC has no remaining-time call: a handler tracks its deadline from this. */
  timeout: number;
}

export interface FcContext {
  requestId: string;
  credentials: FcCredentials;
  function: FcFunctionMeta;
  region: string;
  accountId: string;
}
