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
 *
 * {@link startStack} is a list of named steps, each a function below; how the functions and the
 * reconciler run is in local/stack-functions.ts.
 */
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createMnsClient, type MnsSdkClient } from "../shared/adapters/mns";
import { provisionResources } from "../shared/adapters/provision";
import { createTablestoreClient } from "../shared/adapters/tablestore";
import { matchRoute } from "../shared/http/routes";
import {
  type ControlPlane,
  type FaultSettings,
  handleControlRequest,
  NO_WORKER_FAULTS,
  readSavedFaults,
  saveFaults,
} from "./control-plane";
import { type RunningEcsEmulator, start as startEcs } from "./ecs/index";
import { EVENTS_DRAIN_INTERVAL_MS, type EventsQueue, eventsQueue } from "./events-queue";
import { type DomainRoute, resolveDomainRoutes, routeByDomain } from "./fc/custom-domain";
import { type FunctionSpec, functionSpecs, type QueueTriggerSpec } from "./fc/function-spec";
import { serveThroughFunction } from "./fc/http-gateway";
import type { FunctionDefinition, FunctionRuntime } from "./fc/invoker";
import {
  LOCAL_DEPLOY_ACCOUNT_ID,
  LOCAL_EVENTS_QUEUE,
  LOCAL_EVENTS_TOPIC,
  LOCAL_REGION,
  LOCAL_TRIGGER_PUSHES,
  type LocalSettingOverrides,
  localResolutionInputs,
} from "./fc/local-differences";
import { PUSH_RETRY_STRATEGIES } from "./fc/push-retry";
import { resolveSYaml } from "./fc/s-yaml";
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
import { createLocalRam, type LocalRamSetup, localRoles } from "./ram/local-model";
import type { LocalRam } from "./ram/model";
import type { PolicyDocument } from "./ram/policy";
import type { RoleKey } from "./ram/render";
import {
  ALL_FUNCTIONS,
  type AnyFunction,
  createRuntimes,
  FUNCTIONS,
  type FunctionKey,
  type FunctionsSetup,
  functionDefinitions,
  type LocalReconciler,
  noWorkerCrashes,
  startReconciler,
  type WorkerCrashes,
} from "./stack-functions";
import { type IndexLag, type RunningTablestore, start as startTablestore } from "./tablestore/index";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export {
  LOCAL_DEAD_LETTER_QUEUE_NAME,
  LOCAL_EVENTS_QUEUE,
  LOCAL_EVENTS_TOPIC,
  LOCAL_QUEUE_NAME,
  LOCAL_RECORDS_TABLE,
  LOCAL_REGION,
} from "./fc/local-differences";
export type { AnyFunction, FunctionKey } from "./stack-functions";

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
  /**
   * Route the API port by s.domain.yaml's custom domain routes, as FC would behind the domain
   * (docs/deploy.md, "One API host"), instead of by the route table; default false.
   */
  customDomain?: boolean;
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

