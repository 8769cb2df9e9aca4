import { describe, expect, it } from "vitest";
import {
  cancel,
  canMove,
  claim,
  eventSent,
  fail,
  isTerminal,
  noteCallOutcome,
  type PipelineRecord,
  RECORD_STATUSES,
  type RecordStatus,
  release,
  succeed,
  TRANSITIONS,
} from "../../../shared/domain/record";

const T0 = new Date("2026-11-27T16:00:00.000Z");
const later = (ms: number): Date => new Date(T0.getTime() + ms);

function record(status: RecordStatus, patch: Partial<PipelineRecord> = {}): PipelineRecord {
  return {
    id: "01JDRECORD",
    status,
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: "token-1",
    attempts: 0,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-abc" },
    ...patch,
  };
}

const ERROR = { code: "Throttling.User", message: "slow down", requestId: "req-1", retryable: true };

describe("record state machine", () => {
  const allowed: [RecordStatus, RecordStatus][] = [
    ["pending", "running"],
    ["pending", "cancelled"],
    ["running", "succeeded"],
    ["running", "failed"],
    ["running", "pending"],
  ];

  it("allows exactly the moves of docs/processing.md", () => {
    const moves = RECORD_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => [from, to]));
    expect(moves.sort()).toEqual([...allowed].sort());
  });

  it.each(RECORD_STATUSES.flatMap((from) => RECORD_STATUSES.map((to) => [from, to] as const)))(
    "%s -> %s is allowed only if listed",
    (from, to) => {
      expect(canMove(from, to)).toBe(allowed.some(([f, t]) => f === from && t === to));
    },
  );

  it.each([
    ["succeeded", true],
    ["failed", true],
    ["cancelled", true],
    ["pending", false],
    ["running", false],
  ] as const)("%s is terminal: %s", (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
  });

  describe("claim", () => {
    it("takes a pending record: running, one more attempt, a lease", () => {
      const move = claim(record("pending", { attempts: 2 }), T0, 60_000);
      expect(move).toMatchObject({ ok: true, from: "pending" });
      expect(move.ok && move.record).toMatchObject({
        status: "running",
        attempts: 3,
        leaseUntil: later(60_000).toISOString(),
      });
    });

    it("refuses a running record whose lease is still held", () => {
      const held = record("running", { leaseUntil: later(1).toISOString() });
      expect(claim(held, T0, 60_000)).toEqual({
        ok: false,
        refusal: { reason: "lease-held", leaseUntil: later(1).toISOString() },
      });
    });

    it("takes over a running record whose lease has expired, at the boundary too", () => {
      const expired = record("running", { attempts: 1, leaseUntil: T0.toISOString() });
      const move = claim(expired, T0, 1_000);
      expect(move).toMatchObject({ ok: true, from: "running", record: { status: "running", attempts: 2 } });
    });

    it.each(["succeeded", "failed", "cancelled"] as const)("refuses a %s record", (status) => {
      expect(claim(record(status), T0, 1_000)).toMatchObject({
        ok: false,
        refusal: { reason: "not-allowed", from: status },
      });
    });
  });

  it("succeed stores the pipeline id and request id, clears the last transient error and the lease", () => {
    const running = record("running", { attempts: 2, error: ERROR, leaseUntil: later(5).toISOString() });
    const move = succeed(running, later(10), { imagePipelineId: "ip-abc", requestId: "req-2" });
    expect(move.ok && move.record).toMatchObject({
      status: "succeeded",
      imagePipelineId: "ip-abc",
      ecsRequestId: "req-2",
      completedAt: later(10).toISOString(),
    });
    expect(move.ok && move.record).not.toHaveProperty("error");
    expect(move.ok && move.record).not.toHaveProperty("leaseUntil");
  });

  it("fail stores the error and completes the record", () => {
    const move = fail(record("running"), later(10), { ...ERROR, retryable: false });
    expect(move.ok && move.record).toMatchObject({
      status: "failed",
      error: { code: "Throttling.User", retryable: false },
      completedAt: later(10).toISOString(),
    });
  });

  it("release returns a running record to pending with its last transient error and no lease", () => {
    const move = release(record("running", { leaseUntil: later(5).toISOString() }), later(1), ERROR);
    expect(move.ok && move.record).toMatchObject({ status: "pending", error: ERROR });
    expect(move.ok && move.record).not.toHaveProperty("leaseUntil");
    expect(move.ok && move.record).not.toHaveProperty("completedAt");
  });

  it("cancel takes only a pending record", () => {
    expect(cancel(record("pending"), T0)).toMatchObject({ ok: true, record: { status: "cancelled" } });
    expect(cancel(record("running"), T0)).toMatchObject({
      ok: false,
      refusal: { reason: "not-allowed", from: "running", to: "cancelled" },
    });
  });

  it.each(["succeeded", "failed", "cancelled"] as const)("a %s record never changes again", (status) => {
    const terminal = record(status);
    for (const move of [
      succeed(terminal, T0, { imagePipelineId: "ip-x" }),
      fail(terminal, T0, ERROR),
      release(terminal, T0),
      cancel(terminal, T0),
    ]) {
      expect(move.ok).toBe(false);
    }
  });
});

describe("the outbox and the no-false-failed rule (docs/processing.md)", () => {
  it.each([
    ["succeeded", (r: PipelineRecord) => succeed(r, later(5), { imagePipelineId: "ip-1" })],
    ["failed", (r: PipelineRecord) => fail(r, later(5), ERROR)],
  ] as const)("the move to %s owes its event in the same record", (_status, move) => {
    const result = move(record("running", { attempts: 1, leaseUntil: later(60_000).toISOString() }));
    expect(result.ok && result.record.eventOwedAt).toBe(later(5).toISOString());
  });

  it("a cancel owes its event too", () => {
    const result = cancel(record("pending"), later(5));
    expect(result.ok && result.record.eventOwedAt).toBe(later(5).toISOString());
  });

  it("eventSent clears the debt and nothing else; refused when nothing is owed", () => {
    const owed = record("succeeded", { completedAt: T0.toISOString(), eventOwedAt: T0.toISOString() });
    const sent = eventSent(owed);
    expect(sent).toEqual({ ok: true, from: "succeeded", record: { ...owed, eventOwedAt: undefined } });
    expect(sent.ok && "eventOwedAt" in sent.record).toBe(false);
    expect(eventSent(record("running"))).toEqual({ ok: false, refusal: { reason: "no-event-owed" } });
    expect(sent.ok && eventSent(sent.record).ok).toBe(false);
  });

  it("a claim marks its call as possibly made", () => {
    const claimed = claim(record("pending"), T0, 60_000);
    expect(claimed.ok && claimed.record.outcomeUnknown).toBe(true);
  });

  it("a record whose call may have made a pipeline cannot fail or be cancelled, but can succeed", () => {
    const running = record("running", { outcomeUnknown: true, leaseUntil: later(60_000).toISOString() });
    expect(fail(running, later(1), ERROR)).toEqual({ ok: false, refusal: { reason: "outcome-unknown" } });
    const succeeded = succeed(running, later(1), { imagePipelineId: "ip-1" });
    expect(succeeded.ok && succeeded.record.outcomeUnknown).toBeUndefined();
    expect(cancel(record("pending", { outcomeUnknown: true }), later(1))).toEqual({
      ok: false,
      refusal: { reason: "outcome-unknown" },
    });
    expect(fail(noteCallOutcome(running, false), later(1), ERROR).ok).toBe(true);
  });
});
