import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeQueueBody } from "../../../shared/adapters/mns/queue-body";
import type { CreatePipelineOutcome, PipelineClient } from "../../../shared/app/ports";
import type { ProcessMessageDeps } from "../../../shared/app/process-message";
import { MESSAGE_CONCURRENCY, RedeliveryRequested } from "../../../shared/app/process-queue-event";
// The event is read into record ids at the edge; the use case behind it is what this file tests.
import { processQueueEvent } from "../../../shared/composition/queue-event";
import type { PipelineRecord } from "../../../shared/domain/record";
import { TriggerEventError } from "../../../shared/fc/queue-trigger-event";
import { CapturingLogger, FakeClock, InMemoryRecordStore, ScriptedPipelineClient } from "../../support/fakes";

const T0 = new Date("2026-11-27T16:00:00.000Z");
const CONTEXT = {
  requestId: "inv-1",
  function: { name: "worker", handler: "index.handler", memory: 512, timeout: 30 },
};

function record(id: string): PipelineRecord {
  return {
    id,
    status: "pending",
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: `token-${id}`,
    attempts: 0,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "m-bp1aaaaaaaaaaaaaaaaa" },
  };
}

/** An EventBridge event-streaming batch of CloudEvents, as FC delivers it. */
function streamingEvent(bodies: string[]): Buffer {
  return Buffer.from(
    JSON.stringify(
      bodies.map((messageBody, i) => ({
        specversion: "1.0",
        type: "mns:Queue:SendMessage",
        data: { requestId: `r${i}`, messageId: `M-${i}`, messageBody },
      })),
    ),
  );
}

const bodyOf = (id: string): string => encodeQueueBody({ id });

function setup(ids: string[], pipelines?: PipelineClient) {
  const clock = new FakeClock(new Date(T0));
  const store = new InMemoryRecordStore();
  for (const id of ids) store.records.set(id, record(id));
  const scripted = new ScriptedPipelineClient([], clock, 100);
  const logger = new CapturingLogger();
  const deps: ProcessMessageDeps = {
    store,
    pipelines: pipelines ?? scripted,
    clock,
    random: () => 0.5,
    logger,
    maxAttempts: 50,
  };
  return { clock, store, scripted, logger, deps };
}

/** Throttles every call for the given tokens, answers the rest through `inner`. */
function throttling(tokens: Set<string>, inner: PipelineClient): PipelineClient {
  const throttled: CreatePipelineOutcome = {
    ok: false,
    failure: { code: "Throttling.User", message: "slow down", httpStatus: 400, transient: true },
  };
  return {
    createImagePipeline: (target, request, token, options) =>
      tokens.has(token)
        ? Promise.resolve(throttled)
        : inner.createImagePipeline(target, request, token, options),
  };
}

describe("processQueueEvent", () => {
  it("the sample streaming event: each record of the batch reaches succeeded", async () => {
    const ids = ["01JDQ5Z8W3K4N6P7R9S2T4V6X8", "01JDQ5ZA1B2C3D4E5F6G7H8J9K"];
    const { store, scripted, deps } = setup(ids);
    const event = readFileSync(
      join(import.meta.dirname, "../../../events/worker/eventbridge-mns-streaming.json"),
    );
    const summary = await processQueueEvent(event, CONTEXT, deps);
    expect(summary).toEqual({ messages: 2, acknowledged: 2, unreadable: 0 });
    expect(ids.map((id) => store.records.get(id)?.status)).toEqual(["succeeded", "succeeded"]);
    expect(scripted.pipelines).toBe(2);
  });

  it("an unreadable message is acknowledged and logged; the others are processed", async () => {
    const { store, logger, deps } = setup(["A1", "A2"]);
    const summary = await processQueueEvent(
      streamingEvent([bodyOf("A1"), "%%% not base64 %%%", encodeQueueBody({ other: 1 }), bodyOf("A2")]),
      CONTEXT,
      deps,
    );
    expect(summary).toEqual({ messages: 4, acknowledged: 4, unreadable: 2 });
    expect(store.records.get("A1")?.status).toBe("succeeded");
    expect(store.records.get("A2")?.status).toBe("succeeded");
    expect(logger.lines.filter((l) => l.message === "unreadable message acknowledged")).toHaveLength(2);
  });

  it("a record out of time is released and the invocation throws after the others settle", async () => {
    const base = setup(["B1", "B2", "B3"]);
    const { store, deps } = setup(["B1", "B2", "B3"], throttling(new Set(["token-B2"]), base.scripted));
    const failure = await processQueueEvent(
      streamingEvent([bodyOf("B1"), bodyOf("B2"), bodyOf("B3")]),
      CONTEXT,
      deps,
    ).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RedeliveryRequested);
    expect(failure).toMatchObject({ code: "MessagesLeftForRedelivery", recordIds: ["B2"] });
    expect(store.records.get("B1")?.status).toBe("succeeded");
    expect(store.records.get("B3")?.status).toBe("succeeded");
    expect(store.records.get("B2")).toMatchObject({ status: "pending", error: { code: "Throttling.User" } });
  });

  it("a store failure on one record keeps only that message for redelivery", async () => {
    const { store, deps } = setup(["C1", "C2"]);
    const get = store.get.bind(store);
    store.get = async (id) => {
      if (id === "C1") throw Object.assign(new Error("OTS down"), { code: "OTSServerUnavailable" });
      return get(id);
    };
    await expect(
      processQueueEvent(streamingEvent([bodyOf("C1"), bodyOf("C2")]), CONTEXT, deps),
    ).rejects.toMatchObject({ recordIds: ["C1"] });
    expect(store.records.get("C2")?.status).toBe("succeeded");
    expect(store.records.get("C1")?.status).toBe("pending");
  });

  it("a duplicate inside one batch is processed once", async () => {
    const { scripted, deps } = setup(["D1"]);
    await processQueueEvent(streamingEvent([bodyOf("D1"), bodyOf("D1")]), CONTEXT, deps);
    expect(scripted.calls).toHaveLength(1);
  });

  it("a replayed event after success is a no-op", async () => {
    const { store, scripted, deps } = setup(["E1"]);
    const event = streamingEvent([bodyOf("E1")]);
    await processQueueEvent(event, CONTEXT, deps);
    const after = structuredClone(store.records.get("E1"));
    await processQueueEvent(event, CONTEXT, deps);
    expect(scripted.calls).toHaveLength(1);
    expect(store.records.get("E1")).toEqual(after);
  });

  it(`runs messages concurrently, at most ${MESSAGE_CONCURRENCY} at a time`, async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `F${i}`);
    let inFlight = 0;
    let most = 0;
    const slow: PipelineClient = {
      async createImagePipeline() {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return { ok: true, imagePipelineId: "ip-x", requestId: "r" };
      },
    };
    const { deps } = setup(ids, slow);
    await processQueueEvent(streamingEvent(ids.map(bodyOf)), CONTEXT, deps);
    expect(most).toBe(MESSAGE_CONCURRENCY);
  });

  it("an event of no known form is a TriggerEventError", async () => {
    const { deps } = setup([]);
    await expect(processQueueEvent({ unexpected: true }, CONTEXT, deps)).rejects.toBeInstanceOf(
      TriggerEventError,
    );
  });
});
