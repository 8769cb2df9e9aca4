/**
 * scripts/batch.ts as a person runs it, as a child process against the real handlers: it submits
 * the file, follows the batch until every item is terminal (the test plays the worker and finishes
 * the records in the store), prints the table, and exits 1 because one item failed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchRecordIds } from "../../../shared/app/ids";
import { type BatchService, startBatchService } from "./harness";

const ROOT = path.resolve(__dirname, "../../..");
let service: BatchService;
let dir: string;
let token: string;

beforeAll(async () => {
  // The Tablestore indexes lag writes, as the service's do.
  service = await startBatchService({ indexLagMs: [0, 1_000] });
  token = await service.kit.sign({ sub: "carol", scope: "pipelines:write pipelines:read" });
  dir = await mkdtemp(path.join(tmpdir(), "batch-cli-"));
});
afterAll(async () => {
  await service.close();
  await rm(dir, { recursive: true, force: true });
});

const YAML_BATCH = `items:
  - RegionId: cn-hangzhou
    BaseImageType: IMAGE
    BaseImage: aliyun_3_x64_20G_alibase_20240819.vhd
    Name: web-a
  - RegionId: cn-shanghai
    AccountId: "1000000000000002"
    BaseImageType: IMAGE
    BaseImage: aliyun_3_x64_20G_alibase_20240819.vhd
    Name: web-b
  - RegionId: cn-beijing
    BaseImageType: IMAGE
    BaseImage: aliyun_3_x64_20G_alibase_20240819.vhd
    Name: web-c
`;

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function runCli(args: string[]): Run {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/batch.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, IMAGE_PIPELINES_TOKEN: token, IMAGE_PIPELINES_URL: service.url },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The worker's part: finishes each pending record of the batch, the second one as a failure. Like
 * the worker it reads the records by id (the batch index may not list them yet).
 */
async function finishBatch(batchId: string): Promise<void> {
  const header = await service.store.getBatch(batchId);
  const records = await service.store.getMany(batchRecordIds(batchId, header?.total ?? 0));
  expect(records).toHaveLength(3);
  const at = new Date().toISOString();
  for (const [index, record] of records.entries()) {
    const outcome =
      index === 1
        ? {
            status: "failed" as const,
            error: { code: "EntityNotExist.Role", message: "no role", retryable: false },
          }
        : { status: "succeeded" as const, imagePipelineId: `ip-${index}` };
    expect(
      await service.store.update(
        { ...record, ...outcome, attempts: 1, updatedAt: at, completedAt: at },
        { from: "pending" },
      ),
    ).toBe("applied");
  }
}

describe("npm run batch -- FILE", () => {
  it("submits a YAML file, follows it to the end, prints one row per item, and exits 1 when one failed", async () => {
    const file = path.join(dir, "batch.yaml");
    await writeFile(file, YAML_BATCH);
    const run = runCli([file, "--interval", "0.1"]);
    const batchId = await waitFor(
      () => /^batch (\w{26}): 3 items accepted/m.exec(run.stdout())?.[1],
      "the batch id",
    );
    await waitFor(() => (run.stdout().includes("pending 3") ? true : undefined), "progress");
    await finishBatch(batchId);
    expect(await run.exit).toBe(1);
    const out = run.stdout();
    expect(out).toMatch(/^0\s+1000000000000001\s+cn-hangzhou\s+succeeded\s+ip-0$/m);
    expect(out).toMatch(/^1\s+1000000000000002\s+cn-shanghai\s+failed\s+EntityNotExist.Role: no role$/m);
    expect(out).toMatch(/^2\s+1000000000000001\s+cn-beijing\s+succeeded\s+ip-2$/m);
    expect(out).toContain("3 items: 2 succeeded, 1 failed or cancelled");
    expect(run.stderr()).toBe("");

    // The same file again follows the same batch (the default Idempotency-Key is the file's hash).
    const again = runCli([file, "--interval", "0.1"]);
    expect(await again.exit).toBe(1);
    expect(again.stdout()).toContain(`batch ${batchId}: 3 items accepted`);
  });

  it("prints the violations with their pointers and exits 2 for a refused batch", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(
      file,
      JSON.stringify([
        { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "x", SystemDiskSize: 5 },
      ]),
    );
    const run = runCli([file]);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(/refused \(400\)/);
    expect(run.stderr()).toMatch(/#\/items\/0\/SystemDiskSize\s+InvalidSystemDiskSize/);
  });
});
