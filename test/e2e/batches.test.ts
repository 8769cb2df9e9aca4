/**
 * Batches end to end (docs/http-api.md, "Batches"; docs/processing.md, "Cross-account" and
 * "Completion events"): one batch over the service account, the two accounts that trust it and an
 * account the service cannot enter, in several regions, through the built bundles; then the
 * `npm run batch` command against the same stack. No faults are on, so exactly one completion
 * event per item is expected (duplicates are possible only under faults). The stack's indexes lag
 * (its default), which a batch read never waits for: it reads the batch by id.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TRUSTING_ACCOUNT_IDS } from "../../local/identities";
import { $Ecs, ecsClient } from "../support/ecs-clients";
import { type BatchView, Caller, type E2eStack, runBatchCli, startE2eStack, validRequest } from "./harness";

/** The local STS simulator knows no such account: AssumeRole answers 403 NoPermission. */
const NO_ROLE_ACCOUNT = "1000000000000009";
const ROLE_ACCOUNTS = [LOCAL_SERVICE_ACCOUNT_ID, ...LOCAL_TRUSTING_ACCOUNT_IDS];
const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];

interface CompletionEventView {
  id: string;
  batchId: string | null;
  status: string;
  accountId: string;
  regionId: string;
  imagePipelineId?: string;
  error?: { code: string };
}

let e2e: E2eStack;
let alice: Caller;
let workDir: string;

beforeAll(async () => {
  // The timer stays out of the way: this file is about the worker, not the reconciler.
  e2e = await startE2eStack({ reconcileIntervalMs: 10 * 60_000 });
  alice = new Caller(e2e.stack, "alice-batches");
  workDir = await mkdtemp(path.join(tmpdir(), "e2e-batch-cli-"));
}, 60_000);

