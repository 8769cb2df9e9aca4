import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay } from "../../../shared/app/backoff";
import { AccountCallPacer } from "../../../shared/app/call-rate";
import { InvocationBudget } from "../../../shared/app/invocation-budget";
import type { CreatePipelineOutcome, RecordWrite } from "../../../shared/app/ports";
import {
  DEFAULT_WORKER_TIMING,
  type ProcessMessageDeps,
  processMessage,
} from "../../../shared/app/process-message";
import type { PipelineRecord, RecordStatus } from "../../../shared/domain/record";
import {
  CapturingLogger,
  CapturingPublisher,
  DROPPED_AFTER_COMMIT,
  FakeClock,
  InMemoryRecordStore,
  ScriptedPipelineClient,
  type ScriptStep,
} from "../../support/fakes";

const T0 = new Date("2026-11-27T16:00:00.000Z");
const ID = "01JDQ5Z8W3K4N6P7R9S2T4V6X8";

function record(status: RecordStatus = "pending", patch: Partial<PipelineRecord> = {}): PipelineRecord {
  return {
    id: ID,
    status,
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: "01JDQ5ZBATCH0000000000000A",
    submittedBy: "alice",
    clientToken: "rec-token-1",
    attempts: 0,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    request: {
      AccountId: "1000000000000001",
      ClientToken: "callers-own-token",
      RegionId: "cn-hangzhou",
      BaseImageType: "IMAGE",
      BaseImage: "m-bp1aaaaaaaaaaaaaaaaa",
      BuildContent: "RUN echo hello",
      Tag: [{ Key: "team", Value: "images" }],
    },
    ...patch,
  };
}

const transient = (
  code = "Throttling.User",
  httpStatus: number | undefined = 400,
): CreatePipelineOutcome => ({
  ok: false,
  failure: { code, message: `${code} happened`, requestId: `req-${code}`, httpStatus, transient: true },
});
const permanent = (code = "InvalidImage.NotFound"): CreatePipelineOutcome => ({
  ok: false,
  failure: {
    code,
    message: "The specified image does not exist.",
    requestId: "req-perm",
    httpStatus: 404,
    transient: false,
  },
});

/** A seeded mulberry32: the same jitter on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Remembers every sleep, so backoff delays can be checked against their bounds. */
class RecordingClock extends FakeClock {
  readonly sleeps: number[] = [];
  override async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    await super.sleep(ms);
  }
}

/** A store whose next updates can be intercepted: another worker's write, or a failing call. */
class InterceptingStore extends InMemoryRecordStore {
  readonly interceptors: ((next: PipelineRecord) => Promise<RecordWrite | undefined>)[] = [];
  override async update(
    next: PipelineRecord,
    condition: { from: RecordStatus; expectedLeaseUntil?: string },
  ): Promise<RecordWrite> {
    const intercept = this.interceptors.shift();
    const forced = intercept ? await intercept(next) : undefined;
    return forced ?? super.update(next, condition);
  }
}

interface Harness {
  clock: RecordingClock;
  store: InterceptingStore;
  pipelines: ScriptedPipelineClient;
  publisher: CapturingPublisher;
  logger: CapturingLogger;
  deps: ProcessMessageDeps;
  run(timeoutSeconds?: number): ReturnType<typeof processMessage>;
  stored(): PipelineRecord;
}

