/**
 * The worker under faults (docs/processing.md, "Invariants"; docs/local.md, "Fault settings"):
 * throttling, 5xx, calls whose connection drops after ECS did the work, duplicate and concurrent
 * delivery of one message, invocations killed right after the ECS call or between the terminal
 * write and the publish, and a topic that refuses events for a while. Whatever happens, every
 * record ends terminal, the simulator holds exactly one pipeline per succeeded record and none for a
 * failed one, and every terminal record's event arrives (docs/processing.md). Last, the chaos
 * command itself (`npm run chaos`) over 200 records with one kill -9 of the whole stack. No timing
 * is asserted; the waits are bounded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FaultSettings } from "../../local/control-plane";
import { runChaos } from "../../scripts/chaos/run";
import { Caller, type E2eStack, type RecordView, startE2eStack, TERMINAL, validRequest } from "./harness";

/** Short enough that a killed invocation's lease runs out quickly, long enough for in-place retries. */
const WORKER_TIMEOUT_SECONDS = 5;

let e2e: E2eStack;

/**
 * The trigger's and the crash proxy's dice: a fixed cycle, so duplicates and crashes happen in
 * every run (ECS faults are forced through the simulator's forceNext instead).
 */
function cyclingDice(): () => number {
  const faces = [0.05, 0.7, 0.3, 0.9, 0.15, 0.55, 0.8, 0.45];
  let next = 0;
  return () => faces[next++ % faces.length] as number;
}

beforeAll(async () => {
  e2e = await startE2eStack({
    workerTimeoutSeconds: WORKER_TIMEOUT_SECONDS,
    workerMaxAttempts: 8,
    // Small batches: a killed invocation sends only its own messages back to wait out their lease.
    batchSize: 2,
    random: cyclingDice(),
    // The outbox's reconciler, quick enough for a test: owed events older than 1 s, every 2 s.
    reconcileIntervalMs: 2_000,
    reconcileEventOwedAfterSeconds: 1,
  });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

beforeEach(async () => {
  e2e.stack.control.replaceFaults({});
});

async function submitAndSettle(caller: Caller, count: number, prefix: string) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await caller.submit(validRequest(`${prefix}-${i}`));
    expect(res.status).toBe(202);
    ids.push(res.body.id);
  }
  return caller.waitForTerminal(ids, 45_000);
}

function expectInvariants(records: Awaited<ReturnType<Caller["waitForTerminal"]>>): void {
  for (const record of records) expect(TERMINAL.has(record?.status ?? "")).toBe(true);
  const pipelines = e2e.stack.control.pipelines();
  for (const record of records) {
    const held = pipelines.filter((p) => p.clientToken === record.clientToken);
    if (record.status === "succeeded") {
      expect(held).toHaveLength(1);
      expect(held[0]?.imagePipelineId).toBe(record.imagePipelineId);
    } else {
      expect(held).toHaveLength(0);
    }
  }
}

