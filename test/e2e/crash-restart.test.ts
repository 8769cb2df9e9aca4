/**
 * `kill -9` of the whole `npm start` while records are in flight, then `npm start` again on the same
 * data folder: every accepted record is still there and finishes, ECS holds exactly one pipeline
 * per ClientToken (the one the record reports), and the fault settings answered before the kill
 * are in effect again.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EcsPipelineView } from "../../local/ecs/index";
import { validRequest } from "./harness";
import { buildDistOnce, killGroup, type NpmStart, npmStart } from "./npm-start";

let dist: string;
let dataDir: string;
const started: NpmStart[] = [];

beforeAll(async () => {
  dist = await buildDistOnce();
  dataDir = await mkdtemp(path.join(tmpdir(), "npm-start-kill9-"));
}, 120_000);
afterAll(async () => {
  for (const s of started) if (s.alive().length > 0) killGroup(s);
  await rm(dist, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

// Short leases and a fast reconciler, so what the kill left running is picked up again in seconds.
const settings = {
  WORKER_TIMEOUT_SECONDS: "5",
  RECONCILE_INTERVAL_MS: "1000",
  RECONCILE_PENDING_AFTER_SECONDS: "3",
  TRIGGER_RETRY_DELAY_SCALE: "0.1",
  TRIGGER_BATCH_SIZE: "2",
};

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  expect(res.status, `${init?.method ?? "GET"} ${url}`).toBe(200);
  return (await res.json()) as T;
}

const pipelines = (s: NpmStart) => json<EcsPipelineView[]>(`${s.api}/_local/ecs/pipelines`);

describe("kill -9 of npm start", () => {
  it("loses nothing accepted and finishes every record in flight exactly once after a restart", async () => {
    const faultsFile = path.join(dataDir, "..", `${path.basename(dataDir)}-faults.json`);
    await writeFile(faultsFile, JSON.stringify({ ecs: { latencyMs: [200, 600] } }));
    const first = await npmStart({ dataDir, distDir: dist, env: settings, args: ["--faults", faultsFile] });
    started.push(first);
    // Changed while running: answered, so it must survive the kill.
    const slower = { ecs: { latencyMs: [300, 900] }, mns: { duplicateRate: 0.2 } };
    await json(`${first.api}/_local/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(slower),
    });

    const caller = first.caller();
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await caller.submit(validRequest(`kill9-${i}`));
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    // Killed in the middle: some pipelines made, most records still in flight.
    const deadline = Date.now() + 30_000;
    while ((await pipelines(first)).length < 3) {
      expect(Date.now(), "no pipeline was made within 30 s").toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    killGroup(first, "SIGKILL");
    expect(await first.goneWithin(5000)).toBe(true);

    // No --faults this time: the settings answered before the kill come from the data folder.
    const second = await npmStart({ dataDir, distDir: dist, env: settings });
    started.push(second);
    const faults = await json<{ ecs: { latencyMs: number[] }; mns: { duplicateRate: number } }>(
      `${second.api}/_local/faults`,
    );
    expect(faults.ecs.latencyMs).toEqual([300, 900]);
    expect(faults.mns.duplicateRate).toBe(0.2);

    const records = await second.caller().waitForTerminal(ids, 120_000);
    expect(records.map((r) => r?.status)).toEqual(ids.map(() => "succeeded"));
    const held = await pipelines(second);
    const tokens = new Set(records.map((r) => r.clientToken));
    // No pipeline without a record, and exactly one, the reported one, per record.
    expect(held.filter((p) => !tokens.has(p.clientToken ?? ""))).toEqual([]);
    for (const record of records) {
      const mine = held.filter((p) => p.clientToken === record.clientToken);
      expect(mine.map((p) => p.imagePipelineId)).toEqual([record.imagePipelineId]);
    }

    process.kill(second.pid, "SIGTERM");
    expect(await second.goneWithin(10_000)).toBe(true);
  }, 240_000);
});
