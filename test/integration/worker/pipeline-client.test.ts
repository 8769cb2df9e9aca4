/**
 * The pipeline client through the real `@alicloud/ecs20140526` against the ECS simulator: what
 * each kind of answer becomes, and that a retry with the record's token never makes a second
 * pipeline.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEcsEmulator, start } from "../../../local/ecs/index";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "../../../local/identities";
import {
  type AccessKeyCredentials,
  type AccountCredentialsProvider,
  credentialsFromContext,
} from "../../../shared/adapters/credentials/index";
import {
  createPipelineClient,
  resolveEcsEndpoint,
  toCreateImagePipelineRequest,
  toEcsFailure,
} from "../../../shared/adapters/ecs/index";
import type { PipelineClient } from "../../../shared/app/ports";
import type { PipelineRequest } from "../../../shared/domain/request/normalize";

const CROSS_ACCOUNT_NOT_SUPPORTED = "CrossAccountNotSupported";

/** A provider that serves only the service account: shows the client never calls ECS without keys. */
function serviceAccountCredentials(
  serviceAccountId: string,
  own: AccessKeyCredentials,
): AccountCredentialsProvider {
  return {
    async forAccount(accountId) {
      if (accountId === serviceAccountId) return { ok: true, credentials: own };
      return {
        ok: false,
        failure: {
          code: CROSS_ACCOUNT_NOT_SUPPORTED,
          message: `only account ${serviceAccountId} is served`,
          transient: false,
        },
      };
    },
  };
}

const SERVICE = { accountId: LOCAL_SERVICE_ACCOUNT_ID, regionId: "cn-hangzhou" };
const OWN_KEYS = credentialsFromContext({
  credentials: {
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    securityToken: "",
  },
});

const BASIC: PipelineRequest = {
  RegionId: "cn-hangzhou",
  BaseImageType: "IMAGE",
  BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
  BuildContent: "RUN echo hello",
  Name: "pipeline-a",
};

/** Every nested model of the API, with the names the SDK spells its own way (OSSBucket, OSType). */
const NESTED: PipelineRequest = {
  RegionId: "cn-hangzhou",
  BaseImageType: "OSS",
  Name: "imported-a",
  Description: "imported from OSS",
  Tag: [{ Key: "team", Value: "images" }],
  AddAccount: ["1000000000000009"],
  ToRegionId: ["cn-beijing"],
  ImageOptions: {
    ImageName: "golden",
    ImageFamily: "golden-family",
    ImageFeatures: { NvmeSupport: "auto" },
    ImageTags: [{ Key: "stage", Value: "prod" }],
  },
  ImportImageOptions: {
    OSType: "linux",
    Architecture: "x86_64",
    Platform: "Aliyun",
    BootMode: "UEFI",
    LicenseType: "Auto",
    DiskDeviceMappings: [
      { OSSBucket: "images-bucket", OSSObject: "disk.qcow2", Format: "QCOW2", DiskImageSize: 40 },
    ],
    Features: { NvmeSupport: "supported", ImdsSupport: "v2" },
    ImportImageTags: [{ Key: "src", Value: "oss" }],
  },
  AdvancedOptions: { RetainCloudAssistant: true, ImageNameSuffix: "disable" },
  SystemDiskSize: 60,
  InternetMaxBandwidthOut: 10,
  DeleteInstanceOnFailure: false,
};

let ecs: RunningEcsEmulator;
let client: PipelineClient;

beforeAll(async () => {
  ecs = await start({ port: 0 });
  client = createPipelineClient({
    endpoint: `127.0.0.1:${ecs.port}`,
    credentials: serviceAccountCredentials(LOCAL_SERVICE_ACCOUNT_ID, OWN_KEYS),
  });
});
afterAll(async () => {
  await ecs.close();
});
beforeEach(() => {
  ecs.control.reset();
  ecs.control.setFaults({
    throttleRate: 0,
    serverErrorRate: 0,
    dropAfterCommitRate: 0,
    latencyMs: 0,
    qpsPerAccount: 0,
  });
});