function harness(
  options: {
    script?: ScriptStep[];
    record?: PipelineRecord | null;
    maxAttempts?: number;
    callMs?: number;
  } = {},
): Harness {
  const clock = new RecordingClock(new Date(T0));
  const store = new InterceptingStore();
  if (options.record !== null) {
    const initial = options.record ?? record();
    store.records.set(initial.id, structuredClone(initial));
  }
  const pipelines = new ScriptedPipelineClient(options.script ?? [], clock, options.callMs ?? 300);
  const publisher = new CapturingPublisher();
  const logger = new CapturingLogger();
  const deps: ProcessMessageDeps = {
    store,
    pipelines,
    clock,
    random: seededRandom(7),
    logger,
    publisher,
    maxAttempts: options.maxAttempts ?? 5,
  };
  return {
    clock,
    store,
    pipelines,
    publisher,
    logger,
    deps,
    run: (timeoutSeconds = 60) =>
      processMessage(ID, deps, InvocationBudget.fromTimeout(clock, timeoutSeconds)),
    stored: () => {
      const found = store.records.get(ID);
      if (!found) throw new Error("record missing");
      return found;
    },
  };
}

describe("processMessage: one ECS call", () => {
  it("success: succeeded with the pipeline id and the ECS request id, and an event", async () => {
    const h = harness();
    const outcome = await h.run();
    expect(outcome).toEqual({ action: "ack", recordId: ID, reason: "settled", status: "succeeded" });
    const stored = h.stored();
    expect(stored).toMatchObject({ status: "succeeded", attempts: 1, ecsRequestId: "req-1" });
    expect(stored.imagePipelineId).toMatch(/^ip-/);
    expect(stored.leaseUntil).toBeUndefined();
    expect(stored.completedAt).toBeDefined();
    expect(h.pipelines.calls).toHaveLength(1);
    const [call] = h.pipelines.calls;
    expect(call?.clientToken).toBe("rec-token-1");
    expect(call?.target).toEqual({ accountId: "1000000000000001", regionId: "cn-hangzhou" });
    expect(call?.request).not.toHaveProperty("AccountId");
    expect(call?.request).not.toHaveProperty("ClientToken");
    expect(call?.request).toMatchObject({ RegionId: "cn-hangzhou", Tag: [{ Key: "team", Value: "images" }] });
    expect(call?.timeoutMs).toBe(DEFAULT_WORKER_TIMING.callTimeoutMs);
    expect(h.publisher.events).toEqual([
      {
        id: ID,
        batchId: "01JDQ5ZBATCH0000000000000A",
        status: "succeeded",
        imagePipelineId: stored.imagePipelineId,
        accountId: "1000000000000001",
        regionId: "cn-hangzhou",
        labels: {},
        completedAt: stored.completedAt,
      },
    ]);
  });

  it("permanent error: failed with the ECS code, message and request id, not retryable, one call", async () => {
    const h = harness({ script: [permanent()] });
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", reason: "settled", status: "failed" });
    expect(h.stored()).toMatchObject({
      status: "failed",
      attempts: 1,
      error: {
        code: "InvalidImage.NotFound",
        message: "The specified image does not exist.",
        requestId: "req-perm",
        retryable: false,
      },
    });
    expect(h.pipelines.calls).toHaveLength(1);
    expect(h.publisher.events[0]).toMatchObject({
      status: "failed",
      error: { code: "InvalidImage.NotFound" },
    });
  });

  it("a publisher that throws never undoes the state change", async () => {
    const h = harness();
    h.deps.publisher = {
      publish: async () => {
        throw new Error("topic unavailable");
      },
    };
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.stored().status).toBe("succeeded");
    expect(h.logger.lines.some((l) => l.level === "error" && l.message.includes("not published"))).toBe(true);
  });
});

