/**
 * Validation without storing, end to end (docs/http-api.md, "Validation without storing"): the
 * built submit bundle behind the local gateway, the real SDKs against the emulators. A valid body
 * gets 200; an invalid one the very problem submission gives; and neither touches Tablestore's
 * writes, the queue or ECS. Then `npm run batch -- --dry-run` against the same stack.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchValidatedView, ValidatedView } from "../../shared/http/views";
import {
  Caller,
  type E2eStack,
  eventually,
  type RecordPageView,
  runBatchCli,
  startE2eStack,
  validRequest,
} from "./harness";

let e2e: E2eStack;
let alice: Caller;
let workDir: string;

beforeAll(async () => {
  // No reconciler run in the middle of the counts below.
  e2e = await startE2eStack({ reconcileIntervalMs: 10 * 60_000 });
  alice = new Caller(e2e.stack, "alice-validate");
  workDir = await mkdtemp(path.join(tmpdir(), "e2e-validate-"));
}, 60_000);

afterAll(async () => {
  await e2e?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** What would show that something was stored, queued or created. */
function footprint() {
  const ts = e2e.stack.control.tablestore.calls();
  const mns = e2e.stack.control.mns.calls();
  return {
    tablestoreWrites: ts.PutRow + ts.UpdateRow + ts.BatchWriteRow + ts.DeleteRow,
    messagesSent: mns.SendMessage + mns.BatchSendMessage,
    pipelines: e2e.stack.control.pipelines().length,
  };
}

describe("POST /v1/pipelines:validate and /v1/batches:validate", () => {
  it("answer 200 with the requests as they would be sent, and store, queue and create nothing", async () => {
    const before = footprint();
    const one = await alice.request<ValidatedView>("POST", "/v1/pipelines:validate", {
      body: validRequest("e2e-validate-one", { ImageName: "web" }),
      headers: { "idempotency-key": "validate-key-1" },
    });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      valid: true,
      regionId: "cn-hangzhou",
      request: { Name: "e2e-validate-one", ImageOptions: { ImageName: "web" } },
      warnings: [expect.objectContaining({ pointer: "#/ImageName" })],
    });
    const batch = await alice.request<BatchValidatedView>("POST", "/v1/batches:validate", {
      body: {
        items: [
          validRequest("e2e-validate-b0"),
          validRequest("e2e-validate-b1", { RegionId: "cn-shanghai" }),
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.total).toBe(2);
    expect(batch.body.items.map((i) => i.regionId)).toEqual(["cn-hangzhou", "cn-shanghai"]);

    expect(footprint()).toEqual(before);
    const list = await alice.request<RecordPageView>("GET", "/v1/pipelines");
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it.each([
    [
      "/v1/pipelines",
      "/v1/pipelines:validate",
      validRequest("e2e-validate-bad", { SystemDiskSize: 10, Colour: "red" }),
    ],
    [
      "/v1/batches",
      "/v1/batches:validate",
      { items: [validRequest("ok"), validRequest("bad", { BaseImageType: "NOPE" })] },
    ],
  ])("answer the problem %s answers for the same invalid body", async (submitPath, validatePath, body) => {
    const before = footprint();
    const validated = await alice.request("POST", validatePath, { body });
    const submitted = await alice.request("POST", submitPath, { body });
    expect(validated.status).toBe(400);
    expect(submitted.status).toBe(400);
    const { instance: _a, ...problem } = validated.body;
    const { instance: _b, ...expected } = submitted.body;
    expect(problem).toEqual(expected);
    expect(footprint()).toEqual(before);
  });
});

describe("npm run batch -- --dry-run", () => {
  it("prints each item as it would be sent, exits 0 and submits nothing; a bad file exits 2 with its pointers", async () => {
    const token = await e2e.stack.control.issueToken({
      sub: "carol-dry-run",
      scope: "pipelines:write pipelines:read",
    });
    const good = path.join(workDir, "good.yaml");
    await writeFile(
      good,
      ["items:", ...["dry-0", "dry-1"].map((name) => `  - ${JSON.stringify(validRequest(name))}`)].join("\n"),
    );
    const before = footprint();
    const ok = await runBatchCli(e2e, good, token, ["--dry-run"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("dry-0");
    expect(ok.stdout).toContain("dry-1");
    expect(ok.stdout).toContain("2 items are valid");

    const bad = path.join(workDir, "bad.json");
    await writeFile(bad, JSON.stringify({ items: [validRequest("dry-2", { SystemDiskSize: 10 })] }));
    const refused = await runBatchCli(e2e, bad, token, ["--dry-run"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("#/items/0/SystemDiskSize");
    expect(footprint()).toEqual(before);
  });
});

// Last: the record it submits goes on to ECS and publishes its completion event, writes that the
// footprints above must not see.
describe("an Idempotency-Key sent to validation", () => {
  it("is not consumed: the submit that follows with another body is accepted", async () => {
    const key = { "idempotency-key": "validate-key-2" };
    const validated = await alice.request("POST", "/v1/pipelines:validate", {
      body: validRequest("e2e-validate-key-a"),
      headers: key,
    });
    expect(validated.status).toBe(200);
    const accepted = await alice.submit(validRequest("e2e-validate-key-b"), key);
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("idempotent-replayed")).toBeNull();
    const [record] = await alice.waitForTerminal([accepted.body.id]);
    expect(record?.status).toBe("succeeded");
    // Only the submitted request reached ECS.
    const names = e2e.stack.control.pipelines().map((p) => p.name);
    expect(names).toContain("e2e-validate-key-b");
    expect(names).not.toContain("e2e-validate-key-a");
    const list = await eventually(
      () => alice.request<RecordPageView>("GET", "/v1/pipelines"),
      (res) => res.body.items.length > 0,
    );
    expect(list.body.items.map((r) => r.request.Name)).toEqual(["e2e-validate-key-b"]);
  });
});
