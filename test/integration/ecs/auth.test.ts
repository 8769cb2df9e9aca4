import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEcsEmulator, start } from "../../../local/ecs/index";
import { LOCAL_TRUSTING_ACCOUNT_IDS } from "../../../local/identities";
import {
  $dara,
  $Ecs,
  $Sts,
  assumeInto,
  ecsClient,
  failureOf,
  type Keys,
  roleArn,
  SERVICE_KEYS,
  stsClient,
  validCreateRequest,
} from "../../support/ecs-clients";

let ecs: RunningEcsEmulator;
/** Shifted by tests that need STS sessions to expire; signatures keep using the wall clock. */
let clockOffsetMs = 0;

beforeAll(async () => {
  ecs = await start({ port: 0, now: () => Date.now() + clockOffsetMs });
});
afterAll(async () => {
  await ecs.close();
});
beforeEach(() => {
  ecs.control.reset();
  clockOffsetMs = 0;
});

const [accountB, accountC] = LOCAL_TRUSTING_ACCOUNT_IDS;

/** Runtime options that make the SDK send these headers instead of its own (its `extendsParameters`). */
const withHeaders = (headers: Record<string, string>) =>
  new $dara.RuntimeOptions({ extendsParameters: new $dara.ExtendsParameters({ headers }) });