/**
 * The stack, started step by step: the API port, s.yaml's resolution beside the emulators' start,
 * the RAM roles for s.yaml's names, the provisioned resources, the functions, the reconciler's
 * timer, the queue trigger, the control plane, the HTTP routes and the events drain. A step that
 * fails closes what the steps before it started, last first.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const distDir = options.distDir ?? path.join(root, "dist");
  assertBundlesBuilt(distDir);
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  const started = new StartedParts();
  try {
    const { server, url } = await listenApi(options.port, started);
    const resolving = resolveSpecs(url, options);
    const ramSetup = ramSetupOf(options);
    const ram = createLocalRam(ramSetup);
    const emulators = await startEmulators(options, dataDir, ram, started);
    const jwt = await loadJwtIssuer(dataDir);
    const domainRoutes = await resolveDomain(options.customDomain);
    const specs = readSpecs(functionSpecs(await resolving));
    const names = resourceNames(specs);
    putRolePolicies(ram, ramSetup, names, specs.worker);
    const workerTimeoutSeconds = options.workerTimeoutSeconds ?? specs.worker.timeoutSeconds;
    const resources = stackResources(emulators, names, specs.worker, workerTimeoutSeconds);
    await resources.provision();
    const setup: FunctionsSetup = {
      specs,
      distDir,
      endpoints: endpointsOf(emulators),
      ram,
      settings: options,
      workerTimeoutSeconds,
    };
    const crashes = noWorkerCrashes();
    const random = options.random ?? Math.random;
    const definitions = functionDefinitions(setup, crashes, {
      ecsUrl: emulators.ecs.url,
      mnsUrl: emulators.mns.url,
      random,
    });
    const runtimes = createRuntimes(definitions);
    const reconciler = startReconciler(setup);
    const mns = { client: resources.mnsClient, control: emulators.mns.control };
    const pump = startWorkerTrigger(options, names, specs.worker, runtimes.worker, mns, random);
    const info = stackInfo(url, emulators, names, specs, dataDir);
    const parts = { info, jwt, emulators, crashes, pump, reconciler, resources, dataDir };
    const plane = controlPlane(parts);
    await applyInitialFaults(plane, options.faults, dataDir);
    routeRequests(server, plane, runtimes, specs, domainRoutes);
    const eventsDrain = startEventsDrain(resources.events);
    const stop = once(() => stopInOrder({ eventsDrain, pump, reconciler, runtimes, started }));
    return {
      url,
      info,
      instances: (fn) => runtimes[fn].instances(),
      functions: definitions,
      specs,
      control: {
        ...plane,
        ecs: emulators.ecs.control,
        tablestore: emulators.tablestore.control,
        mns: emulators.mns.control,
        ram,
        issueToken: jwt.issue,
      },
      stop,
    };
  } catch (err) {
    await started.closeAll();
    throw err;
  }
}

function assertBundlesBuilt(distDir: string): void {
  const missing = FUNCTIONS.filter((fn) => !existsSync(bundlePath(distDir, fn)));
  if (missing.length > 0) {
    throw new StackError(
      "BundlesMissing",
      `no bundle for ${missing.join(", ")} in ${distDir}: run \`npm run build\` first`,
    );
  }
}

/** What the stack has started so far, closed last first (a failure to close is ignored). */
class StartedParts {
  private readonly parts: { close(): Promise<void> }[] = [];

  add<T extends { close(): Promise<void> }>(part: T): T {
    this.parts.push(part);
    return part;
  }

  async closeAll(): Promise<void> {
    for (const part of this.parts.reverse()) await part.close().catch(() => undefined);
  }
}

/**
 * The API server listens first, because the functions' JWT_JWKS_URL (an input to s.yaml's
 * resolution) names its port.
 */
