/**
 * The real SDK clients pointed at the simulator, the way a production adapter would build them
 * with only the endpoint changed.
 */
import * as $Ecs from "@alicloud/ecs20140526";
import * as $OpenApi from "@alicloud/openapi-core";
import * as $Sts from "@alicloud/sts20150401";
import * as $dara from "@darabonba/typescript";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_CROSS_ACCOUNT_ROLE_NAME,
} from "../../local/identities";

/**
 * The SDKs are CommonJS with `exports.default = Client`. Node's ESM loader (tsx, plain node) hands
 * the whole `exports` over as the default import, so the class is at `.default.default`; vitest
 * and bundlers unwrap it to `.default`. Take whichever is the class.
 */
function classOf<T>(mod: unknown): T {
  const outer = mod as { default?: unknown };
  const inner = outer.default as { default?: unknown } | undefined;
  return (typeof outer.default === "function" ? outer.default : inner?.default) as T;
}

export const EcsClient = classOf<typeof $Ecs.default>($Ecs);
export const StsClient = classOf<typeof $Sts.default>($Sts);
export const OpenApiClient = classOf<typeof $OpenApi.default>($OpenApi);
const { $OpenApiUtil } = $OpenApi;

export { $dara, $Ecs, $OpenApiUtil, $Sts };

export interface Keys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

export const SERVICE_KEYS: Keys = {
  accessKeyId: LOCAL_ACCESS_KEY_ID,
  accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
};

export function clientConfig(port: number, keys: Keys = SERVICE_KEYS, extra: Record<string, unknown> = {}) {
  return new $OpenApiUtil.Config({
    ...keys,
    endpoint: `127.0.0.1:${port}`,
    protocol: "http",
    regionId: "cn-hangzhou",
    readTimeout: 5000,
    connectTimeout: 5000,
    ...extra,
  });
}

export function ecsClient(port: number, keys: Keys = SERVICE_KEYS, extra: Record<string, unknown> = {}) {
  return new EcsClient(clientConfig(port, keys, extra));
}

export function stsClient(port: number, keys: Keys = SERVICE_KEYS) {
  return new StsClient(clientConfig(port, keys));
}

export function roleArn(accountId: string, roleName = LOCAL_CROSS_ACCOUNT_ROLE_NAME): string {
  return `acs:ram::${accountId}:role/${roleName}`;
}

export async function assumeInto(port: number, accountId: string): Promise<Keys> {
  const response = await stsClient(port).assumeRole(
    new $Sts.AssumeRoleRequest({ roleArn: roleArn(accountId), roleSessionName: "image-pipeline-tests" }),
  );
  const credentials = response.body!.credentials!;
  return {
    accessKeyId: credentials.accessKeyId!,
    accessKeySecret: credentials.accessKeySecret!,
    securityToken: credentials.securityToken!,
  };
}

/** A request every validator accepts: an IMAGE base and a build command. */
export function validCreateRequest(fields: Record<string, unknown> = {}) {
  return new $Ecs.CreateImagePipelineRequest({
    regionId: "cn-hangzhou",
    baseImageType: "IMAGE",
    baseImage: "m-bp1aaaaaaaaaaaaaaaaa",
    buildContent: "RUN echo hello",
    name: "pipeline-a",
    ...fields,
  });
}

/** The error the SDK threw, with the fields the tests look at. */
export interface SdkError {
  name?: string;
  code?: string;
  statusCode?: number;
  data?: Record<string, unknown>;
  message?: string;
}

export async function failureOf(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (err: unknown) {
    return err as SdkError;
  }
  throw new Error("expected the call to fail, and it succeeded");
}

/**
 * Image Builder template text of exactly `length` characters: `RUN echo <fill...>` lines of 160
 * characters (well under the 127-command limit at 16 KB), the last one cut to fit. `fill` is one
 * character; a CJK one makes each character 3 bytes in UTF-8 and 9 when percent-encoded.
 */
export function runTemplate(length: number, fill = "x"): string {
  const prefix = "RUN echo ";
  const lineLength = 160;
  let text = "";
  while (length - text.length > lineLength + prefix.length) {
    text += `${prefix}${fill.repeat(lineLength - prefix.length - 1)}\n`;
  }
  return text + prefix + fill.repeat(length - text.length - prefix.length);
}
