import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_REQUEST_LINE_BYTES, type RunningEcsEmulator, start } from "../../../local/ecs/index";
import {
  $dara,
  $Ecs,
  $OpenApiUtil,
  clientConfig,
  ecsClient,
  failureOf,
  OpenApiClient,
  runTemplate,
  validCreateRequest,
} from "../../support/ecs-clients";

let ecs: RunningEcsEmulator;

beforeAll(async () => {
  ecs = await start({ port: 0 });
});
afterAll(async () => {
  await ecs.close();
});
beforeEach(() => {
  ecs.control.reset();
});

const describeRequest = (fields: Record<string, unknown> = {}) =>
  new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou", ...fields });

/** Calls an action through openapi-core's generic RPC path, as any SDK for a product would. */
async function callRpc(
  action: string,
  version: string,
  options: { query?: Record<string, string>; body?: Record<string, string> } = {},
) {
  const client = new OpenApiClient(clientConfig(ecs.port));
  const params = new $OpenApiUtil.Params({
    action,
    version,
    protocol: "HTTP",
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  });
  const request = new $OpenApiUtil.OpenApiRequest({ query: options.query, body: options.body });
  return client.callApi(params, request, new $dara.RuntimeOptions({}));
}

describe("CreateImagePipeline", () => {
  it("answers an ip- id of 20 lowercase alphanumerics and stores the pipeline in the caller's account", async () => {
    const response = await ecsClient(ecs.port).createImagePipeline(validCreateRequest());
    expect(response.statusCode).toBe(200);
    expect(response.body?.imagePipelineId).toMatch(/^ip-[a-z0-9]{20}$/);
    expect(response.body?.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(ecs.control.pipelines()).toEqual([
      expect.objectContaining({
        imagePipelineId: response.body?.imagePipelineId,
        accountId: "1000000000000001",
        regionId: "cn-hangzhou",
        clientToken: null,
        name: "pipeline-a",
      }),
    ]);
  });

  it("reads every flattened wire parameter back and shows it in DescribeImagePipelines' wrapper shapes", async () => {
    const client = ecsClient(ecs.port);
    const created = await client.createImagePipeline(
      validCreateRequest({
        description: "the full request",
        addAccount: [1000000000000002, 1000000000000003],
        toRegionId: ["cn-beijing", "cn-shanghai"],
        repairMode: "Standard",
        systemDiskSize: 60,
        internetMaxBandwidthOut: 5,
        deleteInstanceOnFailure: false,
        tag: [
          { key: "team", value: "images" },
          { key: "env", value: "" },
        ],
        advancedOptions: { retainCloudAssistant: true, imageNameSuffix: "disable" },
        imageOptions: {
          imageName: "golden",
          imageFamily: "golden-family",
          description: "built image",
          imageFeatures: { nvmeSupport: "auto" },
          imageTags: [{ key: "built-by", value: "pipeline" }],
        },
      }),
    );
    const id = created.body!.imagePipelineId!;
    const described = await client.describeImagePipelines(describeRequest({ imagePipelineId: [id] }));
    expect(described.body?.totalCount).toBe(1);
    const item = described.body?.imagePipeline?.imagePipelineSet?.[0];
    expect(item).toMatchObject({
      imagePipelineId: id,
      name: "pipeline-a",
      description: "the full request",
      baseImageType: "IMAGE",
      baseImage: "m-bp1aaaaaaaaaaaaaaaaa",
      buildContent: "RUN echo hello",
      systemDiskSize: 60,
      internetMaxBandwidthOut: 5,
      deleteInstanceOnFailure: false,
      repairMode: "Standard",
      addAccounts: { addAccount: ["1000000000000002", "1000000000000003"] },
      toRegionIds: { toRegionId: ["cn-beijing", "cn-shanghai"] },
      tags: {
        tag: [
          { tagKey: "team", tagValue: "images" },
          { tagKey: "env", tagValue: "" },
        ],
      },
      advancedOptions: { retainCloudAssistant: true, imageNameSuffix: "disable" },
      imageOptions: {
        imageName: "golden",
        imageFamily: "golden-family",
        description: "built image",
        imageFeatures: { nvmeSupport: "auto" },
        imageTags: { imageTag: [{ tagKey: "built-by", tagValue: "pipeline" }] },
      },
    });
    expect(item?.creationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("reads ImportImageOptions with its disk mappings, features and tags for an OSS base", async () => {
    const client = ecsClient(ecs.port);
    const created = await client.createImagePipeline(
      validCreateRequest({
        baseImageType: "OSS",
        baseImage: undefined,
        importImageOptions: {
          OSType: "linux",
          architecture: "x86_64",
          bootMode: "UEFI",
          platform: "Aliyun",
          diskDeviceMappings: [
            { OSSBucket: "images", OSSObject: "base.qcow2", format: "QCOW2", diskImageSize: 40 },
          ],
          features: { nvmeSupport: "supported", imdsSupport: "v2" },
          importImageTags: [{ key: "source", value: "oss" }],
        },
      }),
    );
    const described = await client.describeImagePipelines(
      describeRequest({ imagePipelineId: [created.body!.imagePipelineId!] }),
    );
    expect(described.body?.imagePipeline?.imagePipelineSet?.[0]?.importImageOptions).toMatchObject({
      OSType: "linux",
      architecture: "x86_64",
      bootMode: "UEFI",
      platform: "Aliyun",
      diskDeviceMappings: {
        diskDeviceMapping: [
          { OSSBucket: "images", OSSObject: "base.qcow2", format: "QCOW2", diskImageSize: 40 },
        ],
      },
      features: { nvmeSupport: "supported", imdsSupport: "v2" },
      importImageTags: { importImageTag: [{ key: "source", value: "oss" }] },
    });
  });

  it("uses the pipeline id as the name when Name is not sent", async () => {
    const created = await ecsClient(ecs.port).createImagePipeline(validCreateRequest({ name: undefined }));
    expect(ecs.control.pipelines()[0]?.name).toBe(created.body?.imagePipelineId);
  });

  it("accepts the older HMAC-SHA1 query signature (signatureAlgorithm v2)", async () => {
    const client = ecsClient(ecs.port, undefined, { signatureAlgorithm: "v2" });
    const created = await client.createImagePipeline(
      validCreateRequest({ tag: [{ key: "sig", value: "v1" }] }),
    );
    expect(created.body?.imagePipelineId).toMatch(/^ip-[a-z0-9]{20}$/);
    const described = await client.describeImagePipelines(
      describeRequest({ tag: [{ key: "sig", value: "v1" }] }),
    );
    expect(described.body?.totalCount).toBe(1);
  });

  it("accepts parameters in a form body, as Terraform sends them", async () => {
    const response = await callRpc("CreateImagePipeline", "2014-05-26", {
      body: {
        RegionId: "cn-hangzhou",
        BaseImageType: "IMAGE",
        BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
        Name: "from-form",
        "Tag.1.Key": "k",
        "Tag.1.Value": "v",
      },
    });
    expect(response.statusCode).toBe(200);
    expect(ecs.control.pipelines()).toEqual([expect.objectContaining({ name: "from-form" })]);
  });

  it.each([
    [{ systemDiskSize: 10 }, "InvalidSystemDiskSize.NotSupportedValue", 400],
    [{ description: "http://example.com/about" }, "InvalidDescription.Malformed", 400],
    [{ baseImageType: "OSS", baseImage: undefined }, "MissingParameter.ImportImageOptions", 404],
  ])("answers the contract's first violation for %j: %s (%i)", async (fields, code, status) => {
    const error = await failureOf(ecsClient(ecs.port).createImagePipeline(validCreateRequest(fields)));
    expect(error).toMatchObject({ name: "ClientError", code, statusCode: status });
    expect(error.data).toMatchObject({
      Code: code,
      HostId: "ecs.aliyuncs.com",
      RequestId: expect.any(String),
    });
    expect(ecs.control.pipelines()).toEqual([]);
  });

  it("leaves no trace of a refused request: its ClientToken works once the request is fixed", async () => {
    const client = ecsClient(ecs.port);
    const clientToken = "fix-and-retry";
    await failureOf(client.createImagePipeline(validCreateRequest({ clientToken, systemDiskSize: 10 })));
    const fixed = await client.createImagePipeline(validCreateRequest({ clientToken, systemDiskSize: 40 }));
    expect(ecs.control.pipelines()).toEqual([
      expect.objectContaining({ imagePipelineId: fixed.body?.imagePipelineId, clientToken }),
    ]);
  });

  it("refuses a parameter name the action does not have", async () => {
    const error = await failureOf(
      callRpc("CreateImagePipeline", "2014-05-26", {
        query: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-1", "Tag.1.Colour": "red" },
      }),
    );
    expect(error).toMatchObject({ name: "ClientError", code: "InvalidParameter", statusCode: 400 });
    expect(error.data).toMatchObject({ Code: "InvalidParameter", HostId: "ecs.aliyuncs.com" });
    expect(String(error.data?.Message)).toContain("Tag.1.Colour");
    expect(ecs.control.pipelines()).toEqual([]);
  });
});

describe("DescribeImagePipelines", () => {
  async function createNamed(names: string[], regionId = "cn-hangzhou") {
    const client = ecsClient(ecs.port);
    const ids: string[] = [];
    for (const name of names) {
      const created = await client.createImagePipeline(
        validCreateRequest({
          name,
          regionId,
          tag: [{ key: "group", value: name.startsWith("a") ? "a" : "b" }],
        }),
      );
      ids.push(created.body!.imagePipelineId!);
    }
    return ids;
  }

  it("filters by ids, by name and by tags, within the request's region", async () => {
    const ids = await createNamed(["a1", "a2", "b1"]);
    await createNamed(["a1"], "cn-beijing");
    const client = ecsClient(ecs.port);
    const byIds = await client.describeImagePipelines(describeRequest({ imagePipelineId: [ids[0], ids[2]] }));
    expect(byIds.body?.imagePipeline?.imagePipelineSet?.map((p) => p.imagePipelineId)).toEqual([
      ids[0],
      ids[2],
    ]);
    const byName = await client.describeImagePipelines(describeRequest({ name: "a2" }));
    expect(byName.body?.imagePipeline?.imagePipelineSet?.map((p) => p.imagePipelineId)).toEqual([ids[1]]);
    const byTag = await client.describeImagePipelines(
      describeRequest({ tag: [{ key: "group", value: "a" }] }),
    );
    expect(byTag.body?.totalCount).toBe(2);
    const elsewhere = await client.describeImagePipelines(describeRequest({ regionId: "cn-beijing" }));
    expect(elsewhere.body?.totalCount).toBe(1);
  });

  it("pages with MaxResults and NextToken", async () => {
    const ids = await createNamed(["a1", "a2", "a3", "a4", "a5"]);
    const client = ecsClient(ecs.port);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.describeImagePipelines(describeRequest({ maxResults: 2, nextToken }));
      expect(page.body?.totalCount).toBe(5);
      expect(page.body?.maxResults).toBe(2);
      seen.push(...(page.body?.imagePipeline?.imagePipelineSet ?? []).map((p) => p.imagePipelineId!));
      nextToken = page.body?.nextToken || undefined;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it("answers an empty set (an array) when nothing matches", async () => {
    const response = await ecsClient(ecs.port).describeImagePipelines(
      describeRequest({ imagePipelineId: ["ip-00000000000000000000"] }),
    );
    expect(response.body?.totalCount).toBe(0);
    expect(response.body?.imagePipeline?.imagePipelineSet).toEqual([]);
  });

  it.each([
    [{ regionId: undefined }, "MissingRegionId"],
    [{ maxResults: 501 }, "InvalidParameter"],
    [{ nextToken: "not-a-token" }, "InvalidParameter"],
  ])("refuses %j with %s", async (fields, code) => {
    const error = await failureOf(ecsClient(ecs.port).describeImagePipelines(describeRequest(fields)));
    expect(error).toMatchObject({ code, statusCode: 400 });
  });
});

describe("DeleteImagePipeline", () => {
  it("deletes the pipeline; a second delete answers InvalidImagePipelineId.NotFound (404)", async () => {
    const client = ecsClient(ecs.port);
    const id = (await client.createImagePipeline(validCreateRequest())).body!.imagePipelineId!;
    const deleteRequest = new $Ecs.DeleteImagePipelineRequest({
      regionId: "cn-hangzhou",
      imagePipelineId: id,
    });
    const deleted = await client.deleteImagePipeline(deleteRequest);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.body?.requestId).toBeTruthy();
    expect(ecs.control.pipelines()).toEqual([]);
    const again = await failureOf(client.deleteImagePipeline(deleteRequest));
    expect(again).toMatchObject({
      name: "ClientError",
      code: "InvalidImagePipelineId.NotFound",
      statusCode: 404,
    });
  });

  it("does not find a pipeline of the same account in another region", async () => {
    const client = ecsClient(ecs.port);
    const id = (await client.createImagePipeline(validCreateRequest())).body!.imagePipelineId!;
    const error = await failureOf(
      client.deleteImagePipeline(
        new $Ecs.DeleteImagePipelineRequest({ regionId: "cn-beijing", imagePipelineId: id }),
      ),
    );
    expect(error).toMatchObject({ code: "InvalidImagePipelineId.NotFound", statusCode: 404 });
    expect(ecs.control.pipelines()).toHaveLength(1);
  });
});

describe("dispatch", () => {
  it("answers InvalidAction.NotFound (404) for an action ECS does not have", async () => {
    const error = await failureOf(
      callRpc("CreateImagePipelineTwice", "2014-05-26", { query: { RegionId: "x" } }),
    );
    expect(error).toMatchObject({ name: "ClientError", code: "InvalidAction.NotFound", statusCode: 404 });
    expect(error.data).toMatchObject({
      HostId: "ecs.aliyuncs.com",
      Recommend: expect.stringContaining("InvalidAction.NotFound"),
      RequestId: expect.any(String),
    });
  });

  it("answers InvalidVersion (400) for an API version it does not serve", async () => {
    const error = await failureOf(callRpc("CreateImagePipeline", "2099-01-01"));
    expect(error).toMatchObject({ code: "InvalidVersion", statusCode: 400 });
  });

  it("counts calls and answers per code", async () => {
    const client = ecsClient(ecs.port);
    await client.createImagePipeline(validCreateRequest());
    await failureOf(client.describeImagePipelines(describeRequest({ regionId: undefined })));
    const calls = ecs.control.calls();
    expect(calls.createImagePipeline).toEqual({ received: 1, answered: { OK: 1 }, throttled: 0, dropped: 0 });
    expect(calls.describeImagePipelines.answered).toEqual({ MissingRegionId: 1 });
  });
});

describe("request size (the gateway's request-line limit)", () => {
  /** One raw HTTP exchange; the request line is `POST <target> HTTP/1.1`. */
  function rawPost(target: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; contentType: string; body: string }>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: ecs.port, method: "POST", path: target, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers["content-type"] ?? ""),
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
  }
  /** A target whose request line is exactly `lineBytes` long. */
  const targetFor = (lineBytes: number) => {
    const fixed = "POST /?Pad= HTTP/1.1".length;
    return `/?Pad=${"a".repeat(lineBytes - fixed)}`;
  };
  const ecsHeaders = { "x-acs-action": "CreateImagePipeline", "x-acs-version": "2014-05-26" };

  it("a request line of exactly MAX_REQUEST_LINE_BYTES is read (and judged on its signature)", async () => {
    const answer = await rawPost(targetFor(MAX_REQUEST_LINE_BYTES), ecsHeaders);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "IncompleteSignature" });
  });

  it("one byte more is refused with the gateway's HTML 414 page, before the signature is looked at", async () => {
    const answer = await rawPost(targetFor(MAX_REQUEST_LINE_BYTES + 1), ecsHeaders);
    expect(answer).toMatchObject({ status: 414, contentType: "text/html" });
    expect(answer.body).toContain("<title>414 Request-URI Too Large</title>");
    expect(ecs.control.calls().createImagePipeline).toMatchObject({ received: 1, answered: { Http414: 1 } });
  });

  it("a request line past Node's own header limit still gets 414, not an empty 431", async () => {
    const answer = await rawPost(targetFor(2 * 1024 * 1024), ecsHeaders);
    expect(answer.status).toBe(414);
    expect(answer.body).toContain("414 Request-URI Too Large");
  });

  it("the SDK's own CreateImagePipeline with a 16,000-character BuildContent gets 414 (the SDK sees unreadable HTML)", async () => {
    const error = await failureOf(
      ecsClient(ecs.port).createImagePipeline(validCreateRequest({ buildContent: runTemplate(16_000) })),
    );
    expect(error.name).toBe("SyntaxError");
    expect(ecs.control.calls().createImagePipeline.answered).toEqual({ Http414: 1 });
    expect(ecs.control.pipelines()).toEqual([]);
  });

  it("the same parameters in a signed form body are accepted, Chinese text and all", async () => {
    const body = {
      RegionId: "cn-hangzhou",
      BaseImageType: "IMAGE",
      BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
      Name: "large-form",
      BuildContent: runTemplate(16_000),
      TestContent: runTemplate(5_400, "测"),
    };
    const response = await callRpc("CreateImagePipeline", "2014-05-26", { body });
    expect(response.statusCode).toBe(200);
    const described = await ecsClient(ecs.port).describeImagePipelines(describeRequest());
    const stored = described.body?.imagePipeline?.imagePipelineSet?.[0];
    expect(stored?.buildContent).toBe(body.BuildContent);
    expect(stored?.testContent).toBe(body.TestContent);
  });

  it("a form body whose hash does not match x-acs-content-sha256 is refused", async () => {
    // The signature covers the body only through that header: a body changed on the way must fail.
    const answer = await rawPost("/", {
      ...ecsHeaders,
      authorization:
        "ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce,Signature=00",
      "x-acs-date": new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      "x-acs-signature-nonce": "n-1",
      "x-acs-content-sha256": "0".repeat(64),
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "SignatureDoesNotMatch" });
  });
});
