import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import { deleteTopic, queueEndpoint, subscribe, unsubscribe } from "../../../shared/adapters/mns/index";
import { clientFor, failure, type MnsEmulator, startMns, uniqueName } from "./harness";

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  emulator = await startMns();
  mns = clientFor(emulator);
});
afterAll(() => emulator.close());

async function topicWithQueue(format: "SIMPLIFIED" | "JSON" | "XML", filterTag?: string) {
  const topic = uniqueName("t");
  const queue = uniqueName("sub-q");
  expect((await mns.createTopic(topic)).code).toBe(201);
  await mns.createQueue(queue);
  await subscribe(mns, topic, "to-queue", {
    endpoint: queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, queue),
    notifyContentFormat: format,
    filterTag,
  });
  return { topic, queue };
}

describe("topics", () => {
  it("creates a topic, reports its attributes, and refuses a different re-create", async () => {
    const topic = uniqueName("t");
    const created = await mns.createTopic(topic, { MaximumMessageSize: 2048 });
    expect(created.headers.location).toBe(`${emulator.url}/topics/${topic}`);
    expect((await mns.getTopicAttributes(topic)).body).toMatchObject({
      TopicName: topic,
      MaximumMessageSize: "2048",
    });
    expect(await failure(mns.createTopic(topic, { MaximumMessageSize: 4096 }))).toMatchObject({
      code: "TopicAlreadyExist",
      httpStatus: 409,
    });
  });

  it("pushes a SIMPLIFIED notification: the published body itself", async () => {
    const { topic, queue } = await topicWithQueue("SIMPLIFIED");
    const published = await mns.publishMessage(topic, { MessageBody: "ZG9uZQ==" });
    expect(published.code).toBe(201);
    const received = (await mns.receiveMessage(queue)).body;
    expect(received.MessageBody).toBe("ZG9uZQ==");
    expect(received.MessageBodyMD5).toBe(published.body.MessageBodyMD5);
  });

  it("pushes a JSON notification with the topic's metadata", async () => {
    const { topic, queue } = await topicWithQueue("JSON");
    const published = await mns.publishMessage(topic, { MessageBody: "payload" });
    const notification: unknown = JSON.parse((await mns.receiveMessage(queue)).body.MessageBody);
    expect(notification).toMatchObject({
      TopicOwner: LOCAL_SERVICE_ACCOUNT_ID,
      TopicName: topic,
      SubscriptionName: "to-queue",
      Message: "payload",
      MessageId: published.body.MessageId,
      MessageMD5: published.body.MessageBodyMD5,
    });
  });

  it("pushes an XML notification", async () => {
    const { topic, queue } = await topicWithQueue("XML");
    await mns.publishMessage(topic, { MessageBody: "payload" });
    const body = (await mns.receiveMessage(queue)).body.MessageBody;
    expect(body).toContain("<Notification");
    expect(body).toContain(`<TopicName>${topic}</TopicName>`);
    expect(body).toContain("<Message>payload</Message>");
  });

  it("delivers only messages whose tag matches the subscription's FilterTag", async () => {
    const { topic, queue } = await topicWithQueue("SIMPLIFIED", "done");
    await mns.publishMessage(topic, { MessageBody: "other", MessageTag: "started" });
    await mns.publishMessage(topic, { MessageBody: "wanted", MessageTag: "done" });
    const received = await mns.batchReceiveMessage(queue, 16);
    expect(received.body.map((m) => m.MessageBody)).toEqual(["wanted"]);
  });

  it("stops pushing after unsubscribe, and deletes the topic", async () => {
    const { topic, queue } = await topicWithQueue("SIMPLIFIED");
    expect(emulator.control.topics().find((t) => t.name === topic)?.subscriptions).toHaveLength(1);
    await unsubscribe(mns, topic, "to-queue");
    await mns.publishMessage(topic, { MessageBody: "nobody" });
    expect(await failure(mns.receiveMessage(queue))).toMatchObject({ code: "MessageNotExist" });
    await deleteTopic(mns, topic);
    expect(await failure(mns.publishMessage(topic, { MessageBody: "x" }))).toMatchObject({
      code: "TopicNotExist",
      httpStatus: 404,
    });
  });

  it("refuses a subscription endpoint that is not a queue", async () => {
    const topic = uniqueName("t");
    await mns.createTopic(topic);
    expect(
      await failure(subscribe(mns, topic, "web", { endpoint: "mail:directmail:someone@example.com" })),
    ).toMatchObject({ code: "EndpointInvalid", httpStatus: 400 });
  });
});
