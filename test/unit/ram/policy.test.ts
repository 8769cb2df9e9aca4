import { describe, expect, it } from "vitest";
import {
  evaluate,
  type PolicyDocument,
  PolicyError,
  trustDecision,
  validatePolicy,
  wildcardMatch,
} from "../../../local/ram/policy";

const allow = (
  Action: string | string[],
  Resource: string | string[],
  Condition?: PolicyDocument["Statement"][number]["Condition"],
) =>
  ({
    Version: "1",
    Statement: [{ Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) }],
  }) as PolicyDocument;
const deny = (Action: string, Resource: string): PolicyDocument => ({
  Version: "1",
  Statement: [{ Effect: "Deny", Action, Resource }],
});

const TABLE = "acs:ots:cn-hangzhou:1000000000000001:instance/imgpipe/table/records";

describe("wildcards", () => {
  it.each([
    ["ots:*", "ots:PutRow", true],
    ["ots:Get*", "ots:GetRange", true],
    ["ots:Get*", "ots:PutRow", false],
    ["ots:GetRo?", "ots:GetRow", true],
    ["acs:ots:*:*:instance/imgpipe/table/records", TABLE, true],
    ["acs:ots:*:*:instance/imgpipe/table/records", `${TABLE}_by_status`, false],
    ["acs:ots:*:*:instance/imgpipe/table/records_by_*", `${TABLE}_by_status`, true],
    ["acs:mns:cn-hangzhou:1:/queues/q/messages", "acs:mns:cn-hangzhou:1:/queues/q", false],
    ["a.b", "axb", false],
  ])("%s against %s: %s", (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });
});

describe("evaluate", () => {
  it("allows what an Allow statement names, and nothing else (implicit deny)", () => {
    const policy = allow(["ots:GetRow", "ots:PutRow"], TABLE);
    expect(evaluate([policy], { action: "ots:PutRow", resource: TABLE })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:DeleteRow", resource: TABLE })).toBe("ImplicitDeny");
    expect(evaluate([policy], { action: "ots:GetRange", resource: `${TABLE}_by_status` })).toBe(
      "ImplicitDeny",
    );
  });

  it("matches action names without regard to case, resources with it", () => {
    expect(evaluate([allow("OTS:putrow", TABLE)], { action: "ots:PutRow", resource: TABLE })).toBe("Allow");
    expect(
      evaluate([allow("ots:PutRow", TABLE.toUpperCase())], { action: "ots:PutRow", resource: TABLE }),
    ).toBe("ImplicitDeny");
  });

  it("lets an explicit Deny win over any Allow, in any policy", () => {
    const policies = [allow("*", "*"), deny("ots:PutRow", "acs:ots:*:*:instance/imgpipe/*")];
    expect(evaluate(policies, { action: "ots:PutRow", resource: TABLE })).toBe("ExplicitDeny");
    expect(evaluate(policies, { action: "ots:GetRow", resource: TABLE })).toBe("Allow");
  });

  it("applies conditions: a missing or different key fails them", () => {
    const policy = allow("ram:CreateServiceLinkedRole", "acs:ram::1:role/*", {
      StringEquals: { "ram:ServiceName": "imagebuilder.ecs.aliyuncs.com" },
    });
    const request = { action: "ram:CreateServiceLinkedRole", resource: "acs:ram::1:role/x" };
    expect(
      evaluate([policy], { ...request, context: { "ram:servicename": "imagebuilder.ecs.aliyuncs.com" } }),
    ).toBe("Allow");
    expect(evaluate([policy], { ...request, context: { "ram:servicename": "other.aliyuncs.com" } })).toBe(
      "ImplicitDeny",
    );
    expect(evaluate([policy], request)).toBe("ImplicitDeny");
  });

  it("StringLike takes wildcards", () => {
    const policy = allow("sts:AssumeRole", "*", { StringLike: { "sts:ExternalId": "ext-*" } });
    const request = { action: "sts:AssumeRole", resource: "acs:ram::2:role/r" };
    expect(evaluate([policy], { ...request, context: { "sts:externalid": "ext-1" } })).toBe("Allow");
    expect(evaluate([policy], { ...request, context: { "sts:externalid": "other" } })).toBe("ImplicitDeny");
  });
});

describe("trust policies", () => {
  const trust: PolicyDocument = {
    Version: "1",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { RAM: ["acs:ram::1000000000000001:root"] },
        Condition: { StringEquals: { "sts:ExternalId": "ext-123" } },
      },
    ],
  };
  const worker = { kind: "ram" as const, accountId: "1000000000000001", roleName: "image-pipeline-worker" };

  it("admits an identity of the named account with the external id", () => {
    expect(trustDecision(trust, worker, { "sts:externalid": "ext-123" })).toBe("Allow");
  });

  it.each([
    ["no external id", worker, {}],
    ["another external id", worker, { "sts:externalid": "ext-999" }],
    ["another account", { ...worker, accountId: "1000000000000009" }, { "sts:externalid": "ext-123" }],
    ["a service", { kind: "service" as const, service: "fc.aliyuncs.com" }, { "sts:externalid": "ext-123" }],
  ])("refuses %s", (_what, caller, context) => {
    expect(trustDecision(trust, caller, context)).toBe("ImplicitDeny");
  });

  it("names a role: only that role's sessions", () => {
    const byRole: PolicyDocument = {
      Version: "1",
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { RAM: "acs:ram::1000000000000001:role/image-pipeline-worker" },
        },
      ],
    };
    expect(trustDecision(byRole, worker)).toBe("Allow");
    expect(trustDecision(byRole, { ...worker, roleName: "image-pipeline-api" })).toBe("ImplicitDeny");
    expect(trustDecision(byRole, { kind: "ram", accountId: "1000000000000001" })).toBe("ImplicitDeny");
  });
});

describe("validatePolicy", () => {
  it.each([
    [
      "a wrong version",
      { Version: "2", Statement: [{ Effect: "Allow", Action: "ots:GetRow", Resource: "*" }] },
    ],
    ["no statements", { Version: "1", Statement: [] }],
    [
      "a bad effect",
      { Version: "1", Statement: [{ Effect: "Permit", Action: "ots:GetRow", Resource: "*" }] },
    ],
    [
      "an action without service",
      { Version: "1", Statement: [{ Effect: "Allow", Action: "GetRow", Resource: "*" }] },
    ],
    ["no resource", { Version: "1", Statement: [{ Effect: "Allow", Action: "ots:GetRow" }] }],
    [
      "an unknown condition operator",
      {
        Version: "1",
        Statement: [
          { Effect: "Allow", Action: "ots:GetRow", Resource: "*", Condition: { IpMaybe: { a: "b" } } },
        ],
      },
    ],
  ])("refuses %s", (_what, doc) => {
    expect(() => validatePolicy(doc, "test.json")).toThrow(PolicyError);
  });
});
