import { describe, expect, it } from "vitest";
import { ListCursorError, listRecords, readRecord } from "../../../shared/app/read-records";
import type { Requester } from "../../../shared/app/requester";
import type { PipelineRecord, RecordStatus } from "../../../shared/domain/record";
import { InMemoryRecordStore } from "../../support/fakes";
import { recordFixture } from "./read-fixtures";

const alice: Requester = { sub: "alice", isAdmin: false };
const bob: Requester = { sub: "bob", isAdmin: false };
const admin: Requester = { sub: "ops", isAdmin: true };

const id = (n: number) => `01JD${String(n).padStart(22, "0")}`;

async function storeWith(records: PipelineRecord[]): Promise<InMemoryRecordStore> {
  const store = new InMemoryRecordStore();
  for (const record of records) await store.create(record);
  return store;
}

describe("readRecord", () => {
  it.each([
    ["the owner", alice, true],
    ["another caller", bob, false],
    ["an admin", admin, true],
  ])("%s sees the record: %s", async (_who, requester, visible) => {
    const store = await storeWith([recordFixture({ id: id(1) })]);
    const record = await readRecord(store, requester, id(1));
    expect(record?.id).toBe(visible ? id(1) : undefined);
  });

  it("reads an unknown id as absent", async () => {
    expect(await readRecord(new InMemoryRecordStore(), alice, id(9))).toBeUndefined();
  });
});

describe("listRecords", () => {
  const minute = (n: number) => new Date(Date.UTC(2026, 10, 27, 16, n)).toISOString();
  const records = [
    ...Array.from({ length: 5 }, (_, i) =>
      recordFixture({
        id: id(i + 1),
        createdAt: minute(i),
        status: (i % 2 ? "succeeded" : "pending") as RecordStatus,
      }),
    ),
    recordFixture({ id: id(50), submittedBy: "bob", createdAt: minute(30) }),
  ];

  it("pages the caller's records newest first, with no nextCursor on the last page", async () => {
    const store = await storeWith(records);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listRecords(store, alice, { limit: 2, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([id(5), id(4), id(3), id(2), id(1)]);
  });

  it("filters by status", async () => {
    const store = await storeWith(records);
    const page = await listRecords(store, alice, { limit: 20, status: "succeeded" });
    expect(page.items.map((r) => r.id)).toEqual([id(4), id(2)]);
    expect(page.nextCursor).toBeUndefined();
  });

  it("lists a batch's records, and another caller's batch as empty", async () => {
    const batch = "01JDBATCH00000000000000000";
    const store = await storeWith([
      recordFixture({ id: id(1), batchId: batch }),
      recordFixture({ id: id(2), batchId: batch }),
      recordFixture({ id: id(3) }),
    ]);
    expect((await listRecords(store, alice, { limit: 20, batchId: batch })).items.map((r) => r.id)).toEqual([
      id(1),
      id(2),
    ]);
    expect((await listRecords(store, bob, { limit: 20, batchId: batch })).items).toEqual([]);
    expect((await listRecords(store, admin, { limit: 20, batchId: batch })).items).toHaveLength(2);
  });

  it("filters by labels, account and region together", async () => {
    const store = await storeWith([
      recordFixture({ id: id(1), labels: { ticket: "CR-1" }, accountId: "1000000000000002" }),
      recordFixture({ id: id(2), labels: { ticket: "CR-1" } }),
      recordFixture({ id: id(3), labels: { ticket: "CR-2" } }),
      recordFixture({ id: id(4), labels: { ticket: "CR-1" }, submittedBy: "bob" }),
    ]);
    const page = await listRecords(store, alice, { limit: 20, labels: { ticket: "CR-1" } });
    expect(page.items.map((r) => r.id).sort()).toEqual([id(1), id(2)]);
    const narrower = await listRecords(store, alice, {
      limit: 20,
      labels: { ticket: "CR-1" },
      accountId: "1000000000000002",
      regionId: "cn-hangzhou",
    });
    expect(narrower.items.map((r) => r.id)).toEqual([id(1)]);
  });

  it("continues a cursor only with the filters it was made for", async () => {
    const store = await storeWith(records);
    const first = await listRecords(store, alice, { limit: 1, status: "pending" });
    expect(first.nextCursor).toBeDefined();
    const cursor = first.nextCursor as string;
    const second = await listRecords(store, alice, { limit: 1, status: "pending", cursor });
    expect(second.items.map((r) => r.id)).toEqual([id(3)]);
    // Another limit is the same list; another filter, or none, is not.
    expect((await listRecords(store, alice, { limit: 5, status: "pending", cursor })).items).toHaveLength(2);
    await expect(listRecords(store, alice, { limit: 1, status: "succeeded", cursor })).rejects.toThrow(
      ListCursorError,
    );
    await expect(listRecords(store, alice, { limit: 1, cursor })).rejects.toThrow(/other filters/);
    await expect(listRecords(store, alice, { limit: 1, cursor: "not-ours" })).rejects.toThrow(
      /not one this service handed out/,
    );
  });
});
