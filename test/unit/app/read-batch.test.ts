import { describe, expect, it } from "vitest";
import { acceptBatch } from "../../../shared/app/accept-batch";
import { batchRecordIds } from "../../../shared/app/ids";
import { BatchCursorError, readBatch } from "../../../shared/app/read-batch";
import type { Requester } from "../../../shared/app/requester";
import type { RecordStatus } from "../../../shared/domain/record";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";
import { recordFixture } from "./read-fixtures";

const BATCH = "01JD0000000000000000000000";
const alice: Requester = { sub: "alice", isAdmin: false };
const bob: Requester = { sub: "bob", isAdmin: false };
const admin: Requester = { sub: "root", isAdmin: true };

type Layout = "with its header" | "without a header (index only)";
const LAYOUTS: Layout[] = ["with its header", "without a header (index only)"];

/** A batch of `statuses.length` items of alice's, item i in state statuses[i]. */
function storeWith(
  statuses: RecordStatus[],
  layout: Layout = "with its header",
): { store: InMemoryRecordStore; ids: string[] } {
  const store = new InMemoryRecordStore();
  const ids = batchRecordIds(BATCH, statuses.length);
  statuses.forEach((status, i) => {
    const id = ids[i]!;
    store.records.set(id, recordFixture({ id, status, batchId: BATCH }));
  });
  store.records.set("01JD0000000000000000000ZZZ", recordFixture({ id: "01JD0000000000000000000ZZZ" }));
  if (layout === "with its header" && statuses.length > 0) {
    store.batches.set(BATCH, {
      id: BATCH,
      submittedBy: "alice",
      total: statuses.length,
      createdAt: "2026-11-27T16:00:00.000Z",
    });
  }
  return { store, ids };
}

const repeat = (status: RecordStatus, n: number): RecordStatus[] => Array.from({ length: n }, () => status);

