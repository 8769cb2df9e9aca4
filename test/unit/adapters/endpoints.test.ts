/** Where the STS client is pointed: STS_ENDPOINT read like ECS_ENDPOINT, else the regional endpoint. */
import { describe, expect, it } from "vitest";
import { resolveStsEndpoint } from "../../../shared/adapters/sts/role-assumer";

describe("resolveStsEndpoint", () => {
  it.each([
    [undefined, "cn-hangzhou", { endpoint: "sts.cn-hangzhou.aliyuncs.com", protocol: "https" }],
    [undefined, "", { endpoint: "sts.aliyuncs.com", protocol: "https" }],
    ["127.0.0.1:8101", "cn-hangzhou", { endpoint: "127.0.0.1:8101", protocol: "http" }],
    ["localhost:8101", "cn-hangzhou", { endpoint: "localhost:8101", protocol: "http" }],
    [
      "sts-vpc.cn-shanghai.aliyuncs.com",
      "cn-shanghai",
      { endpoint: "sts-vpc.cn-shanghai.aliyuncs.com", protocol: "https" },
    ],
    ["http://sts.internal:80/", "cn-hangzhou", { endpoint: "sts.internal:80", protocol: "http" }],
  ])("%s in %s -> %o", (configured, region, expected) => {
    expect(resolveStsEndpoint(configured, region)).toEqual(expected);
  });
});
