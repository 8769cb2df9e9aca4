/**
 * The settings of `npm start`: each one an environment variable and a flag (`npm start -- --flag
 * VALUE`; a flag wins over the variable), mapped to a `startStack` option. One table, so the
 * parser, `--help` and the README's table cannot drift apart.
 */
import path from "node:path";
import { readFaultFile } from "../local/control-plane";
import { seededRandom } from "../local/ecs/faults";
import type { StackOptions } from "../local/stack";
import { parseIndexLag } from "../local/tablestore/index-lag";

export interface StartSettings {
  stack: StackOptions;
  /** Where dist/ is; built there first unless `build` is false. */
  distDir: string;
  build: boolean;
  /** The file the initial fault settings came from, if any. */
  faultsFile?: string;
}

type Kind =
  | { type: "integer"; min: number; max: number }
  | { type: "number"; min: number; max: number }
  | { type: "choice"; values: readonly string[] }
  | { type: "path" }
  | { type: "text" }
  | { type: "switch" };

interface Setting {
  env: string;
  flag: string;
  kind: Kind;
  /** What it sets; shown by --help and in the README table. */
  what: string;
  apply: (settings: StartSettings, value: string) => void | Promise<void>;
}

const integer = (min: number, max: number): Kind => ({ type: "integer", min, max });

export const SETTINGS: readonly Setting[] = [
  {
    env: "PORT",
    flag: "--port",
    kind: integer(0, 65535),
    what: "the API port (0 = a free one); default 9000",
    apply: (s, v) => {
      s.stack.port = Number(v);
    },
  },
  {
    env: "DATA_DIR",
    flag: "--data",
    kind: { type: "path" },
    what: "the state folder (emulators' snapshots and journals, JWT key, faults.json); default .local",
    apply: (s, v) => {
      s.stack.dataDir = path.resolve(v);
    },
  },
  {
    env: "FAULTS_FILE",
    flag: "--faults",
    kind: { type: "path" },
    what: "a JSON file of fault settings (the body of PUT /_local/faults) to start with; default: the ones saved in the data folder",
    apply: async (s, v) => {
      s.faultsFile = path.resolve(v);
      s.stack.faults = await readFaultFile(s.faultsFile);
    },
  },
  {
    env: "SEED",
    flag: "--seed",
    kind: integer(0, 2 ** 31 - 1),
    what: "seed of the fault dice (ECS faults stay random), for repeatable trigger duplicates and worker crashes",
    apply: (s, v) => {
      s.stack.random = seededRandom(Number(v));
    },
  },
  {
    env: "RECONCILE_INTERVAL_MS",
    flag: "--reconcile-interval-ms",
    kind: integer(100, 86_400_000),
    what: "how often the reconciler runs; default s.yaml's every minute",
    apply: (s, v) => {
      s.stack.reconcileIntervalMs = Number(v);
    },
  },
  {
    env: "RECONCILE_PENDING_AFTER_SECONDS",
    flag: "--reconcile-pending-after-seconds",
    kind: integer(1, 86_400),
    what: "a record pending this long is queued again by the reconciler; default 300",
    apply: (s, v) => {
      s.stack.reconcilePendingAfterSeconds = Number(v);
    },
  },
  {
    env: "RECONCILE_EVENT_OWED_AFTER_SECONDS",
    flag: "--reconcile-event-owed-after-seconds",
    kind: integer(1, 86_400),
    what: "a completion event owed this long is published by the reconciler (the outbox); default 60",
    apply: (s, v) => {
      s.stack.reconcileEventOwedAfterSeconds = Number(v);
    },
  },
  {
    env: "WORKER_TIMEOUT_SECONDS",
    flag: "--worker-timeout-seconds",
    kind: integer(1, 86_400),
    what: "the worker's FC timeout, and so its record lease and the queue's visibility timeout (+10 s); default 120",
    apply: (s, v) => {
      s.stack.workerTimeoutSeconds = Number(v);
    },
  },
  {
    env: "WORKER_INSTANCES",
    flag: "--worker-instances",
    kind: integer(1, 100),
    what: "most worker instances at once (FC scales out; default 100, FC's instance quota per region)",
    apply: (s, v) => {
      s.stack.workerInstances = Number(v);
    },
  },
  {
    env: "TRIGGER_PUSHES",
    flag: "--trigger-pushes",
    kind: integer(1, 100),
    what: "worker invocations the queue trigger pushes at once (default 4; EventBridge documents none for MNS)",
    apply: (s, v) => {
      s.stack.triggerPushes = Number(v);
    },
  },
  {
    env: "WORKER_MAX_ATTEMPTS",
    flag: "--worker-max-attempts",
    kind: integer(1, 100),
    what: "ECS calls per record before it fails; default 5",
    apply: (s, v) => {
      s.stack.workerMaxAttempts = Number(v);
    },
  },
  {
    env: "INDEX_LAG_MS",
    flag: "--index-lag-ms",
    kind: { type: "text" },
    what: "how long Tablestore's secondary indexes lag a write: MS, or MIN,MAX for a random lag per change; default 0,1000 (a random lag up to 1 s)",
    apply: (s, v) => {
      try {
        s.stack.indexLagMs = parseIndexLag(v);
      } catch (err) {
        throw new SettingsError(`INDEX_LAG_MS / --index-lag-ms: ${(err as Error).message}`);
      }
    },
  },
  {
    env: "TRIGGER_BATCH_SIZE",
    flag: "--batch-size",
    kind: integer(1, 16),
    what: "messages per worker invocation; default s.yaml's 10",
    apply: (s, v) => {
      s.stack.batchSize = Number(v);
    },
  },
  {
    env: "TRIGGER_BATCH_WINDOW_MS",
    flag: "--batch-window-ms",
    kind: integer(0, 60_000),
    what: "how long the trigger gathers a batch; default s.yaml's 2000",
    apply: (s, v) => {
      s.stack.batchWindowMs = Number(v);
    },
  },
  {
    env: "TRIGGER_RETRY_DELAY_SCALE",
    flag: "--retry-delay-scale",
    kind: { type: "number", min: 0, max: 1 },
    what: "multiplies the trigger's push retry delays (1 = as documented, BACKOFF_RETRY 10-20 s); default: the stack's",
    apply: (s, v) => {
      s.stack.retryDelayScale = Number(v);
    },
  },
  {
    env: "LOG_LEVEL",
    flag: "--log-level",
    kind: { type: "choice", values: ["debug", "info", "warn", "error"] },
    what: "the functions' LOG_LEVEL; default info",
    apply: (s, v) => {
      s.stack.logLevel = v as NonNullable<StackOptions["logLevel"]>;
    },
  },
  {
    env: "DIST_DIR",
    flag: "--dist",
    kind: { type: "path" },
    what: "where the bundles are built and run from; default dist",
    apply: (s, v) => {
      s.distDir = path.resolve(v);
    },
  },
  {
    env: "CUSTOM_DOMAIN_ROUTES",
    flag: "--custom-domain",
    kind: { type: "switch" },
    what: "route the API port by s.domain.yaml's custom domain routes, as FC would on the one API host, instead of by the route table (CUSTOM_DOMAIN_ROUTES=1)",
    apply: (s, v) => {
      s.stack.customDomain = v === "1";
    },
  },
  {
    env: "NO_BUILD",
    flag: "--no-build",
    kind: { type: "switch" },
    what: "run the bundles already in the dist folder instead of building them first (NO_BUILD=1)",
    apply: (s, v) => {
      s.build = v !== "1";
    },
  },
];

