import { describe, expect, it } from "vitest";
import { batchRecordIds } from "../../../shared/app/ids";
import { readBatch } from "../../../shared/app/read-batch";
import type { Requester } from "../../../shared/app/requester";
import type { RecordStatus } from "../../../shared/domain/record";
import { InMemoryRecordStore } from "./fakes";
import { recordFixture } from "./read-fixtures";

const BATCH = "01JD0000000000000000000000";
const alice: Requester = { sub: "alice", isAdmin: false };
const bob: Requester = { sub: "bob", isAdmin: false };
const admin: Requester = { sub: "root", isAdmin: true };

/** A batch of `statuses.length` items of alice's, item i in state statuses[i]. */
function storeWith(statuses: RecordStatus[]): { store: InMemoryRecordStore; ids: string[] } {
  const store = new InMemoryRecordStore();
  const ids = batchRecordIds(BATCH, statuses.length);
  statuses.forEach((status, i) => {
    const id = ids[i]!;
    store.records.set(id, recordFixture({ id, status, batchId: BATCH }));
  });
  store.records.set("01JD0000000000000000000ZZZ", recordFixture({ id: "01JD0000000000000000000ZZZ" }));
  return { store, ids };
}

const repeat = (status: RecordStatus, n: number): RecordStatus[] => Array.from({ length: n }, () => status);

describe("readBatch", () => {
  it("counts every item of a 250-item batch although the page holds 20, and is not done while any is unfinished", async () => {
    const { store, ids } = storeWith([
      ...repeat("succeeded", 100),
      ...repeat("failed", 50),
      ...repeat("cancelled", 25),
      ...repeat("running", 5),
      ...repeat("pending", 70),
    ]);
    const view = await readBatch(store, alice, BATCH, { limit: 20 });
    expect(view).toMatchObject({
      id: BATCH,
      total: 250,
      counts: { pending: 70, running: 5, succeeded: 100, failed: 50, cancelled: 25 },
      done: false,
    });
    expect(view!.items.map((r) => r.id)).toEqual(ids.slice(0, 20));
    expect(view!.nextCursor).toBeDefined();
    // 250 items: three counting pages of 100, then the requested page.
    expect(store.calls.listByBatch).toBe(4);
  });

  it("pages through the items in submission order with the cursor, and the counts stay whole", async () => {
    const { store, ids } = storeWith(repeat("pending", 45));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const view = await readBatch(store, alice, BATCH, { limit: 20, ...(cursor ? { cursor } : {}) });
      expect(view!.total).toBe(45);
      expect(view!.counts.pending).toBe(45);
      seen.push(...view!.items.map((r) => r.id));
      cursor = view!.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("narrows the page with status, never the counts", async () => {
    const { store, ids } = storeWith(["succeeded", "failed", "succeeded"]);
    const view = await readBatch(store, alice, BATCH, { limit: 20, status: "succeeded" });
    expect(view!.items.map((r) => r.id)).toEqual([ids[0], ids[2]]);
    expect(view!.counts).toEqual({ pending: 0, running: 0, succeeded: 2, failed: 1, cancelled: 0 });
  });

  it.each([
    ["every item terminal", ["succeeded", "failed", "cancelled"] as RecordStatus[], true],
    ["one running", ["succeeded", "running"] as RecordStatus[], false],
    ["one pending", ["pending", "failed"] as RecordStatus[], false],
  ])("done with %s: %s", async (_name, statuses, done) => {
    const { store } = storeWith(statuses);
    expect((await readBatch(store, alice, BATCH, { limit: 20 }))!.done).toBe(done);
  });

  it("answers a small batch from its one counting page", async () => {
    const { store } = storeWith(repeat("pending", 10));
    const view = await readBatch(store, alice, BATCH, { limit: 20 });
    expect(view!.items).toHaveLength(10);
    expect(view!.nextCursor).toBeUndefined();
    expect(store.calls.listByBatch).toBe(1);
  });

  it.each([
    ["another caller", bob, false],
    ["an admin", admin, true],
    ["the owner", alice, true],
  ])("shows the batch to %s: %s", async (_name, requester, visible) => {
    const { store } = storeWith(["pending"]);
    const view = await readBatch(store, requester, BATCH, { limit: 20 });
    expect(view !== undefined).toBe(visible);
  });

  it("reads an unknown batch as absent", async () => {
    const { store } = storeWith([]);
    expect(await readBatch(store, alice, "01JD00000000000000000000AB", { limit: 20 })).toBeUndefined();
  });
});
