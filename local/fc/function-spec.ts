/**
 * What s.yaml (resolved by `s`, local/fc/s-yaml.ts) says about each function, read into the shape
 * the local FC runtime runs: handler, memory, timeout, role, environment, reserved concurrency and
 * its triggers (HTTP methods; the EventBridge queue trigger's batch window, push retry strategy,
 * errors tolerance and dead-letter queue; the timer's period). A setting the local runtime cannot
 * honour (a trigger type it does not have, a cron form other than `@every`) is refused here, at
 * start-up, rather than silently run some other way.
 */
import type { PushRetryStrategyName } from "./push-retry";
import { PUSH_RETRY_STRATEGIES } from "./push-retry";

export interface HttpTriggerSpec {
  triggerName: string;
  /** Upper-case; FC refuses any other method before the function runs. */
  methods: string[];
}

export interface QueueTriggerSpec {
  triggerName: string;
  region: string;
  queue: string;
  /** IsBase64Decode: false delivers the body as stored (base64 here). */
  base64Decode: boolean;
  /** runOptions.batchWindow.CountBasedWindow. */
  batchSize: number;
  /** runOptions.batchWindow.TimeBasedWindow. */
  batchWindowSeconds: number;
  /** runOptions.retryStrategy.PushRetryStrategy. */
  retryStrategy: PushRetryStrategyName;
  /** runOptions.errorsTolerance: ALL skips (dead-letters) a batch whose retries ran out; NONE blocks. */
  errorsTolerance: "ALL" | "NONE";
  /** runOptions.deadLetterQueue.Arn, parsed; absent means a skipped batch is discarded. */
  deadLetterQueue?: { arn: string; region: string; accountId: string; queue: string };
}

export interface TimerTriggerSpec {
  triggerName: string;
  cronExpression: string;
  intervalSeconds: number;
  payload: string;
  enabled: boolean;
}

export interface FunctionSpec {
  /** The s.yaml resource name (`submit`, `status`, `worker`, `reconciler`). */
  resource: string;
  /** functionName, e.g. `image-pipeline-worker`. */
  name: string;
  region: string;
  /** `code`, e.g. `./dist/worker`. */
  code: string;
  /** `<file>.<export>`, e.g. `index.handler`. */
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** The role ARN, e.g. `acs:ram::<account>:role/image-pipeline-worker`. */
  role: string;
  /** environmentVariables exactly as resolved; `{}` when s.yaml gives none. */
  env: Record<string, string>;
  /** concurrencyConfig.reservedConcurrency, when set. */
  reservedConcurrency?: number;
  http?: HttpTriggerSpec;
  queue?: QueueTriggerSpec;
  timer?: TimerTriggerSpec;
}

export class FunctionSpecError extends Error {
  constructor(resource: string, problem: string) {
    super(`s.yaml resource ${resource}: ${problem}`);
    this.name = "FunctionSpecError";
  }
}

type Props = Record<string, unknown>;