afterAll(async () => {
  await e2e?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Every item of a batch, all pages; polls until `done` or the deadline. */
async function waitForBatch(caller: Caller, id: string, timeoutMs = 40_000): Promise<BatchView> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const first = await caller.request<BatchView>("GET", `/v1/batches/${id}?limit=100`);
    expect(first.status).toBe(200);
    if (first.body.done || Date.now() > deadline) {
      const items = [...first.body.items];
      let cursor = first.body.nextCursor;
      while (cursor) {
        const page = await caller.request<BatchView>(
          "GET",
          `/v1/batches/${id}?limit=100&cursor=${encodeURIComponent(cursor)}`,
        );
        items.push(...page.body.items);
        cursor = page.body.nextCursor;
      }
      return { ...first.body, items };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The stack's completion events, once every id in `ids` has one (bounded wait). */
async function eventsFor(ids: string[], timeoutMs = 10_000): Promise<CompletionEventView[]> {
  const wanted = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const received = await e2e.stack.control.events();
    const events = received.flatMap((r) => ("event" in r ? [r.event as CompletionEventView] : []));
    const mine = events.filter((e) => wanted.has(e.id));
    if (new Set(mine.map((e) => e.id)).size === wanted.size || Date.now() > deadline) return mine;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a batch over several accounts and regions", () => {
  it("puts each account's pipelines in that account, fails the no-role account's items with the STS code, and publishes one event per item", async () => {
    const items = [
      ...ROLE_ACCOUNTS.flatMap((accountId) =>
        REGIONS.map((regionId) =>
          validRequest(`batch-${accountId.slice(-1)}-${regionId}`, {
            AccountId: accountId,
            RegionId: regionId,
          }),
        ),
      ),
      ...REGIONS.slice(0, 2).map((regionId) =>
        validRequest(`batch-no-role-${regionId}`, { AccountId: NO_ROLE_ACCOUNT, RegionId: regionId }),
      ),
    ];
    const accepted = await alice.request<{ id: string; total: number; items: { id: string }[] }>(
      "POST",
      "/v1/batches",
      { body: { items } },
    );
    expect(accepted.status).toBe(202);
    expect(accepted.body.total).toBe(items.length);

    const batch = await waitForBatch(alice, accepted.body.id);
    expect(batch.done).toBe(true);
    expect(batch.total).toBe(items.length);
    expect(batch.items.map((i) => i.id)).toEqual(accepted.body.items.map((i) => i.id));
    expect(Object.values(batch.counts).reduce((a, b) => a + b, 0)).toBe(batch.total);
    expect(batch.counts).toMatchObject({
      succeeded: ROLE_ACCOUNTS.length * REGIONS.length,
      failed: 2,
      pending: 0,
      running: 0,
    });

    const pipelines = e2e.stack.control.pipelines();
    for (const item of batch.items) {
      const held = pipelines.filter((p) => p.clientToken === item.clientToken);
      if (item.accountId === NO_ROLE_ACCOUNT) {
        expect(item).toMatchObject({ status: "failed", error: { code: "NoPermission", retryable: false } });
        expect(held).toEqual([]);
      } else {
        expect(item.status).toBe("succeeded");
        expect(held).toEqual([
          expect.objectContaining({
            imagePipelineId: item.imagePipelineId,
            accountId: item.accountId,
            regionId: item.regionId,
          }),
        ]);
      }
    }

    const ids = batch.items.map((i) => i.id);
    const events = await eventsFor(ids);
    // At-least-once in general; with no faults on, exactly once.
    expect(events.map((e) => e.id).sort()).toEqual([...ids].sort());
    for (const item of batch.items) {
      const event = events.find((e) => e.id === item.id);
      expect(event).toMatchObject({
        status: item.status,
        batchId: batch.id,
        accountId: item.accountId,
        regionId: item.regionId,
      });
      if (item.status === "succeeded") expect(event?.imagePipelineId).toBe(item.imagePipelineId);
      else expect(event?.error?.code).toBe("NoPermission");
    }
  }, 60_000);
});

/**
 * DockerFile-style template text of exactly 16,000 characters (the contract allows 16 KB) in at
 * most 127 commands (the API's limit).
 */
function template16k(label: string): string {
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < 16_000 - 300; i++) {
    lines.push(`RUN echo ${label}-${String(i).padStart(3, "0")} ${"x".repeat(130)}`);
  }
  const text = `${lines.join("\n")}\nRUN echo ${label}-end `;
  return text + "y".repeat(16_000 - text.length);
}

describe("a batch of 200 items with 16,000-character templates", () => {
  it("is accepted, read whole right after the 202, and every item succeeds with its templates in ECS", async () => {
    const build = template16k("build");
    const test = template16k("test");
    expect([build.length, test.length]).toEqual([16_000, 16_000]);
    const items = Array.from({ length: 200 }, (_, n) =>
      validRequest(`large-${n}`, { BuildContent: build, TestContent: test }),
    );
    const accepted = await alice.request<{ id: string; total: number; items: { id: string }[] }>(
      "POST",
      "/v1/batches",
      { body: { items } },
    );
    expect(accepted.status).toBe(202);
    expect(accepted.body.total).toBe(200);

    // Right after the 202 the batch index may list none of the items; the batch reads whole.
    const first = await alice.request<BatchView>("GET", `/v1/batches/${accepted.body.id}?limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(200);
    expect(Object.values(first.body.counts).reduce((a, b) => a + b, 0)).toBe(200);

    const batch = await waitForBatch(alice, accepted.body.id, 150_000);
    expect(batch.done).toBe(true);
    expect(batch.counts).toEqual({ pending: 0, running: 0, succeeded: 200, failed: 0, cancelled: 0 });
    expect(batch.items.map((i) => i.id)).toEqual(accepted.body.items.map((i) => i.id));
    const pipelines = e2e.stack.control.pipelines();
    for (const item of batch.items) {
      expect(pipelines.filter((p) => p.clientToken === item.clientToken)).toEqual([
        expect.objectContaining({ imagePipelineId: item.imagePipelineId }),
      ]);
    }
    // What ECS holds, asked through the ECS SDK: the templates arrived whole.
    const ecs = ecsClient(Number(new URL(e2e.stack.info.emulators.ecs).port));
    for (const item of [batch.items[0], batch.items[199]]) {
      const described = await ecs.describeImagePipelines(
        new $Ecs.DescribeImagePipelinesRequest({
          regionId: "cn-hangzhou",
          imagePipelineId: [item?.imagePipelineId ?? ""],
        }),
      );
      expect(described.body?.imagePipeline?.imagePipelineSet).toEqual([
        expect.objectContaining({ buildContent: build, testContent: test }),
      ]);
    }
  }, 180_000);
});

describe("npm run batch against the stack", () => {
  it("follows a YAML batch to the end, prints the summary table and exits 0 when every item succeeded", async () => {
    const file = path.join(workDir, "three.yaml");
    await writeFile(
      file,
      [
        "items:",
        ...[
          ["cli-a", LOCAL_SERVICE_ACCOUNT_ID, "cn-hangzhou"],
          ["cli-b", LOCAL_TRUSTING_ACCOUNT_IDS[0], "cn-shanghai"],
          ["cli-c", LOCAL_TRUSTING_ACCOUNT_IDS[1], "cn-beijing"],
        ].flatMap(([name, account, region]) => [
          `  - Name: ${name}`,
          `    AccountId: "${account}"`,
          `    RegionId: ${region}`,
          "    BaseImageType: IMAGE",
          "    BaseImage: aliyun_3_x64_20G_alibase_20240819.vhd",
          "    BuildContent: RUN yum install -y nginx",
          "    SystemDiskSize: 40",
        ]),
        "",
      ].join("\n"),
    );
    const token = await e2e.stack.control.issueToken({ sub: "cli-person" });
    const run = await runBatchCli(e2e, file, token, ["--interval", "0.3"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^#\s+account\s+region\s+status\s+pipeline \/ error$/m);
    expect(run.stdout.match(/^\d+\s+\d{16}\s+cn-\S+\s+succeeded\s+ip-[a-z0-9]+$/gm)).toHaveLength(3);
    expect(run.stdout).toMatch(/3 items: 3 succeeded, 0 failed or cancelled/);
  }, 50_000);

  it("exits 1 when an item fails, naming the STS code in the table", async () => {
    const file = path.join(workDir, "no-role.json");
    await writeFile(
      file,
      JSON.stringify({ items: [validRequest("cli-no-role", { AccountId: NO_ROLE_ACCOUNT })] }),
    );
    const token = await e2e.stack.control.issueToken({ sub: "cli-person" });
    const run = await runBatchCli(e2e, file, token, ["--interval", "0.3"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(`^0\\s+${NO_ROLE_ACCOUNT}\\s+cn-hangzhou\\s+failed\\s+NoPermission: `, "m"),
    );
    expect(run.stdout).toMatch(/1 items: 0 succeeded, 1 failed or cancelled/);
  }, 50_000);
});
