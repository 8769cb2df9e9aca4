/**
 * The reconciler end to end (spec/processing.md, "Reconciler"): the built reconciler bundle on the
 * stack's timer rescues records that no queue message will ever reach, and nothing else does. Each
 * scenario makes sure of that: the record has no message at all, or its one message is taken out of
 * the queue while the trigger is paused, so only a message the reconciler sends can settle it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../local/identities";
import { LOCAL_RECORDS_TABLE } from "../../local/stack";
import { systemClock } from "../../shared/adapters/system-clock";
import { TablestoreRecordStore } from "../../shared/adapters/tablestore";
import { newPendingRecord } from "../../shared/app/accept-request";
import { newRecordId } from "../../shared/app/ids";
import type { PipelineRecord } from "../../shared/domain/record";
import { validatePipelineRequest } from "../../shared/domain/request/validate";
import { Caller, type E2eStack, startE2eStack, validRequest } from "./harness";

/** Long enough for a claim, one ECS call and a write; short so a dead worker's lease runs out soon. */
const WORKER_TIMEOUT_SECONDS = 4;

let e2e: E2eStack;
let alice: Caller;
let store: TablestoreRecordStore;

beforeAll(async () => {
  e2e = await startE2eStack({
    workerTimeoutSeconds: WORKER_TIMEOUT_SECONDS,
    reconcileIntervalMs: 1000,
    reconcilePendingAfterSeconds: 1,
  });
  alice = new Caller(e2e.stack, "alice-reconciler");
  store = new TablestoreRecordStore({
    table: LOCAL_RECORDS_TABLE,
    connection: {
      endpoint: e2e.stack.info.emulators.tablestore,
      instanceName: LOCAL_TABLESTORE_INSTANCE,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
    },
  });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

/** A pending record as submit would write it, stored directly: no message is ever sent for it. */
async function writePendingRecord(name: string, updatedAt = new Date()): Promise<PipelineRecord> {
  const validated = validatePipelineRequest(validRequest(name));
  if (!validated.ok) throw new Error(`the test request is invalid: ${JSON.stringify(validated.violations)}`);
  const record = newPendingRecord(
    newRecordId(systemClock),
    LOCAL_SERVICE_ACCOUNT_ID,
    validated.request,
    alice.sub,
    updatedAt,
    null,
  );
  expect(await store.create(record)).toBe("applied");
  return record;
}

async function until<T>(
  what: string,
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pipelinesFor(clientToken: string) {
  return e2e.stack.control.pipelines().filter((p) => p.clientToken === clientToken);
}

describe("a record whose message was lost", () => {
  it.each<[string, () => Promise<{ id: string; clientToken: string }>]>([
    ["written to the store with no message", () => writePendingRecord("lost-direct")],
    [
      "accepted while every MNS send failed",
      async () => {
        e2e.stack.control.replaceFaults({ mns: { sendErrorRate: 1 } });
        try {
          const accepted = await alice.submit(validRequest("lost-send"));
          // The record is durable and pending; the failed send is only logged (docs/http-api.md).
          expect(accepted.status).toBe(202);
          return accepted.body;
        } finally {
          e2e.stack.control.replaceFaults({});
        }
      },
    ],
  ])(
    "reaches a terminal state through the reconciler alone: %s",
    async (_what, make) => {
      const before = e2e.stack.control.reconciler().requeuedPending;
      const { id, clientToken } = await make();

      const [record] = await alice.waitForTerminal([id], 20_000);
      expect(record).toMatchObject({ id, status: "succeeded" });
      expect(pipelinesFor(clientToken)).toEqual([
        expect.objectContaining({ imagePipelineId: record?.imagePipelineId }),
      ]);
      expect(e2e.stack.control.reconciler().requeuedPending).toBeGreaterThan(before);
      const events = await until(
        "its completion event",
        () => e2e.stack.control.events(),
        (all) => all.some((r) => "event" in r && (r.event as { id?: string }).id === id),
        5_000,
      );
      expect(events.filter((r) => "event" in r && (r.event as { id?: string }).id === id)).toHaveLength(1);
    },
    40_000,
  );
});

describe("a record whose worker died mid-lease", () => {
  it("is claimed again after its lease ran out and settles with the pipeline made before the crash", async () => {
    const crashesBefore = e2e.stack.control.trigger().crashes;
    const expiredBefore = e2e.stack.control.reconciler().requeuedExpired;

    // The worker makes the pipeline, then its instance is killed before it can write the record.
    e2e.stack.control.replaceFaults({ worker: { crashAfterCallRate: 1 } });
    const accepted = await alice.submit(validRequest("died-mid-lease"));
    expect(accepted.status).toBe(202);
    const { id, clientToken } = accepted.body;
    try {
      await until(
        "the worker crash",
        () => e2e.stack.control.trigger().crashes,
        (n) => n > crashesBefore,
      );
    } finally {
      e2e.stack.control.replaceFaults({});
    }
    // The trigger retries the killed invocation's batch (BACKOFF_RETRY, scaled), but the record is
    // still leased, so the retry only acknowledges it and the message is deleted, as in the cloud:
    // from then on only a message the reconciler sends can reach the record.
    const crashed = await alice.get(id);
    expect(crashed.body).toMatchObject({ status: "running", attempts: 1 });
    const made = pipelinesFor(clientToken);
    expect(made).toHaveLength(1);

    const [record] = await alice.waitForTerminal([id], 20_000);
    expect(record).toMatchObject({ id, status: "succeeded", imagePipelineId: made[0]?.imagePipelineId });
    expect(record?.attempts).toBeGreaterThanOrEqual(2);
    expect(pipelinesFor(clientToken)).toHaveLength(1);
    expect(e2e.stack.control.reconciler().requeuedExpired).toBeGreaterThan(expiredBefore);
  }, 50_000);
});

describe("a running record whose lease ran out, with no message", () => {
  it("is claimed again through the reconciler and settles with one pipeline", async () => {
    // What a worker that died right after its claim leaves: running, leased, never called ECS.
    const pending = await writePendingRecord("expired-lease-direct");
    const { id, clientToken } = pending;
    expect(
      await store.update(
        { ...pending, status: "running", attempts: 1, leaseUntil: new Date(Date.now() - 1000).toISOString() },
        { from: "pending" },
      ),
    ).toBe("applied");
    const expiredBefore = e2e.stack.control.reconciler().requeuedExpired;

    const [record] = await alice.waitForTerminal([id], 20_000);
    expect(record).toMatchObject({ id, status: "succeeded", attempts: 2 });
    expect(pipelinesFor(clientToken)).toHaveLength(1);
    expect(e2e.stack.control.reconciler().requeuedExpired).toBeGreaterThan(expiredBefore);
  }, 40_000);
});

describe("the control routes", () => {
  it("POST /_local/reconcile runs the reconciler now and answers its report", async () => {
    // Paused, nothing can claim the record between the write and the run, so the run must name it.
    await e2e.stack.control.pauseTrigger();
    let record: PipelineRecord;
    try {
      record = await writePendingRecord("reconcile-now", new Date(Date.now() - 10 * 60_000));
      const res = await fetch(`${e2e.stack.url}/_local/reconcile`, { method: "POST" });
      expect(res.status).toBe(200);
      const run = (await res.json()) as { ok: boolean; report?: { requeuedPending: string[] } };
      expect(run).toMatchObject({
        ok: true,
        report: { requeuedExpired: expect.any(Array), truncated: false },
      });
      expect(run.report?.requeuedPending).toContain(record.id);
    } finally {
      e2e.stack.control.resumeTrigger();
    }
    const [settled] = await alice.waitForTerminal([record.id], 20_000);
    expect(settled?.status).toBe("succeeded");

    const state = await (await fetch(`${e2e.stack.url}/_local/reconciler`)).json();
    // Not `failures: 0`: a timer run during the send-failure scenario above fails its own send.
    expect(state).toMatchObject({ enabled: true, intervalMs: 1000, pendingAfterSeconds: 1 });
    expect((state as { runs: number }).runs).toBeGreaterThan(1);
  }, 40_000);

  it("GET /_local/events answers the decoded completion events, and DELETE forgets them", async () => {
    const res = await fetch(`${e2e.stack.url}/_local/events`);
    expect(res.status).toBe(200);
    const events = (await res.json()) as { messageId: string; event: { id: string; status: string } }[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e).toMatchObject({ messageId: expect.any(String), event: { status: "succeeded" } });
      const record = await alice.get(e.event.id);
      expect(record.body.status).toBe(e.event.status);
    }
    expect((await fetch(`${e2e.stack.url}/_local/events`, { method: "DELETE" })).status).toBe(204);
    expect(await (await fetch(`${e2e.stack.url}/_local/events`)).json()).toEqual([]);
  });
});
