/**
 * The whole service on one machine (spec/local-cloud.md): the three emulators on free ports, the
 * provisioned table and queue, a JWT issuer, the local FC runtime running the built bundles from
 * `dist/` behind one HTTP port, the MNS trigger pump feeding the worker, and the `/_local/*` control
 * plane on the same port. `npm start` (scripts/start.ts) and the end-to-end tests call
 * {@link startStack}; nothing under shared/ or functions/ knows it exists.
 */
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createMnsClient } from "../shared/adapters/mns";
import { provisionResources } from "../shared/adapters/provision";
import { createTablestoreClient } from "../shared/adapters/tablestore";
import { matchRoute } from "../shared/http/routes";
import {
  type ControlPlane,
  type FaultSettings,
  handleControlRequest,
  NO_WORKER_FAULTS,
  type WorkerFaults,
} from "./control-plane";
import { type RunningEcsEmulator, start as startEcs } from "./ecs/index";
import { startCrashProxy } from "./fc/crash-proxy";
import { serveThroughFunction } from "./fc/http-gateway";
import { createFunctionRuntime, type FunctionDefinition, type FunctionRuntime } from "./fc/invoker";
import { startTriggerPump, type TriggerPump } from "./fc/trigger-pump";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "./identities";
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, type LocalJwtIssuer, loadJwtIssuer } from "./jwt";
import { type MnsControl, start as startMns } from "./mns/index";
import { type RunningTablestore, start as startTablestore } from "./tablestore/index";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The deployed functions as s.yaml defines them: name, memory and timeout. */
const FUNCTIONS = {
  submit: { name: "image-pipeline-submit", memoryMb: 512, timeoutSeconds: 10 },
  status: { name: "image-pipeline-status", memoryMb: 512, timeoutSeconds: 10 },
  worker: { name: "image-pipeline-worker", memoryMb: 1024, timeoutSeconds: 120 },
} as const;

export type FunctionKey = keyof typeof FUNCTIONS;

export const LOCAL_REGION = "cn-hangzhou";
export const LOCAL_RECORDS_TABLE = "image_pipeline_records";
export const LOCAL_QUEUE_NAME = "image-pipeline-requests";

export interface StackOptions {
  /** The API port; 0 (the default here) picks a free one. `npm start` passes 9000. */
  port?: number;
  /** Keep emulator state and the JWT key under this directory (`<dir>/ecs`, `/tablestore`, `/mns`). */
  dataDir?: string;
  /** Where the built bundles are: `<distDir>/<function>/index.js`. Default `<repo>/dist`. */
  distDir?: string;
  /** Initial fault settings, the same shape as PUT /_local/faults (missing parts stay off). */
  faults?: FaultSettings;
  /** Messages per worker invocation; default 10 (s.yaml's CountBasedWindow). */
  batchSize?: number;
  /** The trigger's time window in ms; default 200 (s.yaml says 2 s, which only slows local runs). */
  batchWindowMs?: number;
  /** Before a failed batch is delivered again; default 2 s. */
  retryDelaySeconds?: number;
  /** The worker's FC timeout; default 120 s as in s.yaml. Tests shorten it so leases expire sooner. */
  workerTimeoutSeconds?: number;
  /** WORKER_MAX_ATTEMPTS for the worker; default 5. */
  workerMaxAttempts?: number;
  /** The functions' stdout/stderr (their JSON logs): shown, or dropped (default). */
  functionOutput?: "inherit" | "silent";
  /** LOG_LEVEL for the functions; default info. */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Dice for the trigger's duplicates and the worker crashes (tests pass a seeded source). */
  random?: () => number;
}

export interface StackInfo {
  api: string;
  jwks: string;
  jwt: { issuer: string; audience: string };
  emulators: { ecs: string; sts: string; tablestore: string; mns: string };
  accounts: { service: string; trusting: readonly string[]; crossAccountRoleName: string };
  region: string;
  tablestore: { instance: string; table: string };
  mns: { queue: string };
  functions: Record<FunctionKey, string>;
  dataDir: string | null;
}

export interface StackControl extends ControlPlane {
  ecs: RunningEcsEmulator["control"];
  tablestore: RunningTablestore["control"];
  mns: MnsControl;
  /** A token the stack's functions accept. */
  issueToken: LocalJwtIssuer["issue"];
}

export interface RunningStack {
  url: string;
  info: StackInfo;
  /** How the stack runs each function (bundle, env, context values), for tools that load a bundle themselves (bench). */
  functions: Readonly<Record<FunctionKey, Readonly<FunctionDefinition>>>;
  control: StackControl;
  stop(): Promise<void>;
}

export class StackError extends Error {
  constructor(
    readonly code: "BundlesMissing",
    message: string,
  ) {
    super(message);
    this.name = "StackError";
  }
}