describe("processMessage: transient failures", () => {
  it("retries in place with the same token and parameters, then succeeds", async () => {
    const h = harness({ script: [transient(), transient("ServiceUnavailable", 503)] });
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    const stored = h.stored();
    expect(stored.attempts).toBe(3);
    expect(stored.error).toBeUndefined();
    expect(h.pipelines.calls).toHaveLength(3);
    expect(new Set(h.pipelines.calls.map((c) => c.clientToken))).toEqual(new Set(["rec-token-1"]));
    expect(h.pipelines.calls.map((c) => c.request)).toEqual(Array(3).fill(h.pipelines.calls[0]?.request));
    expect(h.pipelines.pipelines).toBe(1);
    expect(h.clock.sleeps).toHaveLength(2);
  });

  it("each backoff wait lies within [0, min(cap, base * 2^n))", async () => {
    const h = harness({ script: Array.from({ length: 7 }, () => transient()), maxAttempts: 20 });
    await h.run(300);
    const { baseMs, capMs } = DEFAULT_WORKER_TIMING.backoff;
    expect(h.clock.sleeps).toHaveLength(7);
    h.clock.sleeps.forEach((ms, retry) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(Math.min(capMs, baseMs * 2 ** retry));
    });
    // The same seed gives the same waits.
    const again = harness({ script: Array.from({ length: 7 }, () => transient()), maxAttempts: 20 });
    await again.run(300);
    expect(again.clock.sleeps).toEqual(h.clock.sleeps);
  });

  it("counts each call in the store before making it, keeping the last transient error visible", async () => {
    const h = harness({ script: [transient(), transient()] });
    const seen: PipelineRecord[] = [];
    h.store.interceptors.push(
      async () => undefined,
      async (next) => {
        seen.push(structuredClone(next));
        return undefined;
      },
    );
    await h.run();
    expect(seen[0]).toMatchObject({
      status: "running",
      attempts: 2,
      error: { code: "Throttling.User", retryable: true },
    });
  });

  it("out of time: releases the record (pending, last error kept) and asks for redelivery", async () => {
    // The fake client shifts from this very array, so emptying it ends the throttling.
    const script = Array.from({ length: 100 }, () => transient("Throttling.User"));
    const h = harness({ script, maxAttempts: 100, callMs: 1_000 });
    const outcome = await h.run(20);
    expect(outcome).toEqual({ action: "redeliver", recordId: ID, reason: "out-of-time" });
    const stored = h.stored();
    expect(stored.status).toBe("pending");
    expect(stored.leaseUntil).toBeUndefined();
    expect(stored.error).toMatchObject({ code: "Throttling.User", retryable: true });
    expect(stored.attempts).toBe(h.pipelines.calls.length);
    expect(h.pipelines.calls.length).toBeGreaterThan(1);
    // Nothing ran past the deadline minus the reserve for the final write.
    expect(h.clock.now().getTime()).toBeLessThanOrEqual(T0.getTime() + 20_000);
    expect(h.publisher.events).toEqual([]);

    // The redelivered message claims the record again and finishes it with the same token.
    const calls = h.pipelines.calls.length;
    script.length = 0;
    const second = await h.run(20);
    expect(second).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.stored().attempts).toBe(calls + 1);
    expect(new Set(h.pipelines.calls.map((c) => c.clientToken)).size).toBe(1);
    expect(h.pipelines.pipelines).toBe(1);
  });

  it("no time for even one call: the record is not claimed and the message is redelivered", async () => {
    const h = harness();
    const outcome = await h.run(2);
    expect(outcome).toMatchObject({ action: "redeliver", reason: "out-of-time" });
    expect(h.stored()).toMatchObject({ status: "pending", attempts: 0 });
    expect(h.pipelines.calls).toHaveLength(0);
  });

  it("time gone by the end of the claim: released uncounted, no call, redelivered", async () => {
    const h = harness();
    h.store.interceptors.push(async () => {
      h.clock.advance(27_500);
      return undefined;
    });
    const outcome = await h.run(30);
    expect(outcome).toMatchObject({ action: "redeliver", reason: "out-of-time" });
    expect(h.stored()).toMatchObject({ status: "pending", attempts: 0 });
    expect(h.stored().leaseUntil).toBeUndefined();
    expect(h.pipelines.calls).toHaveLength(0);
  });

  it("past the maximum attempts: failed with the last error and retryable true", async () => {
    const h = harness({
      script: Array.from({ length: 10 }, () => transient("Throttling.User", 400)),
      maxAttempts: 3,
    });
    const outcome = await h.run(300);
    expect(outcome).toMatchObject({ action: "ack", status: "failed" });
    expect(h.stored()).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { code: "Throttling.User", requestId: "req-Throttling.User", retryable: true },
    });
    expect(h.stored().outcomeUnknown).toBeUndefined();
    expect(h.pipelines.calls).toHaveLength(3);
  });

  it("a record that already used every attempt fails without another call", async () => {
    const lastError = { code: "Throttling.User", message: "slow down", requestId: "req-9", retryable: true };
    const h = harness({ record: record("pending", { attempts: 5, error: lastError }) });
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "failed" });
    expect(h.stored()).toMatchObject({ status: "failed", attempts: 5, error: lastError });
    expect(h.pipelines.calls).toHaveLength(0);
  });
});

