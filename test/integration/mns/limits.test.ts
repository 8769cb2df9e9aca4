/**
 * Every documented limit the MNS emulator enforces (local/mns/limits.ts, README "Limits"), driven
 * through the official `@alicloud/mns` SDK: the edge value is accepted, one past it is refused with
 * the code and HTTP status MNS answers, and a refused request changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import { queueEndpoint, subscribe } from "../../../shared/adapters/mns/index";
import { clientFor, failure, type MnsEmulator, startMns, uniqueName } from "./harness";

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  emulator = await startMns();
  mns = clientFor(emulator);
});
afterAll(() => emulator.close());

async function newQueue(attributes: Record<string, number> = {}): Promise<string> {
  const name = uniqueName("lq");
  expect((await mns.createQueue(name, attributes)).code).toBe(201);
  return name;
}

async function newTopic(attributes: Record<string, number> = {}): Promise<string> {
  const name = uniqueName("lt");
  expect((await mns.createTopic(name, attributes)).code).toBe(201);
  return name;
}

function storedIn(queue: string): number {
  const counts = emulator.control.queues().find((q) => q.name === queue);
  if (!counts) throw new Error(`no queue ${queue}`);
  return counts.visible + counts.inFlight + counts.delayed;
}

const invalidArgument = (message: string) => ({ code: "InvalidArgument", httpStatus: 400, message });

/** A name of exactly `length` characters that otherwise follows the rules. */
const nameOf = (length: number): string => `n${"x".repeat(length - 1)}`;

describe("queue attributes (CreateQueue, SetQueueAttributes)", () => {
  it.each([
    ["DelaySeconds", 0, 604800, " seconds"],
    ["MaximumMessageSize", 1024, 65536, " bytes"],
    ["MessageRetentionPeriod", 60, 604800, " seconds"],
    ["VisibilityTimeout", 1, 43200, " seconds"],
    ["PollingWaitSeconds", 0, 30, " seconds"],
  ])("%s accepts %i to %i and refuses one past either end", async (attribute, min, max, unit) => {
    const atMin = await newQueue({ [attribute]: min });
    expect((await mns.getQueueAttributes(atMin)).body[attribute]).toBe(String(min));
    const atMax = await newQueue({ [attribute]: max });
    expect((await mns.getQueueAttributes(atMax)).body[attribute]).toBe(String(max));

    const refusal = invalidArgument(`The value of ${attribute} must be between ${min} and ${max}${unit}.`);
    for (const value of [min - 1, max + 1]) {
      const name = uniqueName("lq");
      expect(await failure(mns.createQueue(name, { [attribute]: value }))).toMatchObject(refusal);
      expect(await failure(mns.getQueueAttributes(name))).toMatchObject({ code: "QueueNotExist" });
      expect(await failure(mns.setQueueAttributes(atMin, { [attribute]: value }))).toMatchObject(refusal);
    }
    expect((await mns.getQueueAttributes(atMin)).body[attribute]).toBe(String(min));
  });

  it("refuses an attribute that is not an integer", async () => {
    expect(await failure(mns.createQueue(uniqueName("lq"), { VisibilityTimeout: "soon" }))).toMatchObject(
      invalidArgument("The value of VisibilityTimeout must be between 1 and 43200 seconds."),
    );
  });
});

describe("names", () => {
  it("takes a queue name of 120 characters, starting with a letter or a digit", async () => {
    expect((await mns.createQueue(nameOf(120))).code).toBe(201);
    expect((await mns.createQueue("7-starts-with-a-digit")).code).toBe(201);
  });

  it.each([
    ["121 characters", nameOf(121), "QueueNameLengthError"],
    ["an underscore", "bad_name", "InvalidQueueName"],
    ["a leading hyphen", "-lead", "InvalidQueueName"],
    ["a dot", "a.b", "InvalidQueueName"],
  ])("refuses a queue name with %s", async (_what, name, code) => {
    expect(await failure(mns.createQueue(name))).toMatchObject({ code, httpStatus: 400 });
    expect(emulator.control.queues().some((q) => q.name === name)).toBe(false);
  });

  it("takes a topic name of 120 characters (the limits page; CreateTopic's 255 is the looser)", async () => {
    expect((await mns.createTopic(`t${"y".repeat(119)}`)).code).toBe(201);
  });

  it.each([
    ["121 characters", `t${"y".repeat(120)}`, "TopicNameLengthError"],
    ["an underscore", "bad_topic", "TopicNameInvalid"],
    ["a leading hyphen", "-topic", "TopicNameInvalid"],
  ])("refuses a topic name with %s", async (_what, name, code) => {
    expect(await failure(mns.createTopic(name))).toMatchObject({ code, httpStatus: 400 });
    expect(emulator.control.topics().some((t) => t.name === name)).toBe(false);
  });

  it("takes a subscription name of 255 characters and refuses 256, a leading digit or an underscore", async () => {
    const topic = await newTopic();
    const endpoint = queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, await newQueue());
    await subscribe(mns, topic, nameOf(255), { endpoint });
    for (const [name, code] of [
      [nameOf(256), "SubscriptionNameLengthError"],
      ["1sub", "SubscriptionNameInvalid"],
      ["bad_sub", "SubscriptionNameInvalid"],
    ] as const) {
      expect(await failure(subscribe(mns, topic, name, { endpoint }))).toMatchObject({
        code,
        httpStatus: 400,
      });
    }
    expect(emulator.control.topics().find((t) => t.name === topic)?.subscriptions).toHaveLength(1);
  });
});