const call = (token: string, request: PipelineRequest = BASIC, timeoutMs = 5_000) =>
  client.createImagePipeline(SERVICE, request, token, { timeoutMs });

describe("the SDK request", () => {
  it("carries every field of our request under its wire name, the target region and the record's token", () => {
    const model = toCreateImagePipelineRequest(
      SERVICE,
      { ...NESTED, AccountId: LOCAL_SERVICE_ACCOUNT_ID, ClientToken: "callers-token" },
      "record-token",
    );
    expect(model.toMap()).toEqual({ ...NESTED, ClientToken: "record-token" });
  });

  it("refuses a field the SDK has no parameter for instead of dropping it", () => {
    const request = { ...BASIC, ImageOptions: { ImageNmae: "typo" } } as unknown as PipelineRequest;
    expect(() => toCreateImagePipelineRequest(SERVICE, request, "t")).toThrow(/ImageOptions\.ImageNmae/);
  });
});

describe("createImagePipeline against the simulator", () => {
  it("success: an ip- id and the ECS request id; one pipeline", async () => {
    const outcome = await call("token-ok");
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.imagePipelineId).toMatch(/^ip-/);
    expect(outcome.requestId).not.toBe("");
    expect(ecs.control.pipelines()).toEqual([
      expect.objectContaining({
        imagePipelineId: outcome.imagePipelineId,
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
        regionId: "cn-hangzhou",
        clientToken: "token-ok",
        name: "pipeline-a",
      }),
    ]);
  });

  it("a request using every nested model is accepted as sent", async () => {
    const outcome = await call("token-nested", NESTED);
    expect(outcome).toMatchObject({ ok: true, imagePipelineId: expect.stringMatching(/^ip-/) });
  });

  it("a validation error is permanent, with the ECS code, message, status and request id", async () => {
    const outcome = await call("token-bad", { ...BASIC, Name: "1-starts-with-a-digit" });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure).toMatchObject({
      code: "InvalidName.Malformed",
      httpStatus: 400,
      transient: false,
    });
    expect(outcome.failure.requestId).toEqual(expect.any(String));
    expect(outcome.failure.message).not.toBe("");
    expect(ecs.control.pipelines()).toHaveLength(0);
  });

  it("IdempotentParameterMismatch (same token, other parameters) is permanent", async () => {
    await call("token-mismatch");
    const outcome = await call("token-mismatch", { ...BASIC, Name: "pipeline-b" });
    expect(outcome).toMatchObject({
      ok: false,
      failure: { code: "IdempotentParameterMismatch", httpStatus: 400, transient: false },
    });
  });

  it.each([
    ["throttle", "Throttling.User", 400],
    ["serverError", "ServiceUnavailable", 503],
  ] as const)("forced %s: transient %s (%i), one request, no pipeline", async (kind, code, httpStatus) => {
    ecs.control.forceNext(kind, 1);
    const outcome = await call(`token-${kind}`);
    expect(outcome).toMatchObject({ ok: false, failure: { code, httpStatus, transient: true } });
    expect(ecs.control.calls().createImagePipeline.received).toBe(1);
    expect(ecs.control.pipelines()).toHaveLength(0);
  });

  it("a dropped connection after the commit is transient; the retry with the same token returns the same pipeline", async () => {
    ecs.control.forceNext("dropAfterCommit", 1);
    const first = await call("token-drop");
    expect(first).toMatchObject({ ok: false, failure: { code: "NetworkError", transient: true } });
    expect(first.ok ? undefined : first.failure.httpStatus).toBeUndefined();
    expect(ecs.control.pipelines()).toHaveLength(1);
    const retry = await call("token-drop");
    expect(retry).toMatchObject({ ok: true, imagePipelineId: ecs.control.pipelines()[0]?.imagePipelineId });
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("a timeout is transient and the SDK did not retry on its own", async () => {
    ecs.control.setFaults({ latencyMs: 1_500 });
    const outcome = await call("token-slow", BASIC, 300);
    expect(outcome).toMatchObject({ ok: false, failure: { code: "Timeout", transient: true } });
    expect(ecs.control.calls().createImagePipeline.received).toBe(1);
  });

  it("a refused connection is transient", async () => {
    const closed = await unusedPort();
    const nowhere = createPipelineClient({
      endpoint: `127.0.0.1:${closed}`,
      credentials: serviceAccountCredentials(LOCAL_SERVICE_ACCOUNT_ID, OWN_KEYS),
    });
    const outcome = await nowhere.createImagePipeline(SERVICE, BASIC, "t", { timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ ok: false, failure: { code: "NetworkError", transient: true } });
    expect(outcome.ok ? "" : outcome.failure.message).toMatch(/ECONNREFUSED/);
  });

  it("wrong keys: the signature error is permanent", async () => {
    const wrong = createPipelineClient({
      endpoint: `127.0.0.1:${ecs.port}`,
      credentials: serviceAccountCredentials(LOCAL_SERVICE_ACCOUNT_ID, {
        accessKeyId: LOCAL_ACCESS_KEY_ID,
        accessKeySecret: "not-the-secret",
      }),
    });
    const outcome = await wrong.createImagePipeline(SERVICE, BASIC, "t", { timeoutMs: 2_000 });
    expect(outcome).toMatchObject({
      ok: false,
      failure: { code: "SignatureDoesNotMatch", transient: false },
    });
  });

  it("another account: a permanent CrossAccountNotSupported, and no ECS call", async () => {
    const outcome = await client.createImagePipeline(
      { accountId: LOCAL_TRUSTING_ACCOUNT_IDS[0], regionId: "cn-hangzhou" },
      BASIC,
      "t",
      { timeoutMs: 2_000 },
    );
    expect(outcome).toMatchObject({
      ok: false,
      failure: { code: CROSS_ACCOUNT_NOT_SUPPORTED, transient: false },
    });
    expect(ecs.control.calls().createImagePipeline.received).toBe(0);
  });
});