describe("processMessage: nothing to do", () => {
  it.each([
    ["succeeded", { imagePipelineId: "ip-0001", completedAt: T0.toISOString() }],
    ["failed", { error: { code: "NoPermission", message: "no", retryable: false } }],
    ["cancelled", { completedAt: T0.toISOString() }],
  ] as const)("a %s record: acknowledged, no ECS call, no write", async (status, patch) => {
    const h = harness({ record: record(status, patch) });
    const before = structuredClone(h.stored());
    const outcome = await h.run();
    expect(outcome).toEqual({ action: "ack", recordId: ID, reason: "terminal", status });
    expect(h.pipelines.calls).toHaveLength(0);
    expect(h.store.calls.update).toBeUndefined();
    expect(h.stored()).toEqual(before);
    expect(h.publisher.events).toEqual([]);
  });

  it("a missing record: acknowledged", async () => {
    const h = harness({ record: null });
    expect(await h.run()).toEqual({ action: "ack", recordId: ID, reason: "missing" });
    expect(h.pipelines.calls).toHaveLength(0);
  });

  it("a lease held by another worker: acknowledged, record untouched", async () => {
    const held = record("running", {
      attempts: 1,
      leaseUntil: new Date(T0.getTime() + 60_000).toISOString(),
    });
    const h = harness({ record: held });
    expect(await h.run()).toMatchObject({ action: "ack", reason: "lease-held" });
    expect(h.stored()).toEqual(held);
    expect(h.pipelines.calls).toHaveLength(0);
  });

  it("an expired lease is taken over and the record finished with the same token", async () => {
    const stale = record("running", { attempts: 1, leaseUntil: new Date(T0.getTime() - 1).toISOString() });
    const h = harness({ record: stale });
    expect(await h.run()).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.stored()).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(h.pipelines.calls.map((c) => c.clientToken)).toEqual(["rec-token-1"]);
  });

  it("losing the claim to another worker: acknowledged, no ECS call", async () => {
    const h = harness();
    h.store.interceptors.push(async (next) => {
      // Another worker claims first.
      h.store.records.set(ID, { ...next, leaseUntil: new Date(T0.getTime() + 99_000).toISOString() });
      return undefined;
    });
    expect(await h.run()).toMatchObject({ action: "ack", reason: "claim-lost" });
    expect(h.pipelines.calls).toHaveLength(0);
  });
});

