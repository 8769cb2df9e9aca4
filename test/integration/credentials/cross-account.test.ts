/**
 * Records for other accounts through the real `@alicloud/sts20150401` and `@alicloud/ecs20140526`
 * against the ECS + STS simulator: the pipeline lands in the target account, an account without
 * the role fails with the STS code and leaves the others alone, and one AssumeRole serves an
 * account until shortly before its keys expire.
 */
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
  ASSUMED_ROLE_DEFAULTS,
  assumedRoleCredentials,
} from "../../../shared/adapters/credentials/index";
import { createPipelineClient } from "../../../shared/adapters/ecs/index";
import { createStsRoleAssumer, type RoleAssumer } from "../../../shared/adapters/sts/role-assumer";
import type { PipelineClient } from "../../../shared/app/ports";
import type { PipelineRequest } from "../../../shared/domain/request/normalize";

const OWN: AccessKeyCredentials = {
  accessKeyId: LOCAL_ACCESS_KEY_ID,
  accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
};
const [ACCOUNT_B, ACCOUNT_C] = LOCAL_TRUSTING_ACCOUNT_IDS;
/** Known to nobody in the simulator: STS answers 403 NoPermission. */
const NO_ROLE_ACCOUNT = "1000000000000009";
const REGION = "cn-hangzhou";

const request = (name: string): PipelineRequest => ({
  RegionId: REGION,
  BaseImageType: "IMAGE",
  BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
  BuildContent: "RUN echo hello",
  Name: name,
});

let ecs: RunningEcsEmulator;
let clock: number;
let assumeInputs: Parameters<RoleAssumer>[1][];

function wire(options: { roleName?: string; stsEndpoint?: string } = {}): PipelineClient {
  const sts = createStsRoleAssumer({
    endpoint: options.stsEndpoint ?? `127.0.0.1:${ecs.port}`,
    regionId: REGION,
  });
  return createPipelineClient({
    endpoint: `127.0.0.1:${ecs.port}`,
    credentials: assumedRoleCredentials({
      serviceAccountId: LOCAL_SERVICE_ACCOUNT_ID,
      own: OWN,
      roleName: options.roleName ?? "ImagePipelineRequestRole",
      externalId: "ext-id-1",
      now: () => clock,
      assumeRole: (source, input) => {
        assumeInputs.push(input);
        return sts(source, input);
      },
    }),
  });
}

const create = (client: PipelineClient, accountId: string, token: string) =>
  client.createImagePipeline({ accountId, regionId: REGION }, request(`p-${token}`), token, {
    timeoutMs: 5_000,
  });

const assumeRoleCalls = () => ecs.control.calls().assumeRole;

beforeAll(async () => {
  // One clock for the simulator's STS expiry and the provider's cache.
  ecs = await start({ port: 0, now: () => clock });
});
afterAll(async () => {
  await ecs.close();
});
beforeEach(() => {
  ecs.control.reset();
  clock = Math.floor(Date.now() / 1000) * 1000;
  assumeInputs = [];
});

