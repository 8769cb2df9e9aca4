/**
 * The outbox columns through the real Tablestore SDK against the emulator: `eventOwedAt` (key of the
 * sparse `by_event_owed` index) and `outcomeUnknown` survive a round trip, the index lists only
 * debts owed since the cutoff, oldest first, page by page, and a paid debt leaves it.
 */
import type TableStore from "tablestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningTablestore } from "../../../local/tablestore/index";
import { TablestoreRecordStore } from "../../../shared/adapters/tablestore/record-store";
import { recordsTableDefinition } from "../../../shared/adapters/tablestore/table-schema";
import { eventSent } from "../../../shared/domain/record";
import { allPages, makeRecord } from "../../support/record-store-contract";
import { startTablestoreEmulator, tablestoreClient } from "./harness";

const TABLE = "records";
let emulator: RunningTablestore;
let client: TableStore.Client;

beforeAll(async () => {
  emulator = await startTablestoreEmulator();
  client = tablestoreClient(emulator);
});
afterAll(async () => {
  await emulator.close();
});

const minutes = (n: number) => new Date(Date.UTC(2026, 10, 27, 16, n)).toISOString();

describe("the outbox in the records table", () => {
  it("lists owed events up to the cutoff, oldest first, and forgets a paid one", async () => {
    emulator.control.reset();
    await client.createTable(recordsTableDefinition(TABLE));
    const store = new TablestoreRecordStore({ client, table: TABLE });
    const owed = [5, 1, 3, 9].map((m) =>
      makeRecord(m * 60_000, { status: "succeeded", completedAt: minutes(m), eventOwedAt: minutes(m) }),
    );
    const paid = makeRecord(0, { status: "failed", completedAt: minutes(0) });
    const running = makeRecord(0, { status: "running", outcomeUnknown: true, leaseUntil: minutes(30) });
    for (const record of [...owed, paid, running]) await store.create(record);

    expect(await store.get(running.id)).toEqual(running);
    expect(await store.get(owed[0]!.id)).toEqual(owed[0]);

    const listed = await allPages((o) => store.listOwedEvents(minutes(5), o), { limit: 2 });
    expect(listed.ids).toEqual([owed[1]!.id, owed[2]!.id, owed[0]!.id]);

    const sent = eventSent(owed[1]!);
    if (!sent.ok) throw new Error("eventSent refused");
    expect(await store.update(sent.record, { from: sent.from })).toBe("applied");
    expect((await store.listOwedEvents(minutes(5), { limit: 10 })).items.map((r) => r.id)).toEqual([
      owed[2]!.id,
      owed[0]!.id,
    ]);
    expect((await store.get(owed[1]!.id))?.eventOwedAt).toBeUndefined();
  });
});
