/**
 * The RecordStore port's behaviour as one suite, run against the Tablestore adapter (through the
 * real SDK and the emulator) and against the in-memory fake the unit tests use, so the two cannot
 * drift apart. With `indexes`, the suite also holds the global secondary indexes back (the
 * emulator's index lag, the fake's model of it) to check what the port promises while they lag.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { type ListOptions, MATCHING_SCAN_BUDGET, type Page, type RecordStore } from "../../shared/app/ports";
import { ATTEMPT_HISTORY_LIMITS, type Attempt, failedAttempt } from "../../shared/domain/attempt-history";
import { claim, fail, noteCallOutcome, type PipelineRecord, withAttempt } from "../../shared/domain/record";
import { matchesFilter, type RecordFilter } from "../../shared/domain/record-filter";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID for time `ms` whose random part is `seq`, so ids made in a test sort as made. */
export function ulidAt(ms: number, seq: number): string {
  let time = "";
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let tail = "";
  for (let s = seq, i = 0; i < 16; i++, s = Math.floor(s / 32)) tail = CROCKFORD[s % 32] + tail;
  return time + tail;
}

const BASE_MS = Date.parse("2026-11-27T10:00:00.000Z");
let sequence = 0;

/** A pending record created `offsetMs` after a fixed base time, with an id that matches it. */
export function makeRecord(offsetMs: number, fields: Partial<PipelineRecord> = {}): PipelineRecord {
  sequence++;
  const at = new Date(BASE_MS + offsetMs).toISOString();
  return {
    id: ulidAt(BASE_MS + offsetMs, sequence),
    status: "pending",
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: `token-${sequence}`,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-abc" },
    ...fields,
  };
}

/** Every page of a list, following cursors; checks that only the last page lacks one. */
export async function allPages(
  list: (options: ListOptions) => Promise<Page<PipelineRecord>>,
  options: Omit<ListOptions, "cursor">,
): Promise<{ pages: PipelineRecord[][]; ids: string[] }> {
  const pages: PipelineRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...options, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 50) throw new Error("paging does not end");
  } while (cursor);
  return { pages, ids: pages.flat().map((r) => r.id) };
}

/** Holds a store's indexes back (writes stop reaching them) and lets them catch up. */
export interface IndexLagControl {
  hold(): void | Promise<void>;
  settle(): void | Promise<void>;
}

/** Two 16,000-character templates: the largest request the contract allows, ~33 KB a record. */
export function largeRequest(name: string): PipelineRecord["request"] {
  return {
    RegionId: "cn-hangzhou",
    BaseImageType: "IMAGE",
    BaseImage: "m-abc",
    Name: name,
    BuildContent: `RUN echo ${"b".repeat(16_000 - 9)}`,
    TestContent: `RUN echo ${"t".repeat(16_000 - 9)}`,
  } as PipelineRecord["request"];
}

