import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createSYamlResolver, S_YAML_PATH, type SYamlResolver } from "../../../local/fc/s-yaml";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_CROSS_ACCOUNT_ROLE_NAME,
  LOCAL_SERVICE_ACCOUNT_ID,
} from "../../../local/identities";
import { CONFIG_VARIABLES } from "../../../shared/config";
import { createPropsValidator, FC3_SCHEMA_SHA256, fc3SchemaSha256 } from "./fc3-props-validator";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const sYamlText = readFileSync(S_YAML_PATH, "utf8");
const validateProps = createPropsValidator();

const FUNCTIONS = ["submit", "status", "worker", "reconciler"] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/** What each function needs and nothing more (ECS_/STS_ENDPOINT are local-stack overrides only). */
const ENV_BY_FUNCTION: Record<FunctionName, string[]> = {
  submit: [
    "SERVICE_ACCOUNT_ID",
    "TABLESTORE_ENDPOINT",
    "TABLESTORE_INSTANCE",
    "RECORDS_TABLE",
    "MNS_ENDPOINT",
    "QUEUE_NAME",
    "EVENTS_TOPIC",
    "JWT_JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "LOG_LEVEL",
  ],
  status: [
    // shared/config.ts requires it of every function (issue: status answered 500 without it).
    "SERVICE_ACCOUNT_ID",
    "TABLESTORE_ENDPOINT",
    "TABLESTORE_INSTANCE",
    "RECORDS_TABLE",
    "JWT_JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "LOG_LEVEL",
  ],
  worker: [
    "SERVICE_ACCOUNT_ID",
    "TABLESTORE_ENDPOINT",
    "TABLESTORE_INSTANCE",
    "RECORDS_TABLE",
    "MNS_ENDPOINT",
    "EVENTS_TOPIC",
    "CROSS_ACCOUNT_ROLE_NAME",
    "CROSS_ACCOUNT_EXTERNAL_ID",
    "WORKER_MAX_ATTEMPTS",
    "WORKER_ECS_QPS_PER_ACCOUNT",
    "CALL_SLOTS_TABLE",
    "LOG_LEVEL",
  ],
  reconciler: [
    "SERVICE_ACCOUNT_ID",
    "TABLESTORE_ENDPOINT",
    "TABLESTORE_INSTANCE",
    "RECORDS_TABLE",
    "MNS_ENDPOINT",
    "QUEUE_NAME",
    "RECONCILE_PENDING_AFTER_SECONDS",
    "EVENTS_TOPIC",
    "RECONCILE_EVENT_OWED_AFTER_SECONDS",
    "LOG_LEVEL",
  ],
};

/** The shell variables `s deploy` cannot do without (docs/deploy.md). */
const REQUIRED_DEPLOY_ENV: Record<string, string> = {
  JWT_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
  JWT_ISSUER: "https://id.example.com/",
  JWT_AUDIENCE: "image-pipeline-requests",
};

/** The 5-minute cap on an invocation driven by an EventBridge trigger (docs/cloud-facts.md, "Queue trigger batches, timeouts and retries"). */
const EVENTBRIDGE_MAX_TIMEOUT_SECONDS = 300;
/** FC: all user environment variables together at most 4 KB (docs/cloud-facts.md, "FC3 invocation context"). */
const MAX_ENV_BYTES = 4096;

function record(value: unknown): Record<string, unknown> {
  expect(value).toBeTypeOf("object");
  expect(value).not.toBeNull();
  return value as Record<string, unknown>;
}

function triggersOf(props: Record<string, unknown>): Record<string, unknown>[] {
  expect(Array.isArray(props.triggers)).toBe(true);
  return (props.triggers as unknown[]).map(record);
}

function envOf(props: Record<string, unknown>): Record<string, unknown> {
  return record(props.environmentVariables);
}