describe("processMessage: writes that go wrong after the ECS call", () => {
  it("a lost write after the call: re-read, leave it to the new owner, never call again", async () => {
    const h = harness();
    const theirs = record("running", {
      attempts: 2,
      leaseUntil: new Date(T0.getTime() + 500_000).toISOString(),
    });
    h.store.interceptors.push(
      async () => undefined,
      async () => {
        h.store.records.set(ID, structuredClone(theirs));
        return undefined;
      },
    );
    const outcome = await h.run();
    expect(outcome).toEqual({ action: "ack", recordId: ID, reason: "superseded", status: "running" });
    expect(h.pipelines.calls).toHaveLength(1);
    expect(h.stored()).toEqual(theirs);
    expect(h.publisher.events).toEqual([]);
  });

  it("a store call that throws on the final write is repeated under the same condition", async () => {
    const h = harness();
    h.store.interceptors.push(
      async () => undefined,
      async () => {
        throw Object.assign(new Error("socket hang up"), { code: "OTSNetworkError" });
      },
    );
    expect(await h.run()).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.stored().status).toBe("succeeded");
    expect(h.pipelines.calls).toHaveLength(1);
  });

  it("a store that keeps failing the final write leaves the message for redelivery", async () => {
    const h = harness();
    const failing = async (): Promise<RecordWrite> => {
      throw new Error("store down");
    };
    h.store.interceptors.push(async () => undefined, failing, failing, failing);
    expect(await h.run()).toMatchObject({ action: "redeliver", reason: "store-unavailable" });
    expect(h.stored().status).toBe("running");
  });
});

describe("backoff", () => {
  it.each([0, 1, 2, 3, 5, 8, 40, 2000])("retry %i draws within [0, min(cap, base * 2^n))", (retry) => {
    const policy = { baseMs: 100, capMs: 5_000 };
    const ceiling = Math.min(5_000, 100 * 2 ** retry);
    expect(backoffCeiling(retry, policy)).toBe(ceiling);
    expect(backoffDelay(retry, () => 0, policy)).toBe(0);
    expect(backoffDelay(retry, () => 0.999999, policy)).toBeLessThan(ceiling);
    const random = seededRandom(retry + 1);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(retry, random, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    }
  });

  it("is full jitter: draws spread over the whole range, not just its upper half", () => {
    const random = seededRandom(11);
    const draws = Array.from({ length: 200 }, () => backoffDelay(4, random, { baseMs: 100, capMs: 10_000 }));
    expect(Math.min(...draws)).toBeLessThan(400);
    expect(Math.max(...draws)).toBeGreaterThan(1200);
  });
});

describe("processMessage: paced calls", () => {
  it("waits for the account's slot before each call and slows down after throttling", async () => {
    const h = harness({ script: [transient("Throttling.User")], callMs: 0 });
    h.deps.random = () => 0;
    const pacer = new AccountCallPacer(h.clock, { accountQps: 4, instances: 1, headroom: 1 });
    h.deps.pacer = pacer;
    await pacer.acquire(record().accountId, 0);
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    // 250 ms to the first slot, then 500 ms at the halved rate; backoff drew 0.
    expect(h.clock.sleeps).toEqual([250, 0, 500]);
    expect(h.pipelines.calls).toHaveLength(2);
    expect(pacer.rateOf(record().accountId)).toBe(2.2);
  });

  it("a slot beyond the invocation's time: released uncounted, no call, redelivered", async () => {
    const h = harness();
    const pacer = new AccountCallPacer(h.clock, { accountQps: 1, instances: 1, headroom: 1, floorQps: 0.01 });
    for (let i = 0; i < 8; i++) pacer.throttled(record().accountId);
    await pacer.acquire(record().accountId, 0);
    h.deps.pacer = pacer;
    const outcome = await h.run(30);
    expect(outcome).toMatchObject({ action: "redeliver", reason: "out-of-time" });
    expect(h.pipelines.calls).toHaveLength(0);
    expect(h.stored()).toMatchObject({ status: "pending", attempts: 0 });
  });
});

