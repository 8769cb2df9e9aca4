/**
 * Environment -> typed configuration, validated once at cold start: a function with a missing or
 * malformed variable fails its first invocation with every problem named, instead of failing
 * later in the middle of a request. The variable names are the ones s.yaml sets (docs/deploy.md).
 * An empty string means "not set": s.yaml deploys optional variables as "".
 */
import * as v from "valibot";
import { ServiceError } from "./domain/errors";

const optionalText = v.pipe(
  v.optional(v.string(), ""),
  v.transform((s) => (s.trim() === "" ? undefined : s.trim())),
);
// Unset, empty and blank all read as missing, so each is named the same way.
const requiredText = (name: string) =>
  v.pipe(v.optional(v.string(), ""), v.trim(), v.nonEmpty(`${name} is required`));
/** A required variable of a given form: a missing one is named as missing, not also as malformed. */
const requiredOfForm = (name: string, form: v.PipeItem<string, string, v.BaseIssue<unknown>>) =>
  v.config(v.pipe(requiredText(name), form), { abortPipeEarly: true });
const url = (name: string) => requiredOfForm(name, v.url(`${name} must be a URL`));
const positiveInteger = (name: string, fallback: number) =>
  v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => (s.trim() === "" ? fallback : Number(s))),
    v.number(`${name} must be a number`),
    v.integer(`${name} must be a whole number`),
    v.minValue(1, `${name} must be at least 1`),
  );

const ConfigSchema = v.object({
  SERVICE_ACCOUNT_ID: requiredOfForm(
    "SERVICE_ACCOUNT_ID",
    v.regex(/^\d+$/, "SERVICE_ACCOUNT_ID must be digits"),
  ),
  TABLESTORE_ENDPOINT: url("TABLESTORE_ENDPOINT"),
  TABLESTORE_INSTANCE: requiredText("TABLESTORE_INSTANCE"),
  RECORDS_TABLE: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "image_pipeline_records"),
  ),
  MNS_ENDPOINT: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || undefined),
  ),
  QUEUE_NAME: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "image-pipeline-requests"),
  ),
  EVENTS_TOPIC: optionalText,
  ECS_ENDPOINT: optionalText,
  STS_ENDPOINT: optionalText,
  CROSS_ACCOUNT_ROLE_NAME: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "ImagePipelineRequestRole"),
  ),
  CROSS_ACCOUNT_EXTERNAL_ID: optionalText,
  JWT_JWKS_URL: optionalText,
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  WORKER_MAX_ATTEMPTS: positiveInteger("WORKER_MAX_ATTEMPTS", 5),
  // ECS documents no CreateImagePipeline rate; 20 calls per second per account is the local
  // simulator's limit and a safe ceiling. Every worker instance together stays under it: the
  // schedule is shared through CALL_SLOTS_TABLE (shared/app/call-rate), however many run.
  WORKER_ECS_QPS_PER_ACCOUNT: positiveInteger("WORKER_ECS_QPS_PER_ACCOUNT", 20),
  CALL_SLOTS_TABLE: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "image_pipeline_call_slots"),
  ),
  RECONCILE_PENDING_AFTER_SECONDS: positiveInteger("RECONCILE_PENDING_AFTER_SECONDS", 300),
  RECONCILE_EVENT_OWED_AFTER_SECONDS: positiveInteger("RECONCILE_EVENT_OWED_AFTER_SECONDS", 60),
  LOG_LEVEL: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "info"),
    v.picklist(["debug", "info", "warn", "error"], "LOG_LEVEL must be debug, info, warn or error"),
  ),
});

/** Every environment variable the configuration is read from (the schema's keys). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(ConfigSchema.entries);

export interface Config {
  serviceAccountId: string;
  tablestore: { endpoint: string; instance: string; table: string };
  mns: { endpoint?: string | undefined; queue: string; eventsTopic?: string | undefined };
  ecsEndpoint?: string | undefined;
  stsEndpoint?: string | undefined;
  crossAccount: { roleName: string; externalId?: string | undefined };
  jwt: { jwksUrl?: string | undefined; issuer?: string | undefined; audience?: string | undefined };
  worker: {
    maxAttempts: number;
    /** The account's CreateImagePipeline limit the worker instances share. */
    ecsQpsPerAccount: number;
    /** The Tablestore table (same instance as the records) holding the shared call schedule. */
    callSlotsTable: string;
  };
  /** How long a record may stay `pending` before the reconciler queues it again. */
  reconciler: {
    pendingAfterSeconds: number;
    /** How long a completion event may stay owed before the reconciler publishes it (the outbox). */
    eventOwedAfterSeconds: number;
  };
  logLevel: "debug" | "info" | "warn" | "error";
}

export class ConfigError extends ServiceError {
  override readonly name = "ConfigError";
  declare readonly code: "InvalidConfiguration";
  constructor(readonly problems: string[]) {
    super("InvalidConfiguration", `Invalid configuration: ${problems.join("; ")}`, { transient: false });
  }
}

/** The variables a function reads its configuration from: process.env in FC, any object in a test. */
export type Environment = Record<string, string | undefined>;

/**
 * Reads and checks the environment; throws ConfigError naming every problem. Each function's
 * composition calls it once per instance (shared/composition/config-on-first-use).
 */
export function readConfig(env: Environment = process.env): Config {
  const parsed = v.safeParse(ConfigSchema, env);
  if (!parsed.success) throw new ConfigError(parsed.issues.map((issue) => issue.message));
  const e = parsed.output;
  return {
    serviceAccountId: e.SERVICE_ACCOUNT_ID,
    tablestore: { endpoint: e.TABLESTORE_ENDPOINT, instance: e.TABLESTORE_INSTANCE, table: e.RECORDS_TABLE },
    mns: { endpoint: e.MNS_ENDPOINT, queue: e.QUEUE_NAME, eventsTopic: e.EVENTS_TOPIC },
    ecsEndpoint: e.ECS_ENDPOINT,
    stsEndpoint: e.STS_ENDPOINT,
    crossAccount: { roleName: e.CROSS_ACCOUNT_ROLE_NAME, externalId: e.CROSS_ACCOUNT_EXTERNAL_ID },
    jwt: { jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    worker: {
      maxAttempts: e.WORKER_MAX_ATTEMPTS,
      ecsQpsPerAccount: e.WORKER_ECS_QPS_PER_ACCOUNT,
      callSlotsTable: e.CALL_SLOTS_TABLE,
    },
    reconciler: {
      pendingAfterSeconds: e.RECONCILE_PENDING_AFTER_SECONDS,
      eventOwedAfterSeconds: e.RECONCILE_EVENT_OWED_AFTER_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
