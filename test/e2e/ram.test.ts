/**
 * RAM end to end (docs/local.md, "Credentials and RAM"): the stack runs every function with its own
 * role's temporary keys (short-lived here, so they rotate during the file) under the deploy/ram
 * policies, and the service works; taking one needed action out of the rendered worker policy
 * makes the worker fail with the service's own refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invocationContext } from "../../local/fc/invoker";
import {
  LOCAL_ROLE_NAMES,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../local/identities";
import { roleArnOf } from "../../local/ram/model";
import type { PolicyDocument } from "../../local/ram/policy";
import { createTablestoreClient } from "../../shared/adapters/tablestore/index";
import { Caller, type E2eStack, startE2eStack, validRequest } from "./harness";

/** Keys live 8 s and are replaced after 4 s: a run of this file sees several rotations. */
const LIFETIME_SECONDS = 8;
const WORKER_ROLE = roleArnOf(LOCAL_SERVICE_ACCOUNT_ID, LOCAL_ROLE_NAMES.worker);
const API_ROLE = roleArnOf(LOCAL_SERVICE_ACCOUNT_ID, LOCAL_ROLE_NAMES.api);

let e2e: E2eStack;
let alice: Caller;

beforeAll(async () => {
  e2e = await startE2eStack({
    reconcileIntervalMs: 10 * 60_000,
    ram: { credentialLifetimeSeconds: LIFETIME_SECONDS },
  });
  alice = new Caller(e2e.stack, "alice-ram");
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const sessionsOf = (roleArn: string) =>
  e2e.stack.control.ram.listSessions().filter((s) => s.roleArn === roleArn);

/** The worker's permission policy as the stack rendered it, without `action`. */
function workerPolicyWithout(action: string): PolicyDocument {
  const [rendered] = e2e.stack.control.ram.role(WORKER_ROLE)!.policies;
  const statements = rendered!.Statement.map((s) => ({
    ...s,
    Action: [s.Action].flat().filter((a) => a !== action),
  })).filter((s) => s.Action.length > 0);
  expect(statements.length).toBeGreaterThan(0);
  return { Version: "1", Statement: statements };
}

async function submit(name: string): Promise<string> {
  const res = await alice.request("POST", "/v1/pipelines", { body: validRequest(name) });
  expect(res.status).toBe(202);
  return String(res.body.id);
}

describe("credentials", () => {
  it("every function gets its own role's temporary keys, with a security token", () => {
    for (const [fn, role] of [
      ["submit", API_ROLE],
      ["status", API_ROLE],
      ["worker", WORKER_ROLE],
    ] as const) {
      const { credentials } = invocationContext(e2e.stack.functions[fn]);
      expect(credentials.securityToken).not.toBe("");
      expect(credentials.accessKeyId).toMatch(/^STS\./);
      expect(e2e.stack.control.ram.session(credentials.accessKeyId)?.roleArn).toBe(role);
    }
  });

  it("rotate while requests keep succeeding, through every function and the reconciler", async () => {
    const workerKeysBefore = sessionsOf(WORKER_ROLE).length;
    const apiKeysBefore = sessionsOf(API_ROLE).length;
    const ids: string[] = [];
    // Past more than one rotation (every LIFETIME/2 s), one request a second.
    const until = Date.now() + (LIFETIME_SECONDS + 2) * 1000;
    for (let i = 0; Date.now() < until; i++) {
      ids.push(await submit(`ram-rotation-${i}`));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const records = await alice.waitForTerminal(ids, 90_000);
    expect(records.map((r) => r?.status)).toEqual(ids.map(() => "succeeded"));
    expect((await alice.request("GET", "/v1/pipelines?limit=5")).status).toBe(200);
    const reconcile = await e2e.stack.control.reconcileNow();
    expect(reconcile).toMatchObject({ ok: true });
    expect(sessionsOf(WORKER_ROLE).length).toBeGreaterThanOrEqual(workerKeysBefore + 1);
    expect(sessionsOf(API_ROLE).length).toBeGreaterThanOrEqual(apiKeysBefore + 2);
  }, 150_000);
});

describe("the worker policy bites", () => {
  it("without ecs:CreateImagePipeline the worker's record fails with ECS's Forbidden.RAM", async () => {
    const ram = e2e.stack.control.ram;
    const [original] = ram.role(WORKER_ROLE)!.policies;
    ram.setRolePolicies(WORKER_ROLE, [workerPolicyWithout("ecs:CreateImagePipeline")]);
    try {
      const id = await submit("ram-no-create");
      const [record] = await alice.waitForTerminal([id], 60_000);
      expect(record).toMatchObject({ status: "failed", error: { code: "Forbidden.RAM" } });
    } finally {
      ram.setRolePolicies(WORKER_ROLE, [original!]);
    }
  }, 90_000);

  it("without ots:PutRow the worker cannot claim (OTSNoPermissionAccess); given back, the record succeeds", async () => {
    const ram = e2e.stack.control.ram;
    const [original] = ram.role(WORKER_ROLE)!.policies;
    ram.setRolePolicies(WORKER_ROLE, [workerPolicyWithout("ots:PutRow")]);
    let restored = false;
    try {
      const failedBefore = e2e.stack.control.trigger().failed;
      const id = await submit("ram-no-putrow");
      const deadline = Date.now() + 30_000;
      while (e2e.stack.control.trigger().failed === failedBefore && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(e2e.stack.control.trigger().failed).toBeGreaterThan(failedBefore);
      expect((await alice.get(id)).body).toMatchObject({ status: "pending" });
      // What the worker's claim met: its own keys, refused by Tablestore with the real code.
      const { credentials } = invocationContext(e2e.stack.functions.worker);
      const worker = createTablestoreClient({
        endpoint: e2e.stack.info.emulators.tablestore,
        instanceName: LOCAL_TABLESTORE_INSTANCE,
        credentials,
        retry: { maxRetries: 0 },
      });
      const TableStore = (await import("tablestore")).default;
      await expect(
        worker.putRow({
          tableName: e2e.stack.info.tablestore.table,
          condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
          primaryKey: [{ id }],
          attributeColumns: [{ status: "running" }],
        }),
      ).rejects.toMatchObject({ code: "OTSNoPermissionAccess" });
      ram.setRolePolicies(WORKER_ROLE, [original!]);
      restored = true;
      const [record] = await alice.waitForTerminal([id], 60_000);
      expect(record).toMatchObject({ status: "succeeded" });
    } finally {
      if (!restored) ram.setRolePolicies(WORKER_ROLE, [original!]);
    }
  }, 120_000);
});