describe("processMessage: no false failed (docs/processing.md)", () => {
  const throttled = () => transient("Throttling.User", 400);

  it("a call dropped after ECS made the pipeline, then throttled past the attempts: succeeded with that pipeline, not failed", async () => {
    // The case: attempt 1 made the pipeline but its answer was lost, attempts 2-3 throttled.
    const h = harness({ script: [DROPPED_AFTER_COMMIT, throttled(), throttled()], maxAttempts: 3 });
    const outcome = await h.run(300);
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    const stored = h.stored();
    expect(stored.imagePipelineId).toBe(h.pipelines.pipelineFor("rec-token-1"));
    expect(stored.attempts).toBe(4);
    expect(stored.outcomeUnknown).toBeUndefined();
    expect(h.pipelines.pipelines).toBe(1);
    expect(new Set(h.pipelines.calls.map((c) => c.clientToken))).toEqual(new Set(["rec-token-1"]));
  });

  it("5xx answers past the attempts are not a failure: ECS may have done the work", async () => {
    const h = harness({
      script: [transient("ServiceUnavailable", 503), transient("ServiceUnavailable", 503)],
      maxAttempts: 2,
    });
    const outcome = await h.run(300);
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.pipelines.calls).toHaveLength(3);
  });

  it("an ECS refusal after an unknown call settles the token: failed, and ECS holds nothing", async () => {
    const h = harness({ script: [transient("NetworkError", undefined), permanent()] });
    const outcome = await h.run(300);
    expect(outcome).toMatchObject({ action: "ack", status: "failed" });
    expect(h.stored()).toMatchObject({ status: "failed", error: { code: "InvalidImage.NotFound" } });
    expect(h.pipelines.pipelineFor("rec-token-1")).toBeUndefined();
  });

  it("a refusal that never reached ECS (STS) after an unknown call: released, not failed", async () => {
    const stsRefusal: CreatePipelineOutcome = {
      ok: false,
      failure: {
        code: "EntityNotExist.Role",
        message: "no role",
        httpStatus: 404,
        transient: false,
        reachedEcs: false,
      },
    };
    const h = harness({ script: [DROPPED_AFTER_COMMIT, stsRefusal] });
    const outcome = await h.run(300);
    expect(outcome).toMatchObject({ action: "redeliver" });
    expect(h.stored()).toMatchObject({ status: "pending", outcomeUnknown: true });
  });

  it("a worker that died mid-call with every attempt used: the record is called again, not failed", async () => {
    const died = record("running", {
      attempts: 5,
      leaseUntil: new Date(T0.getTime() - 1_000).toISOString(),
      outcomeUnknown: true,
    });
    const h = harness({ record: died, maxAttempts: 5 });
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.pipelines.calls).toHaveLength(1);
  });

  it("the claim marks the call as possibly made before it is made", async () => {
    const h = harness();
    let claimed: PipelineRecord | undefined;
    h.store.interceptors.push(async (next) => {
      claimed = structuredClone(next);
      return undefined;
    });
    await h.run();
    expect(claimed).toMatchObject({ status: "running", outcomeUnknown: true });
  });
});

describe("processMessage: the outbox (docs/processing.md)", () => {
  it("the terminal write itself owes the event; once published it is marked sent", async () => {
    const h = harness();
    const writes: PipelineRecord[] = [];
    for (let i = 0; i < 3; i++) {
      h.store.interceptors.push(async (next) => {
        writes.push(structuredClone(next));
        return undefined;
      });
    }
    await h.run();
    const terminal = writes.find((w) => w.status === "succeeded");
    expect(terminal?.eventOwedAt).toBe(terminal?.completedAt);
    expect(h.publisher.events).toHaveLength(1);
    expect(h.stored().status).toBe("succeeded");
    expect(h.stored().eventOwedAt).toBeUndefined();
  });

  it("a topic that refuses the event: the record stays terminal, the event stays owed, the message is acknowledged", async () => {
    const h = harness();
    h.publisher.down = true;
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "succeeded" });
    expect(h.publisher.refused).toBe(1);
    expect(h.stored().eventOwedAt).toBeDefined();
  });

  it("a delivery that finds a terminal record with an owed event publishes it (the worker died before publishing)", async () => {
    const settled = record("succeeded", {
      attempts: 1,
      imagePipelineId: "ip-00000000000000000007",
      completedAt: T0.toISOString(),
      eventOwedAt: T0.toISOString(),
    });
    const h = harness({ record: settled });
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", reason: "terminal", status: "succeeded" });
    expect(h.publisher.events).toEqual([expect.objectContaining({ id: ID, status: "succeeded" })]);
    expect(h.stored().eventOwedAt).toBeUndefined();
    expect(h.pipelines.calls).toHaveLength(0);
  });

  it("a terminal record whose event was sent: acknowledged without publishing again", async () => {
    const settled = record("failed", { completedAt: T0.toISOString() });
    const h = harness({ record: settled });
    await h.run();
    expect(h.publisher.events).toEqual([]);
  });
});

