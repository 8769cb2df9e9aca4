import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate, PolicyError } from "../../../local/ram/policy";
import {
  PLACEHOLDERS,
  POLICY_DIR,
  type PolicyValues,
  ROLE_FILES,
  readTemplate,
  renderPolicy,
  renderRole,
} from "../../../local/ram/render";

const VALUES: PolicyValues = {
  Region: "cn-shanghai",
  AccountId: "1234567890123456",
  TargetAccountId: "6543210987654321",
  TablestoreInstance: "imgpipe",
  RecordsTable: "records",
  CallSlotsTable: "call_slots",
  QueueName: "requests",
  EventsTopic: "events",
  LogProject: "serverless-cn-shanghai-abc",
  LogStore: "default-logs",
  CrossAccountRoleName: "ImagePipelineRequestRole",
  ExternalId: "ext-123",
  ImageBuilderServiceName: "imagebuilder.ecs.aliyuncs.com",
};

const TABLE = "acs:ots:cn-shanghai:1234567890123456:instance/imgpipe/table/records";
const QUEUE_MESSAGES = "acs:mns:cn-shanghai:1234567890123456:/queues/requests/messages";

describe("the policy files in deploy/ram", () => {
  it("are all used by a role", () => {
    const used = new Set(Object.values(ROLE_FILES).flatMap((r) => [r.policy, r.trust]));
    expect(
      readdirSync(POLICY_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort(),
    ).toEqual([...used].sort());
  });

  it.each(Object.keys(ROLE_FILES) as (keyof typeof ROLE_FILES)[])(
    "%s renders with no placeholder left and no wildcard region or account on Tablestore, MNS or logs",
    (role) => {
      const { policy, trust } = renderRole(role, VALUES);
      const text = JSON.stringify([policy, trust]);
      expect(text).not.toContain("${");
      for (const resource of policy.Statement.flatMap((s) => [s.Resource ?? []].flat())) {
        if (/^acs:(ots|mns|log):/.test(resource)) expect(resource).toMatch(/^acs:\w+:cn-shanghai:\d{16}:/);
      }
    },
  );

  it("the worker may claim and settle with a conditional PutRow, and read its records", () => {
    const { policy } = renderRole("worker", VALUES);
    for (const action of ["ots:GetRow", "ots:PutRow"])
      expect(evaluate([policy], { action, resource: TABLE })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:DeleteRow", resource: TABLE })).toBe("ImplicitDeny");
    expect(evaluate([policy], { action: "mns:SendMessage", resource: QUEUE_MESSAGES })).toBe("ImplicitDeny");
  });

  it("the worker takes pacing slots with UpdateRow on the call-slots table, and nothing else there", () => {
    const { policy } = renderRole("worker", VALUES);
    const slots = "acs:ots:cn-shanghai:1234567890123456:instance/imgpipe/table/call_slots";
    expect(evaluate([policy], { action: "ots:UpdateRow", resource: slots })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:GetRow", resource: slots })).toBe("ImplicitDeny");
    expect(evaluate([policy], { action: "ots:UpdateRow", resource: TABLE })).toBe("ImplicitDeny");
  });

  it("the API role lists through the index tables, which the records table's grant does not cover", () => {
    const { policy } = renderRole("api", VALUES);
    expect(evaluate([policy], { action: "ots:GetRange", resource: `${TABLE}_by_submitter` })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:GetRange", resource: `${TABLE}_by_submitter_status` })).toBe(
      "Allow",
    );
    expect(evaluate([policy], { action: "ots:GetRange", resource: `${TABLE}_by_batch` })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:PutRow", resource: `${TABLE}_by_batch` })).toBe("ImplicitDeny");
    expect(evaluate([policy], { action: "mns:SendMessage", resource: QUEUE_MESSAGES })).toBe("Allow");
    expect(
      evaluate([policy], { action: "mns:SendMessage", resource: QUEUE_MESSAGES.replace("/messages", "") }),
    ).toBe("ImplicitDeny");
  });

  it("the reconciler writes a record only to mark an owed event sent (one conditional PutRow)", () => {
    const { policy } = renderRole("reconciler", VALUES);
    expect(evaluate([policy], { action: "ots:GetRange", resource: `${TABLE}_by_status` })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:GetRange", resource: `${TABLE}_by_event_owed` })).toBe("Allow");
    expect(evaluate([policy], { action: "ots:PutRow", resource: TABLE })).toBe("Allow");
    for (const action of ["ots:UpdateRow", "ots:BatchWriteRow", "ots:DeleteRow"])
      expect(evaluate([policy], { action, resource: TABLE })).toBe("ImplicitDeny");
  });

  it("CreateServiceLinkedRole is granted only for image building's service name", () => {
    const { policy } = renderRole("worker", VALUES);
    const request = { action: "ram:CreateServiceLinkedRole", resource: "acs:ram::1234567890123456:role/x" };
    expect(
      evaluate([policy], { ...request, context: { "ram:servicename": "imagebuilder.ecs.aliyuncs.com" } }),
    ).toBe("Allow");
    expect(evaluate([policy], { ...request, context: { "ram:servicename": "rds.aliyuncs.com" } })).toBe(
      "ImplicitDeny",
    );
  });
});

describe("optional placeholders", () => {
  it("no events topic: the topic statement is gone", () => {
    const { policy } = renderRole("worker", { ...VALUES, EventsTopic: undefined });
    expect(JSON.stringify(policy)).not.toContain("/topics/");
    expect(policy.Statement.some((s) => [s.Action].flat().includes("mns:PublishMessage"))).toBe(false);
  });

  it("no external id: the trust policy asks for none", () => {
    const { trust } = renderRole("crossAccount", { ...VALUES, ExternalId: "" });
    expect(trust.Statement[0]?.Condition).toBeUndefined();
    const withId = renderRole("crossAccount", VALUES).trust;
    expect(withId.Statement[0]?.Condition).toEqual({ StringEquals: { "sts:ExternalId": "ext-123" } });
  });

  it("a required value left unset is an error naming it", () => {
    expect(() => renderRole("api", { ...VALUES, QueueName: undefined })).toThrow(/QueueName/);
  });

  it("an unknown placeholder is an error", () => {
    const template = {
      Version: "1",
      Statement: [{ Effect: "Allow", Action: "ots:GetRow", Resource: ["acs:ots:$", "{Nope}"].join("") }],
    };
    expect(() => renderPolicy(template, VALUES, "t.json")).toThrow(PolicyError);
  });

  it("every placeholder the files use is declared", () => {
    const used = new Set<string>();
    for (const { policy, trust } of Object.values(ROLE_FILES)) {
      for (const file of [policy, trust]) {
        for (const m of JSON.stringify(readTemplate(file)).matchAll(/\$\{(\w+)\}/g)) used.add(m[1]!);
      }
    }
    expect([...used].every((name) => Object.hasOwn(PLACEHOLDERS, name))).toBe(true);
  });
});