describe("endpoints and error shapes", () => {
  it.each([
    [undefined, "cn-beijing", { endpoint: "ecs.cn-beijing.aliyuncs.com", protocol: "https" }],
    ["127.0.0.1:8101", "cn-hangzhou", { endpoint: "127.0.0.1:8101", protocol: "http" }],
    ["localhost:8101", "cn-hangzhou", { endpoint: "localhost:8101", protocol: "http" }],
    ["http://ecs.internal:80/", "cn-hangzhou", { endpoint: "ecs.internal:80", protocol: "http" }],
    [
      "https://ecs-vpc.cn-hangzhou.aliyuncs.com",
      "cn-hangzhou",
      { endpoint: "ecs-vpc.cn-hangzhou.aliyuncs.com", protocol: "https" },
    ],
    [
      "ecs.cn-shanghai.aliyuncs.com",
      "cn-shanghai",
      { endpoint: "ecs.cn-shanghai.aliyuncs.com", protocol: "https" },
    ],
  ])("ECS_ENDPOINT %s in %s", (configured, region, expected) => {
    expect(resolveEcsEndpoint(configured, region)).toEqual(expected);
  });

  it.each([
    ["a non-JSON error body", new SyntaxError("Unexpected token < in JSON"), "UnparsableResponse", true],
    [
      "a 500 without a code",
      Object.assign(new Error("boom"), { statusCode: 500, data: {} }),
      "Http500",
      true,
    ],
    [
      "an unknown 4xx code",
      Object.assign(new Error("x"), { code: "Some.New", statusCode: 400, data: {} }),
      "Some.New",
      false,
    ],
    ["a DNS failure", Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "NetworkError", true],
  ])("%s", (_what, err, code, transient) => {
    expect(toEcsFailure(err)).toMatchObject({ code, transient });
  });
});

async function unusedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