describe("message bodies", () => {
  it("takes a 65,536-byte body and refuses 65,537 bytes on a default queue", async () => {
    const queue = await newQueue();
    expect((await mns.sendMessage(queue, { MessageBody: "A".repeat(65536) })).code).toBe(201);
    expect(await failure(mns.sendMessage(queue, { MessageBody: "A".repeat(65537) }))).toMatchObject(
      invalidArgument("The value of MessageBody must be between 1 and 65536 bytes."),
    );
    expect(storedIn(queue)).toBe(1);
  });

  it("counts UTF-8 bytes against the queue's MaximumMessageSize, not characters", async () => {
    const queue = await newQueue({ MaximumMessageSize: 1024 });
    expect((await mns.sendMessage(queue, { MessageBody: "é".repeat(512) })).code).toBe(201);
    expect(await failure(mns.sendMessage(queue, { MessageBody: "é".repeat(513) }))).toMatchObject(
      invalidArgument("The value of MessageBody must be between 1 and 1024 bytes."),
    );
  });

  it("refuses an empty body", async () => {
    const queue = await newQueue();
    expect(await failure(mns.sendMessage(queue, { MessageBody: "" }))).toMatchObject({
      code: "InvalidArgument",
      httpStatus: 400,
    });
    expect(storedIn(queue)).toBe(0);
  });

  it("takes a per-message DelaySeconds of 0 to 604800 and refuses one past either end", async () => {
    const queue = await newQueue();
    expect((await mns.sendMessage(queue, { MessageBody: "now", DelaySeconds: 0 })).code).toBe(201);
    expect((await mns.sendMessage(queue, { MessageBody: "week", DelaySeconds: 604800 })).code).toBe(201);
    for (const DelaySeconds of [-1, 604801]) {
      expect(await failure(mns.sendMessage(queue, { MessageBody: "x", DelaySeconds }))).toMatchObject(
        invalidArgument("The value of DelaySeconds must be between 0 and 604800 seconds."),
      );
    }
    expect(storedIn(queue)).toBe(2);
  });

  it("takes a Priority of 1 to 16 and refuses 0 and 17", async () => {
    const queue = await newQueue();
    expect((await mns.sendMessage(queue, { MessageBody: "top", Priority: 1 })).code).toBe(201);
    expect((await mns.sendMessage(queue, { MessageBody: "low", Priority: 16 })).code).toBe(201);
    for (const Priority of [0, 17]) {
      expect(await failure(mns.sendMessage(queue, { MessageBody: "x", Priority }))).toMatchObject(
        invalidArgument("The value of Priority must be between 1 and 16."),
      );
    }
    expect(storedIn(queue)).toBe(2);
  });
});

