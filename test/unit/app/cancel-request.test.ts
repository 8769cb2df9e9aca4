import { describe, expect, it } from "vitest";
import { cancelRequest } from "../../../shared/app/cancel-request";
import type { Requester } from "../../../shared/app/requester";
import type { RecordStatus } from "../../../shared/domain/record";
import { CapturingLogger, CapturingPublisher, FakeClock, InMemoryRecordStore } from "../../support/fakes";
import { recordFixture } from "./read-fixtures";

const ID = "01JD0000000000000000000001";
const alice: Requester = { sub: "alice", isAdmin: false };

async function setup(status: RecordStatus = "pending") {
  const store = new InMemoryRecordStore();
  await store.create(recordFixture({ id: ID, status }));
  const clock = new FakeClock(new Date("2026-11-27T16:05:00.000Z"));
  return { store, deps: { store, clock, logger: new CapturingLogger() } };
}

describe("cancelRequest", () => {
  it("cancels a pending record with a conditional write", async () => {
    const { store, deps } = await setup();
    const outcome = await cancelRequest(deps, alice, ID);
    expect(outcome.kind).toBe("cancelled");
    const stored = store.records.get(ID);
    expect(stored).toMatchObject({ status: "cancelled", completedAt: "2026-11-27T16:05:00.000Z" });
    if (outcome.kind === "cancelled") expect(outcome.record).toEqual(stored);
  });

  it.each(["running", "succeeded", "failed", "cancelled"] as const)(
    "refuses a %s record with its state",
    async (status) => {
      const { store, deps } = await setup(status);
      const outcome = await cancelRequest(deps, alice, ID);
      expect(outcome).toMatchObject({ kind: "conflict", record: { status } });
      expect(store.records.get(ID)?.status).toBe(status);
    },
  );

  it("hides another caller's record, but lets an admin cancel it", async () => {
    const { deps } = await setup();
    expect(await cancelRequest(deps, { sub: "bob", isAdmin: false }, ID)).toEqual({ kind: "not-found" });
    expect((await cancelRequest(deps, { sub: "ops", isAdmin: true }, ID)).kind).toBe("cancelled");
  });

  it("answers a conflict with the current state when a worker claims the record first", async () => {
    const { store, deps } = await setup();
    const update = store.update.bind(store);
    store.update = async (next, condition) => {
      // The worker's claim lands between our read and our write.
      const current = store.records.get(ID);
      if (current) store.records.set(ID, { ...current, status: "running" });
      return update(next, condition);
    };
    const outcome = await cancelRequest(deps, alice, ID);
    expect(outcome).toMatchObject({ kind: "conflict", record: { status: "running" } });
  });

  it("reads an unknown id as not found", async () => {
    const { deps } = await setup();
    expect(await cancelRequest(deps, alice, "01JD0000000000000000000009")).toEqual({ kind: "not-found" });
  });

  it("announces a cancellation as a completion event, and only a cancellation that happened", async () => {
    const { deps } = await setup();
    const publisher = new CapturingPublisher();
    await cancelRequest({ ...deps, publisher }, alice, ID);
    expect(publisher.events).toEqual([
      {
        id: ID,
        batchId: null,
        status: "cancelled",
        accountId: "1000000000000001",
        regionId: "cn-hangzhou",
        labels: {},
        completedAt: "2026-11-27T16:05:00.000Z",
      },
    ]);
    await cancelRequest({ ...deps, publisher }, alice, ID);
    expect(publisher.events).toHaveLength(1);
  });

  it("keeps the cancellation when the event cannot be published", async () => {
    const { store, deps } = await setup();
    const publisher = { publish: async () => Promise.reject(new Error("topic down")) };
    const outcome = await cancelRequest({ ...deps, publisher }, alice, ID);
    expect(outcome.kind).toBe("cancelled");
    expect(store.records.get(ID)?.status).toBe("cancelled");
    expect(deps.logger.lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "completion event not published" }),
    );
    // The outbox: the event stays owed for the reconciler.
    expect(store.records.get(ID)?.eventOwedAt).toBe("2026-11-27T16:05:00.000Z");
  });

  it("marks the cancellation's event sent once published", async () => {
    const { store, deps } = await setup();
    await cancelRequest({ ...deps, publisher: new CapturingPublisher() }, alice, ID);
    expect(store.records.get(ID)?.status).toBe("cancelled");
    expect(store.records.get(ID)?.eventOwedAt).toBeUndefined();
  });

  it("does not cancel a pending record whose earlier call may have made a pipeline", async () => {
    const { store, deps } = await setup();
    const stored = store.records.get(ID);
    if (stored) stored.outcomeUnknown = true;
    const outcome = await cancelRequest(deps, alice, ID);
    expect(outcome.kind).toBe("conflict");
    expect(store.records.get(ID)?.status).toBe("pending");
  });
});
