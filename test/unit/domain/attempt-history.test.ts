import { describe, expect, it } from "vitest";
import {
  ATTEMPT_HISTORY_LIMITS,
  type Attempt,
  appendAttempt,
  failedAttempt,
  outcomeOfFailure,
  succeededAttempt,
} from "../../../shared/domain/attempt-history";
import { claim, type PipelineRecord, withAttempt } from "../../../shared/domain/record";

const T0 = "2026-11-27T16:00:00.000Z";
const timing = { at: T0, durationMs: 120 };

describe("outcomeOfFailure: the call-outcome evidence first, then the code's class", () => {
  it.each([
    ["throttled, no work done", { code: "Throttling.User", httpStatus: 400, transient: true }, "throttled"],
    [
      "STS throttled before the call",
      { code: "Throttling", httpStatus: 400, transient: true, reachedEcs: false },
      "throttled",
    ],
    ["a 5xx", { code: "ServiceUnavailable", httpStatus: 503, transient: true }, "outcome-unknown"],
    ["no answer", { code: "NetworkError", transient: true }, "outcome-unknown"],
    [
      "the token still in use",
      { code: "LastTokenProcessing", httpStatus: 403, transient: true },
      "outcome-unknown",
    ],
    ["a refusal", { code: "Forbidden.RAM", httpStatus: 403, transient: false }, "failed-permanent"],
    [
      "STS refusing the role",
      { code: "EntityNotExist.Role", httpStatus: 404, transient: false, reachedEcs: false },
      "failed-permanent",
    ],
    [
      "a transient STS failure",
      { code: "ServiceUnavailable", httpStatus: 503, transient: true, reachedEcs: false },
      "failed-transient",
    ],
  ] as const)("%s -> %s", (_what, call, outcome) => {
    expect(outcomeOfFailure(call)).toBe(outcome);
  });
});

describe("appendAttempt", () => {
  it("numbers attempts from 1 and keeps what the worker saw", () => {
    const first = appendAttempt(
      undefined,
      failedAttempt(
        {
          code: "Throttling.User",
          message: "slow down",
          requestId: "req-1",
          httpStatus: 400,
          transient: true,
        },
        timing,
      ),
    );
    const both = appendAttempt(first, succeededAttempt("req-2", { at: T0, durationMs: 80 }));
    expect(both).toEqual([
      {
        number: 1,
        at: T0,
        durationMs: 120,
        outcome: "throttled",
        code: "Throttling.User",
        message: "slow down",
        requestId: "req-1",
        httpStatus: 400,
      },
      { number: 2, at: T0, durationMs: 80, outcome: "succeeded", requestId: "req-2" },
    ]);
    expect(first).toHaveLength(1); // the history given is not changed
  });

  it("marks an attempt that never reached ECS", () => {
    const [attempt] = appendAttempt(
      [],
      failedAttempt(
        { code: "NoPermission", message: "no role", httpStatus: 403, transient: false, reachedEcs: false },
        timing,
      ),
    );
    expect(attempt).toMatchObject({ outcome: "failed-permanent", code: "NoPermission", reachedEcs: false });
  });

  it(`keeps the last ${ATTEMPT_HISTORY_LIMITS.kept}, numbered over the record's whole life`, () => {
    let history: Attempt[] | undefined;
    for (let i = 0; i < ATTEMPT_HISTORY_LIMITS.kept + 5; i++)
      history = appendAttempt(history, succeededAttempt(`req-${i + 1}`, timing));
    expect(history).toHaveLength(ATTEMPT_HISTORY_LIMITS.kept);
    expect(history?.[0]).toMatchObject({ number: 6, requestId: "req-6" });
    expect(history?.at(-1)).toMatchObject({ number: ATTEMPT_HISTORY_LIMITS.kept + 5 });
  });

  it("clips code, message and RequestId to their byte bounds, whatever the answer said", () => {
    const [attempt] = appendAttempt(
      [],
      failedAttempt(
        {
          code: "C".repeat(1000),
          message: "é".repeat(100_000),
          requestId: "R".repeat(1000),
          httpStatus: 400,
          transient: false,
        },
        timing,
      ),
    );
    const bytes = (text?: string) => Buffer.byteLength(JSON.stringify(text), "utf8") - 2;
    expect(bytes(attempt?.code)).toBeLessThanOrEqual(ATTEMPT_HISTORY_LIMITS.codeBytes);
    expect(bytes(attempt?.message)).toBeLessThanOrEqual(ATTEMPT_HISTORY_LIMITS.messageBytes);
    expect(bytes(attempt?.requestId)).toBeLessThanOrEqual(ATTEMPT_HISTORY_LIMITS.requestIdBytes);
    expect(attempt?.message?.endsWith("…")).toBe(true);
  });

  it("stays a few tens of KB at the worst, far under Tablestore's 2 MB cell", () => {
    let history: Attempt[] | undefined;
    const worst = failedAttempt(
      {
        code: "\u0001".repeat(500),
        message: "\u0001".repeat(5000),
        requestId: "\u0001".repeat(500),
        httpStatus: 503,
        transient: true,
        reachedEcs: false,
      },
      { at: T0, durationMs: 999_999 },
    );
    for (let i = 0; i < 100_000; i += 1000) history = appendAttempt(history, worst);
    expect(Buffer.byteLength(JSON.stringify(history), "utf8")).toBeLessThan(32 * 1024);
  });
});

describe("the record's history", () => {
  const running = (patch: Partial<PipelineRecord>): PipelineRecord => ({
    id: "01JDRECORD",
    status: "running",
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: "token-1",
    attempts: 1,
    createdAt: T0,
    updatedAt: T0,
    leaseUntil: T0,
    request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-abc" },
    ...patch,
  });

  it("withAttempt appends to the record's history", () => {
    const once = withAttempt(running({}), succeededAttempt("req-1", timing));
    expect(withAttempt(once, succeededAttempt("req-2", timing)).attemptHistory?.map((a) => a.number)).toEqual(
      [1, 2],
    );
  });

  it("taking over from a worker that died after counting its call records that call as unknown", () => {
    const move = claim(running({ outcomeUnknown: true }), new Date("2026-11-27T16:05:00.000Z"), 1_000);
    expect(move.ok && move.record.attemptHistory).toEqual([
      { number: 1, at: T0, outcome: "outcome-unknown", message: expect.stringContaining("stopped") },
    ]);
  });

  it("taking over a claim that sent nothing (refused before any call) records nothing", () => {
    const move = claim(running({}), new Date("2026-11-27T16:05:00.000Z"), 1_000);
    expect(move.ok && move.record.attemptHistory).toBeUndefined();
  });
});
