/** The MNS request queue through the real SDK against the emulator. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { start as startMns } from "../../../local/mns/index";
import { decodeQueueBody, MnsError, type MnsSdkClient } from "../../../shared/adapters/mns/index";
import { MnsRequestQueue } from "../../../shared/adapters/mns/request-queue";
import { receiveUntilEmpty } from "../../support/mns-drain";
import { mnsClient, type RunningMns } from "./harness";

const QUEUE = "requests";
let draws: number[] = [];
let emulator: RunningMns;
let client: MnsSdkClient;

beforeAll(async () => {
  // Fault draws come from `draws` first, then never fail.
  emulator = await startMns({ port: 0, random: () => draws.shift() ?? 0.99 });
  client = mnsClient(emulator);
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  emulator.control.reset();
  emulator.control.setFaults({ sendErrorRate: 0 });
  draws = [];
  await client.createQueue(QUEUE);
});

/** Every queued body, until MNS answers MessageNotExist (any other failure fails the test). */
async function receiveAll(): Promise<unknown[]> {
  return (await receiveUntilEmpty(client, QUEUE)).map((m) => decodeQueueBody(m.MessageBody));
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `01J${String(i).padStart(23, "0")}` }));

describe("MnsRequestQueue", () => {
  it("sends 40 messages in three BatchSendMessage calls, each body base64 JSON {id}", async () => {
    const messages = ids(40);
    await new MnsRequestQueue({ client, queue: QUEUE }).send(messages);
    expect(emulator.control.calls().BatchSendMessage).toBe(3);
    const received = await receiveAll();
    expect(received).toHaveLength(40);
    expect(new Set(received.map((b) => JSON.stringify(b)))).toEqual(
      new Set(messages.map((m) => JSON.stringify(m))),
    );
  });

  it("sends the messages that failed once more, alone", async () => {
    emulator.control.setFaults({ sendErrorRate: 0.5 });
    draws = [0.1, 0.9, 0.1];
    await new MnsRequestQueue({ client, queue: QUEUE }).send(ids(5));
    expect(emulator.control.calls().BatchSendMessage).toBe(2);
    expect(await receiveAll()).toHaveLength(5);
  });

  it("throws an MnsError when messages still fail after the retry", async () => {
    emulator.control.setFaults({ sendErrorRate: 1 });
    const error = await new MnsRequestQueue({ client, queue: QUEUE })
      .send(ids(3))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MnsError);
    expect(error).toMatchObject({
      code: "InternalError",
      message: expect.stringContaining("3 of 3 messages"),
    });
    expect(emulator.control.calls().BatchSendMessage).toBe(2);
  });

  it("throws the service's code for a missing queue", async () => {
    await expect(new MnsRequestQueue({ client, queue: "missing" }).send(ids(1))).rejects.toMatchObject({
      code: "QueueNotExist",
    });
  });

  it("sends nothing for no messages", async () => {
    await new MnsRequestQueue({ client, queue: QUEUE }).send([]);
    expect(emulator.control.calls().BatchSendMessage ?? 0).toBe(0);
  });
});

describe("reading the queue back (test/support/mns-drain)", () => {
  it("ends on the empty queue's MessageNotExist and fails on any other answer", async () => {
    await expect(receiveUntilEmpty(client, QUEUE)).resolves.toEqual([]);
    await expect(receiveUntilEmpty(client, "missing")).rejects.toThrow(/failed with 404/);
    await expect(receiveUntilEmpty(client, "missing")).rejects.toMatchObject({
      name: "MNSQueueNotExistError",
    });
  });
});