function isProps(value: unknown): value is Props {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A reader that names the resource and the path of whatever is missing or mistyped. */
function reader(resource: string) {
  const fail = (where: string, what: string): never => {
    throw new FunctionSpecError(resource, `${where} ${what}`);
  };
  const object = (value: unknown, where: string): Props =>
    isProps(value) ? value : fail(where, "is not an object");
  const text = (value: unknown, where: string): string =>
    typeof value === "string" && value !== "" ? value : fail(where, "is not a non-empty string");
  const count = (value: unknown, where: string): number =>
    typeof value === "number" && Number.isFinite(value) && value >= 0
      ? value
      : fail(where, "is not a number");
  return { fail, object, text, count };
}

/** FC's `@every <n><s|m|h>` form, in seconds; FC requires at least one minute. */
export function everyIntervalSeconds(cronExpression: string): number | undefined {
  const match = /^@every\s+(\d+)([smh])$/.exec(cronExpression.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

/** `acs:mns:<region>:<account>:/queues/<name>`. */
export function parseQueueArn(arn: string): { region: string; accountId: string; queue: string } | undefined {
  const match = /^acs:mns:([a-z0-9-]+):(\d+):\/queues\/([A-Za-z0-9-]+)$/.exec(arn);
  return match ? { region: match[1] ?? "", accountId: match[2] ?? "", queue: match[3] ?? "" } : undefined;
}

function httpTrigger(resource: string, trigger: Props): HttpTriggerSpec {
  const r = reader(resource);
  const config = r.object(trigger.triggerConfig, "http triggerConfig");
  const methods = Array.isArray(config.methods) ? config.methods.map((m) => String(m).toUpperCase()) : [];
  if (methods.length === 0) r.fail("http triggerConfig.methods", "is empty");
  return { triggerName: r.text(trigger.triggerName, "triggerName"), methods };
}

function queueTrigger(resource: string, trigger: Props): QueueTriggerSpec {
  const r = reader(resource);
  const config = r.object(trigger.triggerConfig, "eventbridge triggerConfig");
  const source = r.object(config.eventSourceConfig, "eventSourceConfig");
  if (source.eventSourceType !== "MNS") r.fail("eventSourceConfig.eventSourceType", "is not MNS");
  const mns = r.object(
    r.object(source.eventSourceParameters, "eventSourceParameters").sourceMNSParameters,
    "sourceMNSParameters",
  );
  const run = r.object(config.runOptions, "runOptions");
  if (run.mode !== "event-streaming")
    r.fail("runOptions.mode", "is not event-streaming (the only mode run locally)");
  const window = r.object(run.batchWindow, "runOptions.batchWindow");
  const strategy = r.text(
    r.object(run.retryStrategy, "runOptions.retryStrategy").PushRetryStrategy,
    "PushRetryStrategy",
  );
  if (!(strategy in PUSH_RETRY_STRATEGIES))
    r.fail("PushRetryStrategy", `${strategy} is not a known strategy`);
  // NONE is EventBridge's default.
  const tolerance = run.errorsTolerance ?? "NONE";
  if (tolerance !== "ALL" && tolerance !== "NONE")
    return r.fail("runOptions.errorsTolerance", "is not ALL or NONE");
  let deadLetterQueue: QueueTriggerSpec["deadLetterQueue"];
  if (run.deadLetterQueue !== undefined) {
    const arn = r.text(
      r.object(run.deadLetterQueue, "runOptions.deadLetterQueue").Arn,
      "deadLetterQueue.Arn",
    );
    const parsed = parseQueueArn(arn) ?? r.fail("deadLetterQueue.Arn", `${arn} is not an MNS queue ARN`);
    deadLetterQueue = { arn, ...parsed };
  }
  return {
    triggerName: r.text(trigger.triggerName, "triggerName"),
    region: r.text(mns.RegionId, "sourceMNSParameters.RegionId"),
    queue: r.text(mns.QueueName, "sourceMNSParameters.QueueName"),
    base64Decode: mns.IsBase64Decode === true,
    batchSize: r.count(window.CountBasedWindow, "batchWindow.CountBasedWindow"),
    batchWindowSeconds: r.count(window.TimeBasedWindow, "batchWindow.TimeBasedWindow"),
    retryStrategy: strategy as PushRetryStrategyName,
    errorsTolerance: tolerance,
    ...(deadLetterQueue ? { deadLetterQueue } : {}),
  };
}

function timerTrigger(resource: string, trigger: Props): TimerTriggerSpec {
  const r = reader(resource);
  const config = r.object(trigger.triggerConfig, "timer triggerConfig");
  const cronExpression = r.text(config.cronExpression, "cronExpression");
  const intervalSeconds =
    everyIntervalSeconds(cronExpression) ??
    r.fail("cronExpression", `${cronExpression} is not the @every form (the only one run locally)`);
  return {
    triggerName: r.text(trigger.triggerName, "triggerName"),
    cronExpression,
    intervalSeconds,
    payload: typeof config.payload === "string" ? config.payload : "",
    enabled: config.enable === true,
  };
}

const TRIGGER_READERS = {
  http: (resource: string, t: Props) => ({ http: httpTrigger(resource, t) }),
  eventbridge: (resource: string, t: Props) => ({ queue: queueTrigger(resource, t) }),
  timer: (resource: string, t: Props) => ({ timer: timerTrigger(resource, t) }),
} as const;

/** One resource's resolved fc3 props as a {@link FunctionSpec}. */
export function functionSpec(resource: string, props: Props): FunctionSpec {
  const r = reader(resource);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(
    isProps(props.environmentVariables) ? props.environmentVariables : {},
  )) {
    // fc3 sends every value as a string; a number here would be a different deployment.
    env[name] = typeof value === "string" ? value : r.fail(`environmentVariables.${name}`, "is not a string");
  }
  const concurrency = isProps(props.concurrencyConfig)
    ? props.concurrencyConfig.reservedConcurrency
    : undefined;
  let spec: FunctionSpec = {
    resource,
    name: r.text(props.functionName, "functionName"),
    region: r.text(props.region, "region"),
    code: r.text(props.code, "code"),
    handler: r.text(props.handler, "handler"),
    memoryMb: r.count(props.memorySize, "memorySize"),
    timeoutSeconds: r.count(props.timeout, "timeout"),
    role: r.text(props.role, "role"),
    env,
    ...(typeof concurrency === "number" ? { reservedConcurrency: concurrency } : {}),
  };
  for (const trigger of Array.isArray(props.triggers) ? props.triggers : []) {
    const t = r.object(trigger, "trigger");
    const type = String(t.triggerType);
    const read = TRIGGER_READERS[type as keyof typeof TRIGGER_READERS];
    if (!read)
      r.fail(`trigger ${String(t.triggerName)}`, `has type ${type}, which the local runtime does not run`);
    spec = { ...spec, ...read(resource, t) };
  }
  return spec;
}

/** Every resource of the resolved s.yaml, by resource name. */
export function functionSpecs(resolved: Record<string, Props>): Record<string, FunctionSpec> {
  return Object.fromEntries(
    Object.entries(resolved).map(([resource, props]) => [resource, functionSpec(resource, props)]),
  );
}
