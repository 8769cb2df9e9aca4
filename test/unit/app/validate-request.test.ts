import { describe, expect, it } from "vitest";
import { DUPLICATE_CLIENT_TOKEN } from "../../../shared/app/accept-batch";
import { acceptPipelineRequest } from "../../../shared/app/accept-request";
import { callerClientToken } from "../../../shared/app/ids";
import type { Requester } from "../../../shared/app/requester";
import { validateBatchOnly, validateRequestOnly } from "../../../shared/app/validate-request";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "./fakes";

const SERVICE_ACCOUNT = "1000000000000001";
const OTHER_ACCOUNT = "1000000000000002";
const alice: Requester = { sub: "alice", isAdmin: false };
const deps = { serviceAccountId: SERVICE_ACCOUNT };

const body = (extra: Record<string, unknown> = {}) => ({
  RegionId: "cn-hangzhou",
  BaseImageType: "IMAGE",
  BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
  Name: "web-base-v1",
  BuildContent: "RUN yum install -y nginx",
  ...extra,
});

describe("validateRequestOnly", () => {
  it("gives the request as it would be stored: account split off, deprecated names moved, with warnings", () => {
    const outcome = validateRequestOnly(deps, {
      requester: alice,
      body: body({ AccountId: OTHER_ACCOUNT, ImageName: "web" }),
    });
    expect(outcome).toEqual({
      kind: "valid",
      planned: {
        accountId: OTHER_ACCOUNT,
        regionId: "cn-hangzhou",
        request: { ...body(), ImageOptions: { ImageName: "web" } },
      },
      warnings: [expect.objectContaining({ pointer: "#/ImageName", code: "DeprecatedParameter.ImageName" })],
    });
  });

  it("defaults to the service account and shows the ClientToken ECS would get for the caller's token", () => {
    const outcome = validateRequestOnly(deps, { requester: alice, body: body({ ClientToken: "t-1" }) });
    if (outcome.kind !== "valid") throw new Error(JSON.stringify(outcome));
    expect(outcome.planned.accountId).toBe(SERVICE_ACCOUNT);
    expect(outcome.planned.clientToken).toBe(callerClientToken("alice", "t-1"));
    expect(outcome.planned.request.ClientToken).toBe("t-1");
  });

  it("answers exactly the violations accepting would answer for the same body", async () => {
    const bad = body({ SystemDiskSize: 5, Tag: [{ Key: "aliyun-x", Value: "v" }] });
    const store = new InMemoryRecordStore();
    const queue = new InMemoryQueue();
    const accepted = await acceptPipelineRequest(
      {
        store,
        queue,
        clock: new FakeClock(),
        logger: new CapturingLogger(),
        serviceAccountId: SERVICE_ACCOUNT,
      },
      { requester: alice, body: bad },
    );
    const validated = validateRequestOnly(deps, { requester: alice, body: bad });
    expect(accepted.kind).toBe("invalid");
    expect(validated).toEqual(accepted);
  });
});

describe("validateBatchOnly", () => {
  it("gives every item as it would be stored, in order, with each item's account", () => {
    const outcome = validateBatchOnly(deps, {
      requester: alice,
      body: { items: [body(), body({ AccountId: OTHER_ACCOUNT, RegionId: "cn-shanghai" })] },
    });
    if (outcome.kind !== "valid") throw new Error(JSON.stringify(outcome));
    expect(outcome.items.map(({ accountId, regionId }) => [accountId, regionId])).toEqual([
      [SERVICE_ACCOUNT, "cn-hangzhou"],
      [OTHER_ACCOUNT, "cn-shanghai"],
    ]);
    expect(outcome.items[1]?.request).not.toHaveProperty("AccountId");
  });

  it("refuses an item that repeats another item's ClientToken, as accepting does", () => {
    const outcome = validateBatchOnly(deps, {
      requester: alice,
      body: { items: [body({ ClientToken: "t" }), body(), body({ ClientToken: "t" })] },
    });
    expect(outcome).toEqual({
      kind: "invalid",
      violations: [
        expect.objectContaining({ pointer: "#/items/2/ClientToken", code: DUPLICATE_CLIENT_TOKEN }),
      ],
    });
  });

  it("reports invalid items with #/items/N pointers", () => {
    const outcome = validateBatchOnly(deps, {
      requester: alice,
      body: { items: [body(), body({ SystemDiskSize: 5 })] },
    });
    expect(outcome).toEqual({
      kind: "invalid",
      violations: [expect.objectContaining({ pointer: "#/items/1/SystemDiskSize" })],
    });
  });
});
