/**
 * Every way a function run by the local stack is configured differently from the same function
 * deployed by `s deploy`, in one place (docs/local.md, "What the local runtime takes from s.yaml",
 * says the same in prose). Everything else (handler, memory, timeout, role, environment, triggers)
 * comes from s.yaml resolved by `s` itself (s-yaml.ts, function-spec.ts).
 *
 * 1. The shell variables `s` resolves s.yaml with ({@link localResolutionInputs}): the names of the
 *    local resources, the local JWT issuer, and the knobs s.yaml itself reads from the shell
 *    (`WORKER_MAX_ATTEMPTS`, `RECONCILE_PENDING_AFTER_SECONDS`, `LOG_LEVEL`). These are inputs, not
 *    overrides: the functions get exactly what s.yaml makes of them.
 * 2. Endpoint overrides ({@link ENDPOINT_OVERRIDES}): the only variables whose value is not
 *    s.yaml's, and the only ones a function may get without s.yaml giving them.
 * 3. Settings the stack's options may change for tests ({@link LocalSettingOverrides}).
 */
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TABLESTORE_INSTANCE } from "../identities";
import type { FunctionSpec } from "./function-spec";

export const LOCAL_REGION = "cn-hangzhou";
export const LOCAL_RECORDS_TABLE = "image_pipeline_records";
export const LOCAL_QUEUE_NAME = "image-pipeline-requests";
export const LOCAL_DEAD_LETTER_QUEUE_NAME = "image-pipeline-requests-dlq";
/** The functions' EVENTS_TOPIC (s.yaml defaults it to "", no events; locally they are on). */
export const LOCAL_EVENTS_TOPIC = "image-pipeline-events";
/** Subscribed to {@link LOCAL_EVENTS_TOPIC}; what GET /_local/events reads. Not in s.yaml. */
export const LOCAL_EVENTS_QUEUE = "image-pipeline-events-local";

/** `config('AccountID')` resolves to this account: the local service account. */
export const LOCAL_DEPLOY_ACCOUNT_ID = LOCAL_SERVICE_ACCOUNT_ID;

export interface ResolutionKnobs {
  jwksUrl: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** WORKER_MAX_ATTEMPTS; s.yaml's default (5) when absent. */
  workerMaxAttempts?: number | undefined;
  /** RECONCILE_PENDING_AFTER_SECONDS; s.yaml's default (300) when absent. */
  reconcilePendingAfterSeconds?: number | undefined;
  /** RECONCILE_EVENT_OWED_AFTER_SECONDS (the outbox); s.yaml's default (60) when absent. */
  reconcileEventOwedAfterSeconds?: number | undefined;
  /** LOG_LEVEL; s.yaml's default (info) when absent. */
  logLevel?: string | undefined;
}

/** The shell variables `s` resolves s.yaml with for the local stack; nothing else is set. */
export function localResolutionInputs(knobs: ResolutionKnobs): Record<string, string> {
  const optional = (name: string, value: number | string | undefined) =>
    value === undefined ? {} : { [name]: String(value) };
  return {
    REGION: LOCAL_REGION,
    TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
    RECORDS_TABLE: LOCAL_RECORDS_TABLE,
    QUEUE_NAME: LOCAL_QUEUE_NAME,
    DEAD_LETTER_QUEUE_NAME: LOCAL_DEAD_LETTER_QUEUE_NAME,
    EVENTS_TOPIC: LOCAL_EVENTS_TOPIC,
    JWT_JWKS_URL: knobs.jwksUrl,
    JWT_ISSUER: knobs.jwtIssuer,
    JWT_AUDIENCE: knobs.jwtAudience,
    ...optional("WORKER_MAX_ATTEMPTS", knobs.workerMaxAttempts),
    ...optional("RECONCILE_PENDING_AFTER_SECONDS", knobs.reconcilePendingAfterSeconds),
    ...optional("RECONCILE_EVENT_OWED_AFTER_SECONDS", knobs.reconcileEventOwedAfterSeconds),
    ...optional("LOG_LEVEL", knobs.logLevel),
  };
}

export interface LocalEndpoints {
  /** `http://127.0.0.1:<port>` of the Tablestore emulator. */
  tablestore: string;
  /** `http://127.0.0.1:<port>` of the MNS emulator. */
  mns: string;
  /** `127.0.0.1:<port>` of the ECS + STS simulator (the SDKs take a host, not a URL). */
  ecsHost: string;
}