/** Waits (bounded) until every terminal record's event has arrived; returns the `id:status` missing. */
async function missingEvents(records: RecordView[], timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = new Set(
      (await e2e.stack.control.events()).map((entry) => {
        const event = "event" in entry ? (entry.event as { id?: string; status?: string }) : {};
        return `${event.id}:${event.status}`;
      }),
    );
    const missing = records.map((r) => `${r.id}:${r.status}`).filter((key) => !seen.has(key));
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Evidence that a fault actually fired during a scenario, read from the stack's counters. */
type Evidence = () => number;

const throttled: Evidence = () =>
  e2e.stack.control.calls().createImagePipeline.answered["Throttling.User"] ?? 0;
const unavailable: Evidence = () =>
  e2e.stack.control.calls().createImagePipeline.answered.ServiceUnavailable ?? 0;
const dropped: Evidence = () => e2e.stack.control.calls().createImagePipeline.dropped;
const duplicated: Evidence = () => e2e.stack.control.trigger().duplicates;
const crashed: Evidence = () => e2e.stack.control.trigger().crashes;
const crashedBeforePublish: Evidence = () => e2e.stack.control.trigger().crashesBeforePublish;

describe("with faults on", () => {
  it.each<[string, FaultSettings, Evidence, "throttle" | "serverError" | "dropAfterCommit" | undefined]>([
    ["throttling", { ecs: { throttleRate: 0.4 } }, throttled, "throttle"],
    ["server errors", { ecs: { serverErrorRate: 0.4 } }, unavailable, "serverError"],
    [
      "connections dropped after the pipeline was made",
      { ecs: { dropAfterCommitRate: 0.4 } },
      dropped,
      "dropAfterCommit",
    ],
    [
      "duplicate and concurrent deliveries",
      { mns: { duplicateRate: 0.6 }, ecs: { latencyMs: [20, 80] } },
      duplicated,
      undefined,
    ],
    [
      "invocations killed right after the ECS call",
      { worker: { crashAfterCallRate: 0.25 } },
      crashed,
      undefined,
    ],
    [
      "invocations killed between the terminal write and the publish",
      { worker: { crashBeforePublishRate: 0.5 } },
      crashedBeforePublish,
      undefined,
    ],
  ])(
    "every record ends terminal with exactly one pipeline per success: %s",
    async (what, faults, evidence, forced) => {
      const before = evidence();
      e2e.stack.control.replaceFaults(faults);
      // Rates alone could, by luck, never fire in a small run: force the first occurrences.
      if (forced) e2e.stack.control.ecs.forceNext(forced, 2);
      const prefix = `chaos-${what.split(" ")[0]}`;
      const records = await submitAndSettle(new Caller(e2e.stack, prefix), 6, prefix);
      expectInvariants(records);
      expect(evidence()).toBeGreaterThan(before);
      expect(await missingEvents(records)).toEqual([]);
    },
    90_000,
  );

  it("a topic that refuses every event for a while: the events arrive once it is back (the outbox)", async () => {
    const outageMs = 8_000;
    const outageUntil = Date.now() + outageMs;
    e2e.stack.control.replaceFaults({ mns: { topicOutageUntil: outageUntil } });
    await e2e.stack.control.clearEvents();
    const records = await submitAndSettle(new Caller(e2e.stack, "chaos-outage"), 4, "chaos-outage");
    expectInvariants(records);
    expect(await missingEvents(records, outageMs + 30_000)).toEqual([]);
    // Nothing could reach the topic before the outage ended: the events were owed, then paid.
    expect(Date.now()).toBeGreaterThanOrEqual(outageUntil);
  }, 90_000);

  it("holds the invariants with every fault at once", async () => {
    e2e.stack.control.replaceFaults({
      ecs: { throttleRate: 0.2, serverErrorRate: 0.1, dropAfterCommitRate: 0.1, latencyMs: [5, 50] },
      mns: { duplicateRate: 0.3, topicOutageUntil: Date.now() + 3_000 },
      worker: { crashAfterCallRate: 0.1, crashBeforePublishRate: 0.1 },
    });
    const records = await submitAndSettle(new Caller(e2e.stack, "chaos-all"), 8, "chaos-all");
    expectInvariants(records);
    expect(records.filter((r) => r.status === "succeeded").length).toBeGreaterThan(0);
    expect(await missingEvents(records)).toEqual([]);
  }, 90_000);
});

describe("npm run chaos", () => {
  it("200 records with every fault, a topic outage and one kill -9 of the whole stack: no violation", async () => {
    const report = await runChaos({
      records: 200,
      topicOutageSeconds: 5,
      // Mid-submission: the kill lands on accepted, queued and running records alike.
      killEverySeconds: 10,
      maxKills: 1,
      seed: 12,
      // Short leases and timeouts, as the rest of this file: a killed invocation's records come back sooner.
      workerTimeoutSeconds: 5,
      timeoutSeconds: 170,
      distDir: e2e.distDir,
    });
    expect(report.violations).toEqual([]);
    expect(report.accepted).toBe(200);
    expect(report.kills).toBe(1);
    expect(report.events).toBeGreaterThanOrEqual(200);
  }, 200_000);
});