describe("request signatures", () => {
  it.each([
    ["ACS3-HMAC-SHA256", {}],
    ["HMAC-SHA1", { signatureAlgorithm: "v2" }],
  ])("%s: an unknown access key gets InvalidAccessKeyId.NotFound (404)", async (_style, extra) => {
    const client = ecsClient(ecs.port, { accessKeyId: "LTAINOBODY", accessKeySecret: "x" }, extra);
    const error = await failureOf(client.createImagePipeline(validCreateRequest()));
    expect(error).toMatchObject({
      name: "ClientError",
      code: "InvalidAccessKeyId.NotFound",
      statusCode: 404,
    });
    expect(ecs.control.pipelines()).toEqual([]);
  });

  it.each([
    ["ACS3-HMAC-SHA256", {}],
    ["HMAC-SHA1", { signatureAlgorithm: "v2" }],
  ])("%s: a wrong secret gets SignatureDoesNotMatch (400)", async (_style, extra) => {
    const client = ecsClient(ecs.port, { ...SERVICE_KEYS, accessKeySecret: "not-the-secret" }, extra);
    const error = await failureOf(client.createImagePipeline(validCreateRequest()));
    expect(error).toMatchObject({ name: "ClientError", code: "SignatureDoesNotMatch", statusCode: 400 });
    expect(ecs.control.pipelines()).toEqual([]);
  });

  it("a reused signature nonce gets SignatureNonceUsed (400)", async () => {
    const client = ecsClient(ecs.port);
    const runtime = withHeaders({ "x-acs-signature-nonce": "the-same-nonce-twice" });
    await client.createImagePipelineWithOptions(validCreateRequest(), runtime);
    const error = await failureOf(client.createImagePipelineWithOptions(validCreateRequest(), runtime));
    expect(error).toMatchObject({ code: "SignatureNonceUsed", statusCode: 400 });
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("a request signed more than 15 minutes ago gets InvalidTimeStamp.Expired (400)", async () => {
    const stale = new Date(Date.now() - 20 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const error = await failureOf(
      ecsClient(ecs.port).createImagePipelineWithOptions(
        validCreateRequest(),
        withHeaders({ "x-acs-date": stale }),
      ),
    );
    expect(error).toMatchObject({ code: "InvalidTimeStamp.Expired", statusCode: 400 });
  });
});

describe("STS AssumeRole", () => {
  it("issues STS. keys, a security token and an expiry DurationSeconds ahead (default 3600)", async () => {
    const before = Date.now();
    const response = await stsClient(ecs.port).assumeRole(
      new $Sts.AssumeRoleRequest({ roleArn: roleArn(accountB), roleSessionName: "tests" }),
    );
    const body = response.body!;
    expect(body.requestId).toBeTruthy();
    expect(body.credentials?.accessKeyId).toMatch(/^STS\.[A-Za-z0-9]+$/);
    expect(body.credentials?.accessKeySecret).toBeTruthy();
    expect(body.credentials?.securityToken).toBeTruthy();
    const expiresAt = Date.parse(body.credentials!.expiration!);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(body.assumedRoleUser?.arn).toBe(
      `acs:ram::${accountB}:assumed-role/imagepipelinerequestrole/tests`,
    );
    expect(body.assumedRoleUser?.assumedRoleId).toMatch(/^\d{19}:tests$/);
  });

  it.each([
    ["a role the account does not have", roleArn(accountB!, "NoSuchRole"), 900, "EntityNotExist.Role", 404],
    ["an account that does not exist", roleArn("1999999999999999"), 900, "NoPermission", 403],
    ["a malformed ARN", "arn:aws:iam::1:role/x", 900, "InvalidParameter.RoleArn", 400],
    ["a duration under 900 s", roleArn(accountB!), 899, "InvalidParameter.DurationSeconds", 400],
    ["a duration over 43200 s", roleArn(accountB!), 43_201, "InvalidParameter.DurationSeconds", 400],
  ])("refuses %s with %s", async (_case, arn, durationSeconds, code, status) => {
    const error = await failureOf(
      stsClient(ecs.port).assumeRole(
        new $Sts.AssumeRoleRequest({ roleArn: arn, roleSessionName: "tests", durationSeconds }),
      ),
    );
    expect(error).toMatchObject({ name: "ClientError", code, statusCode: status });
    expect(error.data).toMatchObject({ HostId: "sts.aliyuncs.com" });
  });

  it("keeps the maximum duration: 43200 s is accepted", async () => {
    const response = await stsClient(ecs.port).assumeRole(
      new $Sts.AssumeRoleRequest({
        roleArn: roleArn(accountC),
        roleSessionName: "long",
        durationSeconds: 43_200,
      }),
    );
    expect(Date.parse(response.body!.credentials!.expiration!)).toBeGreaterThan(Date.now() + 43_000_000);
  });
});

describe("temporary keys", () => {
  it("create pipelines in the assumed account, invisible to the service account", async () => {
    const keysB = await assumeInto(ecs.port, accountB!);
    const created = await ecsClient(ecs.port, keysB).createImagePipeline(validCreateRequest());
    const keysC = await assumeInto(ecs.port, accountC!);
    await ecsClient(ecs.port, keysC).createImagePipeline(validCreateRequest());
    expect(ecs.control.pipelines().map((p) => p.accountId)).toEqual([accountB, accountC]);
    const asService = await ecsClient(ecs.port).describeImagePipelines(
      new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou" }),
    );
    expect(asService.body?.totalCount).toBe(0);
    expect(ecs.control.pipelines().find((p) => p.accountId === accountB)?.imagePipelineId).toBe(
      created.body?.imagePipelineId,
    );
    // deploy/ram/cross-account.policy.json grants CreateImagePipeline and nothing else.
    const describeAsB = await failureOf(
      ecsClient(ecs.port, keysB).describeImagePipelines(
        new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou" }),
      ),
    );
    expect(describeAsB).toMatchObject({ code: "Forbidden.RAM", statusCode: 403 });
  });

  it("cannot assume a role whose trust policy does not admit their account", async () => {
    const keysB = await assumeInto(ecs.port, accountB!);
    const error = await failureOf(
      stsClient(ecs.port, keysB).assumeRole(
        new $Sts.AssumeRoleRequest({ roleArn: roleArn(accountC!), roleSessionName: "hop" }),
      ),
    );
    expect(error).toMatchObject({ code: "NoPermission", statusCode: 403 });
  });

  describe("are refused without the right security token", () => {
    async function sessionKeys(): Promise<Keys> {
      return assumeInto(ecs.port, accountB!);
    }

    it("no token: MissingSecurityToken (400)", async () => {
      const { securityToken: _dropped, ...keys } = await sessionKeys();
      const error = await failureOf(ecsClient(ecs.port, keys).createImagePipeline(validCreateRequest()));
      expect(error).toMatchObject({ code: "MissingSecurityToken", statusCode: 400 });
    });

    it("a token we never issued: InvalidSecurityToken.Malformed (400)", async () => {
      const keys = { ...(await sessionKeys()), securityToken: "CAISnotatoken" };
      const error = await failureOf(ecsClient(ecs.port, keys).createImagePipeline(validCreateRequest()));
      expect(error).toMatchObject({ code: "InvalidSecurityToken.Malformed", statusCode: 400 });
    });

    it("another session's token: InvalidSecurityToken.MismatchWithAccessKey (400)", async () => {
      const first = await sessionKeys();
      const second = await sessionKeys();
      const keys = { ...first, securityToken: second.securityToken };
      const error = await failureOf(ecsClient(ecs.port, keys).createImagePipeline(validCreateRequest()));
      expect(error).toMatchObject({ code: "InvalidSecurityToken.MismatchWithAccessKey", statusCode: 400 });
    });

    it("a token with a long-term key: InvalidSecurityToken.MismatchWithAccessKey (400)", async () => {
      const session = await sessionKeys();
      const keys = { ...SERVICE_KEYS, securityToken: session.securityToken };
      const error = await failureOf(ecsClient(ecs.port, keys).createImagePipeline(validCreateRequest()));
      expect(error).toMatchObject({ code: "InvalidSecurityToken.MismatchWithAccessKey", statusCode: 400 });
    });

    it("an expired session: InvalidSecurityToken.Expired (400)", async () => {
      const keys = await sessionKeys();
      clockOffsetMs = 3601_000;
      const error = await failureOf(ecsClient(ecs.port, keys).createImagePipeline(validCreateRequest()));
      expect(error).toMatchObject({ code: "InvalidSecurityToken.Expired", statusCode: 400 });
      expect(ecs.control.pipelines()).toEqual([]);
    });
  });
});