function bundlePath(distDir: string, fn: FunctionKey): string {
  return path.join(distDir, fn, "index.js");
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const distDir = options.distDir ?? path.join(root, "dist");
  const missing = (Object.keys(FUNCTIONS) as FunctionKey[]).filter(
    (fn) => !existsSync(bundlePath(distDir, fn)),
  );
  if (missing.length > 0) {
    throw new StackError(
      "BundlesMissing",
      `no bundle for ${missing.join(", ")} in ${distDir}: run \`npm run build\` first`,
    );
  }
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  const sub = (name: string) => (dataDir ? path.join(dataDir, name) : undefined);
  const random = options.random ?? Math.random;

  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
  };
  try {
    const ecs = await startEcs({ port: 0, dataDir: sub("ecs") });
    started.push(ecs);
    const tablestore = await startTablestore({ port: 0, dataDir: sub("tablestore") });
    started.push(tablestore);
    const mns = await startMns({ port: 0, dataDir: sub("mns") });
    started.push(mns);
    const jwt = await loadJwtIssuer(dataDir);

    const mnsClient = createMnsClient({
      endpoint: mns.url,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    });
    const workerTimeoutSeconds = options.workerTimeoutSeconds ?? FUNCTIONS.worker.timeoutSeconds;
    const provision = async (): Promise<void> => {
      await provisionResources({
        tablestore: {
          client: createTablestoreClient({
            endpoint: tablestore.url,
            instanceName: LOCAL_TABLESTORE_INSTANCE,
            credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
          }),
          table: LOCAL_RECORDS_TABLE,
        },
        mns: {
          client: mnsClient,
          queue: LOCAL_QUEUE_NAME,
          // The trigger settles every message when its invocation ends; a visibility timeout longer
          // than an invocation keeps a message from coming back while it is still being worked on.
          queueAttributes: { VisibilityTimeout: workerTimeoutSeconds + 10 },
        },
      });
    };
    await provision();

    // The API server listens before the functions start, because their env names its JWKS URL.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    started.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hostPort = (u: string) => new URL(u).host;

    const commonEnv: Record<string, string> = {
      SERVICE_ACCOUNT_ID: LOCAL_SERVICE_ACCOUNT_ID,
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
      RECORDS_TABLE: LOCAL_RECORDS_TABLE,
      MNS_ENDPOINT: mns.url,
      QUEUE_NAME: LOCAL_QUEUE_NAME,
      EVENTS_TOPIC: "",
      JWT_JWKS_URL: `${url}/_local/jwks.json`,
      JWT_ISSUER: LOCAL_JWT_ISSUER,
      JWT_AUDIENCE: LOCAL_JWT_AUDIENCE,
      LOG_LEVEL: options.logLevel ?? "info",
    };
    const workerEnv: Record<string, string> = {
      ...commonEnv,
      ECS_ENDPOINT: hostPort(ecs.url),
      STS_ENDPOINT: hostPort(ecs.url),
      CROSS_ACCOUNT_ROLE_NAME: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
      CROSS_ACCOUNT_EXTERNAL_ID: "",
      WORKER_MAX_ATTEMPTS: String(options.workerMaxAttempts ?? 5),
    };

    let workerFaults: WorkerFaults = { ...NO_WORKER_FAULTS };
    let crashes = 0;
    const definition = (
      fn: FunctionKey,
      env: Record<string, string>,
      extra: Partial<FunctionDefinition> = {},
    ): FunctionDefinition => ({
      name: FUNCTIONS[fn].name,
      bundle: bundlePath(distDir, fn),
      env,
      memoryMb: FUNCTIONS[fn].memoryMb,
      timeoutSeconds: FUNCTIONS[fn].timeoutSeconds,
      region: LOCAL_REGION,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      credentials: {
        accessKeyId: LOCAL_ACCESS_KEY_ID,
        accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
        securityToken: "",
      },
      output: options.functionOutput ?? "silent",
      ...extra,
    });
    const definitions: Record<FunctionKey, FunctionDefinition> = {
      submit: definition("submit", commonEnv),
      status: definition("status", commonEnv),
      worker: definition("worker", workerEnv, {
        timeoutSeconds: workerTimeoutSeconds,
        prepareInstance: async (kill) => {
          const proxy = await startCrashProxy({
            target: ecs.url,
            crashRate: () => workerFaults.crashAfterCallRate,
            random,
            kill,
            onCrash: () => {
              crashes++;
            },
          });
          return { env: { ECS_ENDPOINT: proxy.endpoint }, dispose: proxy.close };
        },
      }),
    };
    const runtimes: Record<FunctionKey, FunctionRuntime> = {
      submit: createFunctionRuntime(definitions.submit),
      status: createFunctionRuntime(definitions.status),
      worker: createFunctionRuntime(definitions.worker),
    };

    // The reconciler timer (spec/local-cloud.md) is wired here when functions/reconciler exists:
    // a runtime for dist/reconciler with commonEnv plus the worker's, and
    // `startTimerTrigger({ function, triggerName: "reconcile", intervalSeconds })` from
    // ./fc/timer-trigger, stopped in stop() beside the pump.
    const pump: TriggerPump = startTriggerPump({
      mns: mnsClient,
      queue: LOCAL_QUEUE_NAME,
      worker: runtimes.worker,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      region: LOCAL_REGION,
      batchSize: options.batchSize,
      batchWindowMs: options.batchWindowMs,
      retryDelaySeconds: options.retryDelaySeconds,
      // A killed or timed-out invocation leaves its records leased; redelivering after the lease
      // (at most the function timeout) has run out lets the next delivery claim them again.
      crashRetryDelaySeconds: workerTimeoutSeconds + 1,
      duplicateRate: () => mns.control.getFaults().duplicateRate,
      random,
    });

    const info: StackInfo = {
      api: url,
      jwks: `${url}/_local/jwks.json`,
      jwt: { issuer: LOCAL_JWT_ISSUER, audience: LOCAL_JWT_AUDIENCE },
      emulators: { ecs: ecs.url, sts: ecs.url, tablestore: tablestore.url, mns: mns.url },
      accounts: {
        service: LOCAL_SERVICE_ACCOUNT_ID,
        trusting: LOCAL_TRUSTING_ACCOUNT_IDS,
        crossAccountRoleName: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
      },
      region: LOCAL_REGION,
      tablestore: { instance: LOCAL_TABLESTORE_INSTANCE, table: LOCAL_RECORDS_TABLE },
      mns: { queue: LOCAL_QUEUE_NAME },
      functions: {
        submit: FUNCTIONS.submit.name,
        status: FUNCTIONS.status.name,
        worker: FUNCTIONS.worker.name,
      },
      dataDir: dataDir ?? null,
    };

    const plane: ControlPlane = {
      info: () => info,
      jwks: () => jwt.jwks(),
      getFaults: () => ({
        ecs: ecs.control.getFaults(),
        mns: mns.control.getFaults(),
        tablestore: tablestore.control.getFaults(),
        worker: { ...workerFaults },
      }),
      replaceFaults: (settings) => {
        const before = plane.getFaults();
        try {
          ecs.control.setFaults({
            throttleRate: 0,
            serverErrorRate: 0,
            dropAfterCommitRate: 0,
            latencyMs: [0, 0],
            qpsPerAccount: 0,
            ...settings.ecs,
          });
          mns.control.setFaults({ duplicateRate: 0, sendErrorRate: 0, ...settings.mns });
          tablestore.control.setFaults({ serverBusyRate: 0, ...settings.tablestore });
          workerFaults = { ...NO_WORKER_FAULTS, ...settings.worker };
        } catch (err) {
          // One bad field changes nothing anywhere.
          ecs.control.setFaults(before.ecs);
          mns.control.setFaults(before.mns);
          tablestore.control.setFaults(before.tablestore);
          workerFaults = before.worker;
          throw err;
        }
        return plane.getFaults();
      },
      pipelines: () => ecs.control.pipelines(),
      calls: () => ecs.control.calls(),
      trigger: () => ({ paused: pump.paused, ...pump.stats(), crashes }),
      pauseTrigger: () => pump.pause(),
      resumeTrigger: () => pump.resume(),
      reset: async () => {
        ecs.control.reset();
        mns.control.reset();
        tablestore.control.reset();
        await provision();
      },
    };
    if (options.faults) plane.replaceFaults(options.faults);

    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? "").startsWith("/_local/")) {
        void handleControlRequest(req, res, plane);
        return;
      }
      void serveThroughFunction(req, res, {
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
        route: (method, p) => {
          const match = matchRoute(method, p);
          // A known path with another method, and an unknown path, still go to a function, so the
          // 405 (with Allow) and 404 problem bodies are the service's own.
          if (match.kind === "found") return runtimes[match.route.function];
          if (match.kind === "method-not-allowed") {
            const owner = matchRoute(match.allow[0] ?? "GET", p);
            return owner.kind === "found" ? runtimes[owner.route.function] : runtimes.status;
          }
          return runtimes.status;
        },
      });
    });

    let stopping: Promise<void> | undefined;
    return {
      url,
      info,
      functions: definitions,
      control: {
        ...plane,
        ecs: ecs.control,
        tablestore: tablestore.control,
        mns: mns.control,
        issueToken: jwt.issue,
      },
      stop: () => {
        stopping ??= (async () => {
          const pumpStopped = pump.stop();
          await Promise.all(Object.values(runtimes).map((r) => r.close()));
          await pumpStopped;
          await closeAll();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
