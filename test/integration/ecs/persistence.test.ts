/**
 * `--data` under `kill -9`: the simulator as a child process, killed with SIGKILL right after its
 * last answer (or in the middle of calls), then started again on the same directory.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_TRUSTING_ACCOUNT_IDS } from "../../../local/identities";
import { $Ecs, assumeInto, ecsClient, validCreateRequest } from "../../support/ecs-clients";
import { type EmulatorProcess, runEmulator } from "../../support/emulator-process";

let dataDir: string;
const running: EmulatorProcess[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ecs-kill9-"));
});
afterEach(async () => {
  for (const emulator of running.splice(0)) await emulator.kill9();
  await rm(dataDir, { recursive: true, force: true });
});

async function ecs(): Promise<EmulatorProcess> {
  const emulator = await runEmulator("ecs", dataDir);
  running.push(emulator);
  return emulator;
}

async function kill9(emulator: EmulatorProcess): Promise<void> {
  running.splice(running.indexOf(emulator), 1);
  await emulator.kill9();
}

async function allPipelineIds(port: number, keys?: Parameters<typeof ecsClient>[1]): Promise<string[]> {
  const described = await ecsClient(port, keys).describeImagePipelines(
    new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou", maxResults: 500 }),
  );
  return (described.body?.imagePipeline?.imagePipelineSet ?? []).map((p) => p.imagePipelineId!).sort();
}

const create = (port: number, token: string) =>
  ecsClient(port).createImagePipeline(validCreateRequest({ clientToken: token, name: token }));

describe("--data after kill -9", () => {
  it("keeps every answered pipeline, ClientToken, deletion and STS session", async () => {
    const first = await ecs();
    const tokens = Array.from({ length: 30 }, (_, i) => `answered-${i}`);
    const created = await Promise.all(tokens.map((token) => create(first.port, token)));
    const ids = created.map((r) => r.body!.imagePipelineId!);
    await ecsClient(first.port).deleteImagePipeline(
      new $Ecs.DeleteImagePipelineRequest({ regionId: "cn-hangzhou", imagePipelineId: ids[0] }),
    );
    const assumed = await assumeInto(first.port, LOCAL_TRUSTING_ACCOUNT_IDS[0]);
    await kill9(first);

    const second = await ecs();
    expect(await allPipelineIds(second.port)).toEqual(ids.slice(1).sort());
    // Each ClientToken still names its pipeline: a retry gets the same id and creates nothing.
    for (const [i, token] of tokens.entries()) {
      if (i === 0) continue;
      expect((await create(second.port, token)).body?.imagePipelineId).toBe(ids[i]);
    }
    expect(await allPipelineIds(second.port)).toHaveLength(tokens.length - 1);
    // The temporary keys handed out before the kill still sign calls (as the role, which may create).
    const asRole = await ecsClient(second.port, assumed).createImagePipeline(
      validCreateRequest({ clientToken: "as-role", name: "as-role" }),
    );
    expect(asRole.body?.imagePipelineId).toMatch(/^ip-/);
  });

  it("finishes calls in flight at the kill exactly once when they are retried with their tokens", async () => {
    const first = await ecs();
    const tokens = Array.from({ length: 60 }, (_, i) => `in-flight-${i}`);
    // Some are answered, some are committed but not answered, some never reach the store.
    const calls = tokens.map((token) =>
      create(first.port, token).then(
        () => true,
        () => false,
      ),
    );
    await Promise.race(calls);
    await kill9(first);
    await Promise.all(calls);

    const second = await ecs();
    const ids = await Promise.all(
      tokens.map(async (token) => (await create(second.port, token)).body?.imagePipelineId),
    );
    expect(new Set(ids).size).toBe(tokens.length);
    expect(await allPipelineIds(second.port)).toEqual([...ids].sort());
  });

  it("still holds everything after a clean stop, a kill and another restart", async () => {
    const first = await ecs();
    const before = (await create(first.port, "kept")).body?.imagePipelineId;
    expect(await first.stop()).toBe(0);
    running.splice(running.indexOf(first), 1);
    const second = await ecs();
    const after = (await create(second.port, "after-restart")).body?.imagePipelineId;
    await kill9(second);
    const third = await ecs();
    expect(await allPipelineIds(third.port)).toEqual([before, after].sort());
  });
});