async function listenApi(
  port: number | undefined,
  started: StartedParts,
): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  started.add({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * s.yaml resolved by the `s` CLI with the stack's inputs; it takes about a second, so it runs beside
 * the emulators' start-up and is awaited after it.
 */
function resolveSpecs(url: string, options: StackOptions): Promise<Record<string, Record<string, unknown>>> {
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
  // Awaited later; this only keeps a failure from being reported as unhandled meanwhile.
  resolving.catch(() => undefined);
  return resolving;
}

/** With `customDomain`, s.domain.yaml's routes, resolved by `s` as s.yaml is. */
async function resolveDomain(customDomain: boolean | undefined): Promise<DomainRoute[] | undefined> {
  if (!customDomain) return undefined;
  return resolveDomainRoutes({
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    accountId: LOCAL_DEPLOY_ACCOUNT_ID,
  });
}

/**
 * One RAM model for the three emulators: the keys FC hands the functions work everywhere, and the
 * deploy/ram/ policies decide what each role may do (rendered again with s.yaml's names).
 */
function ramSetupOf(options: StackOptions): LocalRamSetup {
  return {
    enforce: options.ram?.enforce ?? true,
    ...(options.ram?.policyOverrides ? { policyOverrides: options.ram.policyOverrides } : {}),
  };
}

interface Emulators {
  ecs: RunningEcsEmulator;
  tablestore: RunningTablestore;
  mns: Awaited<ReturnType<typeof startMns>>;
}

async function startEmulators(
  options: StackOptions,
  dataDir: string | undefined,
  ram: LocalRam,
  started: StartedParts,
): Promise<Emulators> {
  const sub = (name: string) => (dataDir ? path.join(dataDir, name) : undefined);
  const ecs = started.add(await startEcs({ port: 0, dataDir: sub("ecs"), ram }));
  const tablestore = started.add(
    await startTablestore({
      port: 0,
      dataDir: sub("tablestore"),
      indexLagMs: options.indexLagMs ?? [0, 1_000],
      ram,
      region: LOCAL_REGION,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    }),
  );
  const mns = started.add(await startMns({ port: 0, dataDir: sub("mns"), ram, region: LOCAL_REGION }));
  return { ecs, tablestore, mns };
}

function endpointsOf(emulators: Emulators): FunctionsSetup["endpoints"] {
  return {
    tablestore: emulators.tablestore.url,
    mns: emulators.mns.url,
    ecsHost: new URL(emulators.ecs.url).host,
  };
}

/** The names s.yaml resolved to, which the resources, the roles' policies and the info share. */
interface ResourceNames {
  queueTrigger: QueueTriggerSpec;
  region: string;
  table: string;
  instance: string;
  eventsTopic: string;
}

function resourceNames(specs: Record<AnyFunction, FunctionSpec>): ResourceNames {
  const queueTrigger = specs.worker.queue;
  if (!queueTrigger)
    throw new StackError("SYamlUnsupported", "s.yaml gives the worker no eventbridge trigger");
  return {
    queueTrigger,
    region: specs.worker.region,
    table: requiredEnv(specs.worker, "RECORDS_TABLE"),
    instance: requiredEnv(specs.worker, "TABLESTORE_INSTANCE"),
    eventsTopic: specs.worker.env.EVENTS_TOPIC || LOCAL_EVENTS_TOPIC,
  };
}

/** The roles' policies for the names s.yaml resolved to, as `npm run render-policies` would. */
function putRolePolicies(
  ram: LocalRam,
  ramSetup: LocalRamSetup,
  names: ResourceNames,
  worker: FunctionSpec,
): void {
  const roles = localRoles({
    ...ramSetup,
    values: {
      Region: names.region,
      AccountId: LOCAL_SERVICE_ACCOUNT_ID,
      TablestoreInstance: names.instance,
      RecordsTable: names.table,
      CallSlotsTable: requiredEnv(worker, "CALL_SLOTS_TABLE"),
      QueueName: names.queueTrigger.queue,
      EventsTopic: names.eventsTopic,
      CrossAccountRoleName: worker.env.CROSS_ACCOUNT_ROLE_NAME || LOCAL_CROSS_ACCOUNT_ROLE_NAME,
      ExternalId: worker.env.CROSS_ACCOUNT_EXTERNAL_ID,
    },
  });
  for (const role of roles) ram.putRole(role);
}

/** The table, queues, topic and events subscription the functions use, and how to provision them. */
interface StackResources {
  mnsClient: MnsSdkClient;
  events: EventsQueue;
  /** Creates what is missing (at start and after a reset). */
  provision(): Promise<void>;
}

function stackResources(
  emulators: Emulators,
  names: ResourceNames,
  worker: FunctionSpec,
  workerTimeoutSeconds: number,
): StackResources {
  const mnsClient = createMnsClient({
    endpoint: emulators.mns.url,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
  });
  const events = eventsQueue({
    client: mnsClient,
    topic: names.eventsTopic,
    queue: LOCAL_EVENTS_QUEUE,
    region: names.region,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
  });
  const provision = async (): Promise<void> => {
    await provisionResources({
      tablestore: {
        client: createTablestoreClient({
          endpoint: emulators.tablestore.url,
          instanceName: names.instance,
          credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
        }),
        table: names.table,
        // The worker's shared call schedule, under the name s.yaml gives it.
        ...(worker.env.CALL_SLOTS_TABLE ? { callSlotsTable: worker.env.CALL_SLOTS_TABLE } : {}),
      },
      mns: {
        client: mnsClient,
        queue: names.queueTrigger.queue,
        // s.yaml's deadLetterQueue.Arn names it; the trigger sends skipped batches there.
        ...(names.queueTrigger.deadLetterQueue
          ? { deadLetterQueue: names.queueTrigger.deadLetterQueue.queue }
          : {}),
        eventsTopic: names.eventsTopic,
        // The trigger settles every message when its invocation ends; a visibility timeout longer
        // than an invocation keeps a message from coming back while it is still being worked on.
        queueAttributes: { VisibilityTimeout: workerTimeoutSeconds + 10 },
      },
    });
    // After the topic: a subscription names an existing topic.
    await events.provision();
  };
  return { mnsClient, events, provision };
}

/** The worker's eventbridge trigger: s.yaml's batching, retry and tolerance, with the stack's overrides. */
function startWorkerTrigger(
  options: StackOptions,
  names: ResourceNames,
  worker: FunctionSpec,
  runtime: FunctionRuntime,
  mns: { client: MnsSdkClient; control: MnsControl },
  random: () => number,
): TriggerPump {
  const { queueTrigger } = names;
  return startTriggerPump({
    mns: mns.client,
    queue: queueTrigger.queue,
    worker: runtime,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    region: queueTrigger.region,
    batchSize: options.batchSize ?? queueTrigger.batchSize,
    batchWindowMs: options.batchWindowMs ?? queueTrigger.batchWindowSeconds * 1000,
    retryStrategy: PUSH_RETRY_STRATEGIES[queueTrigger.retryStrategy],
    retryDelayScale: options.retryDelayScale,
    errorsTolerance: queueTrigger.errorsTolerance,
    deadLetterQueue: queueTrigger.deadLetterQueue?.queue,
    functionErrors: options.functionErrors,
    invocationTimeoutSeconds: options.workerTimeoutSeconds ?? worker.timeoutSeconds,
    maxConcurrentBatches: options.triggerPushes ?? worker.reservedConcurrency ?? LOCAL_TRIGGER_PUSHES,
    duplicateRate: () => mns.control.getFaults().duplicateRate,
    random,
  });
}

function stackInfo(
  url: string,
  emulators: Emulators,
  names: ResourceNames,
  specs: Record<AnyFunction, FunctionSpec>,
  dataDir: string | undefined,
): StackInfo {
  const { ecs, tablestore, mns } = emulators;
  return {
    api: url,
    jwks: `${url}/_local/jwks.json`,
    jwt: { issuer: LOCAL_JWT_ISSUER, audience: LOCAL_JWT_AUDIENCE },
    emulators: { ecs: ecs.url, sts: ecs.url, tablestore: tablestore.url, mns: mns.url },
    accounts: {
      service: LOCAL_SERVICE_ACCOUNT_ID,
      trusting: LOCAL_TRUSTING_ACCOUNT_IDS,
      crossAccountRoleName: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
    },
    region: names.region,
    tablestore: { instance: names.instance, table: names.table },
    mns: {
      queue: names.queueTrigger.queue,
      deadLetterQueue: names.queueTrigger.deadLetterQueue?.queue ?? null,
      eventsTopic: names.eventsTopic,
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
}

/** What the control plane steers and reads. */
interface ControlledParts {
  info: StackInfo;
  jwt: LocalJwtIssuer;
  emulators: Emulators;
  crashes: WorkerCrashes;
  pump: TriggerPump;
  reconciler: LocalReconciler;
  resources: StackResources;
  dataDir: string | undefined;
}

/** The `/_local/*` control plane (local/control-plane.ts serves it). */
function controlPlane(parts: ControlledParts): ControlPlane {
  const { emulators, crashes, pump, reconciler, resources, dataDir } = parts;
  const { ecs, tablestore, mns } = emulators;
  const plane: ControlPlane = {
    info: () => parts.info,
    jwks: () => parts.jwt.jwks(),
    getFaults: () => ({
      ecs: ecs.control.getFaults(),
      mns: mns.control.getFaults(),
      tablestore: tablestore.control.getFaults(),
      worker: { ...crashes.faults },
    }),
    replaceFaults: (settings) => {
      replaceFaults(emulators, crashes, settings, plane.getFaults());
      return plane.getFaults();
    },
    persistFaults: async () => {
      if (dataDir) await saveFaults(dataDir, plane.getFaults());
    },
    pipelines: () => ecs.control.pipelines(),
    calls: () => ecs.control.calls(),
    trigger: () => ({
      paused: pump.paused,
      ...pump.stats(),
      crashes: crashes.crashes,
      crashesBeforePublish: crashes.crashesBeforePublish,
    }),
    pauseTrigger: () => pump.pause(),
    resumeTrigger: () => pump.resume(),
    reconcileNow: () => reconciler.runNow(),
    reconciler: () => ({ ...reconciler.state }),
    events: () => resources.events.read(),
    clearEvents: () => resources.events.clear(),
    issueDevToken: (claims) => parts.jwt.issue(claims),
    reset: async () => {
      ecs.control.reset();
      mns.control.reset();
      tablestore.control.reset();
      await resources.provision();
      await resources.events.clear();
    },
  };
  return plane;
}

/** Replaces every fault setting (a missing part is off); one bad field changes nothing anywhere. */
function replaceFaults(
  emulators: Emulators,
  crashes: WorkerCrashes,
  settings: FaultSettings,
  before: ReturnType<ControlPlane["getFaults"]>,
): void {
  const { ecs, tablestore, mns } = emulators;
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
    crashes.faults = { ...NO_WORKER_FAULTS, ...settings.worker };
  } catch (err) {
    ecs.control.setFaults(before.ecs);
    mns.control.setFaults(before.mns);
    tablestore.control.setFaults(before.tablestore);
    crashes.faults = before.worker;
    throw err;
  }
}

/** The options' fault settings, else those saved in the data directory; kept there when given. */
async function applyInitialFaults(
  plane: ControlPlane,
  faults: FaultSettings | undefined,
  dataDir: string | undefined,
): Promise<void> {
  const initial = faults ?? (dataDir ? await readSavedFaults(dataDir) : undefined);
  if (!initial) return;
  plane.replaceFaults(initial);
  await plane.persistFaults();
}

/** `/_local/*` to the control plane; everything else through the function its path routes to. */
function routeRequests(
  server: Server,
  plane: ControlPlane,
  runtimes: Record<FunctionKey, FunctionRuntime>,
  specs: Record<AnyFunction, FunctionSpec>,
  domainRoutes: readonly DomainRoute[] | undefined,
): void {
  const httpMethods = new Map(FUNCTIONS.map((fn) => [runtimes[fn], specs[fn].http?.methods ?? []]));
  const byName = new Map(FUNCTIONS.map((fn) => [specs[fn].name, runtimes[fn]]));
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith("/_local/")) {
      void handleControlRequest(req, res, plane);
      return;
    }
    void serveThroughFunction(req, res, {
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      route: (method, p) =>
        domainRoutes ? routeByDomain(domainRoutes, byName, method, p) : runtimes[functionOfPath(method, p)],
      // A function without an HTTP trigger (the worker) is reachable by no method.
      triggerMethods: (runtime) => httpMethods.get(runtime) ?? [],
    });
  });
}

