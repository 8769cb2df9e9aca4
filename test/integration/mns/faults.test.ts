import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidFaultsError } from "../../../local/mns/index";
import { sendMessages } from "../../../shared/adapters/mns/index";
import { clientFor, failure, type MnsEmulator, startMns } from "./harness";

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  emulator = await startMns();
  mns = clientFor(emulator);
  await mns.createQueue("faulty");
  await mns.createTopic("faulty-topic");
});
afterAll(() => emulator.close());

describe("fault settings", () => {
  it("start with zero faults and read back what was set", () => {
    expect(emulator.control.getFaults()).toEqual({ duplicateRate: 0, sendErrorRate: 0, topicOutageUntil: 0 });
    expect(emulator.control.setFaults({ duplicateRate: 0.25 })).toEqual({
      duplicateRate: 0.25,
      sendErrorRate: 0,
      topicOutageUntil: 0,
    });
    expect(emulator.control.getFaults().duplicateRate).toBe(0.25);
    emulator.control.setFaults({ duplicateRate: 0 });
  });

  it.each([
    ["a rate above 1", { sendErrorRate: 1.5 }],
    ["a negative rate", { duplicateRate: -0.1 }],
    ["a rate that is not a number", { sendErrorRate: "0.5" }],
    ["NaN", { duplicateRate: Number.NaN }],
    ["an unknown fault", { throttleRate: 0.1 }],
    ["an outage end that is not a time", { topicOutageUntil: "soon" }],
    ["a negative outage end", { topicOutageUntil: -1 }],
  ])("refuses %s and keeps the old settings", (_what, partial) => {
    const before = emulator.control.getFaults();
    expect(() => emulator.control.setFaults(partial as never)).toThrow(InvalidFaultsError);
    expect(emulator.control.getFaults()).toEqual(before);
  });

  it("takes --duplicate-rate and --send-error-rate flags, and refuses unknown or bad ones", async () => {
    const flagged = await startMns({ args: ["--duplicate-rate", "0.5", "--send-error-rate", "0.125"] });
    expect(flagged.control.getFaults()).toEqual({
      duplicateRate: 0.5,
      sendErrorRate: 0.125,
      topicOutageUntil: 0,
    });
    await flagged.close();
    await expect(startMns({ args: ["--throttle-rate", "0.1"] })).rejects.toThrow(InvalidFaultsError);
    await expect(startMns({ args: ["--send-error-rate", "lots"] })).rejects.toThrow(InvalidFaultsError);
  });
});

describe("sendErrorRate", () => {
  it("answers a request over a limit with its refusal, not an injected fault", async () => {
    emulator.control.setFaults({ sendErrorRate: 1 });
    try {
      const tooLarge = { MessageBody: "x".repeat(65537) };
      expect(await failure(mns.sendMessage("faulty", tooLarge))).toMatchObject({
        code: "InvalidArgument",
        httpStatus: 400,
      });
      expect(await failure(mns.publishMessage("faulty-topic", tooLarge))).toMatchObject({
        code: "InvalidArgument",
        httpStatus: 400,
      });
    } finally {
      emulator.control.setFaults({ sendErrorRate: 0 });
    }
  });

  it("answers SendMessage and PublishMessage with InternalError 500 and stores nothing", async () => {
    emulator.control.setFaults({ sendErrorRate: 1 });
    try {
      expect(await failure(mns.sendMessage("faulty", { MessageBody: "x" }))).toMatchObject({
        code: "InternalError",
        httpStatus: 500,
      });
      expect(await failure(mns.publishMessage("faulty-topic", { MessageBody: "x" }))).toMatchObject({
        code: "InternalError",
        httpStatus: 500,
      });
      const results = await sendMessages(mns, "faulty", ["a", "b"]);
      expect(results.map((r) => (r.ok ? "ok" : [r.error.code, r.error.httpStatus]))).toEqual([
        ["InternalError", 500],
        ["InternalError", 500],
      ]);
    } finally {
      emulator.control.setFaults({ sendErrorRate: 0 });
    }
    expect(emulator.control.queues().find((q) => q.name === "faulty")).toMatchObject({ visible: 0 });
    expect((await mns.sendMessage("faulty", { MessageBody: "fine" })).code).toBe(201);
  });

  it("fails single entries of a batch at a partial rate, with per-message results", async () => {
    // A fixed sequence stands in for randomness: every second entry fails.
    let roll = 0;
    const partial = await startMns({
      faults: { sendErrorRate: 0.5 },
      random: () => (roll++ % 2 === 0 ? 0.9 : 0.1),
    });
    try {
      const client = clientFor(partial);
      await client.createQueue("half");
      const results = await sendMessages(client, "half", ["a", "b", "c", "d"]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true, false]);
      expect(partial.control.queues()[0]).toMatchObject({ visible: 2 });
    } finally {
      await partial.close();
    }
  });
});

describe("control", () => {
  it("counts calls per operation and resets state and counters", async () => {
    const counted = await startMns();
    try {
      const client = clientFor(counted);
      await client.createQueue("counted");
      await client.sendMessage("counted", { MessageBody: "1" });
      await client.batchSendMessage("counted", [{ MessageBody: "2" }, { MessageBody: "3" }]);
      await failure(client.receiveMessage("missing"));
      expect(counted.control.calls()).toMatchObject({
        CreateQueue: 1,
        SendMessage: 1,
        BatchSendMessage: 1,
        ReceiveMessage: 1,
        DeleteMessage: 0,
      });
      expect(counted.control.queues()).toEqual([
        { accountId: expect.any(String), name: "counted", visible: 3, inFlight: 0, delayed: 0 },
      ]);
      counted.control.reset();
      expect(counted.control.queues()).toEqual([]);
      expect(Object.values(counted.control.calls()).every((n) => n === 0)).toBe(true);
      expect(await failure(client.getQueueAttributes("counted"))).toMatchObject({ code: "QueueNotExist" });
    } finally {
      await counted.close();
    }
  });

  it("close answers a pending long poll as an empty receive instead of waiting it out", async () => {
    const closing = await startMns();
    const client = clientFor(closing);
    await client.createQueue("idle");
    const polling = failure(client.receiveMessage("idle", 25));
    while (closing.control.calls().ReceiveMessage < 1) await new Promise((r) => setTimeout(r, 5));
    await closing.close();
    expect(await polling).toMatchObject({ code: "MessageNotExist" });
  });
});
