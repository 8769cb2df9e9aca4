/**
 * The whole service on one machine (docs/local.md): the three emulators on free ports, the
 * provisioned table and queue, a JWT issuer, the local FC runtime running the built bundles from
 * `dist/` behind one HTTP port, the MNS trigger pump feeding the worker, the reconciler on a timer,
 * a queue subscribed to the completion-events topic, and the `/_local/*` control plane on the same
 * port. `npm start` (scripts/start.ts) and the end-to-end tests call
 * {@link startStack}; nothing under shared/ or functions/ knows it exists.
 *
 * Every function runs as s.yaml configures it: s.yaml is resolved by the Serverless Devs CLI itself
 * (local/fc/s-yaml.ts) and read into handler, memory, timeout, role, environment and triggers
 * (local/fc/function-spec.ts). What differs locally is listed in local/fc/local-differences.ts.
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
import { EVENTS_DRAIN_INTERVAL_MS, eventsQueue } from "./events-queue";
import { startCrashProxy, startPublishCrashProxy } from "./fc/crash-proxy";
import { type FunctionSpec, functionSpecs } from "./fc/function-spec";
import { serveThroughFunction } from "./fc/http-gateway";
import {
  createFunctionRuntime,
  type FunctionDefinition,
  type FunctionRuntime,
  handlerFile,
  type InvocationResult,
} from "./fc/invoker";
import {
  FC_REGION_INSTANCE_QUOTA,
  LOCAL_DEPLOY_ACCOUNT_ID,
  LOCAL_EVENTS_QUEUE,
  LOCAL_EVENTS_TOPIC,
  LOCAL_REGION,
  LOCAL_TRIGGER_PUSHES,
  type LocalSettingOverrides,
  localEnvironment,
  localResolutionInputs,
} from "./fc/local-differences";
import { PUSH_RETRY_STRATEGIES } from "./fc/push-retry";
import { resolveSYaml } from "./fc/s-yaml";
import { startTimerTrigger } from "./fc/timer-trigger";
import { type FunctionErrorHandling, startTriggerPump, type TriggerPump } from "./fc/trigger-pump";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "./identities";
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, type LocalJwtIssuer, loadJwtIssuer } from "./jwt";
import { type MnsControl, start as startMns } from "./mns/index";
import { functionCredentials } from "./ram/function-credentials";
import { createLocalRam, localRoles } from "./ram/local-model";
import type { LocalRam } from "./ram/model";
import type { PolicyDocument } from "./ram/policy";
import type { RoleKey } from "./ram/render";
import { type IndexLag, type RunningTablestore, start as startTablestore } from "./tablestore/index";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The functions that serve requests or the queue; their bundles must be built. */
const FUNCTIONS = ["submit", "status", "worker"] as const;
export type FunctionKey = (typeof FUNCTIONS)[number];

/** Every function the stack runs: the three above and the timer-triggered reconciler. */
export type AnyFunction = FunctionKey | "reconciler";
const ALL_FUNCTIONS: readonly AnyFunction[] = [...FUNCTIONS, "reconciler"];

export {
  LOCAL_DEAD_LETTER_QUEUE_NAME,
  LOCAL_EVENTS_QUEUE,
  LOCAL_EVENTS_TOPIC,
  LOCAL_QUEUE_NAME,
  LOCAL_RECORDS_TABLE,
  LOCAL_REGION,
} from "./fc/local-differences";

/** Each option that changes an s.yaml setting is listed in local/fc/local-differences.ts. */
export interface StackOptions extends LocalSettingOverrides {
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
  /**
   * Whether the queue trigger retries a batch whose invocation ended in an error (thrown, timed out,
   * killed), as a failed push, or deletes it as delivered; EventBridge's docs do not say. Default
   * `retry`.
   */
  functionErrors?: FunctionErrorHandling;
  /** WORKER_MAX_ATTEMPTS given to `s` when resolving s.yaml; s.yaml's default (5) without it. */
  workerMaxAttempts?: number;
  /** The functions' stdout/stderr (their JSON logs): shown, or dropped (default). */
  functionOutput?: "inherit" | "silent";
  /** LOG_LEVEL given to `s` when resolving s.yaml; s.yaml's default (info) without it. */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Dice for the trigger's duplicates and the worker crashes (tests pass a seeded source). */
  random?: () => number;
  /** RECONCILE_PENDING_AFTER_SECONDS given to `s`; s.yaml's default (300) without it. */
  reconcilePendingAfterSeconds?: number;
  /** RECONCILE_EVENT_OWED_AFTER_SECONDS (the outbox) given to `s`; s.yaml's default (60) without it. */
  reconcileEventOwedAfterSeconds?: number;
  /**
   * Tablestore global-index lag: ms, or [min, max] ms drawn per change; default [0, 1000]
   * (docs/local.md, "Index lag"); 0 makes the indexes synchronous.
   */
  indexLagMs?: IndexLag;
  /** The functions' temporary keys and RAM enforcement (docs/local.md, "Credentials and RAM"). */
  ram?: StackRamOptions;
}