describe("processMessage: an account without a role (no call can be made)", () => {
  const noRole = {
    code: "EntityNotExist.Role",
    message: "no role",
    httpStatus: 404,
    transient: false,
    reachedEcs: false,
  };
  const refusing = (h: Harness) => {
    h.pipelines.checkAccess = async () => ({ ok: false, failure: noRole });
  };

  it("fails with the STS code before any call, and its claim marks nothing as possibly made", async () => {
    const h = harness();
    refusing(h);
    const writes: PipelineRecord[] = [];
    for (let i = 0; i < 2; i++) {
      h.store.interceptors.push(async (next) => {
        writes.push(structuredClone(next));
        return undefined;
      });
    }
    const outcome = await h.run();
    expect(outcome).toMatchObject({ action: "ack", status: "failed" });
    expect(h.stored()).toMatchObject({
      status: "failed",
      attempts: 0,
      error: { code: "EntityNotExist.Role" },
    });
    expect(h.pipelines.calls).toHaveLength(0);
    expect(writes[0]).toMatchObject({ status: "running" });
    expect(writes[0]?.outcomeUnknown).toBeUndefined();
  });

  it("a worker that died after such a claim: the next delivery fails the record (not stuck pending)", async () => {
    const died = record("running", { attempts: 1, leaseUntil: new Date(T0.getTime() - 1).toISOString() });
    const h = harness({ record: died });
    refusing(h);
    expect(await h.run()).toMatchObject({ action: "ack", status: "failed" });
  });

  it("while an earlier call may have made a pipeline: released, not failed", async () => {
    const h = harness({ record: record("pending", { attempts: 2, outcomeUnknown: true }) });
    refusing(h);
    expect(await h.run()).toMatchObject({ action: "redeliver" });
    expect(h.stored()).toMatchObject({ status: "pending", outcomeUnknown: true, attempts: 2 });
  });
});