describe("BatchSendMessage", () => {
  it("takes 16 messages and refuses 17, storing none of them", async () => {
    const queue = await newQueue();
    const bodies = (n: number) => Array.from({ length: n }, (_, i) => ({ MessageBody: `m${i}` }));
    expect((await mns.batchSendMessage(queue, bodies(16))).body).toHaveLength(16);
    expect(await failure(mns.batchSendMessage(queue, bodies(17)))).toMatchObject(
      invalidArgument("The number of Messages must be between 1 and 16."),
    );
    expect(storedIn(queue)).toBe(16);
  });

  it("takes bodies totalling 65,536 bytes and refuses one byte more, storing none of them", async () => {
    const queue = await newQueue();
    const full = Array.from({ length: 16 }, () => ({ MessageBody: "B".repeat(4096) }));
    expect((await mns.batchSendMessage(queue, full)).body).toHaveLength(16);
    const over = [...full.slice(0, 15), { MessageBody: "B".repeat(4097) }];
    expect(await failure(mns.batchSendMessage(queue, over))).toMatchObject(
      invalidArgument("The total size of the MessageBody elements must be between 1 and 65536 bytes."),
    );
    const twoLarge = [{ MessageBody: "C".repeat(40000) }, { MessageBody: "C".repeat(40000) }];
    expect(await failure(mns.batchSendMessage(queue, twoLarge))).toMatchObject({ code: "InvalidArgument" });
    expect(storedIn(queue)).toBe(16);
  });

  it("caps the total at a smaller queue MaximumMessageSize too (the stricter reading)", async () => {
    const queue = await newQueue({ MaximumMessageSize: 2048 });
    const bodies = [{ MessageBody: "D".repeat(1500) }, { MessageBody: "D".repeat(1500) }];
    expect(await failure(mns.batchSendMessage(queue, bodies))).toMatchObject(
      invalidArgument("The total size of the MessageBody elements must be between 1 and 2048 bytes."),
    );
    expect(storedIn(queue)).toBe(0);
  });

  it("refuses the whole batch when one body is over the queue's MaximumMessageSize", async () => {
    const queue = await newQueue({ MaximumMessageSize: 1024 });
    const bodies = [{ MessageBody: "ok" }, { MessageBody: "E".repeat(1025) }];
    expect(await failure(mns.batchSendMessage(queue, bodies))).toMatchObject(
      invalidArgument("The value of MessageBody must be between 1 and 1024 bytes."),
    );
    expect(storedIn(queue)).toBe(0);
  });
});

describe("receiving, peeking, deleting and visibility", () => {
  it("takes waitseconds up to 30 and refuses 31", async () => {
    const queue = await newQueue();
    await mns.sendMessage(queue, { MessageBody: "there" });
    // A message is waiting, so a 30 s long poll answers at once.
    expect((await mns.receiveMessage(queue, 30)).body.MessageBody).toBe("there");
    expect(await failure(mns.receiveMessage(queue, 31))).toMatchObject(
      invalidArgument("The value of waitseconds must be between 0 and 30 seconds."),
    );
    expect(await failure(mns.batchReceiveMessage(queue, 16, 31))).toMatchObject({ code: "InvalidArgument" });
  });

  it("takes numOfMessages 1 to 16 and refuses 0 and 17, for receive and peek", async () => {
    const queue = await newQueue();
    await mns.batchSendMessage(
      queue,
      Array.from({ length: 16 }, (_, i) => ({ MessageBody: `p${i}` })),
    );
    const refusal = invalidArgument("The value of numOfMessages must be between 1 and 16.");
    for (const n of [0, 17]) {
      expect(await failure(mns.batchReceiveMessage(queue, n))).toMatchObject(refusal);
      expect(
        await failure(
          mns.request("GET", `/queues/${queue}/messages?peekonly=true&numOfMessages=${n}`, "Messages", ""),
        ),
      ).toMatchObject(refusal);
    }
    expect(emulator.control.queues().find((q) => q.name === queue)).toMatchObject({
      visible: 16,
      inFlight: 0,
    });
    expect((await mns.batchReceiveMessage(queue, 16)).body).toHaveLength(16);
  });

  it("takes 16 receipt handles in a BatchDeleteMessage and refuses 17, deleting none", async () => {
    const queue = await newQueue();
    await mns.batchSendMessage(
      queue,
      Array.from({ length: 16 }, (_, i) => ({ MessageBody: `d${i}` })),
    );
    await mns.sendMessage(queue, { MessageBody: "d16" });
    const handles = [
      ...(await mns.batchReceiveMessage(queue, 16)).body,
      ...(await mns.batchReceiveMessage(queue, 16)).body,
    ].map((m) => m.ReceiptHandle);
    expect(handles).toHaveLength(17);
    expect(await failure(mns.batchDeleteMessage(queue, handles))).toMatchObject(
      invalidArgument("The number of ReceiptHandles must be between 1 and 16."),
    );
    expect(storedIn(queue)).toBe(17);
    expect((await mns.batchDeleteMessage(queue, handles.slice(0, 16))).code).toBe(204);
    expect(storedIn(queue)).toBe(1);
  });

  it("takes a visibilityTimeout of 1 to 43200 in ChangeMessageVisibility and refuses 0 and 43201", async () => {
    const queue = await newQueue();
    await mns.sendMessage(queue, { MessageBody: "lease" });
    let handle = (await mns.receiveMessage(queue)).body.ReceiptHandle;
    const refusal = invalidArgument("The value of visibilityTimeout must be between 1 and 43200 seconds.");
    for (const seconds of [0, 43201]) {
      expect(await failure(mns.changeMessageVisibility(queue, handle, seconds))).toMatchObject(refusal);
    }
    handle = (await mns.changeMessageVisibility(queue, handle, 43200)).body.ReceiptHandle;
    const changed = await mns.changeMessageVisibility(queue, handle, 1);
    expect(changed.code).toBe(200);
  });
});

