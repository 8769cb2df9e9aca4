import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import {
  completionEventBody,
  MNS_MAX_MESSAGE_BYTES,
  MnsEventPublisher,
} from "../../../shared/adapters/mns/event-publisher";
import {
  decodeQueueBody,
  encodeQueueBody,
  MNS_BATCH_MAX_MESSAGES,
  QueueBodyError,
  queueEndpoint,
  sendMessages,
  subscribe,
} from "../../../shared/adapters/mns/index";
import type { CompletionEvent } from "../../../shared/app/ports";
import { CapturingLogger } from "../../support/fakes";
import { clientFor, failure, type MnsEmulator, startMns, uniqueName } from "./harness";

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

  it("fills a batch to exactly 16 messages and 65,536 bytes, which MNS takes, and starts the next after", async () => {
    await mns.createQueue("edge");
    const before = emulator.control.calls().BatchSendMessage;
    const results = await sendMessages(
      mns,
      "edge",
      Array.from({ length: 17 }, () => "E".repeat(4096)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(emulator.control.calls().BatchSendMessage - before).toBe(2);

    const overByOne = await sendMessages(mns, "edge", [
      ...Array.from({ length: 15 }, () => "E".repeat(4096)),
      "E".repeat(4097),
    ]);
    expect(overByOne.every((r) => r.ok)).toBe(true);
    expect(emulator.control.calls().BatchSendMessage - before).toBe(4);
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

describe("completion event bodies", () => {
  const event = (message: string): CompletionEvent => ({
    id: "01JDCOMPLETED0000000000000",
    batchId: "01JDBATCH00000000000000000",
    status: "failed",
    error: { code: "InvalidParameter", message, retryable: false },
    labels: {},
    accountId: "1000000000000002",
    regionId: "cn-hangzhou",
    completedAt: "2026-12-06T12:00:00.000Z",
  });

  it("leaves an event that fits as it is", () => {
    const small = event("The image was not found.");
    expect(completionEventBody(small)).toBe(encodeQueueBody(small));
  });

  it.each([
    ["ASCII", "a".repeat(100_000)],
    ["CJK", "画".repeat(16_000 * 2)],
    ["emoji (surrogate pairs)", "🚀".repeat(20_000)],
    ["characters JSON escapes", '"\\\n'.repeat(20_000)],
  ])(
    "shortens an error message of %s until the body is at most 64 KB, keeping the rest",
    (_what, message) => {
      const body = completionEventBody(event(message));
      expect(body.length).toBeLessThanOrEqual(MNS_MAX_MESSAGE_BYTES);
      expect(body.length).toBeGreaterThan(MNS_MAX_MESSAGE_BYTES - 64);
      const decoded = decodeQueueBody(body) as CompletionEvent;
      expect({ ...decoded, error: undefined }).toEqual({ ...event(message), error: undefined });
      const kept = decoded.error!.message;
      expect(kept.endsWith("…")).toBe(true);
      expect(message.startsWith(kept.slice(0, -1))).toBe(true);
      expect(kept).not.toMatch(/[\uD800-\uDBFF]…$/);
    },
  );

  it("publishes an event with a 51 KB error message to a default topic, which takes it shortened", async () => {
    const topic = uniqueName("events");
    const queue = uniqueName("events-sub");
    await mns.createTopic(topic);
    await mns.createQueue(queue);
    await subscribe(mns, topic, "to-queue", {
      endpoint: queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, queue),
      notifyContentFormat: "SIMPLIFIED",
    });
    const logger = new CapturingLogger();
    const large = event("画".repeat(17_000));
    await new MnsEventPublisher({ client: mns, topic, logger, sleep: async () => {} }).publish(large);
    expect(logger.lines).toEqual([]);
    const received = decodeQueueBody((await mns.receiveMessage(queue)).body.MessageBody) as CompletionEvent;
    expect(received.id).toBe(large.id);
    expect(received.error!.message.endsWith("…")).toBe(true);
  });
});
