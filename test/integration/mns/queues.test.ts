import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeQueueBody, encodeQueueBody } from "../../../shared/adapters/mns/index";
import { clientFor, failure, type MnsEmulator, startMns, uniqueName } from "./harness";

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  emulator = await startMns();
  mns = clientFor(emulator);
});
afterAll(() => emulator.close());

const md5 = (text: string): string => createHash("md5").update(text, "utf8").digest("hex").toUpperCase();

async function newQueue(attributes: Record<string, number> = {}): Promise<string> {
  const name = uniqueName("q");
  await mns.createQueue(name, attributes);
  return name;
}

function countsOf(name: string) {
  return emulator.control.queues().find((q) => q.name === name);
}

/** Resolves once the emulator has received `n` requests of an operation (no fixed sleep). */
async function untilCalls(operation: "ReceiveMessage" | "BatchReceiveMessage", n: number): Promise<void> {
  while (emulator.control.calls()[operation] < n) await new Promise((r) => setTimeout(r, 5));
}

describe("queues", () => {
  it("creates a queue (201 with Location), accepts an identical re-create (204), refuses a different one", async () => {
    const name = uniqueName("q");
    const created = await mns.createQueue(name, { VisibilityTimeout: 5 });
    expect(created.code).toBe(201);
    expect(created.headers.location).toBe(`${emulator.url}/queues/${name}`);
    expect((await mns.createQueue(name, { VisibilityTimeout: 5 })).code).toBe(204);
    const conflict = await failure(mns.createQueue(name, { VisibilityTimeout: 6 }));
    expect(conflict).toMatchObject({ code: "QueueAlreadyExist", httpStatus: 409 });
  });

  it.each([
    ["a name with an underscore", "bad_name", {}, "InvalidQueueName"],
    ["a VisibilityTimeout of 0", "ok-name-1", { VisibilityTimeout: 0 }, "InvalidArgument"],
    ["a PollingWaitSeconds of 31", "ok-name-2", { PollingWaitSeconds: 31 }, "InvalidArgument"],
    ["a MaximumMessageSize of 100", "ok-name-3", { MaximumMessageSize: 100 }, "InvalidArgument"],
  ])("refuses %s", async (_what, name, attributes, code) => {
    expect(await failure(mns.createQueue(name, attributes))).toMatchObject({ code, httpStatus: 400 });
  });

  it("reports attributes and message counts, sets attributes, lists by prefix and deletes", async () => {
    const name = await newQueue({ VisibilityTimeout: 7, DelaySeconds: 0 });
    await mns.sendMessage(name, { MessageBody: "visible" });
    await mns.sendMessage(name, { MessageBody: "delayed", DelaySeconds: 60 });
    await mns.sendMessage(name, { MessageBody: "taken" });
    await mns.receiveMessage(name);
    const attrs = (await mns.getQueueAttributes(name)).body;
    expect(attrs).toMatchObject({
      QueueName: name,
      VisibilityTimeout: "7",
      MaximumMessageSize: "65536",
      ActiveMessages: "1",
      InactiveMessages: "1",
      DelayMessages: "1",
    });
    expect(countsOf(name)).toMatchObject({ visible: 1, inFlight: 1, delayed: 1 });

    expect((await mns.setQueueAttributes(name, { VisibilityTimeout: 9 })).code).toBe(204);
    expect((await mns.getQueueAttributes(name)).body.VisibilityTimeout).toBe("9");

    const listed = await mns.listQueue(undefined, 10, name);
    expect(listed.body?.map((q) => q.QueueURL)).toEqual([`${emulator.url}/queues/${name}`]);

    expect((await mns.deleteQueue(name)).code).toBe(204);
    expect(await failure(mns.getQueueAttributes(name))).toMatchObject({
      code: "QueueNotExist",
      httpStatus: 404,
    });
    expect(await failure(mns.sendMessage(name, { MessageBody: "x" }))).toMatchObject({
      code: "QueueNotExist",
    });
  });
});

