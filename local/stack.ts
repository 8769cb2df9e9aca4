/**
 * The whole service on one machine (spec/local-cloud.md): the three emulators on free ports, the
 * provisioned table and queue, a JWT issuer, the local FC runtime running the built bundles from
 * `dist/` behind one HTTP port, the MNS trigger pump feeding the worker, the reconciler on a timer,
 * a queue subscribed to the completion-events topic, and the `/_local/*` control plane on the same
 * port. `npm start` (scripts/start.ts) and the end-to-end tests call
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
  type ReconcilerRun,
  type ReconcilerState,
  readSavedFaults,
  saveFaults,
  type WorkerFaults,
} from "./control-plane";
import { type RunningEcsEmulator, start as startEcs } from "./ecs/index";
import { eventsQueue } from "./events-queue";
import { startCrashProxy, startPublishCrashProxy } from "./fc/crash-proxy";
import { serveThroughFunction } from "./fc/http-gateway";
import {
  createFunctionRuntime,
  type FunctionDefinition,
  type FunctionRuntime,
  type InvocationResult,
} from "./fc/invoker";
import { startTimerTrigger } from "./fc/timer-trigger";
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

/** The timer-triggered function (s.yaml: 512 MB, 60 s); no HTTP route or queue reaches it. */
const RECONCILER = { name: "image-pipeline-reconciler", memoryMb: 512, timeoutSeconds: 60 } as const;
const ALL_FUNCTIONS = { ...FUNCTIONS, reconciler: RECONCILER } as const;
type AnyFunction = keyof typeof ALL_FUNCTIONS;

export const LOCAL_REGION = "cn-hangzhou";
export const LOCAL_RECORDS_TABLE = "image_pipeline_records";
export const LOCAL_QUEUE_NAME = "image-pipeline-requests";
/** The worker's EVENTS_TOPIC. */
export const LOCAL_EVENTS_TOPIC = "image-pipeline-events";
/** Subscribed to {@link LOCAL_EVENTS_TOPIC}; what GET /_local/events reads. */
export const LOCAL_EVENTS_QUEUE = "image-pipeline-events-local";

export interface StackOptions {
  /** The API port; 0 (the default here) picks a free one. `npm start` passes 9000. */
  port?: number;
  /** Keep emulator state and the JWT key under this directory (`<dir>/ecs`, `/tablestore`, `/mns`). */
  dataDir?: string;
  /** Where the built bundles are: `<distDir>/<function>/index.js`. Default `<repo>/dist`. */
  distDir?: string;
  /**
   * Initial fault settings, the same shape as PUT /_local/faults (missing parts stay off). Without
   * them, the settings saved in `<dataDir>/faults.json` apply. With a dataDir, the settings in
   * effect are saved there at start and on every PUT /_local/faults.
   */
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
  /** Worker invocations the trigger runs at once (s.yaml's reservedConcurrency); default 4. */
  workerInstances?: number;
  /** The functions' stdout/stderr (their JSON logs): shown, or dropped (default). */
  functionOutput?: "inherit" | "silent";
  /** LOG_LEVEL for the functions; default info. */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Dice for the trigger's duplicates and the worker crashes (tests pass a seeded source). */
  random?: () => number;
  /** How often the timer runs the reconciler; default 60 000 (s.yaml: every minute). */
  reconcileIntervalMs?: number;
  /** RECONCILE_PENDING_AFTER_SECONDS for the reconciler; default 300. */
  reconcilePendingAfterSeconds?: number;
  /** RECONCILE_EVENT_OWED_AFTER_SECONDS for the reconciler (the outbox); default 60. */
  reconcileEventOwedAfterSeconds?: number;
}

