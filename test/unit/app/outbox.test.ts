/**
 * The outbox end to end over the ports (docs/processing.md): every terminal state change has its
 * completion event at least once, whether the worker dies between the terminal write and the
 * publish or the topic refuses events for ten minutes. Time is a fake clock, so the ten minutes
 * and the reconciler's minute timer pass at once.
 */
import { describe, expect, it } from "vitest";
import { InvocationBudget } from "../../../shared/app/invocation-budget";
import { processMessage } from "../../../shared/app/process-message";
import { reconcile } from "../../../shared/app/reconcile";
import { cancel, type PipelineRecord, succeed } from "../../../shared/domain/record";
import {
  CapturingLogger,
  CapturingPublisher,
  FakeClock,
  InMemoryQueue,
  InMemoryRecordStore,
  ScriptedPipelineClient,
} from "../../support/fakes";

const MINUTE = 60_000;

function pending(n: number, at: Date): PipelineRecord {
  const id = `01JDQ5Z8W3K4N6P7R9S2T4${String(n).padStart(4, "0")}`;
  return {
    id,
    status: "pending",
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: `token-${n}`,
    attempts: 0,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-abc" },
  };
}

function world() {
  const clock = new FakeClock();
  const store = new InMemoryRecordStore();
  const publisher = new CapturingPublisher();
  const logger = new CapturingLogger();
  const queue = new InMemoryQueue();
  const pipelines = new ScriptedPipelineClient([], clock, 100);
  const work = (id: string) =>
    processMessage(
      id,
      { store, pipelines, clock, random: () => 0.5, logger, publisher, maxAttempts: 5 },
      InvocationBudget.fromTimeout(clock, 60),
    );
  const reconcileNow = () =>
    reconcile(
      { store, queue, clock, logger, publisher },
      { eventOwedAfterMs: MINUTE, pendingAfterMs: 5 * MINUTE },
    );
  /** Terminal state changes, and the events that reached the topic, both as `id:status`. */
  const terminal = () =>
    [...store.records.values()].filter((r) => r.completedAt !== undefined).map((r) => `${r.id}:${r.status}`);
  const delivered = () => new Set(publisher.events.map((e) => `${e.id}:${e.status}`));
  return { clock, store, publisher, work, reconcileNow, terminal, delivered };
}

describe("the outbox", () => {
  it("a ten-minute topic outage with workers killed before publishing: every event arrives once the topic is back", async () => {
    const w = world();
    w.publisher.down = true;
    const outageEndsAt = w.clock.now().getTime() + 10 * MINUTE;
    let n = 0;
    let runsDuringOutage = 0;
    while (w.clock.now().getTime() < outageEndsAt) {
      // Each minute: three records settle through the worker (their events are refused), one more is
      // settled by a worker killed right after the terminal write, and one is cancelled.
      for (let i = 0; i < 3; i++) {
        const record = pending(n++, w.clock.now());
        await w.store.create(record);
        expect(await w.work(record.id)).toMatchObject({ action: "ack", status: "succeeded" });
      }
      const killed = pending(n++, w.clock.now());
      await w.store.create({ ...killed, status: "running", attempts: 1 });
      const settled = succeed({ ...killed, status: "running", attempts: 1 }, w.clock.now(), {
        imagePipelineId: `ip-killed-${n}`,
      });
      if (!settled.ok) throw new Error("the state machine refused succeed");
      await w.store.update(settled.record, { from: "running" });
      const cancelled = pending(n++, w.clock.now());
      await w.store.create(cancelled);
      const move = cancel(cancelled, w.clock.now());
      if (!move.ok) throw new Error("the state machine refused cancel");
      await w.store.update(move.record, { from: "pending" });

      w.clock.advance(MINUTE);
      const report = await w.reconcileNow();
      runsDuringOutage++;
      expect(report.eventsPublished).toEqual([]);
      expect(report.topicRefused).toBe(true);
    }
    expect(w.publisher.events).toEqual([]);
    // The reconciler stops at the first refusal: one try per run, not one per owed event.
    expect(w.publisher.refused).toBe(30 + runsDuringOutage);
    expect([...w.store.records.values()].every((r) => r.eventOwedAt !== undefined)).toBe(true);

    w.publisher.down = false;
    const report = await w.reconcileNow();
    expect(report.topicRefused).toBe(false);
    expect(report.eventsPublished).toHaveLength(50);
    const terminal = w.terminal();
    expect(terminal).toHaveLength(50);
    expect(w.delivered()).toEqual(new Set(terminal));
    expect([...w.store.records.values()].some((r) => r.eventOwedAt !== undefined)).toBe(false);
    // Paid debts are not paid again.
    expect((await w.reconcileNow()).eventsPublished).toEqual([]);
    expect(w.publisher.events).toHaveLength(50);
  });

  it("the reconciler leaves a fresh debt to the worker that owes it", async () => {
    const w = world();
    w.publisher.down = true;
    const record = pending(1, w.clock.now());
    await w.store.create(record);
    await w.work(record.id);
    w.publisher.down = false;
    w.clock.advance(MINUTE / 2);
    expect((await w.reconcileNow()).eventsPublished).toEqual([]);
    w.clock.advance(MINUTE / 2);
    expect((await w.reconcileNow()).eventsPublished).toEqual([record.id]);
  });
});
