/**
 * The local stack's functions (local/stack.ts): how each s.yaml function runs here (bundle, local
 * endpoints, its role's temporary keys, instance limits), the worker's crash proxies behind the
 * `worker.*` fault settings, and the reconciler on its timer trigger.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ReconcilerRun, ReconcilerState, WorkerFaults } from "./control-plane";
import { NO_WORKER_FAULTS } from "./control-plane";
import { startCrashProxy, startPublishCrashProxy } from "./fc/crash-proxy";
import type { FunctionSpec } from "./fc/function-spec";
import {
  createFunctionRuntime,
  type FunctionDefinition,
  type FunctionRuntime,
  handlerFile,
  type InvocationResult,
  type PreparedInstance,
} from "./fc/invoker";
import {
  FC_REGION_INSTANCE_QUOTA,
  LOCAL_EVENTS_TOPIC,
  type LocalEndpoints,
  type LocalSettingOverrides,
  localEnvironment,
} from "./fc/local-differences";
import { startTimerTrigger, type TimerTrigger } from "./fc/timer-trigger";
import { LOCAL_SERVICE_ACCOUNT_ID } from "./identities";
import { functionCredentials } from "./ram/function-credentials";
import type { LocalRam } from "./ram/model";

/** The functions that serve requests or the queue; their bundles must be built. */
export const FUNCTIONS = ["submit", "status", "worker"] as const;
export type FunctionKey = (typeof FUNCTIONS)[number];

/** Every function the stack runs: the three above and the timer-triggered reconciler. */
export type AnyFunction = FunctionKey | "reconciler";
export const ALL_FUNCTIONS: readonly AnyFunction[] = [...FUNCTIONS, "reconciler"];

/** The stack options that change how a function runs (local/stack.ts `StackOptions`). */
export interface FunctionSettings
  extends Pick<LocalSettingOverrides, "workerInstances" | "instanceIdleMs" | "reconcileIntervalMs"> {
  functionOutput?: "inherit" | "silent";
  ram?: { credentialLifetimeSeconds?: number };
}

export interface FunctionsSetup {
  specs: Readonly<Record<AnyFunction, FunctionSpec>>;
  distDir: string;
  endpoints: LocalEndpoints;
  ram: LocalRam;
  settings: FunctionSettings;
  /** s.yaml's worker timeout, or the stack's override of it. */
  workerTimeoutSeconds: number;
}

/** The worker's fault settings and the kills they caused, shared by its crash proxies and the control plane. */
export interface WorkerCrashes {
  faults: WorkerFaults;
  /** Instances killed after an ECS call (`crashAfterCallRate`). */
  crashes: number;
  /** Instances killed after the terminal write, before the event reached MNS (`crashBeforePublishRate`). */
  crashesBeforePublish: number;
}

export function noWorkerCrashes(): WorkerCrashes {
  return { faults: { ...NO_WORKER_FAULTS }, crashes: 0, crashesBeforePublish: 0 };
}

/** Where the worker's crash proxies forward to, and their dice. */
export interface CrashTargets {
  ecsUrl: string;
  mnsUrl: string;
  random: () => number;
}

/** How the local runtime runs `fn`: s.yaml's settings, the local bundle and endpoints, the role's keys. */
export function functionDefinition(
  setup: FunctionsSetup,
  fn: AnyFunction,
  extra: Partial<FunctionDefinition> = {},
): FunctionDefinition {
  const spec = setup.specs[fn];
  const { settings } = setup;
  return {
    name: spec.name,
    bundle: path.join(setup.distDir, path.basename(spec.code), handlerFile(spec.handler)),
    handler: spec.handler,
    role: spec.role,
    env: localEnvironment(spec, setup.endpoints),
    memoryMb: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
    region: spec.region,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    // The temporary keys of s.yaml's role for this function, as FC hands them over.
    credentials: functionCredentials(
      setup.ram,
      spec.role,
      spec.name,
      settings.ram?.credentialLifetimeSeconds,
    ),
    ...(spec.reservedConcurrency ? { maxInstances: spec.reservedConcurrency } : {}),
    ...(fn === "worker"
      ? { maxInstances: settings.workerInstances ?? spec.reservedConcurrency ?? FC_REGION_INSTANCE_QUOTA }
      : {}),
    ...(settings.instanceIdleMs !== undefined ? { idleMs: settings.instanceIdleMs } : {}),
    output: settings.functionOutput ?? "silent",
    ...extra,
  };
}

export function functionDefinitions(
  setup: FunctionsSetup,
  crashes: WorkerCrashes,
  targets: CrashTargets,
): Record<FunctionKey, FunctionDefinition> {
  return {
    submit: functionDefinition(setup, "submit"),
    status: functionDefinition(setup, "status"),
    worker: functionDefinition(setup, "worker", {
      timeoutSeconds: setup.workerTimeoutSeconds,
      prepareInstance: (kill) => startCrashProxies(crashes, targets, kill),
    }),
  };
}