describe("s.yaml as written", () => {
  const doc = record(parse(sYamlText));

  it("is a Serverless Devs 3 application of four fc3 resources", () => {
    expect(doc.edition).toBe("3.0.0");
    const resources = record(doc.resources);
    expect(Object.keys(resources).sort()).toEqual([...FUNCTIONS].sort());
    for (const name of FUNCTIONS) expect(record(resources[name]).component).toBe("fc3");
  });

  it("builds the bundles once, at the project root, before deploying", () => {
    const preDeploy = record(doc.actions)["pre-deploy"];
    expect(preDeploy).toEqual([{ run: "npm run build", path: "./" }]);
    const pkg = record(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")));
    expect(record(pkg.scripts).build).toBeTypeOf("string");
  });

  it("requires exactly the deploy-time variables that have no safe default", () => {
    const withoutDefault = [...sYamlText.matchAll(/\$\{env\('([A-Z0-9_]+)'\)\}/g)].map((m) => m[1]);
    expect(withoutDefault.sort()).toEqual(Object.keys(REQUIRED_DEPLOY_ENV).sort());
  });

  it("documents every shell variable it reads in docs/deploy.md", () => {
    const docs = readFileSync(path.join(root, "docs/deploy.md"), "utf8");
    const names = new Set([...sYamlText.matchAll(/\$\{env\('([A-Z0-9_]+)'/g)].map((m) => m[1] ?? ""));
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(docs, name).toContain(`\`${name}\``);
  });
});

describe("s.yaml resolved by Serverless Devs", () => {
  let resolver: SYamlResolver;
  let resolved: Record<string, Record<string, unknown>>;

  const props = (name: FunctionName) => record(resolved[name]);

  beforeAll(async () => {
    resolver = await createSYamlResolver({
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    });
    const result = await resolver.resolve(REQUIRED_DEPLOY_ENV);
    if (!result.ok) throw new Error(`s could not resolve s.yaml:\n${result.output}`);
    resolved = result.props;
  });

  afterAll(async () => {
    await resolver?.close();
  });

  it.each(FUNCTIONS)("%s props are valid against the fc3 schema", (name) => {
    expect(validateProps(props(name))).toEqual({ schemaErrors: [], triggerErrors: [] });
  });

  it.each(FUNCTIONS)("%s runs the nodejs20 bundle that npm run build writes", (name) => {
    const p = props(name);
    expect(p).toMatchObject({
      region: "cn-hangzhou",
      functionName: `image-pipeline-${name}`,
      runtime: "nodejs20",
      code: `./dist/${name}`,
      handler: "index.handler",
      logConfig: "auto",
    });
    // nodejs20 on FC3 serves one request per instance; the setting would only mislead.
    expect(p).not.toHaveProperty("instanceConcurrency");
  });

  it.each(FUNCTIONS)("%s gets exactly the environment variables it needs", (name) => {
    const env = envOf(props(name));
    const names = Object.keys(env);
    expect(names.filter((n) => !CONFIG_VARIABLES.includes(n))).toEqual([]);
    expect(names.sort()).toEqual([...ENV_BY_FUNCTION[name]].sort());
    expect(names.filter((n) => n.startsWith("FC_"))).toEqual([]);
    const bytes = Object.entries(env).reduce((sum, [k, v]) => sum + Buffer.byteLength(`${k}${String(v)}`), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_ENV_BYTES);
  });

  it("points every function at the same store and the same account", () => {
    const envs = FUNCTIONS.map((name) => envOf(props(name)));
    for (const env of envs) {
      expect(env.TABLESTORE_ENDPOINT).toBe("https://imgpipe.cn-hangzhou.ots.aliyuncs.com");
      expect(env.TABLESTORE_INSTANCE).toBe("imgpipe");
      expect(env.RECORDS_TABLE).toBe("image_pipeline_records");
      expect(env.LOG_LEVEL).toBe("info");
    }
    for (const name of FUNCTIONS)
      expect(envOf(props(name)).SERVICE_ACCOUNT_ID).toBe(LOCAL_SERVICE_ACCOUNT_ID);
    for (const name of ["submit", "worker", "reconciler"] as const) {
      expect(envOf(props(name)).MNS_ENDPOINT).toBe(
        `https://${LOCAL_SERVICE_ACCOUNT_ID}.mns.cn-hangzhou.aliyuncs.com`,
      );
    }
  });

  it("caps no worker concurrency (extra MNS pushes would be throttled into the dead-letter queue) and names the shared call schedule instead", () => {
    const worker = props("worker");
    expect(worker.concurrencyConfig).toBeUndefined();
    expect(envOf(worker)).toMatchObject({
      CALL_SLOTS_TABLE: "image_pipeline_call_slots",
      WORKER_ECS_QPS_PER_ACCOUNT: "20",
    });
    expect(envOf(worker)).not.toHaveProperty("WORKER_MAX_CONCURRENT_INVOCATIONS");
  });

  it("defaults the worker's optional settings to 'off' and the role name to the local stack's", () => {
    expect(envOf(props("worker"))).toMatchObject({
      EVENTS_TOPIC: "",
      CROSS_ACCOUNT_EXTERNAL_ID: "",
      CROSS_ACCOUNT_ROLE_NAME: LOCAL_CROSS_ACCOUNT_ROLE_NAME,
      WORKER_MAX_ATTEMPTS: "5",
    });
  });

  it("gives each function a lower-case role ARN in the service account (fc3 lower-cases it)", () => {
    for (const name of FUNCTIONS) {
      const role = String(props(name).role);
      expect(role).toMatch(new RegExp(`^acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/[a-z0-9-]+$`));
    }
    expect(props("submit").role).toBe(props("status").role);
    expect(props("worker").role).not.toBe(props("submit").role);
    // The reconciler only reads records and sends messages: a role of its own, without writes.
    expect(new Set([props("reconciler").role, props("submit").role, props("worker").role]).size).toBe(3);
  });

  describe("reconciler timer trigger", () => {
    it("runs on one enabled timer, often enough to pick records up soon after the pending threshold", () => {
      const triggers = triggersOf(props("reconciler"));
      expect(triggers).toHaveLength(1);
      expect(triggers[0]).toMatchObject({ triggerType: "timer", qualifier: "LATEST" });
      const config = record(triggers[0]?.triggerConfig);
      expect(config.enable).toBe(true);
      const every = /^@every (\d+)m$/.exec(String(config.cronExpression));
      expect(every, String(config.cronExpression)).not.toBeNull();
      const periodSeconds = Number(every?.[1]) * 60;
      const pendingAfter = Number(envOf(props("reconciler")).RECONCILE_PENDING_AFTER_SECONDS);
      expect(periodSeconds).toBeGreaterThanOrEqual(60);
      expect(periodSeconds).toBeLessThanOrEqual(pendingAfter);
    });

    it("re-enqueues onto the queue submit sends to and the worker consumes, within one period", () => {
      const env = envOf(props("reconciler"));
      expect(env.QUEUE_NAME).toBe(envOf(props("submit")).QUEUE_NAME);
      expect(env.RECONCILE_PENDING_AFTER_SECONDS).toBe("300");
      expect(Number(props("reconciler").timeout)).toBeLessThanOrEqual(60);
    });
  });

  it.each([
    { name: "submit" as const, methods: ["POST", "DELETE"] },
    { name: "status" as const, methods: ["GET"] },
  ])(
    "$name has one anonymous HTTP trigger for $methods (the function checks the JWT)",
    ({ name, methods }) => {
      const triggers = triggersOf(props(name));
      expect(triggers).toHaveLength(1);
      expect(triggers[0]).toMatchObject({ triggerType: "http", qualifier: "LATEST" });
      const config = record(triggers[0]?.triggerConfig);
      expect(config.authType).toBe("anonymous");
      expect(config.disableURLInternet).toBe(false);
      expect([...(config.methods as string[])].sort()).toEqual([...methods].sort());
      expect(props(name).timeout).toBeLessThanOrEqual(30);
    },
  );

  describe("worker queue trigger", () => {
    const trigger = () => {
      const triggers = triggersOf(props("worker"));
      expect(triggers).toHaveLength(1);
      expect(triggers[0]).toMatchObject({ triggerType: "eventbridge", qualifier: "LATEST" });
      return record(triggers[0]?.triggerConfig);
    };

    it("consumes submit's queue, delivering bodies as stored (base64, as the events/ samples)", () => {
      const config = trigger();
      expect(config.triggerEnable).toBe(true);
      expect(config.asyncInvocationType).toBe(false);
      const source = record(config.eventSourceConfig);
      expect(source.eventSourceType).toBe("MNS");
      const mns = record(record(source.eventSourceParameters).sourceMNSParameters);
      expect(mns).toEqual({
        RegionId: props("worker").region,
        QueueName: envOf(props("submit")).QUEUE_NAME,
        IsBase64Decode: false,
      });
    });

    it("runs in event-streaming mode: arrays of CloudEvents in bounded batches", () => {
      const config = trigger();
      expect(record(config.eventSinkConfig).deliveryOption).toEqual({
        mode: "event-streaming",
        eventSchema: "CloudEvents",
      });
      const run = record(config.runOptions);
      expect(run.mode).toBe("event-streaming");
      const window = record(run.batchWindow);
      expect(window.CountBasedWindow).toBeGreaterThanOrEqual(1);
      expect(window.CountBasedWindow).toBeLessThanOrEqual(10_000);
      expect(window.TimeBasedWindow).toBeGreaterThanOrEqual(0);
      expect(window.TimeBasedWindow).toBeLessThanOrEqual(15);
    });

    it("tolerates failed batches by dead-lettering them to another queue instead of blocking", () => {
      const run = record(trigger().runOptions);
      expect(run.errorsTolerance).toBe("ALL");
      expect(["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"]).toContain(
        record(run.retryStrategy).PushRetryStrategy,
      );
      const arn = String(record(run.deadLetterQueue).Arn);
      const match = /^acs:mns:([a-z0-9-]+):(\d+):\/queues\/([A-Za-z0-9-]+)$/.exec(arn);
      expect(match, arn).not.toBeNull();
      expect(match?.[1]).toBe(props("worker").region);
      expect(match?.[2]).toBe(LOCAL_SERVICE_ACCOUNT_ID);
      // MNS: a queue cannot be its own dead-letter queue.
      expect(match?.[3]).not.toBe(envOf(props("submit")).QUEUE_NAME);
    });

    it("gives the worker a timeout within what an EventBridge trigger allows", () => {
      const timeout = Number(props("worker").timeout);
      expect(timeout).toBeGreaterThan(Number(props("submit").timeout));
      expect(timeout).toBeLessThanOrEqual(EVENTBRIDGE_MAX_TIMEOUT_SECONDS);
    });
  });

  it("derives region, endpoints and ARNs from the overridable variables", async () => {
    const result = await resolver.resolve({
      ...REQUIRED_DEPLOY_ENV,
      REGION: "cn-shanghai",
      TABLESTORE_INSTANCE: "prodrecords",
      QUEUE_NAME: "prod-requests",
      DEAD_LETTER_QUEUE_NAME: "prod-requests-dlq",
      EVENTS_TOPIC: "prod-completions",
      RECONCILE_PENDING_AFTER_SECONDS: "600",
      RECONCILER_ROLE_NAME: "prod-reconciler",
    });
    if (!result.ok) throw new Error(result.output);
    const worker = record(result.props.worker);
    const submit = record(result.props.submit);
    expect(worker.region).toBe("cn-shanghai");
    expect(envOf(worker)).toMatchObject({
      TABLESTORE_ENDPOINT: "https://prodrecords.cn-shanghai.ots.aliyuncs.com",
      MNS_ENDPOINT: `https://${LOCAL_SERVICE_ACCOUNT_ID}.mns.cn-shanghai.aliyuncs.com`,
      EVENTS_TOPIC: "prod-completions",
    });
    expect(envOf(submit).QUEUE_NAME).toBe("prod-requests");
    const reconciler = record(result.props.reconciler);
    expect(envOf(reconciler)).toMatchObject({
      QUEUE_NAME: "prod-requests",
      RECONCILE_PENDING_AFTER_SECONDS: "600",
    });
    expect(reconciler.role).toBe(`acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/prod-reconciler`);
    expect(validateProps(reconciler)).toEqual({ schemaErrors: [], triggerErrors: [] });
    const config = record(triggersOf(worker)[0]?.triggerConfig);
    expect(record(record(config.runOptions).deadLetterQueue).Arn).toBe(
      `acs:mns:cn-shanghai:${LOCAL_SERVICE_ACCOUNT_ID}:/queues/prod-requests-dlq`,
    );
    expect(validateProps(worker)).toEqual({ schemaErrors: [], triggerErrors: [] });
  });

  it("refuses to resolve when a required deploy-time variable is missing", async () => {
    const { JWT_ISSUER: _omitted, ...rest } = REQUIRED_DEPLOY_ENV;
    const result = await resolver.resolve(rest);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.output).toContain("JWT_ISSUER");
  });
});

describe("fc3 props validator", () => {
  const validProps = () => ({
    region: "cn-hangzhou",
    functionName: "probe",
    runtime: "nodejs20",
    code: "./dist/probe",
    handler: "index.handler",
    memorySize: 512,
    timeout: 10,
    environmentVariables: { LOG_LEVEL: "info" },
    triggers: [
      {
        triggerName: "http",
        triggerType: "http",
        triggerConfig: { authType: "anonymous", methods: ["GET"] },
      },
      {
        triggerName: "queue",
        triggerType: "eventbridge",
        triggerConfig: {
          triggerEnable: true,
          asyncInvocationType: false,
          eventRuleFilterPattern: "{}",
          eventSourceConfig: { eventSourceType: "MNS", eventSourceParameters: {} },
          eventSinkConfig: { deliveryOption: {} },
          runOptions: {},
        },
      },
    ],
  });

  it("reads the committed copy of devsapp/fc3's schema, unchanged", () => {
    expect(fc3SchemaSha256()).toBe(FC3_SCHEMA_SHA256);
  });

  it("accepts the baseline props the negative cases start from", () => {
    expect(validateProps(validProps())).toEqual({ schemaErrors: [], triggerErrors: [] });
  });

  type Props = ReturnType<typeof validProps>;
  it.each<{ fault: string; breakProps: (p: Props) => unknown }>([
    { fault: "a runtime FC does not offer", breakProps: (p) => ({ ...p, runtime: "nodejs22" }) },
    {
      fault: "a built-in runtime without a handler",
      breakProps: ({ handler: _dropped, ...rest }) => rest,
    },
    { fault: "a region outside the enum", breakProps: (p) => ({ ...p, region: "cn-atlantis" }) },
    { fault: "memory that is not a multiple of 64", breakProps: (p) => ({ ...p, memorySize: 100 }) },
    { fault: "a timeout of zero", breakProps: (p) => ({ ...p, timeout: 0 }) },
    {
      fault: "an environment value that is not a string",
      breakProps: (p) => ({ ...p, environmentVariables: { WORKER_MAX_ATTEMPTS: 5 } }),
    },
    {
      fault: "an unknown trigger type",
      breakProps: (p) => ({ ...p, triggers: [{ ...p.triggers[0], triggerType: "mns_queue" }] }),
    },
  ])("the schema rejects $fault", ({ breakProps }) => {
    expect(validateProps(breakProps(validProps())).schemaErrors).not.toEqual([]);
  });

  it.each<{ fault: string; triggerConfig: unknown; index: 0 | 1 }>([
    {
      fault: "an HTTP method FC does not know",
      index: 0,
      triggerConfig: { authType: "anonymous", methods: ["FETCH"] },
    },
    { fault: "an HTTP trigger without methods", index: 0, triggerConfig: { authType: "anonymous" } },
    {
      fault: "an EventBridge trigger without runOptions",
      index: 1,
      triggerConfig: {
        triggerEnable: true,
        asyncInvocationType: false,
        eventRuleFilterPattern: "{}",
        eventSourceConfig: { eventSourceType: "MNS", eventSourceParameters: {} },
        eventSinkConfig: { deliveryOption: {} },
      },
    },
  ])(
    "the per-type trigger check rejects $fault, which the schema's anyOf lets through",
    ({ triggerConfig, index }) => {
      const p = validProps();
      const triggers: unknown[] = [...p.triggers];
      triggers[index] = { ...p.triggers[index], triggerConfig };
      const check = validateProps({ ...p, triggers });
      expect(check.schemaErrors).toEqual([]);
      expect(check.triggerErrors).not.toEqual([]);
    },
  );

  it("the per-type trigger check rejects a timer trigger without a cron expression", () => {
    const p = validProps();
    const timer = { triggerName: "timer", triggerType: "timer", triggerConfig: { enable: true } };
    const check = validateProps({ ...p, triggers: [timer] });
    expect(check.schemaErrors).toEqual([]);
    expect(check.triggerErrors).not.toEqual([]);
  });
});