describe("records in other accounts", () => {
  it.each([ACCOUNT_B, ACCOUNT_C])("creates the pipeline in account %s itself", async (accountId) => {
    const outcome = await create(wire(), accountId, "rec-1");
    expect(outcome).toMatchObject({ ok: true });
    const pipelines = ecs.control.pipelines();
    expect(pipelines).toHaveLength(1);
    expect(pipelines[0]).toMatchObject({ accountId, regionId: REGION, clientToken: "rec-1" });
    if (outcome.ok) expect(pipelines[0]?.imagePipelineId).toBe(outcome.imagePipelineId);
    expect(assumeInputs).toEqual([
      {
        roleArn: `acs:ram::${accountId}:role/ImagePipelineRequestRole`,
        roleSessionName: "image-pipeline-rec-1",
        durationSeconds: 3600,
        externalId: "ext-id-1",
        timeoutMs: 5_000,
      },
    ]);
  });

  it("uses the function's own keys for its own account, with no AssumeRole", async () => {
    expect(await create(wire(), LOCAL_SERVICE_ACCOUNT_ID, "own-1")).toMatchObject({ ok: true });
    expect(ecs.control.pipelines()[0]?.accountId).toBe(LOCAL_SERVICE_ACCOUNT_ID);
    expect(assumeRoleCalls().received).toBe(0);
  });

  it("fails an account whose role cannot be assumed with the STS code, and no other", async () => {
    const client = wire();
    const [refused, b, c] = await Promise.all([
      create(client, NO_ROLE_ACCOUNT, "x-1"),
      create(client, ACCOUNT_B, "b-1"),
      create(client, ACCOUNT_C, "c-1"),
    ]);
    expect(refused).toMatchObject({
      ok: false,
      failure: { code: "NoPermission", httpStatus: 403, transient: false },
    });
    if (!refused.ok) {
      expect(refused.failure.requestId).toMatch(/\S/);
      expect(refused.failure.message).toContain(`acs:ram::${NO_ROLE_ACCOUNT}:role/ImagePipelineRequestRole`);
    }
    expect(b).toMatchObject({ ok: true });
    expect(c).toMatchObject({ ok: true });
    expect(
      ecs.control
        .pipelines()
        .map((p) => p.accountId)
        .sort(),
    ).toEqual([ACCOUNT_B, ACCOUNT_C]);
    expect(ecs.control.calls().createImagePipeline.received).toBe(2);
  });

  it("fails with EntityNotExist.Role when the account has no role of that name", async () => {
    const outcome = await create(wire({ roleName: "SomeOtherRole" }), ACCOUNT_B, "b-2");
    expect(outcome).toMatchObject({
      ok: false,
      failure: { code: "EntityNotExist.Role", httpStatus: 404, transient: false },
    });
    expect(ecs.control.calls().createImagePipeline.received).toBe(0);
  });

  it("remembers a refusal for a while: a batch for a role-less account costs one AssumeRole", async () => {
    const client = wire();
    for (const token of ["x-1", "x-2", "x-3"]) {
      expect(await create(client, NO_ROLE_ACCOUNT, token)).toMatchObject({
        failure: { code: "NoPermission" },
      });
    }
    expect(assumeRoleCalls().received).toBe(1);
    clock += ASSUMED_ROLE_DEFAULTS.refusalTtlMs;
    await create(client, NO_ROLE_ACCOUNT, "x-4");
    expect(assumeRoleCalls().received).toBe(2);
  });

  it("answers an unreachable STS endpoint with a transient failure", async () => {
    const closed = await start({ port: 0 });
    const port = closed.port;
    await closed.close();
    const outcome = await create(wire({ stsEndpoint: `127.0.0.1:${port}` }), ACCOUNT_B, "b-3");
    expect(outcome).toMatchObject({ ok: false, failure: { code: "NetworkError", transient: true } });
  });
});

describe("the per-account cache", () => {
  it("serves two records for one account with one AssumeRole, one after the other", async () => {
    const client = wire();
    expect(await create(client, ACCOUNT_B, "b-1")).toMatchObject({ ok: true });
    expect(await create(client, ACCOUNT_B, "b-2")).toMatchObject({ ok: true });
    expect(assumeRoleCalls().received).toBe(1);
    expect(ecs.control.pipelines()).toHaveLength(2);
  });

  it("shares one AssumeRole in flight among concurrent records for one account", async () => {
    const client = wire();
    const outcomes = await Promise.all(["b-1", "b-2", "b-3", "b-4"].map((t) => create(client, ACCOUNT_B, t)));
    for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: true });
    expect(assumeRoleCalls().received).toBe(1);
  });

  it("keeps one session per account", async () => {
    const client = wire();
    await Promise.all([create(client, ACCOUNT_B, "b-1"), create(client, ACCOUNT_C, "c-1")]);
    await Promise.all([create(client, ACCOUNT_B, "b-2"), create(client, ACCOUNT_C, "c-2")]);
    expect(assumeRoleCalls().received).toBe(2);
  });

  it("assumes the role again once the keys are within five minutes of expiry", async () => {
    const client = wire();
    await create(client, ACCOUNT_B, "b-1");
    clock += (3600 - 5 * 60) * 1000 - 1;
    await create(client, ACCOUNT_B, "b-2");
    expect(assumeRoleCalls().received).toBe(1);
    clock += 1;
    expect(await create(client, ACCOUNT_B, "b-3")).toMatchObject({ ok: true });
    expect(assumeRoleCalls().received).toBe(2);
    expect(assumeInputs.map((i) => i.roleSessionName)).toEqual(["image-pipeline-b-1", "image-pipeline-b-3"]);
  });
});
