import { describe, expect, it } from "vitest";
import { reconcile } from "../../../shared/app/reconcile";
import type { PipelineRecord, RecordStatus } from "../../../shared/domain/record";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";

const MINUTE = 60_000;

function setup() {
  const clock = new FakeClock();
  const store = new InMemoryRecordStore();
  const queue = new InMemoryQueue();
  const logger = new CapturingLogger();
  const add = async (
    id: string,
    status: RecordStatus,
    ageMs: number,
    patch: Partial<PipelineRecord> = {},
  ) => {
    const at = new Date(clock.now().getTime() - ageMs).toISOString();
    await store.create({
      id,
      status,
      accountId: "1000000000000001",
      regionId: "cn-hangzhou",
      batchId: null,
      submittedBy: "alice",
      clientToken: `token-${id}`,
      attempts: 0,
      createdAt: at,
      updatedAt: at,
      request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-abc" },
      ...patch,
    });
  };
  return { clock, store, queue, logger, add, deps: { store, queue, clock, logger } };
}

describe("reconcile", () => {
  it("re-enqueues pending records older than the threshold, and only those", async () => {
    // Prepare
    const { add, deps, queue } = setup();
    await add("old-pending", "pending", 10 * MINUTE);
    await add("fresh-pending", "pending", 1 * MINUTE);
    // Act
    const report = await reconcile(deps, { pendingAfterMs: 5 * MINUTE });
    // Assess
    expect(report.requeuedPending).toEqual(["old-pending"]);
    expect(queue.sent).toEqual([{ id: "old-pending" }]);
  });

  it("re-enqueues running records whose lease expired, not those still leased", async () => {
    const { add, deps, queue, clock } = setup();
    await add("dead-worker", "running", 10 * MINUTE, {
      leaseUntil: new Date(clock.now().getTime() - 1).toISOString(),
    });
    await add("busy-worker", "running", 10 * MINUTE, {
      leaseUntil: new Date(clock.now().getTime() + MINUTE).toISOString(),
    });
    const report = await reconcile(deps);
    expect(report.requeuedExpired).toEqual(["dead-worker"]);
    expect(queue.sent).toEqual([{ id: "dead-worker" }]);
  });

  it("decides on each record as the base table has it, not as the lagging index still shows it", async () => {
    const { add, deps, queue, store, clock } = setup();
    await add("claimed-since", "pending", 10 * MINUTE);
    await add("released-just-now", "running", 10 * MINUTE, {
      leaseUntil: new Date(clock.now().getTime() - 1).toISOString(),
    });
    await add("still-stale", "pending", 10 * MINUTE);
    await add("cancelled-since", "pending", 10 * MINUTE);
    store.holdIndexes();
    // Changes the by_status index has not caught up with: a worker claimed one record, released
    // another a moment ago (pending, fresh), and a caller cancelled a third.
    const now = clock.now().toISOString();
    const lease = new Date(clock.now().getTime() + MINUTE).toISOString();
    const base = (id: string) => store.records.get(id)!;
    await store.update(
      { ...base("claimed-since"), status: "running", leaseUntil: lease, updatedAt: now },
      { from: "pending" },
    );
    const { leaseUntil: _released, ...released } = base("released-just-now");
    await store.update({ ...released, status: "pending", updatedAt: now }, { from: "running" });
    await store.update(
      { ...base("cancelled-since"), status: "cancelled", updatedAt: now },
      { from: "pending" },
    );
    await add("written-since", "pending", 10 * MINUTE);

    const report = await reconcile(deps, { pendingAfterMs: 5 * MINUTE });
    expect(report.requeuedPending).toEqual(["still-stale"]);
    expect(report.requeuedExpired).toEqual([]);
    expect(queue.sent).toEqual([{ id: "still-stale" }]);

    store.settleIndexes();
    const settled = await reconcile(deps, { pendingAfterMs: 5 * MINUTE });
    expect(settled.requeuedPending.sort()).toEqual(["still-stale", "written-since"]);
  });

  it("never touches terminal records and never writes to the store", async () => {
    const { add, deps, queue, store } = setup();
    for (const status of ["succeeded", "failed", "cancelled"] as const)
      await add(status, status, 60 * MINUTE);
    const before = structuredClone([...store.records.values()]);
    await reconcile(deps);
    expect(queue.sent).toEqual([]);
    expect([...store.records.values()]).toEqual(before);
    expect(store.calls.update ?? 0).toBe(0);
  });

  it("reads every page, and stops at maxRecords saying it was cut short", async () => {
    const { add, deps, queue } = setup();
    for (let i = 0; i < 25; i++) await add(`p${String(i).padStart(2, "0")}`, "pending", 10 * MINUTE + i);
    const all = await reconcile(deps, { pageSize: 10 });
    expect(all.requeuedPending).toHaveLength(25);
    expect(all.truncated).toBe(false);
    queue.sent.length = 0;
    const capped = await reconcile(deps, { pageSize: 10, maxRecords: 20 });
    expect(capped.requeuedPending).toHaveLength(20);
    expect(capped.truncated).toBe(true);
  });

  it("sends nothing when nothing is stale", async () => {
    const { deps, queue } = setup();
    const report = await reconcile(deps);
    expect(report).toEqual({ requeuedPending: [], requeuedExpired: [], truncated: false });
    expect(queue.sent).toEqual([]);
  });

  it("lets a queue failure surface, so the timer run fails visibly and the next one retries", async () => {
    const { add, deps, queue } = setup();
    await add("old-pending", "pending", 10 * MINUTE);
    queue.failSends = true;
    await expect(reconcile(deps)).rejects.toThrow("queue unavailable");
  });
});