/**
 * A known path with another method goes to the path's owner and an unknown path to status, as a
 * custom domain's path routes would; the function's HTTP trigger then refuses a method it does not
 * list, and otherwise the 405 and 404 bodies are the service's own.
 */
function functionOfPath(method: string, p: string): FunctionKey {
  const match = matchRoute(method, p);
  if (match.kind === "found") return match.route.function;
  if (match.kind === "method-not-allowed") {
    const owner = matchRoute(match.allow[0] ?? "GET", p);
    if (owner.kind === "found") return owner.route.function;
  }
  return "status";
}

/** Unread, the events queue would hold every completion event; the log it drains into is bounded. */
function startEventsDrain(events: EventsQueue): NodeJS.Timeout {
  const drain = setInterval(() => void events.drain().catch(() => undefined), EVENTS_DRAIN_INTERVAL_MS);
  drain.unref();
  return drain;
}

interface RunningParts {
  eventsDrain: NodeJS.Timeout;
  pump: TriggerPump;
  reconciler: LocalReconciler;
  runtimes: Record<FunctionKey, FunctionRuntime>;
  started: StartedParts;
}

/** Timers and the trigger first, then the functions, then the emulators and the API port. */
async function stopInOrder(parts: RunningParts): Promise<void> {
  clearInterval(parts.eventsDrain);
  const pumpStopped = parts.pump.stop();
  await parts.reconciler.stop();
  await Promise.all(
    [...Object.values(parts.runtimes), parts.reconciler.runtime].map((runtime) => runtime?.close()),
  );
  await pumpStopped;
  await parts.started.closeAll();
}

/** `run` the first time; the same promise after. */
function once(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= run();
    return running;
  };
}
