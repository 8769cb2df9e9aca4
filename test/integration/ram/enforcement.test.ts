/**
 * The three emulators on one RAM model (local/ram), through the official SDKs: each role's
 * temporary keys are refused once expired or without their token, with each service's own code;
 * each role may do what its deploy/ram policy grants and nothing else; and STS AssumeRole checks
 * the caller's policy, the target role's trust policy and its sts:ExternalId condition.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEcsEmulator, start as startEcs } from "../../../local/ecs/index";
import {
  LOCAL_ROLE_NAMES,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "../../../local/identities";
import { FC_SERVICE } from "../../../local/ram/function-credentials";
import { createLocalRam, LOCAL_POLICY_VALUES } from "../../../local/ram/local-model";
import { type LocalRam, roleArnOf, type StsSession } from "../../../local/ram/model";
import { renderRole } from "../../../local/ram/render";
import { type RunningTablestore, start as startTablestore } from "../../../local/tablestore/index";
import { createTablestoreClient } from "../../../shared/adapters/tablestore/index";
import {
  $Ecs,
  $Sts,
  ecsClient,
  failureOf,
  type Keys,
  roleArn,
  stsClient,
  validCreateRequest,
} from "../../support/ecs-clients";
import { clientFor, type MnsEmulator, failure as mnsFailure, startMns } from "../mns/harness";

const EXTERNAL_ID = "ext-local-123";
const [accountB] = LOCAL_TRUSTING_ACCOUNT_IDS;
const QUEUE = "image-pipeline-requests";
const TABLE = "image_pipeline_records";

let ram: LocalRam;
let ecs: RunningEcsEmulator;
let tablestore: RunningTablestore;
let mns: MnsEmulator;

const functionRole = (key: keyof typeof LOCAL_ROLE_NAMES) =>
  roleArnOf(LOCAL_SERVICE_ACCOUNT_ID, LOCAL_ROLE_NAMES[key]);
const keysOf = (s: StsSession): Keys & { securityToken: string } => ({
  accessKeyId: s.accessKeyId,
  accessKeySecret: s.accessKeySecret,
  securityToken: s.securityToken,
});
const issue = (key: keyof typeof LOCAL_ROLE_NAMES, seconds = 600) =>
  keysOf(ram.issueServiceSession(FC_SERVICE, functionRole(key), seconds, `test-${key}`));

const otsClient = (keys: Keys) =>
  createTablestoreClient({
    endpoint: tablestore.url,
    instanceName: LOCAL_TABLESTORE_INSTANCE,
    credentials: keys,
    retry: { maxRetries: 0 },
  });
const getRow = (keys: Keys) => otsClient(keys).getRow({ tableName: TABLE, primaryKey: [{ id: "r-1" }] });
const sendMessage = (keys: Partial<Keys>) =>
  clientFor(mns, { ...keys, securityToken: keys.securityToken }).sendMessage(QUEUE, { MessageBody: "x" });

beforeAll(async () => {
  ram = createLocalRam({ values: { ExternalId: EXTERNAL_ID } });
  ecs = await startEcs({ port: 0, ram });
  tablestore = await startTablestore({ port: 0, ram });
  mns = await startMns({ ram });
  await clientFor(mns).createQueue(QUEUE);
});
afterAll(async () => {
  await Promise.all([ecs?.close(), tablestore?.close(), mns?.close()]);
});

/** Waits (bounded) until the model's clock is past `expiresAt`. */
async function pastExpiry(keys: Keys): Promise<void> {
  const expiresAt = ram.session(keys.accessKeyId)!.expiresAt;
  const deadline = Date.now() + 5000;
  while (ram.now() <= expiresAt) {
    if (Date.now() > deadline) throw new Error("the session did not expire");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("temporary keys", () => {
  it("work with their token, and each emulator refuses them once expired, with its own code", async () => {
    const worker = issue("worker", 1);
    await expect(getRow(worker)).rejects.toMatchObject({ code: "OTSObjectNotExist" });
    await pastExpiry(worker);
    expect(
      await failureOf(ecsClient(ecs.port, worker).createImagePipeline(validCreateRequest())),
    ).toMatchObject({
      code: "InvalidSecurityToken.Expired",
      statusCode: 400,
    });
    await expect(getRow(worker)).rejects.toMatchObject({ code: "OTSAuthFailed" });
    const api = issue("api", 1);
    expect((await sendMessage(api)).code).toBe(201);
    await pastExpiry(api);
    expect(await mnsFailure(sendMessage(api))).toMatchObject({ code: "AccessDenied", httpStatus: 403 });
  });

  it("are refused without their security token", async () => {
    const { securityToken: _worker, ...worker } = issue("worker");
    const { securityToken: _api, ...api } = issue("api");
    expect(
      await failureOf(ecsClient(ecs.port, worker).createImagePipeline(validCreateRequest())),
    ).toMatchObject({
      code: "MissingSecurityToken",
      statusCode: 400,
    });
    await expect(getRow(worker)).rejects.toMatchObject({ code: "OTSAuthFailed" });
    expect(await mnsFailure(sendMessage(api))).toMatchObject({ code: "AccessDenied", httpStatus: 403 });
  });
});

describe("permission policies", () => {
  it("Tablestore: OTSNoPermissionAccess for an action or table the role's policy does not grant", async () => {
    // The reconciler may mark an owed event sent (a conditional PutRow) but never delete a record.
    const reconciler = issue("reconciler");
    const remove = otsClient(reconciler).deleteRow({
      tableName: TABLE,
      condition: new (await import("tablestore")).default.Condition(0, null),
      primaryKey: [{ id: "r-1" }],
    });
    await expect(remove).rejects.toMatchObject({ code: "OTSNoPermissionAccess" });
    // Its grant on the status index is not a grant on the table, and the reverse.
    const range = otsClient(issue("api")).getRange({
      tableName: `${TABLE}_by_status`,
      direction: "FORWARD",
      inclusiveStartPrimaryKey: [{ status: "pending" }],
      exclusiveEndPrimaryKey: [{ status: "running" }],
    });
    await expect(range).rejects.toMatchObject({ code: "OTSNoPermissionAccess" });
  });

  it("MNS: AccessDenied (403) for a queue operation the role's policy does not grant", async () => {
    const worker = issue("worker");
    expect(await mnsFailure(sendMessage(worker))).toMatchObject({ code: "AccessDenied", httpStatus: 403 });
    expect(await mnsFailure(clientFor(mns, issue("api")).receiveMessage(QUEUE))).toMatchObject({
      code: "AccessDenied",
      httpStatus: 403,
    });
  });

  it("ECS: Forbidden.RAM (403) for an action the role's policy does not grant", async () => {
    const error = await failureOf(
      ecsClient(ecs.port, issue("worker")).describeImagePipelines(
        new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou" }),
      ),
    );
    expect(error).toMatchObject({ code: "Forbidden.RAM", statusCode: 403 });
    expect(
      await failureOf(ecsClient(ecs.port, issue("api")).createImagePipeline(validCreateRequest())),
    ).toMatchObject({
      code: "Forbidden.RAM",
      statusCode: 403,
    });
  });

  it("ECS: without ram:CreateServiceLinkedRole the first pipeline of an account is refused", async () => {
    const local = createLocalRam();
    const { policy } = renderRole("worker", LOCAL_POLICY_VALUES);
    const withoutSlr = {
      ...policy,
      Statement: policy.Statement.filter((s) => ![s.Action].flat().includes("ram:CreateServiceLinkedRole")),
    };
    local.setRolePolicies(functionRole("worker"), [withoutSlr]);
    const alone = await startEcs({ port: 0, ram: local });
    try {
      const keys = keysOf(local.issueServiceSession(FC_SERVICE, functionRole("worker"), 600, "t"));
      expect(
        await failureOf(ecsClient(alone.port, keys).createImagePipeline(validCreateRequest())),
      ).toMatchObject({
        code: "InvalidOperation.NoPermissionCreateServiceLinkedRole",
        statusCode: 403,
      });
      expect(alone.control.pipelines()).toEqual([]);
    } finally {
      await alone.close();
    }
  });
});

describe("STS AssumeRole into another account", () => {
  const assume = (keys: Keys, externalId?: string) =>
    stsClient(ecs.port, keys).assumeRole(
      new $Sts.AssumeRoleRequest({
        roleArn: roleArn(accountB!),
        roleSessionName: "image-pipeline-test",
        ...(externalId ? { externalId } : {}),
      }),
    );

  it("admits the worker role with the external id its trust policy asks for", async () => {
    const response = await assume(issue("worker"), EXTERNAL_ID);
    expect(response.body?.credentials?.securityToken).toBeTruthy();
    const assumed = response.body!.credentials!;
    const created = await ecsClient(ecs.port, {
      accessKeyId: assumed.accessKeyId!,
      accessKeySecret: assumed.accessKeySecret!,
      securityToken: assumed.securityToken!,
    }).createImagePipeline(validCreateRequest());
    expect(
      ecs.control.pipelines().find((p) => p.imagePipelineId === created.body?.imagePipelineId)?.accountId,
    ).toBe(accountB);
  });

  it.each([
    ["without the external id", undefined],
    ["with another external id", "ext-someone-else"],
  ])("refuses the worker role %s: NoPermission (403)", async (_what, externalId) => {
    expect(await failureOf(assume(issue("worker"), externalId))).toMatchObject({
      code: "NoPermission",
      statusCode: 403,
    });
  });

  it("narrows the session to its Policy: only what both it and the role's policy allow", async () => {
    const narrowed = await stsClient(ecs.port, issue("worker")).assumeRole(
      new $Sts.AssumeRoleRequest({
        roleArn: roleArn(accountB!),
        roleSessionName: "image-pipeline-test",
        externalId: EXTERNAL_ID,
        policy: JSON.stringify({
          Version: "1",
          Statement: [{ Effect: "Allow", Action: "ecs:DescribeImagePipelines", Resource: "*" }],
        }),
      }),
    );
    const assumed = narrowed.body!.credentials!;
    const keys = {
      accessKeyId: assumed.accessKeyId!,
      accessKeySecret: assumed.accessKeySecret!,
      securityToken: assumed.securityToken!,
    };
    // The role may create but the session policy does not allow it; the reverse for Describe.
    expect(
      await failureOf(ecsClient(ecs.port, keys).createImagePipeline(validCreateRequest())),
    ).toMatchObject({
      code: "Forbidden.RAM",
      statusCode: 403,
    });
    const describe = ecsClient(ecs.port, keys).describeImagePipelines(
      new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou" }),
    );
    expect(await failureOf(describe)).toMatchObject({ code: "Forbidden.RAM", statusCode: 403 });
  });

  it("refuses a Policy that is not a policy document: InvalidParameter.PolicyGrammar (400)", async () => {
    const error = await failureOf(
      stsClient(ecs.port, issue("worker")).assumeRole(
        new $Sts.AssumeRoleRequest({
          roleArn: roleArn(accountB!),
          roleSessionName: "image-pipeline-test",
          externalId: EXTERNAL_ID,
          policy: '{"Version":"1","Statement":[{"Effect":"Maybe"}]}',
        }),
      ),
    );
    expect(error).toMatchObject({ code: "InvalidParameter.PolicyGrammar", statusCode: 400 });
  });

  it("refuses a role whose own policy does not grant sts:AssumeRole, even with the external id", async () => {
    expect(await failureOf(assume(issue("api"), EXTERNAL_ID))).toMatchObject({
      code: "NoPermission",
      statusCode: 403,
    });
  });

  it("refuses a caller from an account the trust policy does not name", async () => {
    const local = createLocalRam();
    const { trust } = renderRole("crossAccount", {
      ...LOCAL_POLICY_VALUES,
      AccountId: "1000000000000009",
      TargetAccountId: accountB,
    });
    const target = ram.role(roleArn(accountB!))!;
    local.putRole({ ...target, trust });
    const alone = await startEcs({ port: 0, ram: local });
    try {
      const keys = keysOf(local.issueServiceSession(FC_SERVICE, functionRole("worker"), 600, "t"));
      const error = await failureOf(
        stsClient(alone.port, keys).assumeRole(
          new $Sts.AssumeRoleRequest({ roleArn: roleArn(accountB!), roleSessionName: "image-pipeline-test" }),
        ),
      );
      expect(error).toMatchObject({ code: "NoPermission", statusCode: 403 });
    } finally {
      await alone.close();
    }
  });
});