describe("processMessage: the attempt history (docs/processing.md)", () => {
  it("each call adds an attempt with its outcome, code, RequestId and duration, in the writes it already makes", async () => {
    const h = harness({ script: [transient(), transient("ServiceUnavailable", 503)], callMs: 250 });
    const written: PipelineRecord[] = [];
    for (let i = 0; i < 4; i++)
      h.store.interceptors.push(async (next) => {
        written.push(structuredClone(next));
        return undefined;
      });
    await h.run();
    const history = h.stored().attemptHistory;
    expect(history).toEqual([
      {
        number: 1,
        at: T0.toISOString(),
        durationMs: 250,
        outcome: "throttled",
        code: "Throttling.User",
        message: "Throttling.User happened",
        requestId: "req-Throttling.User",
        httpStatus: 400,
      },
      expect.objectContaining({
        number: 2,
        durationMs: 250,
        outcome: "outcome-unknown",
        code: "ServiceUnavailable",
        requestId: "req-ServiceUnavailable",
        httpStatus: 503,
      }),
      expect.objectContaining({ number: 3, durationMs: 250, outcome: "succeeded", requestId: "req-3" }),
    ]);
    expect(Date.parse(history?.[1]?.at ?? "")).toBeGreaterThan(Date.parse(history?.[0]?.at ?? ""));
    // The claim, the count of calls 2 and 3, the final write, the event marked sent (the outbox):
    // no write of its own for the history.
    expect(h.store.calls.update).toBe(5);
    expect(written.map((w) => w.attemptHistory?.length ?? 0)).toEqual([0, 1, 2, 3]);
  });

  it("a permanent refusal: one failed-permanent attempt with ECS's code and RequestId", async () => {
    const h = harness({ script: [permanent("Forbidden.RAM")] });
    await h.run();
    expect(h.stored()).toMatchObject({ status: "failed", error: { code: "Forbidden.RAM" } });
    expect(h.stored().attemptHistory).toEqual([
      expect.objectContaining({
        number: 1,
        outcome: "failed-permanent",
        code: "Forbidden.RAM",
        requestId: "req-perm",
        httpStatus: 404,
        durationMs: 300,
      }),
    ]);
  });

  it("a connection dropped after ECS made the pipeline: outcome-unknown without an HTTP status", async () => {
    const h = harness({ script: [DROPPED_AFTER_COMMIT] });
    await h.run();
    const [dropped, answered] = h.stored().attemptHistory ?? [];
    expect(dropped).toMatchObject({ outcome: "outcome-unknown", code: "NetworkError" });
    expect(dropped).not.toHaveProperty("httpStatus");
    expect(answered).toMatchObject({ outcome: "succeeded", requestId: "req-2" });
  });

  it("out of attempts: failed with every call in the history", async () => {
    const h = harness({
      script: Array.from({ length: 3 }, () => transient("Throttling.User")),
      maxAttempts: 3,
    });
    await h.run();
    const stored = h.stored();
    expect(stored.status).toBe("failed");
    expect(stored.attemptHistory?.map((a) => [a.number, a.outcome])).toEqual([
      [1, "throttled"],
      [2, "throttled"],
      [3, "throttled"],
    ]);
  });

  it("released out of time, then finished by the next delivery: one history across invocations", async () => {
    const script = Array.from({ length: 100 }, () => transient("Throttling.User"));
    const h = harness({ script, maxAttempts: 100, callMs: 1_000 });
    await h.run(20);
    const released = h.stored();
    expect(released.status).toBe("pending");
    expect(released.attemptHistory).toHaveLength(h.pipelines.calls.length);
    script.length = 0;
    await h.run(20);
    const history = h.stored().attemptHistory ?? [];
    expect(history.map((a) => a.number)).toEqual(history.map((_, i) => i + 1));
    expect(history.at(-1)).toMatchObject({ outcome: "succeeded", number: h.pipelines.calls.length });
  });

  it("an account without a role: STS's code and RequestId, not reaching ECS, timed", async () => {
    const h = harness();
    h.pipelines.checkAccess = async () => {
      h.clock.advance(40);
      return {
        ok: false,
        failure: {
          code: "EntityNotExist.Role",
          message: "no role",
          requestId: "sts-req-1",
          httpStatus: 404,
          transient: false,
          reachedEcs: false,
        },
      };
    };
    await h.run();
    expect(h.stored().attemptHistory).toEqual([
      {
        number: 1,
        at: T0.toISOString(),
        durationMs: 40,
        outcome: "failed-permanent",
        code: "EntityNotExist.Role",
        message: "no role",
        requestId: "sts-req-1",
        httpStatus: 404,
        reachedEcs: false,
      },
    ]);
  });

  it("a worker that died during its call: the takeover records that call as unknown, then its own", async () => {
    const counted = new Date(T0.getTime() - 120_000).toISOString();
    const died = record("running", {
      attempts: 1,
      outcomeUnknown: true,
      updatedAt: counted,
      leaseUntil: new Date(T0.getTime() - 1).toISOString(),
    });
    const h = harness({ record: died });
    await h.run();
    expect(h.stored().attemptHistory).toEqual([
      expect.objectContaining({ number: 1, at: counted, outcome: "outcome-unknown" }),
      expect.objectContaining({ number: 2, outcome: "succeeded" }),
    ]);
    expect(h.stored().attemptHistory?.[0]).not.toHaveProperty("durationMs");
  });
});