export interface StackInfo {
  api: string;
  jwks: string;
  jwt: { issuer: string; audience: string };
  emulators: { ecs: string; sts: string; tablestore: string; mns: string };
  accounts: { service: string; trusting: readonly string[]; crossAccountRoleName: string };
  region: string;
  tablestore: { instance: string; table: string };
  mns: { queue: string; eventsTopic: string; eventsQueue: string };
  functions: Record<FunctionKey | "reconciler", string>;
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

function bundlePath(distDir: string, fn: AnyFunction): string {
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
    const events = eventsQueue({
      client: mnsClient,
      topic: LOCAL_EVENTS_TOPIC,
      queue: LOCAL_EVENTS_QUEUE,
      region: LOCAL_REGION,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    });
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
          eventsTopic: LOCAL_EVENTS_TOPIC,
          // The trigger settles every message when its invocation ends; a visibility timeout longer
          // than an invocation keeps a message from coming back while it is still being worked on.
          queueAttributes: { VisibilityTimeout: workerTimeoutSeconds + 10 },
        },
      });
      // After the topic: a subscription names an existing topic.
      await events.provision();
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

    // What every function needs to reach the records and the request queue.
    const storeAndQueueEnv: Record<string, string> = {
      SERVICE_ACCOUNT_ID: LOCAL_SERVICE_ACCOUNT_ID,
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
      RECORDS_TABLE: LOCAL_RECORDS_TABLE,
      MNS_ENDPOINT: mns.url,
      QUEUE_NAME: LOCAL_QUEUE_NAME,
      LOG_LEVEL: options.logLevel ?? "info",
    };
    const commonEnv: Record<string, string> = {
      ...storeAndQueueEnv,
      JWT_JWKS_URL: `${url}/_local/jwks.json`,
      JWT_ISSUER: LOCAL_JWT_ISSUER,
      JWT_AUDIENCE: LOCAL_JWT_AUDIENCE,
    };
    // As s.yaml: the worker publishes completion events, and submit for a cancellation.
    const workerEnv: Record<string, string> = {
      ...commonEnv,
      EVENTS_TOPIC: LOCAL_EVENTS_TOPIC,
      ECS_ENDPOINT: hostPort(ecs.url),
      STS_ENDPOINT: hostPort(ecs.url),
      CROSS_ACCOUNT_ROLE_NAME: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
      CROSS_ACCOUNT_EXTERNAL_ID: "",
      WORKER_MAX_ATTEMPTS: String(options.workerMaxAttempts ?? 5),
      // The trigger pump runs at most 4 worker invocations at once, as s.yaml's reservedConcurrency.
      WORKER_ECS_QPS_PER_ACCOUNT: "20",
      WORKER_MAX_CONCURRENT_INVOCATIONS: String(options.workerInstances ?? 4),
    };

    let workerFaults: WorkerFaults = { ...NO_WORKER_FAULTS };
    let crashes = 0;
    let crashesBeforePublish = 0;
    const definition = (
      fn: AnyFunction,
      env: Record<string, string>,
      extra: Partial<FunctionDefinition> = {},
    ): FunctionDefinition => ({
      name: ALL_FUNCTIONS[fn].name,
      bundle: bundlePath(distDir, fn),
      env,
      memoryMb: ALL_FUNCTIONS[fn].memoryMb,
      timeoutSeconds: ALL_FUNCTIONS[fn].timeoutSeconds,
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
      submit: definition("submit", { ...commonEnv, EVENTS_TOPIC: LOCAL_EVENTS_TOPIC }),
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
          const publishProxy = await startPublishCrashProxy({
            target: mns.url,
            topic: LOCAL_EVENTS_TOPIC,
            crashRate: () => workerFaults.crashBeforePublishRate,
            random,
            kill,
            onCrash: () => {
              crashesBeforePublish++;
            },
          });
          return {
            env: { ECS_ENDPOINT: proxy.endpoint, MNS_ENDPOINT: publishProxy.endpoint },
            dispose: async () => {
              await Promise.all([proxy.close(), publishProxy.close()]);
            },
          };
        },
      }),
    };
    const runtimes: Record<FunctionKey, FunctionRuntime> = {
      submit: createFunctionRuntime(definitions.submit),
      status: createFunctionRuntime(definitions.status),
      worker: createFunctionRuntime(definitions.worker),
    };

    const reconcileIntervalMs = options.reconcileIntervalMs ?? 60_000;
    const reconcilePendingAfterSeconds = options.reconcilePendingAfterSeconds ?? 300;
    // Optional, unlike the three functions that serve requests: a dist/ made before the reconciler
    // existed (or stand-in bundles in the runtime's own tests) still starts, without the timer.
    const reconcilerRuntime = existsSync(bundlePath(distDir, "reconciler"))
      ? createFunctionRuntime(
          definition("reconciler", {
            ...storeAndQueueEnv,
            RECONCILE_PENDING_AFTER_SECONDS: String(reconcilePendingAfterSeconds),
            // The outbox: the reconciler publishes completion events owed for too long.
            EVENTS_TOPIC: LOCAL_EVENTS_TOPIC,
            RECONCILE_EVENT_OWED_AFTER_SECONDS: String(options.reconcileEventOwedAfterSeconds ?? 60),
          }),
        )
      : undefined;
    const reconcilerState: ReconcilerState = {
      enabled: reconcilerRuntime !== undefined,
      intervalMs: reconcileIntervalMs,
      pendingAfterSeconds: reconcilePendingAfterSeconds,
      runs: 0,
      failures: 0,
      requeuedPending: 0,
      requeuedExpired: 0,
    };
    const reconcilerRun = (result: InvocationResult): ReconcilerRun =>
      result.ok
        ? { ok: true, requestId: result.requestId, report: result.value }
        : { ok: false, requestId: result.requestId, kind: result.kind, message: result.message };
    const countOf = (report: unknown, key: string): number => {
      const ids = typeof report === "object" && report !== null ? Reflect.get(report, key) : undefined;
      return Array.isArray(ids) ? ids.length : 0;
    };
    const reconcileTimer =
      reconcilerRuntime &&
      startTimerTrigger({
        function: reconcilerRuntime,
        triggerName: "every-minute",
        intervalSeconds: reconcileIntervalMs / 1000,
        onResult: (result) => {
          const run = reconcilerRun(result);
          reconcilerState.runs += 1;
          reconcilerState.last = run;
          if (!run.ok) {
            reconcilerState.failures += 1;
            return;
          }
          reconcilerState.requeuedPending += countOf(run.report, "requeuedPending");
          reconcilerState.requeuedExpired += countOf(run.report, "requeuedExpired");
        },
      });
    const pump: TriggerPump = startTriggerPump({
      mns: mnsClient,
      queue: LOCAL_QUEUE_NAME,
      worker: runtimes.worker,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      region: LOCAL_REGION,
      batchSize: options.batchSize,
      batchWindowMs: options.batchWindowMs,
      maxConcurrentBatches: options.workerInstances,
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
      mns: { queue: LOCAL_QUEUE_NAME, eventsTopic: LOCAL_EVENTS_TOPIC, eventsQueue: LOCAL_EVENTS_QUEUE },
      functions: {
        submit: FUNCTIONS.submit.name,
        status: FUNCTIONS.status.name,
        worker: FUNCTIONS.worker.name,
        reconciler: ALL_FUNCTIONS.reconciler.name,
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
          mns.control.setFaults({ duplicateRate: 0, sendErrorRate: 0, topicOutageUntil: 0, ...settings.mns });
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
      persistFaults: async () => {
        if (dataDir) await saveFaults(dataDir, plane.getFaults());
      },
      pipelines: () => ecs.control.pipelines(),
      calls: () => ecs.control.calls(),
      trigger: () => ({ paused: pump.paused, ...pump.stats(), crashes, crashesBeforePublish }),
      pauseTrigger: () => pump.pause(),
      resumeTrigger: () => pump.resume(),
      reconcileNow: async () =>
        reconcileTimer
          ? reconcilerRun(await reconcileTimer.runNow())
          : {
              ok: false,
              requestId: "",
              kind: "unavailable",
              message: `no reconciler bundle in ${distDir}: run \`npm run build\``,
            },
      reconciler: () => ({ ...reconcilerState }),
      events: () => events.read(),
      clearEvents: () => events.clear(),
      reset: async () => {
        ecs.control.reset();
        mns.control.reset();
        tablestore.control.reset();
        await provision();
        await events.clear();
      },
    };
    const initialFaults = options.faults ?? (dataDir ? await readSavedFaults(dataDir) : undefined);
    if (initialFaults) {
      plane.replaceFaults(initialFaults);
      await plane.persistFaults();
    }

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
          await reconcileTimer?.stop();
          await Promise.all([...Object.values(runtimes), reconcilerRuntime].map((r) => r?.close()));
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
