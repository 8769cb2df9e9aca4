/**
 * Where the ECS and STS clients are pointed. ECS_ENDPOINT / STS_ENDPOINT win when set; otherwise
 * the SDKs' own endpoint maps decide, because some regions are not served at
 * `<product>.<region>.aliyuncs.com` (the maps in `@alicloud/ecs20140526` 7.11.6 and
 * `@alicloud/sts20150401` 1.2.0, `Client` constructor `_endpointMap`). The clients are the real SDK
 * classes, built the way the adapters build them; nothing is sent.
 */
import { describe, expect, it } from "vitest";
import { ecsClientFor, resolveEcsEndpoint } from "../../../shared/adapters/ecs/index";
import { resolveStsEndpoint, stsClientFor } from "../../../shared/adapters/sts/role-assumer";

const KEYS = { accessKeyId: "LTAI-test", accessKeySecret: "secret" };

/** The host the SDK client will send to (openapi-core `Client._endpoint`). */
const endpointOf = (client: { _endpoint: string }) => client._endpoint;

describe("ECS endpoint without ECS_ENDPOINT: the SDK's map", () => {
  it.each([
    // Regions the map names: finance and gov regions go to shared endpoints.
    ["cn-shanghai-finance-1", "ecs-cn-hangzhou.aliyuncs.com"],
    ["cn-shenzhen-finance-1", "ecs-cn-hangzhou.aliyuncs.com"],
    ["cn-hangzhou-finance", "ecs.aliyuncs.com"],
    ["cn-beijing-gov-1", "ecs.aliyuncs.com"],
    ["cn-north-2-gov-1", "ecs.aliyuncs.com"],
    ["cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"],
    // Regions it does not name: the regional rule.
    ["cn-beijing", "ecs.cn-beijing.aliyuncs.com"],
    ["ap-southeast-1", "ecs.ap-southeast-1.aliyuncs.com"],
  ])("%s -> %s over the API's HTTPS", (region, host) => {
    const client = ecsClientFor(undefined, region, KEYS);
    expect(endpointOf(client)).toBe(host);
    expect(client._protocol).toBeUndefined(); // so the call's own "HTTPS" applies
  });
});

describe("STS endpoint without STS_ENDPOINT: the SDK's map", () => {
  it.each([
    ["ap-south-1", "sts.aliyuncs.com"],
    ["ap-southeast-2", "sts.aliyuncs.com"],
    ["cn-beijing-gov-1", "sts.aliyuncs.com"],
    ["cn-hangzhou", "sts.cn-hangzhou.aliyuncs.com"],
    ["us-west-1", "sts.us-west-1.aliyuncs.com"],
    ["", "sts.aliyuncs.com"],
  ])("%s -> %s", (region, host) => {
    expect(endpointOf(stsClientFor(undefined, region, KEYS))).toBe(host);
  });
});

describe("an endpoint setting wins over the map", () => {
  it.each([
    ["127.0.0.1:8101", { endpoint: "127.0.0.1:8101", protocol: "http" }],
    ["localhost:8101", { endpoint: "localhost:8101", protocol: "http" }],
    ["http://ecs.internal:80/", { endpoint: "ecs.internal:80", protocol: "http" }],
    [
      "https://ecs-vpc.cn-hangzhou.aliyuncs.com",
      { endpoint: "ecs-vpc.cn-hangzhou.aliyuncs.com", protocol: "https" },
    ],
    ["ecs.cn-shanghai.aliyuncs.com", { endpoint: "ecs.cn-shanghai.aliyuncs.com", protocol: "https" }],
  ])("ECS_ENDPOINT %s", (configured, expected) => {
    expect(resolveEcsEndpoint(configured)).toEqual(expected);
    const client = ecsClientFor(configured, "cn-shanghai-finance-1", KEYS);
    expect([endpointOf(client), client._protocol]).toEqual([expected.endpoint, expected.protocol]);
  });

  it.each([
    ["127.0.0.1:8101", "ap-south-1", { endpoint: "127.0.0.1:8101", protocol: "http" }],
    [
      "sts-vpc.cn-shanghai.aliyuncs.com",
      "cn-shanghai",
      { endpoint: "sts-vpc.cn-shanghai.aliyuncs.com", protocol: "https" },
    ],
    ["http://sts.internal:80/", "ap-southeast-2", { endpoint: "sts.internal:80", protocol: "http" }],
  ])("STS_ENDPOINT %s in %s", (configured, region, expected) => {
    expect(resolveStsEndpoint(configured, region)).toEqual(expected);
    expect(endpointOf(stsClientFor(configured, region, KEYS))).toBe(expected.endpoint);
  });

  it("unset or blank is no setting", () => {
    expect(resolveEcsEndpoint(undefined)).toBeUndefined();
    expect(resolveEcsEndpoint("  ")).toBeUndefined();
    expect(resolveStsEndpoint(undefined, "ap-south-1")).toBeUndefined();
  });
});
