/**
 * What the local FC runtime reads from s.yaml (resolved by `s`, local/fc/s-yaml.ts) and the one
 * list of local differences (local/fc/local-differences.ts): the settings the stack runs each
 * function with, the shell variables it resolves s.yaml with, and the environment it adds.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  everyIntervalSeconds,
  type FunctionSpec,
  FunctionSpecError,
  functionSpec,
  functionSpecs,
} from "../../../local/fc/function-spec";
import {
  ENDPOINT_OVERRIDES,
  LOCAL_DEAD_LETTER_QUEUE_NAME,
  LOCAL_EVENTS_TOPIC,
  LOCAL_QUEUE_NAME,
  localEnvironment,
  localResolutionInputs,
  variablesBeyondSYaml,
} from "../../../local/fc/local-differences";
import { PUSH_RETRY_STRATEGIES } from "../../../local/fc/push-retry";
import { resolveSYaml } from "../../../local/fc/s-yaml";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";

const credentials = {
  accessKeyId: LOCAL_ACCESS_KEY_ID,
  accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
  accountId: LOCAL_SERVICE_ACCOUNT_ID,
};
const knobs = {
  jwksUrl: "http://127.0.0.1:1/_local/jwks.json",
  jwtIssuer: "https://iss",
  jwtAudience: "aud",
};
const endpoints = { tablestore: "http://127.0.0.1:2", mns: "http://127.0.0.1:3", ecsHost: "127.0.0.1:4" };

let specs: Record<string, FunctionSpec>;
const spec = (name: string): FunctionSpec => {
  const found = specs[name];
  if (!found) throw new Error(`no ${name} in s.yaml`);
  return found;
};

beforeAll(async () => {
  specs = functionSpecs(await resolveSYaml(credentials, localResolutionInputs(knobs)));
}, 60_000);

describe("the function settings the local runtime takes from s.yaml", () => {
  it.each([
    ["submit", "image-pipeline-submit", 512, 10, "image-pipeline-api"],
    ["status", "image-pipeline-status", 512, 10, "image-pipeline-api"],
    ["worker", "image-pipeline-worker", 1024, 120, "image-pipeline-worker"],
    ["reconciler", "image-pipeline-reconciler", 512, 60, "image-pipeline-reconciler"],
  ] as const)(
    "%s: name, handler, memory, timeout and role",
    (resource, name, memoryMb, timeoutSeconds, role) => {
      expect(spec(resource)).toMatchObject({
        name,
        handler: "index.handler",
        code: `./dist/${resource}`,
        memoryMb,
        timeoutSeconds,
        region: "cn-hangzhou",
        role: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/${role}`,
      });
    },
  );

  it("the HTTP triggers' methods", () => {
    expect(spec("submit").http?.methods).toEqual(["POST", "DELETE"]);
    expect(spec("status").http?.methods).toEqual(["GET"]);
    expect(spec("worker").http).toBeUndefined();
  });

  it("the worker's EventBridge trigger: queue, batch window, retry strategy, errors tolerance, dead-letter queue", () => {
    expect(spec("worker").queue).toEqual({
      triggerName: "requests-queue",
      region: "cn-hangzhou",
      queue: LOCAL_QUEUE_NAME,
      base64Decode: false,
      batchSize: 10,
      batchWindowSeconds: 2,
      retryStrategy: "BACKOFF_RETRY",
      errorsTolerance: "ALL",
      deadLetterQueue: {
        arn: `acs:mns:cn-hangzhou:${LOCAL_SERVICE_ACCOUNT_ID}:/queues/${LOCAL_DEAD_LETTER_QUEUE_NAME}`,
        region: "cn-hangzhou",
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
        queue: LOCAL_DEAD_LETTER_QUEUE_NAME,
      },
    });
    // No reservedConcurrency: the stack bounds the worker by FC's region quota (or workerInstances).
    expect(spec("worker").reservedConcurrency).toBeUndefined();
  });

  it("the reconciler's timer: every minute, enabled", () => {
    expect(spec("reconciler").timer).toEqual({
      triggerName: "every-minute",
      cronExpression: "@every 1m",
      intervalSeconds: 60,
      payload: "",
      enabled: true,
    });
  });

  it("the environment as resolved, with the local resource names and JWT issuer as inputs", () => {
    expect(spec("worker").env).toMatchObject({
      TABLESTORE_INSTANCE: LOCAL_TABLESTORE_INSTANCE,
      TABLESTORE_ENDPOINT: `https://${LOCAL_TABLESTORE_INSTANCE}.cn-hangzhou.ots.aliyuncs.com`,
      EVENTS_TOPIC: LOCAL_EVENTS_TOPIC,
      WORKER_MAX_ATTEMPTS: "5",
    });
    expect(spec("status").env).toMatchObject({ JWT_JWKS_URL: knobs.jwksUrl, JWT_ISSUER: "https://iss" });
  });

  it("takes a test knob as an input to the resolution, through the env() s.yaml reads", async () => {
    const tuned = functionSpecs(
      await resolveSYaml(
        credentials,
        localResolutionInputs({ ...knobs, workerMaxAttempts: 2, reconcilePendingAfterSeconds: 7 }),
      ),
    );
    expect(tuned.worker?.env.WORKER_MAX_ATTEMPTS).toBe("2");
    expect(tuned.reconciler?.env.RECONCILE_PENDING_AFTER_SECONDS).toBe("7");
  }, 60_000);
});

describe("the local differences", () => {
  it("replaces only the endpoints s.yaml gives, and adds ECS and STS endpoints to the worker alone", () => {
    for (const resource of ["submit", "status", "worker", "reconciler"]) {
      const s = spec(resource);
      const env = localEnvironment(s, endpoints);
      expect(variablesBeyondSYaml(s, env)).toEqual([]);
      const changed = Object.keys(env).filter((name) => env[name] !== s.env[name]);
      for (const name of changed) expect(name).toMatch(/_ENDPOINT$/);
      expect(env.TABLESTORE_ENDPOINT).toBe(endpoints.tablestore);
      expect("MNS_ENDPOINT" in env).toBe("MNS_ENDPOINT" in s.env);
      expect("ECS_ENDPOINT" in env).toBe(resource === "worker");
      expect("STS_ENDPOINT" in env).toBe(resource === "worker");
    }
    expect(ENDPOINT_OVERRIDES.every((o) => o.name.endsWith("_ENDPOINT"))).toBe(true);
  });

  it("names a variable that neither s.yaml nor an endpoint override gives", () => {
    const s = spec("status");
    expect(variablesBeyondSYaml(s, { ...s.env, SERVICE_ACCOUNT_ID_X: "1", ECS_ENDPOINT: "h" })).toEqual([
      "SERVICE_ACCOUNT_ID_X",
    ]);
  });
});

describe("reading resolved props", () => {
  const base = {
    functionName: "f",
    region: "cn-hangzhou",
    code: "./dist/f",
    handler: "index.handler",
    memorySize: 512,
    timeout: 10,
    role: "acs:ram::1:role/r",
  };

  it("reads FC's @every periods and refuses another cron form rather than run it differently", () => {
    expect(everyIntervalSeconds("@every 1m")).toBe(60);
    expect(everyIntervalSeconds("@every 90s")).toBe(90);
    expect(everyIntervalSeconds("@every 2h")).toBe(7200);
    expect(everyIntervalSeconds("0 0/5 * * * *")).toBeUndefined();
    const timer = {
      triggerName: "t",
      triggerType: "timer",
      triggerConfig: { cronExpression: "0 0/5 * * * *" },
    };
    expect(() => functionSpec("f", { ...base, triggers: [timer] })).toThrow(FunctionSpecError);
  });

  it("refuses a trigger type the local runtime does not run, and an environment value that is not a string", () => {
    const oss = { triggerName: "o", triggerType: "oss", triggerConfig: {} };
    expect(() => functionSpec("f", { ...base, triggers: [oss] })).toThrow(/oss/);
    expect(() => functionSpec("f", { ...base, environmentVariables: { N: 5 } })).toThrow(
      /environmentVariables.N/,
    );
  });
});

describe("EventBridge push retry strategies (retry-and-dead-letter docs)", () => {
  it("BACKOFF_RETRY: 3 retries, each 10 to 20 s after the previous attempt", () => {
    const backoff = PUSH_RETRY_STRATEGIES.BACKOFF_RETRY;
    expect(backoff.retries).toBe(3);
    expect(backoff.delaySeconds(1, () => 0)).toBe(10);
    expect(backoff.delaySeconds(3, () => 0.999_999)).toBeCloseTo(20, 3);
  });

  it("EXPONENTIAL_DECAY_RETRY: 176 retries, 1, 2, 4 ... 512 s, then 512 s, about one day in all", () => {
    const decay = PUSH_RETRY_STRATEGIES.EXPONENTIAL_DECAY_RETRY;
    expect(decay.retries).toBe(176);
    const delays = Array.from({ length: decay.retries }, (_, i) => decay.delaySeconds(i + 1, Math.random));
    expect(delays.slice(0, 11)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512]);
    expect(delays.filter((d) => d === 512)).toHaveLength(167);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total / 3600).toBeGreaterThan(23);
    expect(total / 3600).toBeLessThan(25);
  });
});
