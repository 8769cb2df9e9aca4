/**
 * The attempt history end to end (docs/processing.md, "Attempt history"; docs/http-api.md): the
 * built bundles, the worker calling the ECS simulator through the real SDK, ECS faults forced onto
 * the next calls (local/ecs/README.md, "Faults and control"), and GET /v1/pipelines/{id} showing
 * each attempt with the code and RequestId ECS (or STS) answered. Tests run one after another, so
 * a fault forced by one test meets that test's record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ROLE_NAMES, LOCAL_SERVICE_ACCOUNT_ID } from "../../local/identities";
import { roleArnOf } from "../../local/ram/model";
import type { PolicyDocument } from "../../local/ram/policy";
import type { RecordDetailView } from "../../shared/http/views";
import {
  Caller,
  type E2eStack,
  eventually,
  type RecordPageView,
  startE2eStack,
  validRequest,
} from "./harness";

/** The local STS simulator knows no such account: AssumeRole answers 403 NoPermission. */
const NO_ROLE_ACCOUNT = "1000000000000009";
const WORKER_ROLE = roleArnOf(LOCAL_SERVICE_ACCOUNT_ID, LOCAL_ROLE_NAMES.worker);

let e2e: E2eStack;
let alice: Caller;

beforeAll(async () => {
  e2e = await startE2eStack();
  alice = new Caller(e2e.stack, "alice-history");
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

/** Submits one request, waits for it to finish, and reads its detail. */
async function finished(request: Record<string, unknown>): Promise<RecordDetailView> {
  const accepted = await alice.submit(request);
  expect(accepted.status).toBe(202);
  await alice.waitForTerminal([accepted.body.id], 60_000);
  const read = await alice.request<RecordDetailView>("GET", `/v1/pipelines/${accepted.body.id}`);
  expect(read.status).toBe(200);
  return read.body;
}

describe("GET /v1/pipelines/{id} shows the record's attempts", () => {
  it("a record that needed retries: each attempt with ECS's code, RequestId and duration", async () => {
    e2e.stack.control.ecs.forceNext("throttle", 1);
    e2e.stack.control.ecs.forceNext("serverError", 1);
    const record = await finished(validRequest("history-retries"));

    expect(record).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(record.attemptHistory).toEqual([
      expect.objectContaining({ number: 1, outcome: "throttled", code: "Throttling.User", httpStatus: 400 }),
      expect.objectContaining({
        number: 2,
        outcome: "outcome-unknown",
        code: "ServiceUnavailable",
        httpStatus: 503,
      }),
      expect.objectContaining({ number: 3, outcome: "succeeded" }),
    ]);
    const requestIds = record.attemptHistory.map((a) => a.requestId);
    for (const requestId of requestIds) expect(requestId).toMatch(/^[0-9A-F-]{36}$/i);
    expect(new Set(requestIds).size).toBe(3);
    for (const attempt of record.attemptHistory) {
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(attempt.durationMs).toBeLessThan(30_000);
      expect(Date.parse(attempt.at)).toBeGreaterThanOrEqual(Date.parse(record.createdAt));
    }
    // Lists carry the count, not the history (once the lagging index lists the record at all).
    const list = await eventually(
      () => alice.request<RecordPageView>("GET", "/v1/pipelines?limit=10"),
      (page) => page.body.items.some((item) => item.id === record.id),
    );
    const listed = list.body.items.find((item) => item.id === record.id);
    expect(listed).toMatchObject({ id: record.id, attempts: 3 });
    expect(listed).not.toHaveProperty("attemptHistory");
  }, 90_000);

  it("a permanently failed record: the ECS code and RequestId of the refusal", async () => {
    const ram = e2e.stack.control.ram;
    const [original] = ram.role(WORKER_ROLE)!.policies;
    const withoutCreate: PolicyDocument = {
      Version: "1",
      Statement: original!.Statement.map((s) => ({
        ...s,
        Action: [s.Action].flat().filter((a) => a !== "ecs:CreateImagePipeline"),
      })).filter((s) => s.Action.length > 0),
    };
    ram.setRolePolicies(WORKER_ROLE, [withoutCreate]);
    let record: RecordDetailView;
    try {
      record = await finished(validRequest("history-forbidden"));
    } finally {
      ram.setRolePolicies(WORKER_ROLE, [original!]);
    }
    expect(record).toMatchObject({ status: "failed", error: { code: "Forbidden.RAM", retryable: false } });
    expect(record.attemptHistory).toEqual([
      expect.objectContaining({
        number: 1,
        outcome: "failed-permanent",
        code: "Forbidden.RAM",
        requestId: record.error?.requestId,
        httpStatus: 403,
      }),
    ]);
    expect(record.attemptHistory[0]?.requestId).toMatch(/^[0-9A-F-]{36}$/i);
    expect(record.attemptHistory[0]).not.toHaveProperty("reachedEcs");
  }, 90_000);

  it("an account the service cannot enter: STS's code, marked as not reaching ECS", async () => {
    const record = await finished(validRequest("history-no-role", { AccountId: NO_ROLE_ACCOUNT }));
    expect(record).toMatchObject({ status: "failed", attempts: 0, error: { code: "NoPermission" } });
    expect(record.attemptHistory).toEqual([
      expect.objectContaining({
        number: 1,
        outcome: "failed-permanent",
        code: "NoPermission",
        requestId: expect.stringMatching(/^[0-9A-F-]{36}$/i),
        reachedEcs: false,
      }),
    ]);
  }, 90_000);
});