export function recordStoreContract(
  name: string,
  makeStore: () => Promise<RecordStore>,
  indexes?: () => IndexLagControl,
): void {
  describe(`RecordStore contract: ${name}`, () => {
    let store: RecordStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it("creates a record once and reads it back as written", async () => {
      const record = makeRecord(0, {
        batchId: ulidAt(BASE_MS, 999),
        error: { code: "Throttling", message: "slow down", requestId: "r-1", retryable: true },
        request: { RegionId: "cn-beijing", BaseImageType: "IMAGE", BaseImage: "m-x", Name: 'n<&>"é' },
      });
      expect(await store.create(record)).toBe("applied");
      expect(await store.get(record.id)).toEqual(record);
      expect(await store.create({ ...record, submittedBy: "mallory" })).toBe("conflict");
      expect((await store.get(record.id))?.submittedBy).toBe("alice");
    });

    it("answers undefined for an unknown id", async () => {
      expect(await store.get(makeRecord(0).id)).toBeUndefined();
    });

    it("applies a move only from the state it started in", async () => {
      const record = makeRecord(0);
      await store.create(record);
      const move = claim(record, new Date(BASE_MS + 1000), 60_000);
      if (!move.ok) throw new Error("claim refused");
      expect(await store.update(move.record, { from: "running" })).toBe("conflict");
      expect(await store.update(move.record, { from: "pending" })).toBe("applied");
      expect(await store.get(record.id)).toEqual(move.record);
      // The same move again: the record is no longer pending.
      expect(await store.update(move.record, { from: "pending" })).toBe("conflict");
    });

    it("refuses an update of a record that does not exist", async () => {
      const record = makeRecord(0);
      expect(await store.update(record, { from: "pending" })).toBe("conflict");
      expect(await store.get(record.id)).toBeUndefined();
    });

    it("checks the lease when one is expected, and removes fields the next state drops", async () => {
      const leaseUntil = new Date(BASE_MS + 60_000).toISOString();
      const running = makeRecord(0, { status: "running", attempts: 1, leaseUntil });
      await store.create(running);
      const released: PipelineRecord = { ...running, status: "pending" };
      delete released.leaseUntil;
      const otherLease = new Date(BASE_MS + 1).toISOString();
      expect(await store.update(released, { from: "running", expectedLeaseUntil: otherLease })).toBe(
        "conflict",
      );
      expect(await store.update(released, { from: "running", expectedLeaseUntil: leaseUntil })).toBe(
        "applied",
      );
      const stored = await store.get(running.id);
      expect(stored).toEqual(released);
      expect(stored).not.toHaveProperty("leaseUntil");
    });

    it("treats an expected lease on a record without one as a conflict", async () => {
      const running = makeRecord(0, { status: "running", attempts: 1 });
      await store.create(running);
      const next = { ...running, attempts: 2, leaseUntil: new Date(BASE_MS + 5000).toISOString() };
      expect(
        await store.update(next, { from: "running", expectedLeaseUntil: new Date(BASE_MS).toISOString() }),
      ).toBe("conflict");
      // Without an expected lease only the status is checked.
      expect(await store.update(next, { from: "running" })).toBe("applied");
      expect((await store.get(running.id))?.leaseUntil).toBe(next.leaseUntil);
    });

    it("writes the attempt history with the state change, and reads a record without one as having none", async () => {
      const record = makeRecord(0, { submittedBy: "hal" });
      await store.create(record);
      expect(await store.get(record.id)).not.toHaveProperty("attemptHistory");
      const claimed = claim(record, new Date(BASE_MS + 1000), 60_000);
      if (!claimed.ok) throw new Error("claim refused");
      await store.update(claimed.record, { from: "pending" });
      const timing = { at: new Date(BASE_MS + 1000).toISOString(), durationMs: 42 };
      const refusal = {
        code: "Forbidden.RAM",
        message: 'User not authorized: "ecs:CreateImagePipeline" é<&>',
        requestId: "8A1D0C2E-7F3B-4C5D-9E6F-0123456789AB",
        httpStatus: 403,
        transient: false,
      };
      // ECS's refusal settles the token (domain/call-outcome), as the worker notes it.
      const answered = withAttempt(noteCallOutcome(claimed.record, false), failedAttempt(refusal, timing));
      const failed = fail(answered, new Date(BASE_MS + 2000), { ...refusal, retryable: false });
      if (!failed.ok) throw new Error("fail refused");
      expect(await store.update(failed.record, { from: "running" })).toBe("applied");
      const stored = await store.get(record.id);
      expect(stored).toEqual(failed.record);
      expect(stored?.attemptHistory).toEqual([
        {
          number: 1,
          ...timing,
          outcome: "failed-permanent",
          code: "Forbidden.RAM",
          message: refusal.message,
          requestId: refusal.requestId,
          httpStatus: 403,
        },
      ]);
      // Lists return records as the table has them (the HTTP list leaves the history out).
      expect((await store.listAll({ limit: 10 })).items).toEqual([failed.record]);
    });

    it(`holds the largest history (${ATTEMPT_HISTORY_LIMITS.kept} entries of clipped text) beside the largest request`, async () => {
      const worst = failedAttempt(
        {
          code: "\u0001".repeat(1000),
          message: "\u0001".repeat(100_000),
          requestId: "\u0001".repeat(1000),
          httpStatus: 503,
          transient: true,
          reachedEcs: false,
        },
        { at: new Date(BASE_MS).toISOString(), durationMs: 10_000 },
      );
      let record = makeRecord(0, { request: largeRequest("history"), status: "running", attempts: 1 });
      for (let i = 0; i < ATTEMPT_HISTORY_LIMITS.kept * 2; i++) record = withAttempt(record, worst);
      const history = record.attemptHistory as Attempt[];
      expect(history).toHaveLength(ATTEMPT_HISTORY_LIMITS.kept);
      expect(history[0]?.number).toBe(ATTEMPT_HISTORY_LIMITS.kept + 1);
      await store.create(record);
      expect(await store.get(record.id)).toEqual(record);
    });

    it("lists a submitter's records newest first, paged, with the status filter", async () => {
      const mine = Array.from({ length: 7 }, (_, i) =>
        makeRecord(i * 1000, { submittedBy: "bob", status: i % 2 === 0 ? "pending" : "cancelled" }),
      );
      const theirs = [makeRecord(500, { submittedBy: "bobby" }), makeRecord(600, { submittedBy: "bo" })];
      for (const record of [...mine, ...theirs]) await store.create(record);

      const all = await allPages((o) => store.listBySubmitter("bob", o), { limit: 3 });
      expect(all.pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(all.ids).toEqual(mine.map((r) => r.id).reverse());

      const exact = await allPages((o) => store.listBySubmitter("bob", o), { limit: 7 });
      expect(exact.pages.length).toBe(1);

      const cancelled = await allPages((o) => store.listBySubmitter("bob", o), {
        limit: 2,
        status: "cancelled",
      });
      expect(cancelled.ids).toEqual(
        mine
          .filter((r) => r.status === "cancelled")
          .map((r) => r.id)
          .reverse(),
      );
      expect(cancelled.pages.map((p) => p.length)).toEqual([2, 1]);
      expect(await store.listBySubmitter("nobody", { limit: 5 })).toEqual({ items: [] });
    });

    it("lists a batch in submission order, paged, with the status filter", async () => {
      const batchId = ulidAt(BASE_MS, 123_456);
      const batch = Array.from({ length: 5 }, () => makeRecord(0, { batchId, submittedBy: "carol" }));
      const other = makeRecord(0, { batchId: ulidAt(BASE_MS, 123_457) });
      await store.createMany([...batch, other]);
      await store.update({ ...batch[3]!, status: "cancelled" }, { from: "pending" });

      const all = await allPages((o) => store.listByBatch(batchId, o), { limit: 2 });
      expect(all.pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(all.ids).toEqual(batch.map((r) => r.id));
      expect(all.pages.flat()[3]?.status).toBe("cancelled");

      const pending = await allPages((o) => store.listByBatch(batchId, o), { limit: 10, status: "pending" });
      expect(pending.ids).toEqual(batch.filter((_, i) => i !== 3).map((r) => r.id));
    });

    it("lists every record newest first, and never an idempotency entry", async () => {
      const records = [
        makeRecord(3000, { submittedBy: "x" }),
        makeRecord(1000, { submittedBy: "y" }),
        makeRecord(2000, { submittedBy: "z", status: "failed" }),
      ];
      for (const record of records) await store.create(record);
      await store.putIdempotency({
        scope: "key:x:abc",
        targetId: records[0]!.id,
        fingerprint: "f",
        createdAt: records[0]!.createdAt,
      });
      const all = await allPages((o) => store.listAll(o), { limit: 2 });
      expect(all.ids).toEqual([records[0]!.id, records[2]!.id, records[1]!.id]);
      const failed = await allPages((o) => store.listAll(o), { limit: 2, status: "failed" });
      expect(failed.ids).toEqual([records[2]!.id]);
    });

    it("lists records in a status oldest update first", async () => {
      const at = (ms: number) => new Date(BASE_MS + ms).toISOString();
      const a = makeRecord(0, { updatedAt: at(5000) });
      const b = makeRecord(1, { updatedAt: at(2000) });
      const c = makeRecord(2, { updatedAt: at(9000) });
      const running = makeRecord(3, { status: "running", attempts: 1, leaseUntil: at(1), updatedAt: at(1) });
      for (const record of [a, b, c, running]) await store.create(record);

      const pending = await allPages((o) => store.listByStatus("pending", o), { limit: 2 });
      expect(pending.ids).toEqual([b.id, a.id, c.id]);
      expect(pending.pages.map((p) => p.length)).toEqual([2, 1]);
      expect((await store.listByStatus("running", { limit: 10 })).items.map((r) => r.id)).toEqual([
        running.id,
      ]);

      // A state change moves the record to the other status's list.
      await store.update({ ...a, status: "cancelled", updatedAt: at(10_000) }, { from: "pending" });
      expect((await allPages((o) => store.listByStatus("pending", o), { limit: 5 })).ids).toEqual([
        b.id,
        c.id,
      ]);
    });

    it("lists nothing for a status filter that contradicts the listed status", async () => {
      await store.create(makeRecord(0));
      expect((await store.listByStatus("pending", { limit: 5 })).items).toHaveLength(1);
      expect(await store.listByStatus("pending", { limit: 5, status: "running" })).toEqual({ items: [] });
    });

    it("creates many records at once and refuses a batch holding an existing one", async () => {
      const records = Array.from({ length: 450 }, (_, i) => makeRecord(i, { submittedBy: "dave" }));
      await store.createMany(records);
      for (const record of [records[0]!, records[199]!, records[200]!, records[449]!]) {
        expect(await store.get(record.id)).toEqual(record);
      }
      const listed = await allPages((o) => store.listBySubmitter("dave", o), { limit: 100 });
      expect(listed.ids).toEqual(records.map((r) => r.id).reverse());

      await expect(store.createMany([makeRecord(0), records[10]!])).rejects.toThrow();
    });

    it("creates 200 records of 33 KB each, more than one BatchWriteRow holds, and reads them back", async () => {
      const records = Array.from({ length: 200 }, (_, i) =>
        makeRecord(i, { submittedBy: "gail", request: largeRequest(`large-${i}`) }),
      );
      await store.createMany(records);
      const read = await store.getMany(records.map((r) => r.id));
      expect(read.map((r) => r.id)).toEqual(records.map((r) => r.id));
      expect(read[199]).toEqual(records[199]);
    });

    it("reads records and statuses by id, in the order asked, leaving out ids without a record", async () => {
      const [a, b, c] = [makeRecord(0), makeRecord(1, { status: "cancelled" }), makeRecord(2)];
      await store.create(a!);
      await store.create(b!);
      expect((await store.getMany([b!.id, c!.id, a!.id, "idem:x"])).map((r) => r.id)).toEqual([b!.id, a!.id]);
      expect(await store.getMany([b!.id])).toEqual([b]);
      expect(await store.statusesOf([a!.id, b!.id, c!.id])).toEqual(
        new Map([
          [a!.id, "pending"],
          [b!.id, "cancelled"],
        ]),
      );
      expect(await store.getMany([])).toEqual([]);
    });

    it("keeps one batch header per batch, and never lists it as a record", async () => {
      const batchId = ulidAt(BASE_MS, 777);
      const header = {
        id: batchId,
        submittedBy: "hana",
        total: 500,
        createdAt: new Date(BASE_MS).toISOString(),
      };
      expect(await store.getBatch(batchId)).toBeUndefined();
      expect(await store.putBatch(header)).toBe("applied");
      expect(await store.putBatch({ ...header, total: 1 })).toBe("conflict");
      expect(await store.getBatch(batchId)).toEqual(header);
      expect(await store.getBatch(ulidAt(BASE_MS, 778))).toBeUndefined();
      expect((await store.listAll({ limit: 10 })).items).toEqual([]);
      expect((await store.listBySubmitter("hana", { limit: 10 })).items).toEqual([]);
      expect((await store.listByBatch(batchId, { limit: 10 })).items).toEqual([]);
      expect((await store.listByStatus("pending", { limit: 10 })).items).toEqual([]);
    });

    describe("filtered lists (listMatching)", () => {
      const A = "1000000000000001";
      const B = "1000000000000002";
      const batchId = ulidAt(BASE_MS, 555_000);
      /** kim's 12 records over two accounts, two regions, three states, labels and one batch; lee's 3 alike. */
      const dataset = (): PipelineRecord[] => [
        ...Array.from({ length: 12 }, (_, i) =>
          makeRecord(i * 1000, {
            submittedBy: "kim",
            accountId: i % 2 ? B : A,
            regionId: i % 3 ? "cn-hangzhou" : "cn-beijing",
            status: (["pending", "failed", "succeeded"] as const)[i % 3]!,
            batchId: i >= 8 ? batchId : null,
            ...(i % 4 === 0 ? { labels: { ticket: "CR-1", "team/name": "web" } } : {}),
            ...(i % 4 === 1 ? { labels: { ticket: "CR-2" } } : {}),
          }),
        ),
        ...Array.from({ length: 3 }, (_, i) =>
          makeRecord(i * 1000 + 1, { submittedBy: "lee", accountId: A, labels: { ticket: "CR-1" } }),
        ),
      ];

      /** Every page, following cursors with the same filter. */
      async function allMatching(submittedBy: string, filter: RecordFilter, limit: number) {
        return allPages((o) => store.listMatching(submittedBy, filter, o), { limit });
      }

      const newestFirst = (records: PipelineRecord[]) =>
        [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));

      it("stores a record's labels and reads them back", async () => {
        const record = makeRecord(0, { labels: { ticket: "CR-123", "change/id": "a:b c" } });
        await store.create(record);
        expect(await store.get(record.id)).toEqual(record);
        expect((await store.listMatching("alice", {}, { limit: 5 })).items).toEqual([record]);
      });

      const at = (ms: number) => new Date(BASE_MS + ms).toISOString();
      it.each<[string, RecordFilter]>([
        ["no filter", {}],
        ["status", { status: "failed" }],
        ["accountId", { accountId: B }],
        ["regionId", { regionId: "cn-beijing" }],
        ["a label", { labels: { ticket: "CR-1" } }],
        ["two labels", { labels: { ticket: "CR-1", "team/name": "web" } }],
        ["createdAfter (inclusive)", { createdAfter: at(5000) }],
        ["createdBefore (exclusive)", { createdBefore: at(5000) }],
        ["a window and a status", { createdAfter: at(2000), createdBefore: at(10_000), status: "pending" }],
        ["account, region and status", { accountId: A, regionId: "cn-hangzhou", status: "succeeded" }],
        ["status and label", { status: "pending", labels: { ticket: "CR-1" } }],
        ["nothing matches", { accountId: B, labels: { ticket: "CR-1" } }],
      ])("lists the caller's records matching %s, newest first, paged", async (_name, filter) => {
        const records = dataset();
        await store.createMany(records);
        const expected = newestFirst(
          records.filter((r) => r.submittedBy === "kim" && matchesFilter(r, filter)),
        );
        const listed = await allMatching("kim", filter, 2);
        expect(listed.ids).toEqual(expected.map((r) => r.id));
        expect(listed.pages.flat()).toEqual(expected);
      });

      it("lists a batch's records in submission order, with the other filters", async () => {
        const records = dataset();
        await store.createMany(records);
        const batch = records.filter((r) => r.batchId === batchId);
        expect((await allMatching("kim", { batchId }, 3)).ids).toEqual(batch.map((r) => r.id));
        const filter: RecordFilter = { batchId, status: "pending", createdBefore: at(11_000) };
        expect((await allMatching("kim", filter, 1)).ids).toEqual(
          batch.filter((r) => matchesFilter(r, filter)).map((r) => r.id),
        );
        expect((await allMatching("lee", { batchId }, 3)).ids).toEqual([]);
        expect((await allMatching("kim", { batchId, labels: { ticket: "CR-1" } }, 3)).ids).toEqual(
          batch.filter((r) => r.labels?.ticket === "CR-1").map((r) => r.id),
        );
      });

      it(`examines at most ${MATCHING_SCAN_BUDGET} index entries a call: a sparse filter pages through short pages`, async () => {
        const many = Array.from({ length: MATCHING_SCAN_BUDGET + 20 }, (_, i) =>
          makeRecord(i, {
            submittedBy: "max",
            ...(i === 3 || i === MATCHING_SCAN_BUDGET + 10 ? { accountId: B } : {}),
          }),
        );
        await store.createMany(many);
        const first = await store.listMatching("max", { accountId: B }, { limit: 5 });
        // Newest first: the later match is within the first budget, the earlier one is not.
        expect(first.items.map((r) => r.id)).toEqual([many[MATCHING_SCAN_BUDGET + 10]!.id]);
        expect(first.nextCursor).toBeDefined();
        const rest = await store.listMatching(
          "max",
          { accountId: B },
          { limit: 5, cursor: first.nextCursor! },
        );
        expect(rest.items.map((r) => r.id)).toEqual([many[3]!.id]);
        expect(rest.nextCursor).toBeUndefined();
      });
    });

    if (indexes) {
      describe("while the indexes lag", () => {
        let lag: IndexLagControl;
        beforeEach(() => {
          lag = indexes();
        });

        it("reads a record just written by id but lists it only once the indexes catch up", async () => {
          const batchId = ulidAt(BASE_MS, 888);
          await lag.hold();
          const records = [
            makeRecord(0, { submittedBy: "ivy", batchId }),
            makeRecord(1, { submittedBy: "ivy", batchId }),
          ];
          await store.createMany(records);
          expect(await store.get(records[0]!.id)).toEqual(records[0]);
          expect((await store.statusesOf(records.map((r) => r.id))).size).toBe(2);
          expect((await store.listBySubmitter("ivy", { limit: 10 })).items).toEqual([]);
          expect((await store.listByBatch(batchId, { limit: 10 })).items).toEqual([]);
          // The base table itself does not lag.
          expect((await store.listAll({ limit: 10 })).items.map((r) => r.id)).toEqual(
            records.map((r) => r.id).reverse(),
          );
          await lag.settle();
          expect((await store.listByBatch(batchId, { limit: 10 })).items).toEqual(records);
        });

        it("lists an item as the table has it now, and drops it from a status it has left", async () => {
          const record = makeRecord(0, { submittedBy: "jon" });
          await store.create(record);
          await lag.settle();
          await lag.hold();
          const cancelled = {
            ...record,
            status: "cancelled" as const,
            updatedAt: new Date(BASE_MS + 5).toISOString(),
          };
          expect(await store.update(cancelled, { from: "pending" })).toBe("applied");
          expect((await store.listBySubmitter("jon", { limit: 10 })).items).toEqual([cancelled]);
          expect((await store.listBySubmitter("jon", { limit: 10, status: "pending" })).items).toEqual([]);
          expect((await store.listByStatus("pending", { limit: 10 })).items).toEqual([]);
          await lag.settle();
          expect((await store.listBySubmitter("jon", { limit: 10, status: "cancelled" })).items).toEqual([
            cancelled,
          ]);
        });

        it("checks a filtered list's items as the table has them now", async () => {
          const record = makeRecord(0, { submittedBy: "kai", labels: { ticket: "CR-9" } });
          await store.create(record);
          await lag.settle();
          await lag.hold();
          const cancelled = {
            ...record,
            status: "cancelled" as const,
            updatedAt: new Date(BASE_MS + 5).toISOString(),
          };
          expect(await store.update(cancelled, { from: "pending" })).toBe("applied");
          // by_submitter_status still files it under pending: found there, then dropped.
          expect((await store.listMatching("kai", { status: "pending" }, { limit: 10 })).items).toEqual([]);
          expect(
            (await store.listMatching("kai", { labels: { ticket: "CR-9" } }, { limit: 10 })).items,
          ).toEqual([cancelled]);
          await lag.settle();
          expect((await store.listMatching("kai", { status: "cancelled" }, { limit: 10 })).items).toEqual([
            cancelled,
          ]);
        });
      });
    }

    it("keeps one idempotency entry per scope", async () => {
      const entry = {
        scope: "key:alice:k-1",
        targetId: makeRecord(0).id,
        fingerprint: "abc",
        createdAt: "t",
      };
      expect(await store.getIdempotency(entry.scope)).toBeUndefined();
      expect(await store.putIdempotency(entry)).toBe("applied");
      expect(await store.putIdempotency({ ...entry, targetId: "other", fingerprint: "def" })).toBe(
        "conflict",
      );
      expect(await store.getIdempotency(entry.scope)).toEqual(entry);
      expect(await store.getIdempotency("key:bob:k-1")).toBeUndefined();
    });
  });
}
