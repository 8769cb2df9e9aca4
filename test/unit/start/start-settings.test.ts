import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStartSettings, SETTINGS, SettingsError, settingsHelp } from "../../../scripts/start-settings";

const root = "/repo";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "start-settings-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readStartSettings", () => {
  it("defaults to port 9000, .local, dist/, a build, and the functions' output shown", async () => {
    const settings = await readStartSettings({}, [], root);
    expect(settings).toMatchObject({
      distDir: "/repo/dist",
      build: true,
      stack: { port: 9000, dataDir: "/repo/.local", functionOutput: "inherit", distDir: "/repo/dist" },
    });
    expect(settings.stack.faults).toBeUndefined();
  });

  it("reads every option from the environment, and a flag wins over its variable", async () => {
    const settings = await readStartSettings(
      {
        PORT: "0",
        RECONCILE_INTERVAL_MS: "1000",
        RECONCILE_PENDING_AFTER_SECONDS: "5",
        WORKER_TIMEOUT_SECONDS: "4",
        WORKER_INSTANCES: "2",
        WORKER_MAX_ATTEMPTS: "3",
        INDEX_LAG_MS: "20,80",
        TRIGGER_BATCH_SIZE: "5",
        TRIGGER_BATCH_WINDOW_MS: "100",
        TRIGGER_RETRY_DELAY_SCALE: "0.05",
        LOG_LEVEL: "warn",
        NO_BUILD: "1",
      },
      ["--worker-instances", "6", "--port", "8123"],
      root,
    );
    expect(settings.build).toBe(false);
    expect(settings.stack).toMatchObject({
      port: 8123,
      reconcileIntervalMs: 1000,
      reconcilePendingAfterSeconds: 5,
      workerTimeoutSeconds: 4,
      workerInstances: 6,
      workerMaxAttempts: 3,
      indexLagMs: [20, 80],
      batchSize: 5,
      batchWindowMs: 100,
      retryDelayScale: 0.05,
      logLevel: "warn",
    });
  });

  it("loads fault settings from a file, and refuses a file with an unknown part", async () => {
    const good = path.join(dir, "faults.json");
    await writeFile(
      good,
      JSON.stringify({ ecs: { throttleRate: 0.3 }, worker: { crashAfterCallRate: 0.02 } }),
    );
    const settings = await readStartSettings({ FAULTS_FILE: good }, [], root);
    expect(settings.stack.faults).toEqual({
      ecs: { throttleRate: 0.3 },
      worker: { crashAfterCallRate: 0.02 },
    });
    expect(settings.faultsFile).toBe(good);

    const bad = path.join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ disk: {} }));
    await expect(readStartSettings({}, ["--faults", bad], root)).rejects.toThrow('unknown part "disk"');
    await expect(readStartSettings({}, ["--faults", path.join(dir, "missing.json")], root)).rejects.toThrow(
      "cannot read the fault settings file",
    );
  });

  it.each([
    [{ PORT: "x" }, [], "PORT must be a whole number from 0 to 65535"],
    [{}, ["--worker-instances", "0"], "--worker-instances must be a whole number from 1 to 100"],
    [{ LOG_LEVEL: "loud" }, [], "LOG_LEVEL must be one of debug, info, warn, error"],
    [{}, ["--reconcile-interval-ms"], "--reconcile-interval-ms needs a value"],
    [{}, ["--nope"], 'unknown flag "--nope"'],
    [{ INDEX_LAG_MS: "80,20" }, [], "INDEX_LAG_MS / --index-lag-ms"],
  ] as const)("refuses %j %j", async (env, argv, message) => {
    const attempt = readStartSettings(env, argv, root);
    await expect(attempt).rejects.toBeInstanceOf(SettingsError);
    await expect(attempt).rejects.toThrow(message);
  });

  it("lists every setting in --help", () => {
    const help = settingsHelp();
    for (const setting of SETTINGS) {
      expect(help).toContain(setting.flag);
      expect(help).toContain(setting.env);
    }
  });
});
