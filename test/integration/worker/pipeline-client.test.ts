/**
 * The pipeline client through the real `@alicloud/ecs20140526` against the ECS simulator: what
 * each kind of answer becomes, and that a retry with the record's token never makes a second
 * pipeline.
 */
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEcsEmulator, start } from "../../../local/ecs/index";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "../../../local/identities";
import { singleAttemptConfig, singleAttemptRuntime } from "../../../shared/adapters/alibaba-rpc/index";
import {
  type AccessKeyCredentials,
  type AccountCredentialsProvider,
  credentialsFromContext,
} from "../../../shared/adapters/credentials/index";
import {
  createImagePipelineForm,
  createPipelineClient,
  toCloudApiFailure,
  toCreateImagePipelineRequest,
} from "../../../shared/adapters/ecs/index";
import type { PipelineClient } from "../../../shared/app/ports";
import type { PipelineRequest } from "../../../shared/domain/request/normalize";
import { EcsClient, runTemplate } from "../ecs/clients";

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

/** 16,000 characters each: the URL the SDK's own method would build is ~30,000 characters long. */
const LARGE: PipelineRequest = {
  ...BASIC,
  BuildContent: runTemplate(16_000),
  TestContent: runTemplate(16_000, "t"),
};
/** Chinese text near the 16 KB (UTF-8) limit in both: 9 URL characters per character. */
const CHINESE: PipelineRequest = {
  ...BASIC,
  Description: "镜像模板：构建并测试",
  BuildContent: runTemplate(5_400, "构"),
  TestContent: runTemplate(5_400, "测"),
};

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A bare HTTP server that records each request and answers `status` with `body`. */
async function recordingServer(status = 200, body = '{"RequestId":"R-1","ImagePipelineId":"ip-recorded"}') {
  const seen: Recorded[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(status, { "content-type": "application/json;charset=utf-8" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    seen,
    endpoint: `127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const paramsOf = (search: string): Record<string, string> => Object.fromEntries(new URLSearchParams(search));

describe("parameters travel in a signed form body, not the URL", () => {
  it("the body carries exactly the parameters the SDK's own method puts in the query", async () => {
    const recorder = await recordingServer();
    try {
      const model = toCreateImagePipelineRequest(SERVICE, NESTED, "token-parity");
      // The SDK's generated method: every parameter in the URL query.
      const sdk = new EcsClient(
        singleAttemptConfig(OWN_KEYS, { endpoint: recorder.endpoint, protocol: "http" }, "cn-hangzhou"),
      );
      await sdk.createImagePipelineWithOptions(model, singleAttemptRuntime(5_000));
      // Ours.
      const ours = createPipelineClient({
        endpoint: recorder.endpoint,
        credentials: serviceAccountCredentials(LOCAL_SERVICE_ACCOUNT_ID, OWN_KEYS),
      });
      expect(
        await ours.createImagePipeline(SERVICE, NESTED, "token-parity", { timeoutMs: 5_000 }),
      ).toMatchObject({
        ok: true,
        imagePipelineId: "ip-recorded",
      });

      const [viaQuery, viaForm] = recorder.seen as [Recorded, Recorded];
      const queryParams = paramsOf(viaQuery.url.slice(viaQuery.url.indexOf("?") + 1));
      expect(viaQuery.body).toBe("");
      expect(queryParams).toMatchObject({
        "ImageOptions.ImageTags.1.Key": "stage",
        "ToRegionId.1": "cn-beijing",
        "ImportImageOptions.DiskDeviceMappings.1.OSSBucket": "images-bucket",
        ClientToken: "token-parity",
      });

      expect(viaForm.method).toBe("POST");
      expect(viaForm.url).toBe("/");
      expect(viaForm.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(viaForm.headers["x-acs-action"]).toBe("CreateImagePipeline");
      expect(viaForm.headers["x-acs-version"]).toBe("2014-05-26");
      expect(paramsOf(viaForm.body)).toEqual(queryParams);
      expect(createImagePipelineForm(model)).toEqual(queryParams);
      // The signature covers the body through its hash, and names that header as signed.
      expect(viaForm.headers["x-acs-content-sha256"]).toBe(
        createHash("sha256").update(viaForm.body, "utf8").digest("hex"),
      );
      expect(viaForm.headers.authorization).toMatch(/SignedHeaders=[^,]*x-acs-content-sha256/);
    } finally {
      await recorder.close();
    }
  });

  it.each([
    ["16,000-character BuildContent and TestContent", LARGE],
    ["Chinese text in BuildContent, TestContent and Description", CHINESE],
  ])("%s: accepted by the simulator, one pipeline, stored as sent", async (_what, request) => {
    const outcome = await call("token-large", request);
    expect(outcome).toMatchObject({ ok: true, imagePipelineId: expect.stringMatching(/^ip-/) });
    expect(ecs.control.pipelines()).toHaveLength(1);
    // The same token with the same text is the same request to the simulator: nothing was mangled.
    expect(await call("token-large", request)).toMatchObject({
      ok: true,
      imagePipelineId: outcome.ok ? outcome.imagePipelineId : "",
    });
    expect(ecs.control.calls().createImagePipeline.answered).toEqual({ OK: 2 });
  });

  it("the Chinese templates are near the 16 KB limit and far past the gateway's URL limit once encoded", () => {
    for (const text of [CHINESE.BuildContent!, CHINESE.TestContent!]) {
      expect(Buffer.byteLength(text, "utf8")).toBeGreaterThan(15_000);
      expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(16 * 1024);
      expect(encodeURIComponent(text).length).toBeGreaterThan(40_000);
    }
  });

  it("the SDK's own query form of the large request gets 414 from the simulator: permanent, one call, no pipeline", async () => {
    const sdk = new EcsClient(
      singleAttemptConfig(OWN_KEYS, { endpoint: `127.0.0.1:${ecs.port}`, protocol: "http" }, "cn-hangzhou"),
    );
    const model = toCreateImagePipelineRequest(SERVICE, LARGE, "token-414");
    const outcome = await sdk
      .createImagePipelineWithOptions(model, singleAttemptRuntime(5_000))
      .then(() => undefined, toCloudApiFailure);
    expect(outcome).toMatchObject({ code: "UnparsableResponse", httpStatus: 414, transient: false });
    expect(ecs.control.calls().createImagePipeline).toMatchObject({ received: 1, answered: { Http414: 1 } });
    expect(ecs.control.pipelines()).toHaveLength(0);
  });
});

describe("answers that are not ECS JSON are judged by their HTTP status", () => {
  it.each([
    ["the gateway's 414 page", "uriTooLarge", 414, false],
    ["the gateway's 502 page", "badGateway", 502, true],
  ] as const)(
    "%s (forced %s): UnparsableResponse %i, transient: %s; one request, no pipeline",
    async (_what, kind, httpStatus, transient) => {
      ecs.control.forceNext(kind, 1);
      const outcome = await call(`token-${kind}`);
      expect(outcome).toMatchObject({
        ok: false,
        failure: { code: "UnparsableResponse", httpStatus, transient },
      });
      expect(ecs.control.calls().createImagePipeline.received).toBe(1);
      expect(ecs.control.pipelines()).toHaveLength(0);
    },
  );

  it("an empty 200 answer is transient; the retry with the same token returns the pipeline made", async () => {
    ecs.control.forceNext("emptyAnswer", 1);
    const first = await call("token-empty");
    expect(first).toMatchObject({
      ok: false,
      failure: { code: "UnparsableResponse", httpStatus: 200, transient: true },
    });
    expect(ecs.control.calls().createImagePipeline.received).toBe(1);
    const made = ecs.control.pipelines();
    expect(made).toHaveLength(1);
    expect(await call("token-empty")).toMatchObject({ ok: true, imagePipelineId: made[0]?.imagePipelineId });
  });

  it("an HTML 403 from a proxy that is not the simulator is permanent too", async () => {
    const proxy = await recordingServer(403, "<html><body><h1>403 Forbidden</h1></body></html>");
    try {
      const client = createPipelineClient({
        endpoint: proxy.endpoint,
        credentials: serviceAccountCredentials(LOCAL_SERVICE_ACCOUNT_ID, OWN_KEYS),
      });
      const outcome = await client.createImagePipeline(SERVICE, BASIC, "t", { timeoutMs: 5_000 });
      expect(outcome).toMatchObject({
        ok: false,
        failure: { code: "UnparsableResponse", httpStatus: 403, transient: false },
      });
      expect(proxy.seen).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});

describe("error shapes", () => {
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
    expect(toCloudApiFailure(err)).toMatchObject({ code, transient });
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