export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

function checked(setting: Setting, source: string, value: string): string {
  const { kind } = setting;
  if (kind.type === "integer") {
    const n = Number(value.trim());
    if (value.trim() === "" || !Number.isInteger(n) || n < kind.min || n > kind.max) {
      throw new SettingsError(
        `${source} must be a whole number from ${kind.min} to ${kind.max}, got "${value}"`,
      );
    }
    return value.trim();
  }
  if (kind.type === "number") {
    const n = Number(value.trim());
    if (value.trim() === "" || !Number.isFinite(n) || n < kind.min || n > kind.max) {
      throw new SettingsError(`${source} must be a number from ${kind.min} to ${kind.max}, got "${value}"`);
    }
    return value.trim();
  }
  if (kind.type === "choice" && !kind.values.includes(value)) {
    throw new SettingsError(`${source} must be one of ${kind.values.join(", ")}, got "${value}"`);
  }
  if (kind.type === "path" && value.trim() === "") throw new SettingsError(`${source} needs a path`);
  if (kind.type === "switch" && value !== "1" && value !== "0") {
    throw new SettingsError(`${source} must be 1 or 0, got "${value}"`);
  }
  return value;
}

/** Reads the settings from `env` and then `argv` (flags win); throws SettingsError naming the bad one. */
export async function readStartSettings(
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
  root: string,
): Promise<StartSettings> {
  const values = new Map<Setting, { source: string; value: string }>();
  for (const setting of SETTINGS) {
    const value = env[setting.env];
    if (value !== undefined && value !== "") values.set(setting, { source: setting.env, value });
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) throw new SettingsError(`unknown flag "${flag}" (npm start -- --help lists them)`);
    if (setting.kind.type === "switch") {
      values.set(setting, { source: flag, value: "1" });
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new SettingsError(`${flag} needs a value`);
    values.set(setting, { source: flag, value });
  }
  const settings: StartSettings = {
    stack: { port: 9000, dataDir: path.join(root, ".local"), functionOutput: "inherit" },
    distDir: path.join(root, "dist"),
    build: true,
  };
  // In table order: DATA_DIR is known before anything that depends on it.
  for (const setting of SETTINGS) {
    const given = values.get(setting);
    if (given) await setting.apply(settings, checked(setting, given.source, given.value));
  }
  settings.stack.distDir = settings.distDir;
  return settings;
}

export function settingsHelp(): string {
  return [
    "usage: npm start [-- --flag VALUE ...]   (each setting also as an environment variable; a flag wins)",
    "",
    ...SETTINGS.map(
      (s) => `  ${s.flag}${s.kind.type === "switch" ? "" : " VALUE"}, ${s.env}\n      ${s.what}`,
    ),
  ].join("\n");
}