interface EndpointOverride {
  name: string;
  /**
   * `replace`: only where s.yaml gives the variable (a cloud URL), with the emulator's.
   * `add`: to the functions listed, where in the cloud the SDK finds the endpoint itself.
   */
  mode: "replace" | "add";
  /** For `add`: the s.yaml resources whose code calls the service. */
  resources?: readonly string[];
  value(endpoints: LocalEndpoints): string;
}

/**
 * The endpoint overrides. The worker is the only function that calls ECS and STS
 * (scripts/build.ts keeps the ECS SDK out of the other bundles); the crash proxy then gives each
 * worker instance its own ECS_ENDPOINT in front of the simulator (crash-proxy.ts).
 */
export const ENDPOINT_OVERRIDES: readonly EndpointOverride[] = [
  { name: "TABLESTORE_ENDPOINT", mode: "replace", value: (e) => e.tablestore },
  { name: "MNS_ENDPOINT", mode: "replace", value: (e) => e.mns },
  { name: "ECS_ENDPOINT", mode: "add", resources: ["worker"], value: (e) => e.ecsHost },
  { name: "STS_ENDPOINT", mode: "add", resources: ["worker"], value: (e) => e.ecsHost },
];

/** The names a function may get beyond what s.yaml gives it: the endpoint overrides alone. */
export const OVERRIDABLE_NAMES: ReadonlySet<string> = new Set(ENDPOINT_OVERRIDES.map((o) => o.name));

/** A function's environment as the local stack runs it: s.yaml's, with the endpoint overrides. */
export function localEnvironment(spec: FunctionSpec, endpoints: LocalEndpoints): Record<string, string> {
  const env = { ...spec.env };
  for (const override of ENDPOINT_OVERRIDES) {
    const applies =
      override.mode === "replace" ? override.name in spec.env : override.resources?.includes(spec.resource);
    if (applies) env[override.name] = override.value(endpoints);
  }
  return env;
}

/** Names in `env` that neither s.yaml gives the function nor an endpoint override allows. */
export function variablesBeyondSYaml(spec: FunctionSpec, env: Record<string, string>): string[] {
  return Object.keys(env).filter((name) => !(name in spec.env) && !OVERRIDABLE_NAMES.has(name));
}

/**
 * Settings of s.yaml the stack's options may change (local/stack.ts `StackOptions`); each one
 * defaults to s.yaml's value. They exist so tests run in seconds, and change timing only.
 */
export interface LocalSettingOverrides {
  /** The worker's `timeout` (s.yaml: 120 s), so leases run out sooner. */
  workerTimeoutSeconds?: number;
  /** The queue trigger's CountBasedWindow (s.yaml: 10). */
  batchSize?: number;
  /** The queue trigger's TimeBasedWindow in ms (s.yaml: 2 s). */
  batchWindowMs?: number;
  /** Multiplies the push retry strategy's delays (1 = as documented: BACKOFF_RETRY 10-20 s). */
  retryDelayScale?: number;
  /** The timer's period in ms (s.yaml: `@every 1m`). */
  reconcileIntervalMs?: number;
  /**
   * The most worker instances at once (s.yaml: the worker's reservedConcurrency, or, as s.yaml
   * sets none, FC's default per-region instance quota, {@link FC_REGION_INSTANCE_QUOTA}).
   * Instances start only when a push finds none idle.
   */
  workerInstances?: number;
  /**
   * Pushes (worker invocations) the queue trigger makes at once. EventBridge documents no push
   * concurrency for an MNS source (DeliveryOption.concurrency is for Kafka only): default
   * {@link LOCAL_TRIGGER_PUSHES}. A push that finds every allowed instance busy waits for one.
   */
  triggerPushes?: number;
  /**
   * How long an idle function instance lives before it is reclaimed, ms; default 180 000, the low
   * end of FC's documented "usually 3 to 5 minutes".
   */
  instanceIdleMs?: number;
}

/** FC3's default instance quota per region and account; what bounds a function without reservedConcurrency. */
export const FC_REGION_INSTANCE_QUOTA = 100;
/** Concurrent pushes of the local queue trigger unless `triggerPushes` says otherwise. */
export const LOCAL_TRIGGER_PUSHES = 4;
