/**
 * The local FC runtime and the stack's plumbing, with stand-in bundles instead of the real functions:
 * what the HTTP trigger event and the context look like, how a response is mapped back, what the
 * queue trigger delivers and when it deletes or redelivers, timeouts and crashes, and the
 * /_local control plane. The service's own behaviour is in pipelines.test.ts and chaos.test.ts.
 *
 * Every function runs as s.yaml configures it (resolved by `s`): its environment (plus only the
 * endpoint overrides), handler, memory, timeout, role, HTTP methods and the queue trigger's
 * EventBridge settings (batch window, BACKOFF_RETRY push retries, then the dead-letter queue).
 */

import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFunctionRuntime } from "../../local/fc/invoker";
import { OVERRIDABLE_NAMES, variablesBeyondSYaml } from "../../local/fc/local-differences";
import { PUSH_RETRY_STRATEGIES } from "../../local/fc/push-retry";
import { startTimerTrigger } from "../../local/fc/timer-trigger";
import { startTriggerPump } from "../../local/fc/trigger-pump";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
} from "../../local/identities";
import { loadJwtIssuer } from "../../local/jwt";
import { start as startMns } from "../../local/mns/index";
import { type RunningStack, startStack } from "../../local/stack";
import { createMnsClient, encodeQueueBody } from "../../shared/adapters/mns";
import { receiveUntilEmpty } from "../support/mns-drain";

/** Answers with what it received, so the test can look at the event, the context and the env. */
const ECHO_BUNDLE = `
exports.handler = async (event, context) => {
  const http = JSON.parse(event.toString("utf8"));
  if (http.rawPath === "/v1/binary") {
    return { statusCode: 201, headers: { "Content-Type": "image/png", "X-Two": "a,b" }, body: Buffer.from([0, 1, 2, 255]).toString("base64"), isBase64Encoded: true };
  }
  if (http.rawPath === "/v1/throw") throw new Error("boom");
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ isBuffer: Buffer.isBuffer(event), event: http, context, env: { ...process.env } }),
  };
};
`;

/**
 * Appends every event it gets to worker-events.jsonl next to the bundles; throws when a message's id
 * starts with "fail" (so the batch is redelivered), and hangs when it starts with "hang".
 */
const WORKER_BUNDLE = `
const fs = require("node:fs");
const path = require("node:path");
exports.handler = async (event, context) => {
  const events = JSON.parse(event.toString("utf8"));
  fs.appendFileSync(path.join(__dirname, "..", "worker-events.jsonl"), JSON.stringify({ at: Date.now(), events, context, env: { ...process.env } }) + "\\n");
  const ids = events.map((e) => JSON.parse(Buffer.from(e.data.messageBody, "base64").toString("utf8")).id);
  if (ids.some((id) => id.startsWith("hang"))) await new Promise(() => {});
  if (ids.some((id) => id.startsWith("fail"))) throw new Error("asked to fail");
  return { ok: ids.length };
};
`;

interface WorkerCall {
  events: {
    data: { messageBody: string; messageId: string; requestId: string } & Record<string, unknown>;
  }[] &
    Record<string, unknown>[];
  at: number;
  context: Record<string, unknown>;
  env: Record<string, string>;
}

let dist: string;
let stack: RunningStack;

async function writeBundle(name: string, code: string): Promise<void> {
  mkdirSync(path.join(dist, name), { recursive: true });
  await writeFile(path.join(dist, name, "index.js"), code);
  await writeFile(path.join(dist, name, "package.json"), '{"type":"commonjs"}\n');
}

async function workerCalls(): Promise<WorkerCall[]> {
  // No file yet is no call yet; any other failure to read it fails the test.
  const text = await readFile(path.join(dist, "worker-events.jsonl"), "utf8").catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  });
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as WorkerCall);
}

const idsOf = (call: WorkerCall): string[] =>
  call.events.map(
    (e) => (JSON.parse(Buffer.from(e.data.messageBody, "base64").toString("utf8")) as { id: string }).id,
  );