export interface StackRamOptions {
  /** Evaluate the deploy/ram/ policies in every emulator; default true. */
  enforce?: boolean;
  /** Lifetime of each function's temporary keys; default FC's 36 hours. Keys rotate at half of it. */
  credentialLifetimeSeconds?: number;
  /** A role's permission policy in place of its rendered file (a test that removes one action). */
  policyOverrides?: Partial<Record<RoleKey, PolicyDocument>>;
}

export interface StackInfo {
  api: string;
  jwks: string;
  jwt: { issuer: string; audience: string };
  emulators: { ecs: string; sts: string; tablestore: string; mns: string };
  accounts: { service: string; trusting: readonly string[]; crossAccountRoleName: string };
  region: string;
  tablestore: { instance: string; table: string };
  mns: { queue: string; deadLetterQueue: string | null; eventsTopic: string; eventsQueue: string };
  functions: Record<FunctionKey | "reconciler", string>;
  dataDir: string | null;
}

export interface StackControl extends ControlPlane {
  ecs: RunningEcsEmulator["control"];
  tablestore: RunningTablestore["control"];
  mns: MnsControl;
  /** The RAM model all emulators share: roles, policies, sessions (e.g. `setRolePolicies`). */
  ram: LocalRam;
  /** A token the stack's functions accept. */
  issueToken: LocalJwtIssuer["issue"];
}

export interface RunningStack {
  url: string;
  info: StackInfo;
  /** How the stack runs each function (bundle, env, context values), for tools that load a bundle themselves (bench). */
  functions: Readonly<Record<FunctionKey, Readonly<FunctionDefinition>>>;
  /** What s.yaml, resolved for this stack, says about every function (before local overrides). */
  specs: Readonly<Record<AnyFunction, Readonly<FunctionSpec>>>;
  control: StackControl;
  /** Instances of a function alive now (FC starts them on demand), for benches. */
  instances(fn: FunctionKey): number;
  stop(): Promise<void>;
}

export class StackError extends Error {
  constructor(
    readonly code: "BundlesMissing" | "SYamlUnsupported",
    message: string,
  ) {
    super(message);
    this.name = "StackError";
  }
}

function bundlePath(distDir: string, fn: AnyFunction): string {
  return path.join(distDir, fn, "index.js");
}

/** The four functions the stack runs, each of which s.yaml must define. */
function readSpecs(all: Record<string, FunctionSpec>): Record<AnyFunction, FunctionSpec> {
  const absent = ALL_FUNCTIONS.filter((fn) => !all[fn]);
  if (absent.length > 0) throw new StackError("SYamlUnsupported", `s.yaml defines no ${absent.join(", ")}`);
  return all as Record<AnyFunction, FunctionSpec>;
}

