import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeQueueBody,
  encodeQueueBody,
  MNS_BATCH_MAX_MESSAGES,
  QueueBodyError,
  sendMessages,
} from "../../../shared/adapters/mns/index";
import { clientFor, failure, type MnsEmulator, startMns } from "./harness";

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  emulator = await startMns();
  mns = clientFor(emulator);
});
afterAll(() => emulator.close());

describe("sendMessages", () => {
  it("sends 40 bodies as BatchSendMessage calls of 16, 16 and 8, one result per body in order", async () => {
    await mns.createQueue("bulk");
    const before = emulator.control.calls().BatchSendMessage;
    const bodies = Array.from({ length: 40 }, (_, i) => encodeQueueBody({ jobId: i }));
    const results = await sendMessages(mns, "bulk", bodies);
    expect(emulator.control.calls().BatchSendMessage - before).toBe(3);
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = results.map((r) => (r.ok ? r.messageId : ""));
    expect(new Set(ids).size).toBe(40);

    const received: unknown[] = [];
    while (received.length < 40) {
      const batch = await mns.batchReceiveMessage("bulk", MNS_BATCH_MAX_MESSAGES);
      received.push(...batch.body.map((m) => decodeQueueBody(m.MessageBody)));
    }
    expect(received).toEqual(Array.from({ length: 40 }, (_, i) => ({ jobId: i })));
  });

  it("splits a batch that would pass 64 KB", async () => {
    await mns.createQueue("big");
    const before = emulator.control.calls().BatchSendMessage;
    const body = "A".repeat(20 * 1024);
    const results = await sendMessages(mns, "big", [body, body, body, body]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(emulator.control.calls().BatchSendMessage - before).toBe(2);
  });

  it("fails every body of a batch the queue refuses, with the MNS code", async () => {
    const results = await sendMessages(mns, "no-such-queue", ["a", "b"]);
    expect(results).toEqual([
      { ok: false, error: expect.objectContaining({ code: "QueueNotExist", httpStatus: 404 }) },
      { ok: false, error: expect.objectContaining({ code: "QueueNotExist", httpStatus: 404 }) },
    ]);
  });

  it("answers an empty list with no calls", async () => {
    const before = emulator.control.calls().BatchSendMessage;
    expect(await sendMessages(mns, "bulk", [])).toEqual([]);
    expect(emulator.control.calls().BatchSendMessage).toBe(before);
  });
});

describe("MnsError", () => {
  it("carries code, HTTP status and request id from the SDK's error", async () => {
    const error = await failure(mns.getQueueAttributes("absent"));
    expect(error).toMatchObject({
      code: "QueueNotExist",
      httpStatus: 404,
      message: "The queue name you provided is not exist.",
    });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
  });

  it("reports a refused connection as NetworkError with no HTTP status", async () => {
    const gone = await startMns();
    const client = clientFor(gone);
    await gone.close();
    expect(await failure(client.getQueueAttributes("any"))).toMatchObject({
      code: "NetworkError",
      httpStatus: 0,
    });
  });
});

describe("queue-body codec", () => {
  it.each([
    ["an object", { jobId: "j-1", nested: { list: [1, 2] } }],
    ["XML-special text", "<a>&amp;</a> ]]>"],
    ["non-ASCII text", "Grüße 画像 🚀"],
    ["null", null],
  ])("round-trips %s", (_what, value) => {
    const body = encodeQueueBody(value);
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeQueueBody(body)).toEqual(value);
  });

  it.each([
    ["an empty body", ""],
    ["text that is not base64", '{"jobId":1}'],
    ["base64 of bytes that are not UTF-8", Buffer.from([0xff, 0xfe, 0xfd]).toString("base64")],
    ["base64 of text that is not JSON", Buffer.from("not json").toString("base64")],
  ])("refuses %s with QueueBodyError", (_what, body) => {
    expect(() => decodeQueueBody(body)).toThrow(QueueBodyError);
  });

  it("refuses a value with no JSON form", () => {
    expect(() => encodeQueueBody(undefined)).toThrow(QueueBodyError);
  });
});