/**
 * Each worker instance reaches ECS and MNS through its own proxies, which kill it at the rates of
 * the worker's fault settings: after an ECS call, or (the outbox's fault) after the terminal write
 * and before the event reaches MNS.
 */
async function startCrashProxies(
  crashes: WorkerCrashes,
  targets: CrashTargets,
  kill: () => void,
): Promise<PreparedInstance> {
  const proxy = await startCrashProxy({
    target: targets.ecsUrl,
    crashRate: () => crashes.faults.crashAfterCallRate,
    random: targets.random,
    kill,
    onCrash: () => {
      crashes.crashes++;
    },
  });
  const publishProxy = await startPublishCrashProxy({
    target: targets.mnsUrl,
    topic: LOCAL_EVENTS_TOPIC,
    crashRate: () => crashes.faults.crashBeforePublishRate,
    random: targets.random,
    kill,
    onCrash: () => {
      crashes.crashesBeforePublish++;
    },
  });
  return {
    env: { ECS_ENDPOINT: proxy.endpoint, MNS_ENDPOINT: publishProxy.endpoint },
    dispose: async () => {
      await Promise.all([proxy.close(), publishProxy.close()]);
    },
  };
}

export function createRuntimes(
  definitions: Record<FunctionKey, FunctionDefinition>,
): Record<FunctionKey, FunctionRuntime> {
  return {
    submit: createFunctionRuntime(definitions.submit),
    status: createFunctionRuntime(definitions.status),
    worker: createFunctionRuntime(definitions.worker),
  };
}

/** The reconciler on s.yaml's timer trigger, when it can run here. */
export interface LocalReconciler {
  runtime: FunctionRuntime | undefined;
  timer: TimerTrigger | undefined;
  state: ReconcilerState;
  /** Runs it now (after a run in progress), or answers `unavailable` without a bundle. */
  runNow(): Promise<ReconcilerRun>;
  stop(): Promise<void>;
}

export function startReconciler(setup: FunctionsSetup): LocalReconciler {
  const { specs, settings } = setup;
  const timer = specs.reconciler.timer;
  const intervalMs = settings.reconcileIntervalMs ?? (timer?.intervalSeconds ?? 60) * 1000;
  // Optional, unlike the three functions that serve requests: a dist/ made before the reconciler
  // existed (or stand-in bundles in the runtime's own tests) still starts, without the timer; so
  // does an s.yaml whose timer is disabled.
  const definition = functionDefinition(setup, "reconciler");
  const runtime =
    timer?.enabled && existsSync(definition.bundle) ? createFunctionRuntime(definition) : undefined;
  const state: ReconcilerState = {
    enabled: runtime !== undefined,
    intervalMs,
    pendingAfterSeconds: Number(specs.reconciler.env.RECONCILE_PENDING_AFTER_SECONDS ?? 0),
    runs: 0,
    failures: 0,
    requeuedPending: 0,
    requeuedExpired: 0,
  };
  const trigger =
    runtime && timer
      ? startTimerTrigger({
          function: runtime,
          triggerName: timer.triggerName,
          intervalSeconds: intervalMs / 1000,
          payload: timer.payload,
          onResult: (result) => countRun(state, reconcilerRun(result)),
        })
      : undefined;
  return {
    runtime,
    timer: trigger,
    state,
    runNow: async () => (trigger ? reconcilerRun(await trigger.runNow()) : unavailable(setup.distDir)),
    stop: async () => {
      await trigger?.stop();
    },
  };
}

function reconcilerRun(result: InvocationResult): ReconcilerRun {
  return result.ok
    ? { ok: true, requestId: result.requestId, report: result.value }
    : { ok: false, requestId: result.requestId, kind: result.kind, message: result.message };
}

function unavailable(distDir: string): ReconcilerRun {
  return {
    ok: false,
    requestId: "",
    kind: "unavailable",
    message: `no reconciler bundle in ${distDir}: run \`npm run build\``,
  };
}

/** A timer run into the figures GET /_local/reconciler shows. */
function countRun(state: ReconcilerState, run: ReconcilerRun): void {
  state.runs += 1;
  state.last = run;
  if (!run.ok) {
    state.failures += 1;
    return;
  }
  state.requeuedPending += countOf(run.report, "requeuedPending");
  state.requeuedExpired += countOf(run.report, "requeuedExpired");
}

function countOf(report: unknown, key: string): number {
  const ids = typeof report === "object" && report !== null ? Reflect.get(report, key) : undefined;
  return Array.isArray(ids) ? ids.length : 0;
}