function requiredEnv(spec: FunctionSpec, name: string): string {
  const value = spec.env[name];
  if (!value) throw new StackError("SYamlUnsupported", `s.yaml gives ${spec.resource} no ${name}`);
  return value;
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const distDir = options.distDir ?? path.join(root, "dist");
  const missing = FUNCTIONS.filter((fn) => !existsSync(bundlePath(distDir, fn)));
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
    // The API server listens first, because the functions' JWT_JWKS_URL (an input to s.yaml's
    // resolution) names its port; the resolution (about a second) then runs beside the emulators'
    // start-up.
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
    const resolving = resolveSYaml(
      {
        accessKeyId: LOCAL_ACCESS_KEY_ID,
        accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
        accountId: LOCAL_DEPLOY_ACCOUNT_ID,
      },
      localResolutionInputs({
        jwksUrl: `${url}/_local/jwks.json`,
        jwtIssuer: LOCAL_JWT_ISSUER,
        jwtAudience: LOCAL_JWT_AUDIENCE,
        workerMaxAttempts: options.workerMaxAttempts,
        reconcilePendingAfterSeconds: options.reconcilePendingAfterSeconds,
        reconcileEventOwedAfterSeconds: options.reconcileEventOwedAfterSeconds,
        logLevel: options.logLevel,
      }),
    );
    // Awaited below; this only keeps a failure from being reported as unhandled meanwhile.
    resolving.catch(() => undefined);

    // One RAM model for the three emulators: the keys FC hands the functions work everywhere, and
    // the deploy/ram/ policies decide what each role may do (rendered again below with s.yaml's names).
    const ramSetup = {
      enforce: options.ram?.enforce ?? true,
      ...(options.ram?.policyOverrides ? { policyOverrides: options.ram.policyOverrides } : {}),
    };
    const ram = createLocalRam(ramSetup);
    const ecs = await startEcs({ port: 0, dataDir: sub("ecs"), ram });
    started.push(ecs);
    const tablestore = await startTablestore({
      port: 0,
      dataDir: sub("tablestore"),
      indexLagMs: options.indexLagMs ?? [0, 1_000],
      ram,
      region: LOCAL_REGION,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    });
    started.push(tablestore);
    const mns = await startMns({ port: 0, dataDir: sub("mns"), ram, region: LOCAL_REGION });
    started.push(mns);
    const jwt = await loadJwtIssuer(dataDir);

    const specs = readSpecs(functionSpecs(await resolving));
    const queueTrigger = specs.worker.queue;
    if (!queueTrigger)
      throw new StackError("SYamlUnsupported", "s.yaml gives the worker no eventbridge trigger");
    const region = specs.worker.region;
    const table = requiredEnv(specs.worker, "RECORDS_TABLE");
    const instance = requiredEnv(specs.worker, "TABLESTORE_INSTANCE");
    const eventsTopic = specs.worker.env.EVENTS_TOPIC || LOCAL_EVENTS_TOPIC;
    // The roles' policies for the names s.yaml resolved to, as `npm run render-policies` would.
    for (const role of localRoles({
      ...ramSetup,
      values: {
        Region: region,
        AccountId: LOCAL_SERVICE_ACCOUNT_ID,
        TablestoreInstance: instance,
        RecordsTable: table,
        CallSlotsTable: requiredEnv(specs.worker, "CALL_SLOTS_TABLE"),
        QueueName: queueTrigger.queue,
        EventsTopic: eventsTopic,
        CrossAccountRoleName: specs.worker.env.CROSS_ACCOUNT_ROLE_NAME || LOCAL_CROSS_ACCOUNT_ROLE_NAME,
        ExternalId: specs.worker.env.CROSS_ACCOUNT_EXTERNAL_ID,
      },
    }))
      ram.putRole(role);

    const mnsClient = createMnsClient({
      endpoint: mns.url,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    });
    const workerTimeoutSeconds = options.workerTimeoutSeconds ?? specs.worker.timeoutSeconds;
    const events = eventsQueue({
      client: mnsClient,
      topic: eventsTopic,
      queue: LOCAL_EVENTS_QUEUE,
      region,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    });
    const provision = async (): Promise<void> => {
      await provisionResources({
        tablestore: {
          client: createTablestoreClient({
            endpoint: tablestore.url,
            instanceName: instance,
            credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
          }),
          table,
          // The worker's shared call schedule, under the name s.yaml gives it.
          ...(specs.worker.env.CALL_SLOTS_TABLE ? { callSlotsTable: specs.worker.env.CALL_SLOTS_TABLE } : {}),
        },
        mns: {
          client: mnsClient,
          queue: queueTrigger.queue,
          // s.yaml's deadLetterQueue.Arn names it; the trigger sends skipped batches there.
          ...(queueTrigger.deadLetterQueue ? { deadLetterQueue: queueTrigger.deadLetterQueue.queue } : {}),
          eventsTopic,
          // The trigger settles every message when its invocation ends; a visibility timeout longer
          // than an invocation keeps a message from coming back while it is still being worked on.
          queueAttributes: { VisibilityTimeout: workerTimeoutSeconds + 10 },
        },
      });
      // After the topic: a subscription names an existing topic.
      await events.provision();
    };
    await provision();

    const endpoints = { tablestore: tablestore.url, mns: mns.url, ecsHost: new URL(ecs.url).host };
    let workerFaults: WorkerFaults = { ...NO_WORKER_FAULTS };
    let crashes = 0;
    let crashesBeforePublish = 0;
    const definition = (fn: AnyFunction, extra: Partial<FunctionDefinition> = {}): FunctionDefinition => {
      const spec = specs[fn];
      return {
        name: spec.name,
        bundle: path.join(distDir, path.basename(spec.code), handlerFile(spec.handler)),
        handler: spec.handler,
        role: spec.role,
        env: localEnvironment(spec, endpoints),
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        region: spec.region,
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
        // The temporary keys of s.yaml's role for this function, as FC hands them over.
        credentials: functionCredentials(ram, spec.role, spec.name, options.ram?.credentialLifetimeSeconds),
        ...(spec.reservedConcurrency ? { maxInstances: spec.reservedConcurrency } : {}),
        ...(fn === "worker"
          ? { maxInstances: options.workerInstances ?? spec.reservedConcurrency ?? FC_REGION_INSTANCE_QUOTA }
          : {}),
        ...(options.instanceIdleMs !== undefined ? { idleMs: options.instanceIdleMs } : {}),
        output: options.functionOutput ?? "silent",
        ...extra,
      };
    };
    const definitions: Record<FunctionKey, FunctionDefinition> = {
      submit: definition("submit"),
      status: definition("status"),
      worker: definition("worker", {
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
          // The outbox's fault: killed after the terminal write, before the event reaches MNS.
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

    const timer = specs.reconciler.timer;
    const reconcileIntervalMs = options.reconcileIntervalMs ?? (timer?.intervalSeconds ?? 60) * 1000;
    const reconcilePendingAfterSeconds = Number(specs.reconciler.env.RECONCILE_PENDING_AFTER_SECONDS ?? 0);
    // Optional, unlike the three functions that serve requests: a dist/ made before the reconciler
    // existed (or stand-in bundles in the runtime's own tests) still starts, without the timer; so
    // does an s.yaml whose timer is disabled.
    const reconcilerDefinition = definition("reconciler");
    const reconcilerRuntime =
      timer?.enabled && existsSync(reconcilerDefinition.bundle)
        ? createFunctionRuntime(reconcilerDefinition)
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
      timer &&
      startTimerTrigger({
        function: reconcilerRuntime,
        triggerName: timer.triggerName,
        intervalSeconds: reconcileIntervalMs / 1000,
        payload: timer.payload,
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
      queue: queueTrigger.queue,
      worker: runtimes.worker,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      region: queueTrigger.region,
      batchSize: options.batchSize ?? queueTrigger.batchSize,
      batchWindowMs: options.batchWindowMs ?? queueTrigger.batchWindowSeconds * 1000,
      retryStrategy: PUSH_RETRY_STRATEGIES[queueTrigger.retryStrategy],
      retryDelayScale: options.retryDelayScale,
      errorsTolerance: queueTrigger.errorsTolerance,
      deadLetterQueue: queueTrigger.deadLetterQueue?.queue,
      functionErrors: options.functionErrors,
      invocationTimeoutSeconds: workerTimeoutSeconds,
      maxConcurrentBatches: options.triggerPushes ?? specs.worker.reservedConcurrency ?? LOCAL_TRIGGER_PUSHES,
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
      region,
      tablestore: { instance, table },
      mns: {
        queue: queueTrigger.queue,
        deadLetterQueue: queueTrigger.deadLetterQueue?.queue ?? null,
        eventsTopic,
        eventsQueue: LOCAL_EVENTS_QUEUE,
      },
      functions: {
        submit: specs.submit.name,
        status: specs.status.name,
        worker: specs.worker.name,
        reconciler: specs.reconciler.name,
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
      issueDevToken: (claims) => jwt.issue(claims),
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

    const httpMethods = new Map(FUNCTIONS.map((fn) => [runtimes[fn], specs[fn].http?.methods ?? []]));
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? "").startsWith("/_local/")) {
        void handleControlRequest(req, res, plane);
        return;
      }
      void serveThroughFunction(req, res, {
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
        route: (method, p) => {
          const match = matchRoute(method, p);
          // A known path with another method goes to the path's owner and an unknown path to
          // status, as a custom domain's path routes would; the function's HTTP trigger then
          // refuses a method it does not list, and otherwise the 405 and 404 bodies are the service's own.
          let fn: FunctionKey = "status";
          if (match.kind === "found") fn = match.route.function;
          else if (match.kind === "method-not-allowed") {
            const owner = matchRoute(match.allow[0] ?? "GET", p);
            if (owner.kind === "found") fn = owner.route.function;
          }
          return runtimes[fn];
        },
        // A function without an HTTP trigger (the worker) is reachable by no method.
        triggerMethods: (runtime) => httpMethods.get(runtime) ?? [],
      });
    });

    // Unread, the events queue would hold every completion event; the log it drains into is bounded.
    const eventsDrain = setInterval(
      () => void events.drain().catch(() => undefined),
      EVENTS_DRAIN_INTERVAL_MS,
    );
    eventsDrain.unref();
    let stopping: Promise<void> | undefined;
    return {
      url,
      info,
      instances: (fn) => runtimes[fn].instances(),
      functions: definitions,
      specs,
      control: {
        ...plane,
        ecs: ecs.control,
        tablestore: tablestore.control,
        mns: mns.control,
        ram,
        issueToken: jwt.issue,
      },
      stop: () => {
        stopping ??= (async () => {
          clearInterval(eventsDrain);
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
