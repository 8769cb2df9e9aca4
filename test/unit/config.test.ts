/**
 * readConfig (shared/config.ts): each variable s.yaml sets, its default when unset or blank, and a
 * ConfigError naming every missing or malformed one at once.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, type Environment, readConfig } from "../../shared/config";

const REQUIRED: Environment = {
  SERVICE_ACCOUNT_ID: "1000000000000001",
  TABLESTORE_ENDPOINT: "https://records.cn-hangzhou.ots.aliyuncs.com",
  TABLESTORE_INSTANCE: "records",
};

function problemsOf(env: Environment): string[] {
  try {
    readConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("readConfig accepted the environment");
}

describe("readConfig", () => {
  it("reads every variable into its place, trimmed", () => {
    const config = readConfig({
      SERVICE_ACCOUNT_ID: " 1000000000000001 ",
      TABLESTORE_ENDPOINT: "http://127.0.0.1:8001",
      TABLESTORE_INSTANCE: "local",
      RECORDS_TABLE: "records_t",
      MNS_ENDPOINT: "http://127.0.0.1:8002",
      QUEUE_NAME: "requests-q",
      EVENTS_TOPIC: "completions",
      ECS_ENDPOINT: "127.0.0.1:8003",
      STS_ENDPOINT: "127.0.0.1:8004",
      CROSS_ACCOUNT_ROLE_NAME: "PipelineRole",
      CROSS_ACCOUNT_EXTERNAL_ID: "ext-1",
      JWT_JWKS_URL: "http://127.0.0.1:8005/jwks.json",
      JWT_ISSUER: "https://issuer",
      JWT_AUDIENCE: "api",
      WORKER_MAX_ATTEMPTS: "7",
      WORKER_ECS_QPS_PER_ACCOUNT: "3",
      CALL_SLOTS_TABLE: "slots_t",
      RECONCILE_PENDING_AFTER_SECONDS: "120",
      RECONCILE_EVENT_OWED_AFTER_SECONDS: "30",
      LOG_LEVEL: "debug",
    });
    expect(config).toEqual({
      serviceAccountId: "1000000000000001",
      tablestore: { endpoint: "http://127.0.0.1:8001", instance: "local", table: "records_t" },
      mns: { endpoint: "http://127.0.0.1:8002", queue: "requests-q", eventsTopic: "completions" },
      ecsEndpoint: "127.0.0.1:8003",
      stsEndpoint: "127.0.0.1:8004",
      crossAccount: { roleName: "PipelineRole", externalId: "ext-1" },
      jwt: { jwksUrl: "http://127.0.0.1:8005/jwks.json", issuer: "https://issuer", audience: "api" },
      worker: { maxAttempts: 7, ecsQpsPerAccount: 3, callSlotsTable: "slots_t" },
      reconciler: { pendingAfterSeconds: 120, eventOwedAfterSeconds: 30 },
      logLevel: "debug",
    });
  });

  it("gives every optional variable its default when unset", () => {
    expect(readConfig(REQUIRED)).toEqual({
      serviceAccountId: "1000000000000001",
      tablestore: {
        endpoint: "https://records.cn-hangzhou.ots.aliyuncs.com",
        instance: "records",
        table: "image_pipeline_records",
      },
      mns: { endpoint: undefined, queue: "image-pipeline-requests", eventsTopic: undefined },
      ecsEndpoint: undefined,
      stsEndpoint: undefined,
      crossAccount: { roleName: "ImagePipelineRequestRole", externalId: undefined },
      jwt: { jwksUrl: undefined, issuer: undefined, audience: undefined },
      worker: { maxAttempts: 5, ecsQpsPerAccount: 20, callSlotsTable: "image_pipeline_call_slots" },
      reconciler: { pendingAfterSeconds: 300, eventOwedAfterSeconds: 60 },
      logLevel: "info",
    });
  });

  it("takes an empty or blank value as unset, as s.yaml deploys optional variables as empty strings", () => {
    const blank = Object.fromEntries(
      [
        "RECORDS_TABLE",
        "MNS_ENDPOINT",
        "QUEUE_NAME",
        "EVENTS_TOPIC",
        "ECS_ENDPOINT",
        "STS_ENDPOINT",
        "CROSS_ACCOUNT_ROLE_NAME",
        "CROSS_ACCOUNT_EXTERNAL_ID",
        "JWT_JWKS_URL",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "WORKER_MAX_ATTEMPTS",
        "WORKER_ECS_QPS_PER_ACCOUNT",
        "CALL_SLOTS_TABLE",
        "RECONCILE_PENDING_AFTER_SECONDS",
        "RECONCILE_EVENT_OWED_AFTER_SECONDS",
        "LOG_LEVEL",
      ].map((name, i) => [name, i % 2 === 0 ? "" : "  "]),
    );
    expect(readConfig({ ...REQUIRED, ...blank })).toEqual(readConfig(REQUIRED));
  });

  it("names each missing required variable, all at once", () => {
    const error = (() => {
      try {
        readConfig({});
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("InvalidConfiguration");
    expect((error as ConfigError).problems).toEqual([
      "SERVICE_ACCOUNT_ID is required",
      "TABLESTORE_ENDPOINT is required",
      "TABLESTORE_INSTANCE is required",
    ]);
    expect((error as Error).message).toBe(
      "Invalid configuration: SERVICE_ACCOUNT_ID is required; TABLESTORE_ENDPOINT is required; TABLESTORE_INSTANCE is required",
    );
  });

  it("takes a blank required variable as missing", () => {
    expect(problemsOf({ ...REQUIRED, TABLESTORE_INSTANCE: "   " })).toEqual([
      "TABLESTORE_INSTANCE is required",
    ]);
  });

  it.each([
    ["SERVICE_ACCOUNT_ID", "acct-1", "SERVICE_ACCOUNT_ID must be digits"],
    ["TABLESTORE_ENDPOINT", "not a url", "TABLESTORE_ENDPOINT must be a URL"],
    ["WORKER_MAX_ATTEMPTS", "five", "WORKER_MAX_ATTEMPTS must be a number"],
    ["WORKER_MAX_ATTEMPTS", "2.5", "WORKER_MAX_ATTEMPTS must be a whole number"],
    ["WORKER_MAX_ATTEMPTS", "0", "WORKER_MAX_ATTEMPTS must be at least 1"],
    ["WORKER_ECS_QPS_PER_ACCOUNT", "-1", "WORKER_ECS_QPS_PER_ACCOUNT must be at least 1"],
    ["RECONCILE_PENDING_AFTER_SECONDS", "soon", "RECONCILE_PENDING_AFTER_SECONDS must be a number"],
    [
      "RECONCILE_EVENT_OWED_AFTER_SECONDS",
      "1.5",
      "RECONCILE_EVENT_OWED_AFTER_SECONDS must be a whole number",
    ],
    ["LOG_LEVEL", "verbose", "LOG_LEVEL must be debug, info, warn or error"],
  ])("refuses %s=%j: %s", (name, value, problem) => {
    expect(problemsOf({ ...REQUIRED, [name]: value })).toEqual([problem]);
  });

  it("names every problem of one environment together", () => {
    expect(
      problemsOf({ ...REQUIRED, SERVICE_ACCOUNT_ID: "x", WORKER_MAX_ATTEMPTS: "0", LOG_LEVEL: "loud" }),
    ).toEqual([
      "SERVICE_ACCOUNT_ID must be digits",
      "WORKER_MAX_ATTEMPTS must be at least 1",
      "LOG_LEVEL must be debug, info, warn or error",
    ]);
  });

  it("reads process.env when given no environment", () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, REQUIRED, { QUEUE_NAME: "from-process-env" });
      expect(readConfig().mns.queue).toBe("from-process-env");
    } finally {
      process.env = saved;
    }
  });
});