describe("messages", () => {
  it("sends, receives with MD5 and dequeue facts, deletes, then answers MessageNotExist on the empty queue", async () => {
    const name = await newQueue();
    const sent = await mns.sendMessage(name, { MessageBody: "hello" });
    expect(sent.code).toBe(201);
    expect(sent.body.MessageBodyMD5).toBe(md5("hello"));

    const received = (await mns.receiveMessage(name)).body;
    expect(received).toMatchObject({
      MessageId: sent.body.MessageId,
      MessageBody: "hello",
      MessageBodyMD5: md5("hello"),
      DequeueCount: "1",
      Priority: "8",
    });
    expect(Number(received.FirstDequeueTime)).toBeGreaterThanOrEqual(Number(received.EnqueueTime));
    expect(Number(received.NextVisibleTime)).toBeGreaterThan(Number(received.FirstDequeueTime));

    expect((await mns.deleteMessage(name, received.ReceiptHandle)).code).toBe(204);
    expect(await failure(mns.receiveMessage(name))).toMatchObject({
      code: "MessageNotExist",
      httpStatus: 404,
    });
    expect(countsOf(name)).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("redelivers after the visibility timeout with DequeueCount 2 and refuses the stale receipt handle", async () => {
    const name = await newQueue({ VisibilityTimeout: 1 });
    await mns.sendMessage(name, { MessageBody: "again" });
    const first = (await mns.receiveMessage(name)).body;
    // Long poll: answered when the visibility timeout runs out, not after a fixed sleep.
    const second = (await mns.receiveMessage(name, 5)).body;
    expect(second).toMatchObject({
      MessageId: first.MessageId,
      DequeueCount: "2",
      FirstDequeueTime: first.FirstDequeueTime,
    });
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);

    expect(await failure(mns.deleteMessage(name, first.ReceiptHandle))).toMatchObject({
      code: "ReceiptHandleError",
      httpStatus: 400,
    });
    expect((await mns.deleteMessage(name, second.ReceiptHandle)).code).toBe(204);
    expect(await failure(mns.deleteMessage(name, second.ReceiptHandle))).toMatchObject({
      code: "MessageNotExist",
    });
    expect(await failure(mns.deleteMessage(name, "not-a-handle"))).toMatchObject({
      code: "ReceiptHandleError",
    });
  });

  it("changes visibility: a new handle and NextVisibleTime, the old handle refused", async () => {
    const name = await newQueue({ VisibilityTimeout: 30 });
    await mns.sendMessage(name, { MessageBody: "lease" });
    const received = (await mns.receiveMessage(name)).body;
    const changed = await mns.changeMessageVisibility(name, received.ReceiptHandle, 1);
    expect(changed.code).toBe(200);
    expect(changed.body.ReceiptHandle).not.toBe(received.ReceiptHandle);
    expect(Number(changed.body.NextVisibleTime)).toBeLessThan(Number(received.NextVisibleTime));
    expect(await failure(mns.deleteMessage(name, received.ReceiptHandle))).toMatchObject({
      code: "ReceiptHandleError",
    });
    expect(await failure(mns.changeMessageVisibility(name, received.ReceiptHandle, 5))).toMatchObject({
      code: "MessageNotExist",
      httpStatus: 404,
    });
    // Visible again after the shortened timeout, before the queue's 30 s.
    const again = (await mns.receiveMessage(name, 5)).body;
    expect(again).toMatchObject({ MessageId: received.MessageId, DequeueCount: "2" });
    expect(await failure(mns.changeMessageVisibility(name, again.ReceiptHandle, 0))).toMatchObject({
      code: "InvalidArgument",
    });
  });

  it("answers a long poll when a message is sent to the queue", async () => {
    const name = await newQueue();
    const before = emulator.control.calls().ReceiveMessage;
    const polling = mns.receiveMessage(name, 15);
    await untilCalls("ReceiveMessage", before + 1);
    await mns.sendMessage(name, { MessageBody: "wake up" });
    expect((await polling).body.MessageBody).toBe("wake up");
  });

  it("answers a batch long poll when a batch is sent", async () => {
    const name = await newQueue();
    const before = emulator.control.calls().BatchReceiveMessage;
    const polling = mns.batchReceiveMessage(name, 16, 15);
    await untilCalls("BatchReceiveMessage", before + 1);
    await mns.batchSendMessage(name, [{ MessageBody: "one" }]);
    expect((await polling).body.map((m) => m.MessageBody)).toEqual(["one"]);
  });

  it("holds a delayed message back until its delay ends", async () => {
    const name = await newQueue();
    await mns.sendMessage(name, { MessageBody: "later", DelaySeconds: 1 });
    expect(countsOf(name)).toMatchObject({ delayed: 1, visible: 0 });
    expect(await failure(mns.receiveMessage(name))).toMatchObject({ code: "MessageNotExist" });
    expect((await mns.receiveMessage(name, 5)).body).toMatchObject({
      MessageBody: "later",
      DequeueCount: "1",
    });
  });

  it("applies the queue's DelaySeconds when the message names none", async () => {
    const name = await newQueue({ DelaySeconds: 60 });
    await mns.sendMessage(name, { MessageBody: "queue delay" });
    expect(countsOf(name)).toMatchObject({ delayed: 1 });
    await mns.sendMessage(name, { MessageBody: "no delay", DelaySeconds: 0 });
    expect((await mns.receiveMessage(name)).body.MessageBody).toBe("no delay");
  });

  it("receives higher priority (lower number) first in a batch", async () => {
    const name = await newQueue();
    const sent = await mns.batchSendMessage(name, [
      { MessageBody: "normal", Priority: 8 },
      { MessageBody: "urgent", Priority: 1 },
      { MessageBody: "lowest", Priority: 16 },
    ]);
    expect(sent.code).toBe(201);
    expect(sent.body.map((m) => m.MessageBodyMD5)).toEqual([md5("normal"), md5("urgent"), md5("lowest")]);
    const received = await mns.batchReceiveMessage(name, 16);
    expect(received.body.map((m) => [m.MessageBody, m.Priority])).toEqual([
      ["urgent", "1"],
      ["normal", "8"],
      ["lowest", "16"],
    ]);
  });

  it("batch-sends 16, refuses 17, batch-receives up to numOfMessages and batch-deletes", async () => {
    const name = await newQueue();
    const bodies = Array.from({ length: 16 }, (_, i) => ({ MessageBody: `m${i}` }));
    expect((await mns.batchSendMessage(name, bodies)).body).toHaveLength(16);
    expect(await failure(mns.batchSendMessage(name, [...bodies, { MessageBody: "m16" }]))).toMatchObject({
      code: "InvalidArgument",
      httpStatus: 400,
    });
    const received = await mns.batchReceiveMessage(name, 10);
    expect(received.body).toHaveLength(10);
    const deleted = await mns.batchDeleteMessage(
      name,
      received.body.map((m) => m.ReceiptHandle),
    );
    expect(deleted.code).toBe(204);
    const rest = await mns.batchReceiveMessage(name, 16);
    expect(rest.body).toHaveLength(6);
    const partly = await mns.batchDeleteMessage(name, [
      rest.body[0]!.ReceiptHandle,
      received.body[0]!.ReceiptHandle,
    ]);
    expect(partly.body?.map((e) => [e.ErrorCode, e.ReceiptHandle])).toEqual([
      ["MessageNotExist", received.body[0]!.ReceiptHandle],
    ]);
    expect(countsOf(name)).toMatchObject({ inFlight: 5 });
  });

  it("peeks without taking the message", async () => {
    const name = await newQueue();
    await mns.sendMessage(name, { MessageBody: "look" });
    const peeked = (await mns.peekMessage(name)).body;
    expect(peeked).toMatchObject({ MessageBody: "look", DequeueCount: "0" });
    expect(peeked).not.toHaveProperty("ReceiptHandle");
    expect((await mns.receiveMessage(name)).body.DequeueCount).toBe("1");
  });

  it("round-trips XML-special and non-ASCII content through the base64 queue-body codec", async () => {
    const name = await newQueue();
    const job = { text: `<Message>a & b ]]> "q" 'a' </MessageBody>`, unicode: "Grüße, 画像パイプライン, 🚀" };
    const body = encodeQueueBody(job);
    const sent = await mns.sendMessage(name, { MessageBody: body });
    const received = (await mns.receiveMessage(name)).body;
    expect(received.MessageBodyMD5).toBe(sent.body.MessageBodyMD5);
    expect(decodeQueueBody(received.MessageBody)).toEqual(job);
  });

  it("refuses a raw body with XML-special characters as MalformedXML, since the SDK does not escape it", async () => {
    const name = await newQueue();
    expect(await failure(mns.sendMessage(name, { MessageBody: "a<b&c" }))).toMatchObject({
      code: "MalformedXML",
      httpStatus: 400,
    });
    expect(countsOf(name)).toMatchObject({ visible: 0 });
  });

  it("refuses a body over the queue's MaximumMessageSize", async () => {
    const name = await newQueue({ MaximumMessageSize: 1024 });
    expect(await failure(mns.sendMessage(name, { MessageBody: "x".repeat(1025) }))).toMatchObject({
      code: "InvalidArgument",
    });
  });
});