describe.each(LAYOUTS)("readBatch, a batch %s", (layout) => {
  it("counts every item of a 250-item batch although the page holds 20, and is not done while any is unfinished", async () => {
    const { store, ids } = storeWith(
      [
        ...repeat("succeeded", 100),
        ...repeat("failed", 50),
        ...repeat("cancelled", 25),
        ...repeat("running", 5),
        ...repeat("pending", 70),
      ],
      layout,
    );
    const view = await readBatch(store, alice, BATCH, { limit: 20 });
    expect(view).toMatchObject({
      id: BATCH,
      total: 250,
      counts: { pending: 70, running: 5, succeeded: 100, failed: 50, cancelled: 25 },
      done: false,
    });
    expect(view!.items.map((r) => r.id)).toEqual(ids.slice(0, 20));
    expect(view!.nextCursor).toBeDefined();
  });

  it("pages through the items in submission order with the cursor, and the counts stay whole", async () => {
    const { store, ids } = storeWith(repeat("pending", 145), layout);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const view = await readBatch(store, alice, BATCH, { limit: 20, ...(cursor ? { cursor } : {}) });
      expect(view!.total).toBe(145);
      expect(view!.counts.pending).toBe(145);
      seen.push(...view!.items.map((r) => r.id));
      cursor = view!.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("narrows the page with status, never the counts", async () => {
    const { store, ids } = storeWith(["succeeded", "failed", "succeeded"], layout);
    const view = await readBatch(store, alice, BATCH, { limit: 1, status: "succeeded" });
    expect(view!.items.map((r) => r.id)).toEqual([ids[0]]);
    expect(view!.counts).toEqual({ pending: 0, running: 0, succeeded: 2, failed: 1, cancelled: 0 });
    const next = await readBatch(store, alice, BATCH, {
      limit: 1,
      status: "succeeded",
      cursor: view!.nextCursor!,
    });
    expect(next!.items.map((r) => r.id)).toEqual([ids[2]]);
    expect(next!.nextCursor).toBeUndefined();
  });

  it.each([
    ["every item terminal", ["succeeded", "failed", "cancelled"] as RecordStatus[], true],
    ["one running", ["succeeded", "running"] as RecordStatus[], false],
    ["one pending", ["pending", "failed"] as RecordStatus[], false],
  ])("done with %s: %s", async (_name, statuses, done) => {
    const { store } = storeWith(statuses, layout);
    expect((await readBatch(store, alice, BATCH, { limit: 20 }))!.done).toBe(done);
  });

  it.each([
    ["another caller", bob, false],
    ["an admin", admin, true],
    ["the owner", alice, true],
  ])("shows the batch to %s: %s", async (_name, requester, visible) => {
    const { store } = storeWith(["pending"], layout);
    const view = await readBatch(store, requester, BATCH, { limit: 20 });
    expect(view !== undefined).toBe(visible);
  });

  it("reads an unknown batch as absent", async () => {
    const { store } = storeWith([], layout);
    expect(await readBatch(store, alice, "01JD00000000000000000000AB", { limit: 20 })).toBeUndefined();
  });
});

describe("readBatch through the batch header", () => {
  it("reads a 250-item batch by id: statuses once, then the page's records, never the batch index", async () => {
    const { store } = storeWith(repeat("pending", 250));
    await readBatch(store, alice, BATCH, { limit: 20 });
    expect(store.calls).toMatchObject({ getBatch: 1, statusesOf: 1, getMany: 1 });
    expect(store.calls.listByBatch).toBeUndefined();
  });

  it("reads a batch of at most 100 items whole in one read", async () => {
    const { store } = storeWith(repeat("pending", 100));
    const view = await readBatch(store, alice, BATCH, { limit: 20 });
    expect(view!.items).toHaveLength(20);
    expect(store.calls).toMatchObject({ getBatch: 1, getMany: 1 });
    expect(store.calls.statusesOf).toBeUndefined();
  });

  it("answers total 500, all pending, right after the 202 of a 500-item batch while the index lists none", async () => {
    const store = new InMemoryRecordStore();
    store.holdIndexes();
    const deps = {
      store,
      queue: new InMemoryQueue(),
      clock: new FakeClock(),
      logger: new CapturingLogger(),
      serviceAccountId: "1000000000000001",
    };
    const items = Array.from({ length: 500 }, (_, n) => ({
      RegionId: "cn-hangzhou",
      BaseImageType: "IMAGE",
      BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
      Name: `web-base-${n}`,
    }));
    const accepted = await acceptBatch(deps, { requester: alice, body: { items } });
    if (accepted.kind !== "accepted") throw new Error(accepted.kind);
    expect((await store.listByBatch(accepted.batchId, { limit: 10 })).items).toEqual([]);

    const view = await readBatch(store, alice, accepted.batchId, { limit: 100 });
    expect(view).toMatchObject({
      total: 500,
      counts: { pending: 500, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
      done: false,
    });
    expect(view!.items.map((r) => r.id)).toEqual(accepted.items.slice(0, 100).map((i) => i.id));
  });

  it("counts items by their current state although the index still shows the old one", async () => {
    const { store, ids } = storeWith(repeat("pending", 3));
    store.holdIndexes();
    store.records.set(ids[1]!, recordFixture({ id: ids[1]!, status: "succeeded", batchId: BATCH }));
    const view = await readBatch(store, alice, BATCH, { limit: 20, status: "succeeded" });
    expect(view!.counts).toMatchObject({ pending: 2, succeeded: 1 });
    expect(view!.items.map((r) => r.id)).toEqual([ids[1]]);
  });

  it.each([
    ["not base64url JSON", "%%%"],
    [
      "another batch's item",
      Buffer.from(JSON.stringify({ v: 1, k: ["01JD00000000000000000000AB"] })).toString("base64url"),
    ],
    ["another shape", Buffer.from(JSON.stringify({ v: 1, k: [1] })).toString("base64url")],
  ])("refuses a cursor that is %s", async (_name, cursor) => {
    const { store } = storeWith(repeat("pending", 3));
    await expect(readBatch(store, alice, BATCH, { limit: 1, cursor })).rejects.toBeInstanceOf(
      BatchCursorError,
    );
    await expect(readBatch(store, alice, BATCH, { limit: 1, cursor })).rejects.toMatchObject({
      code: "InvalidCursor",
    });
  });
});

describe("readBatch through the batch index (no header)", () => {
  it("counts with pages of 100 and reads the requested page", async () => {
    const { store } = storeWith(repeat("pending", 250), "without a header (index only)");
    await readBatch(store, alice, BATCH, { limit: 20 });
    // 250 items: three counting pages of 100, then the requested page.
    expect(store.calls.listByBatch).toBe(4);
  });

  it("answers a small batch from its one counting page", async () => {
    const { store } = storeWith(repeat("pending", 10), "without a header (index only)");
    const view = await readBatch(store, alice, BATCH, { limit: 20 });
    expect(view!.items).toHaveLength(10);
    expect(view!.nextCursor).toBeUndefined();
    expect(store.calls.listByBatch).toBe(1);
  });
});
