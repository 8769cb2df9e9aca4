import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import { MnsEventPublisher } from "../../../shared/adapters/mns/event-publisher";
import { decodeQueueBody, queueEndpoint, subscribe } from "../../../shared/adapters/mns/index";
import type { CompletionEvent } from "../../../shared/app/ports";
import { CapturingLogger } from "../../support/fakes";
import { clientFor, type MnsEmulator, startMns, uniqueName } from "../mns/harness";

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  emulator = await startMns();
  mns = clientFor(emulator);
});
afterAll(() => emulator.close());

const EVENT: CompletionEvent = {
  id: "01JDCOMPLETED0000000000000",
  batchId: null,
  status: "failed",
  labels: { "change/id": "CR-123" },
  error: {
    code: "InvalidImage.NotFound",
    message: "The image <m-abc> & co. was not found — 镜像",
    retryable: false,
  },
  accountId: "1000000000000002",
  regionId: "cn-hangzhou",
  completedAt: "2026-11-27T16:00:00.000Z",
};

async function topicWithQueue() {
  const topic = uniqueName("events");
  const queue = uniqueName("events-sub");
  await mns.createTopic(topic);
  await mns.createQueue(queue);
  await subscribe(mns, topic, "to-queue", {
    endpoint: queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, queue),
    notifyContentFormat: "SIMPLIFIED",
  });
  return { topic, queue };
}

describe("MnsEventPublisher", () => {
  it("publishes the event so a subscribed queue receives it intact, XML-special and non-ASCII text included", async () => {
    // Prepare
    const { topic, queue } = await topicWithQueue();
    const logger = new CapturingLogger();
    // Act
    await new MnsEventPublisher({ client: mns, topic, logger }).publish(EVENT);
    // Assess
    const received = await mns.receiveMessage(queue, 1);
    expect(decodeQueueBody(received.body.MessageBody)).toEqual(EVENT);
    expect(logger.lines).toEqual([]);
  });

  it("never throws when the topic cannot take the event; it retries, then logs the whole event", async () => {
    const { topic } = await topicWithQueue();
    const logger = new CapturingLogger();
    emulator.control.setFaults({ sendErrorRate: 1 });
    const before = emulator.control.calls().PublishMessage ?? 0;
    try {
      const publisher = new MnsEventPublisher({
        client: mns,
        topic,
        logger,
        tries: 3,
        sleep: async () => {},
      });
      await expect(publisher.publish(EVENT)).resolves.toBe(false);
    } finally {
      emulator.control.setFaults({ sendErrorRate: 0 });
    }
    expect((emulator.control.calls().PublishMessage ?? 0) - before).toBe(3);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: "error",
        fields: expect.objectContaining({ recordId: EVENT.id, event: EVENT }),
      }),
    ]);
  });

  it("a topic outage (topicOutageUntil) refuses every publish with InternalError until it ends", async () => {
    const { topic, queue } = await topicWithQueue();
    const logger = new CapturingLogger();
    const publisher = new MnsEventPublisher({ client: mns, topic, logger, tries: 2, sleep: async () => {} });
    emulator.control.setFaults({ topicOutageUntil: Date.now() + 60_000 });
    try {
      await expect(publisher.publish(EVENT)).resolves.toBe(false);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ fields: expect.objectContaining({ code: "InternalError" }) }),
      );
    } finally {
      emulator.control.setFaults({ topicOutageUntil: Date.now() - 1 });
    }
    await expect(publisher.publish(EVENT)).resolves.toBe(true);
    const received = await mns.receiveMessage(queue, 1);
    expect(decodeQueueBody(received.body.MessageBody)).toEqual(EVENT);
    emulator.control.setFaults({ topicOutageUntil: 0 });
  });
});