describe("topics", () => {
  it("takes a topic MaximumMessageSize of 1024 to 65536 and refuses one past either end", async () => {
    await newTopic({ MaximumMessageSize: 1024 });
    await newTopic({ MaximumMessageSize: 65536 });
    for (const size of [1023, 65537]) {
      expect(await failure(mns.createTopic(uniqueName("lt"), { MaximumMessageSize: size }))).toMatchObject(
        invalidArgument("The value of MaximumMessageSize must be between 1024 and 65536 bytes."),
      );
    }
  });

  it("publishes a body up to the topic's MaximumMessageSize and refuses one byte more", async () => {
    const large = await newTopic();
    expect((await mns.publishMessage(large, { MessageBody: "F".repeat(65536) })).code).toBe(201);
    expect(await failure(mns.publishMessage(large, { MessageBody: "F".repeat(65537) }))).toMatchObject(
      invalidArgument("The value of MessageBody must be between 1 and 65536 bytes."),
    );
    const small = await newTopic({ MaximumMessageSize: 1024 });
    expect(await failure(mns.publishMessage(small, { MessageBody: "F".repeat(1025) }))).toMatchObject(
      invalidArgument("The value of MessageBody must be between 1 and 1024 bytes."),
    );
  });

  it("takes a MessageTag and a FilterTag of 16 characters and refuses 17", async () => {
    const topic = await newTopic();
    const endpoint = queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, await newQueue());
    await subscribe(mns, topic, "tagged", { endpoint, filterTag: "t".repeat(16) });
    expect(
      await failure(subscribe(mns, topic, "over", { endpoint, filterTag: "t".repeat(17) })),
    ).toMatchObject(invalidArgument("The length of FilterTag must be between 0 and 16 characters."));
    expect((await mns.publishMessage(topic, { MessageBody: "x", MessageTag: "t".repeat(16) })).code).toBe(
      201,
    );
    expect(
      await failure(mns.publishMessage(topic, { MessageBody: "x", MessageTag: "t".repeat(17) })),
    ).toMatchObject(invalidArgument("The length of MessageTag must be between 0 and 16 characters."));
  });

  it("refuses to subscribe a queue whose MaximumMessageSize is below the topic's", async () => {
    const topic = await newTopic({ MaximumMessageSize: 4096 });
    const small = queueEndpoint(
      "cn-hangzhou",
      LOCAL_SERVICE_ACCOUNT_ID,
      await newQueue({ MaximumMessageSize: 2048 }),
    );
    expect(await failure(subscribe(mns, topic, "too-small", { endpoint: small }))).toMatchObject({
      code: "InvalidArgument",
      httpStatus: 400,
    });
    const fits = queueEndpoint(
      "cn-hangzhou",
      LOCAL_SERVICE_ACCOUNT_ID,
      await newQueue({ MaximumMessageSize: 4096 }),
    );
    await subscribe(mns, topic, "fits", { endpoint: fits });
  });

  it("accepts a publish whose wrapped notification outgrows the queue, and counts the push undeliverable", async () => {
    const topic = await newTopic();
    const queue = await newQueue();
    await subscribe(mns, topic, "wrapped", {
      endpoint: queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, queue),
      notifyContentFormat: "JSON",
    });
    expect((await mns.publishMessage(topic, { MessageBody: "G".repeat(65536) })).code).toBe(201);
    expect(emulator.control.topics().find((t) => t.name === topic)?.undeliverable).toBe(1);
    expect(storedIn(queue)).toBe(0);
  });
});

describe("request size", () => {
  it("refuses a request body over 1 MiB before looking at it, storing nothing", async () => {
    const queue = await newQueue();
    const bodies = Array.from({ length: 16 }, () => ({ MessageBody: "H".repeat(65536) }));
    expect(await failure(mns.batchSendMessage(queue, bodies))).toMatchObject({
      code: "InvalidArgument",
      httpStatus: 400,
      message: "The request body is too large.",
    });
    expect(storedIn(queue)).toBe(0);
  });
});

describe("ListQueue / ListTopic", () => {
  it("takes x-mns-ret-number 1 to 1000 and refuses 0 and 1001", async () => {
    expect((await mns.listQueue(undefined, 1000, "")).code).toBe(200);
    expect((await mns.listQueue(undefined, 1, "")).code).toBe(200);
    const refusal = invalidArgument("The value of x-mns-ret-number must be between 1 and 1000.");
    expect(await failure(mns.listQueue(undefined, 1001, ""))).toMatchObject(refusal);
    expect(await failure(mns.listQueue(undefined, 0, ""))).toMatchObject(refusal);
  });
});