const queueCounts = () => stack.control.mns.queues().find((q) => q.name === stack.info.mns.queue);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dist = await mkdtemp(path.join(tmpdir(), "local-runtime-"));
  await writeBundle("submit", ECHO_BUNDLE);
  await writeBundle("status", ECHO_BUNDLE);
  await writeBundle("worker", WORKER_BUNDLE);
  stack = await startStack({
    distDir: dist,
    batchWindowMs: 100,
    retryDelayScale: 0.05,
    workerTimeoutSeconds: 2,
  });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dist, { recursive: true, force: true });
});

describe("HTTP gateway", () => {
  it("passes the FC3 HTTP trigger event as a Buffer with an FC-shaped context", async () => {
    const res = await fetch(`${stack.url}/v1/pipelines?limit=2&status=a&status=b`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Custom": "one", "User-Agent": "e2e-test" },
      body: '{"RegionId":"cn-hangzhou"}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-fc-request-id")).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{12}$/);
    const seen = (await res.json()) as {
      isBuffer: boolean;
      event: Record<string, unknown> & {
        headers: Record<string, string>;
        requestContext: Record<string, unknown>;
      };
      context: Record<string, unknown>;
      env: Record<string, string>;
    };
    expect(seen.isBuffer).toBe(true);
    expect(seen.event).toMatchObject({
      version: "v1",
      rawPath: "/v1/pipelines",
      body: '{"RegionId":"cn-hangzhou"}',
      isBase64Encoded: false,
      queryParameters: { limit: "2", status: "a,b" },
      headers: { "content-type": "application/json", "x-custom": "one", "user-agent": "e2e-test" },
    });
    expect(seen.event.requestContext).toMatchObject({
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      domainPrefix: "image-pipeline-submit",
      requestId: res.headers.get("x-fc-request-id"),
      http: {
        method: "POST",
        path: "/v1/pipelines",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "e2e-test",
      },
    });
    expect(String(seen.event.requestContext.timeEpoch)).toMatch(/^\d{13}$/);
    // The API role's temporary keys, as FC hands them: an STS key with its non-empty token.
    const credentials = seen.context.credentials as { accessKeyId: string; securityToken: string };
    expect(credentials.accessKeyId).toMatch(/^STS\./);
    expect(credentials.securityToken).not.toBe("");
    expect(stack.control.ram.session(credentials.accessKeyId)).toMatchObject({
      roleArn: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/image-pipeline-api`,
      accessKeySecret: (credentials as { accessKeySecret?: string }).accessKeySecret,
      securityToken: credentials.securityToken,
    });
    expect(seen.context).toEqual({
      requestId: res.headers.get("x-fc-request-id"),
      credentials,
      function: { name: "image-pipeline-submit", handler: "index.handler", memory: 512, timeout: 10 },
      region: "cn-hangzhou",
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    });
    expect(seen.env.JWT_JWKS_URL).toBe(`${stack.url}/_local/jwks.json`);
  });

  it.each([
    ["submit", "POST", "/v1/pipelines"],
    ["status", "GET", "/v1/pipelines"],
  ] as const)(
    "gives %s exactly the environment s.yaml gives it, endpoints aside",
    async (fn, method, target) => {
      const res = await fetch(`${stack.url}${target}`, { method });
      const { env } = (await res.json()) as { env: Record<string, string> };
      const spec = stack.specs[fn];
      // No variable s.yaml does not give, not even the runtime's own.
      expect(variablesBeyondSYaml(spec, env)).toEqual([]);
      expect(Object.keys(env).sort()).toEqual(Object.keys(spec.env).sort());
      for (const [name, value] of Object.entries(spec.env)) {
        if (OVERRIDABLE_NAMES.has(name)) continue;
        expect(env[name], name).toBe(value);
      }
      // The only differences: the cloud endpoints s.yaml resolves to, pointed at the emulators.
      expect(spec.env.TABLESTORE_ENDPOINT).toBe("https://local.cn-hangzhou.ots.aliyuncs.com");
      expect(env.TABLESTORE_ENDPOINT).toBe(stack.info.emulators.tablestore);
      expect(stack.functions[fn].role).toBe(spec.role);
      expect(spec.role).toMatch(new RegExp(`^acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/image-pipeline-api$`));
    },
  );

  it.each([
    ["GET", "/v1/pipelines", "image-pipeline-status"],
    ["GET", "/v1/pipelines/01ABC", "image-pipeline-status"],
    ["DELETE", "/v1/pipelines/01ABC", "image-pipeline-submit"],
    ["POST", "/v1/batches", "image-pipeline-submit"],
    ["GET", "/v1/batches/01ABC", "image-pipeline-status"],
    // An unknown path goes to a function too, so the 404 answer is the service's own.
    ["GET", "/nowhere", "image-pipeline-status"],
  ])("routes %s %s to %s", async (method, target, fn) => {
    const res = await fetch(`${stack.url}${target}`, { method });
    const seen = (await res.json()) as { context: { function: { name: string } } };
    expect(seen.context.function.name).toBe(fn);
  });

  it.each([
    ["PUT", "/v1/pipelines"],
    ["PATCH", "/v1/pipelines/01ABC"],
    ["GET", "/v1/batches"],
    ["DELETE", "/nowhere"],
  ])(
    "refuses %s %s before any function runs: the trigger's methods (s.yaml) do not list it",
    async (method, target) => {
      const res = await fetch(`${stack.url}${target}`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get("x-fc-request-id")).toBeNull();
      expect(await res.json()).toMatchObject({ ErrorCode: "MethodNotAllowed" });
    },
  );

  it("delivers a binary body base64-encoded and maps a base64 response back to bytes", async () => {
    const sent = await fetch(`${stack.url}/v1/pipelines`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array([1, 2, 3]),
    });
    const seen = (await sent.json()) as { event: { body: string; isBase64Encoded: boolean } };
    expect(seen.event).toMatchObject({ body: "AQID", isBase64Encoded: true });

    const res = await fetch(`${stack.url}/v1/binary`);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-two")).toBe("a,b");
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });

  it("answers 502 with the FC error type when the handler throws", async () => {
    const res = await fetch(`${stack.url}/v1/throw`);
    expect(res.status).toBe(502);
    expect(res.headers.get("x-fc-error-type")).toBe("UnhandledInvocationError");
    expect(await res.json()).toMatchObject({
      errorType: "UnhandledInvocationError",
      errorMessage: "Error: boom",
    });
  });
});

describe("function invoker", () => {
  it("kills an instance at the function timeout and starts a fresh one for the next call", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "invoker-"));
    const bundle = path.join(dir, "index.js");
    await writeFile(
      bundle,
      "let calls = 0; exports.handler = async (e) => { calls++; if (e.toString() === 'hang') await new Promise(() => {}); return { calls, env: process.env.ONLY_HERE }; };",
    );
    await writeFile(path.join(dir, "package.json"), '{"type":"commonjs"}');
    const runtime = createFunctionRuntime({
      name: "t",
      bundle,
      env: { ONLY_HERE: "yes" },
      memoryMb: 128,
      timeoutSeconds: 1,
      region: "cn-hangzhou",
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      credentials: { accessKeyId: "a", accessKeySecret: "b", securityToken: "" },
      handler: "index.handler",
      role: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/test`,
    });
    try {
      expect(await runtime.invoke(Buffer.from("x"))).toMatchObject({
        ok: true,
        value: { calls: 1, env: "yes" },
      });
      expect(await runtime.invoke(Buffer.from("x"))).toMatchObject({ ok: true, value: { calls: 2 } });
      expect(await runtime.invoke(Buffer.from("hang"))).toMatchObject({ ok: false, kind: "timeout" });
      // A new instance: module state starts over, as after FC replaced a timed-out instance.
      expect(await runtime.invoke(Buffer.from("x"))).toMatchObject({ ok: true, value: { calls: 1 } });
      expect(process.env.ONLY_HERE).toBeUndefined();
    } finally {
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("queues invocations beyond maxInstances and reports a bundle that cannot load", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "invoker-"));
    await writeFile(path.join(dir, "package.json"), '{"type":"commonjs"}');
    await writeFile(
      path.join(dir, "slow.js"),
      "exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return e.toString(); };",
    );
    await writeFile(path.join(dir, "broken.js"), "throw new Error('cannot load');");
    const definition = {
      name: "t",
      env: {},
      memoryMb: 128,
      timeoutSeconds: 5,
      region: "cn-hangzhou",
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      credentials: { accessKeyId: "a", accessKeySecret: "b", securityToken: "" },
      handler: "index.handler",
      role: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/test`,
      maxInstances: 1,
    };
    const slow = createFunctionRuntime({ ...definition, bundle: path.join(dir, "slow.js") });
    const broken = createFunctionRuntime({ ...definition, bundle: path.join(dir, "broken.js") });
    try {
      const results = await Promise.all(["a", "b", "c"].map((e) => slow.invoke(Buffer.from(e))));
      expect(results.map((r) => (r.ok ? r.value : r.kind))).toEqual(["a", "b", "c"]);
      expect(slow.instances()).toBe(1);
      const failed = await Promise.all([broken.invoke(Buffer.from("x")), broken.invoke(Buffer.from("y"))]);
      expect(failed.map((r) => r.ok)).toEqual([false, false]);
    } finally {
      await slow.close();
      await broken.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("timer trigger", () => {
  it("sends FC's timer event and skips a tick while the previous run is still going", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "timer-"));
    await writeFile(path.join(dir, "package.json"), '{"type":"commonjs"}');
    await writeFile(
      path.join(dir, "index.js"),
      "exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 200)); return JSON.parse(e.toString()); };",
    );
    const fn = createFunctionRuntime({
      name: "reconciler",
      bundle: path.join(dir, "index.js"),
      env: {},
      memoryMb: 128,
      timeoutSeconds: 5,
      region: "cn-hangzhou",
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      credentials: { accessKeyId: "a", accessKeySecret: "b", securityToken: "" },
      handler: "index.handler",
      role: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/test`,
    });
    const timer = startTimerTrigger({
      function: fn,
      triggerName: "every-minute",
      intervalSeconds: 3600,
      payload: "p",
    });
    try {
      const [first, second] = await Promise.all([timer.fire(), timer.fire()]);
      expect(second).toBeUndefined();
      expect(first).toMatchObject({ ok: true, value: { triggerName: "every-minute", payload: "p" } });
      const value = (first as { value: { triggerTime: string } }).value;
      expect(value.triggerTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    } finally {
      await timer.stop();
      await fn.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("queue trigger", () => {
  const mns = () =>
    createMnsClient({
      endpoint: stack.info.emulators.mns,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    });

  it("delivers the EventBridge CloudEvents array with the body as sent and deletes acknowledged messages", async () => {
    const body = encodeQueueBody({ id: "ok-1" });
    await mns().sendMessage(stack.info.mns.queue, { MessageBody: body });
    const call = await until("the delivery", async () =>
      (await workerCalls()).find((c) => idsOf(c).includes("ok-1")),
    );
    expect(call.events).toHaveLength(1);
    expect(call.events[0]).toMatchObject({
      specversion: "1.0",
      type: "mns:Queue:SendMessage",
      datacontenttype: "application/json; charset=utf-8",
      subject: `acs:mns:cn-hangzhou:${LOCAL_SERVICE_ACCOUNT_ID}:queues/${stack.info.mns.queue}`,
      aliyunaccountid: LOCAL_SERVICE_ACCOUNT_ID,
      aliyunregionid: "cn-hangzhou",
      data: { messageBody: body },
    });
    expect(call.events[0]?.data.messageId).toMatch(/\S/);
    expect(call.context).toMatchObject({
      function: { name: "image-pipeline-worker", timeout: 2, memory: 1024 },
    });
    // The worker's ECS endpoint is its own proxy in front of the simulator (fc/crash-proxy.ts).
    expect(call.env.ECS_ENDPOINT).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(call.env.ECS_ENDPOINT).not.toBe(new URL(stack.info.emulators.ecs).host);
    await until("the message to be deleted", async () => {
      const q = queueCounts();
      return q && q.visible + q.inFlight === 0 ? true : undefined;
    });
  });

  it("passes the worker s.yaml's environment plus its ECS and STS endpoint overrides only", async () => {
    const body = encodeQueueBody({ id: "env-1" });
    await mns().sendMessage(stack.info.mns.queue, { MessageBody: body });
    const call = await until("the delivery", async () =>
      (await workerCalls()).find((c) => idsOf(c).includes("env-1")),
    );
    const spec = stack.specs.worker;
    expect(variablesBeyondSYaml(spec, call.env)).toEqual([]);
    expect(Object.keys(call.env).sort()).toEqual(
      [...Object.keys(spec.env), "ECS_ENDPOINT", "STS_ENDPOINT"].sort(),
    );
    expect(call.env.STS_ENDPOINT).toBe(new URL(stack.info.emulators.ecs).host);
    // No concurrency assumption: the worker's instances share the call schedule in this table.
    expect(call.env.CALL_SLOTS_TABLE).toBe("image_pipeline_call_slots");
    expect(stack.functions.worker.role).toBe(
      `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/image-pipeline-worker`,
    );
  });

  it("batches messages up to the batch size", async () => {
    await stack.control.pauseTrigger();
    for (const id of ["b-1", "b-2", "b-3"]) {
      await mns().sendMessage(stack.info.mns.queue, { MessageBody: encodeQueueBody({ id }) });
    }
    stack.control.resumeTrigger();
    const call = await until("the batch", async () =>
      (await workerCalls()).find((c) => idsOf(c).includes("b-1")),
    );
    expect(idsOf(call).sort()).toEqual(["b-1", "b-2", "b-3"]);
  });

  /** What the dead-letter queue holds now, taken off it: one CloudEvent per dead-lettered message. */
  async function drainDeadLetters(): Promise<{ data: { messageBody: string } }[]> {
    const queue = stack.info.mns.deadLetterQueue ?? "";
    // Until MNS answers MessageNotExist; any other failure fails the test.
    const messages = await receiveUntilEmpty(mns(), queue);
    for (const m of messages) await mns().deleteMessage(queue, m.ReceiptHandle);
    return messages.map((m) => JSON.parse(m.MessageBody) as { data: { messageBody: string } });
  }

  it.each([
    ["threw", "fail-1"],
    ["timed out", "hang-1"],
  ])(
    "retries a batch whose invocation %s 3 times with BACKOFF_RETRY's backoff, then dead-letters it",
    async (_how, id) => {
      expect(stack.specs.worker.queue).toMatchObject({
        retryStrategy: "BACKOFF_RETRY",
        errorsTolerance: "ALL",
      });
      expect(stack.info.mns.deadLetterQueue).toBe(stack.specs.worker.queue?.deadLetterQueue?.queue);
      const before = stack.control.trigger();
      const body = encodeQueueBody({ id });
      await mns().sendMessage(stack.info.mns.queue, { MessageBody: body });
      const deadLetters = await until(
        "the dead letter",
        async () => {
          const found = await drainDeadLetters();
          return found.length > 0 ? found : undefined;
        },
        40_000,
      );
      expect(deadLetters.map((e) => e.data.messageBody)).toEqual([body]);
      const deliveries = (await workerCalls()).filter((c) => idsOf(c).includes(id));
      // The first push and 3 retries, each 10-20 s after the previous attempt ended (scaled by
      // 0.05 here: 0.5-1 s), so at least that far apart from one start to the next.
      expect(deliveries).toHaveLength(4);
      for (let i = 1; i < deliveries.length; i++) {
        expect((deliveries[i]?.at ?? 0) - (deliveries[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(500);
      }
      const after = stack.control.trigger();
      expect(after.failed - before.failed).toBe(4);
      expect(after.retries - before.retries).toBe(3);
      expect(after.deadLettered - before.deadLettered).toBe(1);
      await until("the source message to be gone", async () => {
        const q = queueCounts();
        return q && q.visible + q.inFlight === 0 ? true : undefined;
      });
    },
    60_000,
  );

  describe("when an invocation that ended in an error counts as delivered (functionErrors: acknowledge)", () => {
    let acking: RunningStack;

    beforeAll(async () => {
      // s.yaml's own batch window (2 s) here: no batchWindowMs.
      acking = await startStack({ distDir: dist, functionErrors: "acknowledge", workerTimeoutSeconds: 2 });
    });

    afterAll(async () => {
      await acking?.stop();
    });

    const ackingMns = () =>
      createMnsClient({
        endpoint: acking.info.emulators.mns,
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
        accessKeyId: LOCAL_ACCESS_KEY_ID,
        accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      });

    it("deletes the batch after one delivery, retries nothing and dead-letters nothing", async () => {
      await ackingMns().sendMessage(acking.info.mns.queue, {
        MessageBody: encodeQueueBody({ id: "fail-ack-1" }),
      });
      await until("the delivery", async () =>
        (await workerCalls()).find((c) => idsOf(c).includes("fail-ack-1")),
      );
      await until("the message to be deleted", async () => {
        const q = acking.control.mns.queues().find((q) => q.name === acking.info.mns.queue);
        return q && q.visible + q.inFlight === 0 ? true : undefined;
      });
      // Longer than a scaled-free retry could take to start: still one delivery.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await workerCalls()).filter((c) => idsOf(c).includes("fail-ack-1"))).toHaveLength(1);
      expect(acking.control.trigger()).toMatchObject({
        acknowledgedErrors: 1,
        failed: 0,
        retries: 0,
        deadLettered: 0,
      });
      const dlq = acking.control.mns.queues().find((q) => q.name === acking.info.mns.deadLetterQueue);
      expect(dlq).toMatchObject({ visible: 0, inFlight: 0 });
    });

    it("waits s.yaml's TimeBasedWindow (2 s) for more messages before invoking", async () => {
      await ackingMns().sendMessage(acking.info.mns.queue, { MessageBody: encodeQueueBody({ id: "w-1" }) });
      await new Promise((r) => setTimeout(r, 700));
      await ackingMns().sendMessage(acking.info.mns.queue, { MessageBody: encodeQueueBody({ id: "w-2" }) });
      const call = await until("the batch", async () =>
        (await workerCalls()).find((c) => idsOf(c).includes("w-1")),
      );
      expect(idsOf(call).sort()).toEqual(["w-1", "w-2"]);
    });
  });
});

describe("queue trigger with errorsTolerance NONE (EventBridge's default)", () => {
  it("stops the stream after the retries of a failing batch, dead-letters and discards nothing", async () => {
    const emulator = await startMns({ port: 0 });
    const dir = await mkdtemp(path.join(tmpdir(), "blocking-"));
    await writeFile(path.join(dir, "package.json"), '{"type":"commonjs"}');
    await writeFile(path.join(dir, "index.js"), "exports.handler = async () => { throw new Error('no'); };");
    const worker = createFunctionRuntime({
      name: "blocked",
      bundle: path.join(dir, "index.js"),
      handler: "index.handler",
      role: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/test`,
      env: {},
      memoryMb: 128,
      timeoutSeconds: 5,
      region: "cn-hangzhou",
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      credentials: { accessKeyId: "a", accessKeySecret: "b", securityToken: "" },
    });
    const client = createMnsClient({
      endpoint: emulator.url,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    });
    await client.createQueue("blocking");
    const pump = startTriggerPump({
      mns: client,
      queue: "blocking",
      worker,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      region: "cn-hangzhou",
      batchSize: 1,
      batchWindowMs: 0,
      retryStrategy: PUSH_RETRY_STRATEGIES.BACKOFF_RETRY,
      retryDelayScale: 0.01,
      errorsTolerance: "NONE",
      invocationTimeoutSeconds: 5,
      // One push at a time, so the second message waits behind the first.
      maxConcurrentBatches: 1,
      duplicateRate: () => 0,
    });
    try {
      for (const id of ["first", "second"]) {
        await client.sendMessage("blocking", { MessageBody: encodeQueueBody({ id }) });
      }
      await until("the stream to stop", async () => (pump.stats().blocked ? true : undefined));
      await new Promise((r) => setTimeout(r, 1500));
      expect(pump.stats()).toMatchObject({
        deliveries: 4,
        failed: 4,
        retries: 3,
        deadLettered: 0,
        discarded: 0,
      });
      // Both messages are still in the queue: the failed one held, the next one never taken.
      const queue = emulator.control.queues().find((q) => q.name === "blocking");
      expect(queue).toMatchObject({ visible: 1, inFlight: 1 });
    } finally {
      await pump.stop();
      await worker.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("control plane", () => {
  it("serves the JWKS the issued tokens verify against", async () => {
    const { createLocalJWKSet, jwtVerify } = await import("jose");
    const jwks = (await (await fetch(`${stack.url}/_local/jwks.json`)).json()) as { keys: object[] };
    expect(jwks.keys).toHaveLength(1);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const token = await stack.control.issueToken({ sub: "alice", scope: "pipelines:read" });
    const { payload } = await jwtVerify(
      token,
      createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]),
      {
        issuer: stack.info.jwt.issuer,
        audience: stack.info.jwt.audience,
      },
    );
    expect(payload).toMatchObject({ sub: "alice", scope: "pipelines:read" });
  });

  it("replaces the fault settings as a whole and routes each part to its emulator", async () => {
    const put = await fetch(`${stack.url}/_local/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ecs: { throttleRate: 0.3, latencyMs: 5 }, worker: { crashAfterCallRate: 0.5 } }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      ecs: { throttleRate: 0.3, latencyMs: [5, 5] },
      mns: { duplicateRate: 0 },
      worker: { crashAfterCallRate: 0.5 },
    });
    expect(stack.control.ecs.getFaults().throttleRate).toBe(0.3);
    const replaced = await fetch(`${stack.url}/_local/faults`, { method: "PUT", body: "{}" });
    expect(await replaced.json()).toMatchObject({
      ecs: { throttleRate: 0 },
      worker: { crashAfterCallRate: 0 },
    });
  });

  it.each([
    ["an unknown part", { sqs: {} }],
    ["an unknown ECS setting", { ecs: { throttle: 0.1 } }],
    ["a rate above 1", { mns: { duplicateRate: 1.5 } }],
    ["a bad Tablestore rate", { tablestore: { serverBusyRate: -1 } }],
    ["a bad worker rate", { worker: { crashAfterCallRate: "often" } }],
    ["a part that is not an object", { ecs: 0.3 }],
  ])("refuses %s with 400 and changes nothing", async (_what, body) => {
    await stack.control.replaceFaults({ ecs: { serverErrorRate: 0.2 } });
    const res = await fetch(`${stack.url}/_local/faults`, { method: "PUT", body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 400, code: "InvalidFaultSettings" });
    expect(stack.control.getFaults().ecs).toMatchObject({ serverErrorRate: 0.2 });
    await stack.control.replaceFaults({});
  });

  it("answers 400 MalformedJSON, 404 and 405 on the control routes", async () => {
    expect((await fetch(`${stack.url}/_local/faults`, { method: "PUT", body: "{" })).status).toBe(400);
    expect((await fetch(`${stack.url}/_local/nothing`)).status).toBe(404);
    const wrong = await fetch(`${stack.url}/_local/reset`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });

  it("lists the simulator's pipelines and calls, and reset empties the emulators and provisions again", async () => {
    expect(await (await fetch(`${stack.url}/_local/ecs/pipelines`)).json()).toEqual([]);
    expect(await (await fetch(`${stack.url}/_local/ecs/calls`)).json()).toMatchObject({
      createImagePipeline: { received: 0 },
    });
    const info = (await (await fetch(`${stack.url}/_local/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      api: stack.url,
      tablestore: { instance: "local" },
      mns: { queue: "image-pipeline-requests" },
    });
    expect((await fetch(`${stack.url}/_local/reset`, { method: "POST" })).status).toBe(204);
    expect(queueCounts()).toMatchObject({ visible: 0, inFlight: 0 });
  });
});

describe("npm run dev-token", () => {
  const run = (args: string[], dataDir: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", path.join(__dirname, "../../scripts/dev-token.ts"), ...args],
        { env: { ...process.env, DATA_DIR: dataDir } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("signs with the key file in DATA_DIR, which a stack on that directory serves", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dev-token-"));
    try {
      const made = await run(["--sub", "dana", "--scope", "pipelines:read"], dataDir);
      expect(made.code).toBe(0);
      const { createLocalJWKSet, jwtVerify } = await import("jose");
      const issuer = await loadJwtIssuer(dataDir);
      const { payload } = await jwtVerify(
        made.stdout.trim(),
        createLocalJWKSet(issuer.jwks() as Parameters<typeof createLocalJWKSet>[0]),
        {
          issuer: stack.info.jwt.issuer,
          audience: stack.info.jwt.audience,
        },
      );
      expect(payload).toMatchObject({ sub: "dana", scope: "pipelines:read" });
      const missing = await run([], dataDir);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("--sub is required");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
