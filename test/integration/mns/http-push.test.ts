/**
 * Topic subscriptions with an HTTP endpoint: an approval system's receiver (node:http on a free
 * port) subscribes through the SDK's signed request, the service's own event publisher publishes a
 * completion event, and the receiver gets it as MNS would send it: signed, retried after a failure,
 * given up after the strategy's last retry. Retry delays are scaled down (10-20 s become 10-20 ms).
 */
import { verify, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import { retryDelaysSeconds } from "../../../local/mns/http-push";
import { MnsEventPublisher } from "../../../shared/adapters/mns/event-publisher";
import { decodeQueueBody, subscribe } from "../../../shared/adapters/mns/index";
import type { CompletionEvent, Logger } from "../../../shared/app/ports";
import { clientFor, failure, type MnsEmulator, startMns, uniqueName } from "./harness";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** An HTTP receiver answering each push with the next status of `answers` (the last one repeats; 0 = never). */
async function startReceiver(answers: number[]) {
  const requests: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        at: Date.now(),
      });
      const status = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      if (status === 0) hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a receiver does to trust a push (docs/completion-events.md): the certificate URL must start
 * with a trusted prefix; the Authorization header is the RSA-SHA1 signature of the string to sign.
 */
async function verifyPush(r: Received, trustedPrefix: string): Promise<boolean> {
  const certificateUrl = Buffer.from(String(r.headers["x-mns-signing-cert-url"]), "base64").toString("utf8");
  if (!certificateUrl.startsWith(trustedPrefix)) return false;
  const publicKey = new X509Certificate(await (await fetch(certificateUrl)).text()).publicKey;
  const mnsHeaders = Object.keys(r.headers)
    .filter((name) => name.startsWith("x-mns-"))
    .sort()
    .map((name) => `${name}:${r.headers[name]}\n`)
    .join("");
  const h = (name: string): string => String(r.headers[name] ?? "");
  const stringToSign = `${r.method}\n${h("content-md5")}\n${h("content-type")}\n${h("date")}\n${mnsHeaders}${r.url}`;
  return verify("RSA-SHA1", Buffer.from(stringToSign), publicKey, Buffer.from(h("authorization"), "base64"));
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const EVENT: CompletionEvent = {
  id: "01JDHTTPPUSH00000000000000",
  batchId: "01JDBATCH00000000000000000",
  status: "failed",
  labels: {},
  error: {
    code: "InvalidImage.NotFound",
    message: "The image <m-abc> & co. was not found",
    retryable: false,
  },
  accountId: "1000000000000002",
  regionId: "cn-hangzhou",
  completedAt: "2026-12-07T00:00:00.000Z",
};

let emulator: MnsEmulator;
let mns: ReturnType<typeof clientFor>;

beforeAll(async () => {
  // MNS waits 5 s for an answer; 2 s keeps the no-answer case short and is still generous on a loaded machine.
  emulator = await startMns({ httpPush: { retryDelayScale: 0.001, timeoutMs: 2000 } });
  mns = clientFor(emulator);
});
afterAll(() => emulator.close());

const pushesOf = (topic: string) => emulator.control.httpPushes().filter((s) => s.topicName === topic);

// Topic subscriptions with HTTP endpoints; each test is its own (no describe), to keep functions short.
it("delivers a completion event to an approval system's receiver, retrying after a first 500", async () => {
  const receiver = await startReceiver([500, 204]);
  try {
    const topic = uniqueName("events");
    await mns.createTopic(topic);
    await subscribe(mns, topic, "approvals", {
      endpoint: `${receiver.url}/mns/completion-events`,
      notifyStrategy: "BACKOFF_RETRY",
      notifyContentFormat: "JSON",
    });
    const publisher = new MnsEventPublisher({ client: mns, topic, logger: silent });
    expect(await publisher.publish(EVENT)).toBe(true);

    await until(() => pushesOf(topic)[0]?.delivered === 1, "the retried push to be delivered");
    expect(pushesOf(topic)).toEqual([
      expect.objectContaining({ delivered: 1, failedAttempts: 1, discarded: 0, pending: 0 }),
    ]);
    const [first, second] = receiver.requests;
    expect(receiver.requests).toHaveLength(2);
    for (const push of [first!, second!]) {
      expect(push).toMatchObject({ method: "POST", url: "/mns/completion-events" });
      expect(push.headers).toMatchObject({
        "content-type": "application/json;charset=utf-8",
        "x-mns-version": "2015-06-06",
      });
      expect(push.headers["x-mns-request-id"]).toMatch(/^[0-9A-F]{24}$/);
      expect(await verifyPush(push, emulator.url)).toBe(true);
    }
    // The same notification both times, each attempt its own request id; BACKOFF_RETRY waits 10-20 s (scaled).
    expect(second!.body).toBe(first!.body);
    expect(second!.headers["x-mns-request-id"]).not.toBe(first!.headers["x-mns-request-id"]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(9);

    const notification = JSON.parse(second!.body) as Record<string, unknown>;
    expect(notification).toMatchObject({
      TopicOwner: LOCAL_SERVICE_ACCOUNT_ID,
      TopicName: topic,
      SubscriptionName: "approvals",
      MessageTag: "failed",
    });
    expect(decodeQueueBody(String(notification.Message))).toEqual(EVENT);
  } finally {
    await receiver.close();
  }
});

it("signs what it sends: a changed path or an untrusted certificate prefix fails verification", async () => {
  const receiver = await startReceiver([204]);
  try {
    const topic = uniqueName("events");
    await mns.createTopic(topic);
    await subscribe(mns, topic, "approvals", {
      endpoint: `${receiver.url}/hook`,
      notifyContentFormat: "JSON",
    });
    await mns.publishMessage(topic, { MessageBody: "e30=" });
    await until(() => receiver.requests.length === 1, "the push");
    const push = receiver.requests[0]!;
    expect(await verifyPush(push, emulator.url)).toBe(true);
    expect(await verifyPush({ ...push, url: "/other" }, emulator.url)).toBe(false);
    expect(await verifyPush(push, "https://mns-cert.oss-cn-hangzhou.aliyuncs.com/")).toBe(false);
  } finally {
    await receiver.close();
  }
});

it("sends SIMPLIFIED as the body itself with the message id in a header, XML as <Notification>", async () => {
  const simplified = await startReceiver([204]);
  const xml = await startReceiver([201]);
  try {
    const topic = uniqueName("events");
    await mns.createTopic(topic);
    await subscribe(mns, topic, "plain", { endpoint: simplified.url, notifyContentFormat: "SIMPLIFIED" });
    await subscribe(mns, topic, "wrapped", { endpoint: `${xml.url}/in?x=1` });
    const published = await mns.publishMessage(topic, { MessageBody: "ZG9uZQ==", MessageTag: "succeeded" });
    await until(() => simplified.requests.length === 1 && xml.requests.length === 1, "both pushes");

    const plain = simplified.requests[0]!;
    // No path in the endpoint: MNS posts to /notifications.
    expect(plain).toMatchObject({ url: "/notifications", body: "ZG9uZQ==" });
    expect(plain.headers).toMatchObject({
      "content-type": "text/plain;charset=utf-8",
      "x-mns-message-id": published.body.MessageId,
      "x-mns-message-tag": "succeeded",
    });
    const wrapped = xml.requests[0]!;
    expect(wrapped.url).toBe("/in?x=1");
    expect(wrapped.headers["content-type"]).toBe("text/xml;charset=utf-8");
    expect(wrapped.headers["x-mns-message-id"]).toBeUndefined();
    expect(wrapped.body).toContain("<Notification");
    expect(wrapped.body).toContain(`<MessageId>${published.body.MessageId}</MessageId>`);
    expect(wrapped.body).toContain("<Message>ZG9uZQ==</Message>");
    for (const push of [plain, wrapped]) expect(await verifyPush(push, emulator.url)).toBe(true);
    // 201 is a 2xx: delivered, not retried.
    expect(pushesOf(topic).map((s) => s.delivered)).toEqual([1, 1]);
  } finally {
    await simplified.close();
    await xml.close();
  }
});

it("discards a notification after BACKOFF_RETRY's third retry fails", async () => {
  const receiver = await startReceiver([503]);
  try {
    const topic = uniqueName("events");
    await mns.createTopic(topic);
    await subscribe(mns, topic, "down", { endpoint: receiver.url, notifyStrategy: "BACKOFF_RETRY" });
    await mns.publishMessage(topic, { MessageBody: "e30=" });
    await until(() => pushesOf(topic)[0]?.discarded === 1, "the notification to be discarded");
    expect(pushesOf(topic)[0]).toMatchObject({ delivered: 0, failedAttempts: 4, discarded: 1, pending: 0 });
    expect(receiver.requests).toHaveLength(4);
  } finally {
    await receiver.close();
  }
});

it("counts no answer within the timeout as a failure and retries", async () => {
  const receiver = await startReceiver([0, 204]);
  try {
    const topic = uniqueName("events");
    await mns.createTopic(topic);
    await subscribe(mns, topic, "slow", { endpoint: receiver.url });
    await mns.publishMessage(topic, { MessageBody: "e30=" });
    await until(() => pushesOf(topic)[0]?.delivered === 1, "the retried push");
    expect(pushesOf(topic)[0]).toMatchObject({ failedAttempts: 1, delivered: 1 });
    expect(receiver.requests).toHaveLength(2);
  } finally {
    await receiver.close();
  }
});

it("refuses an unknown NotifyStrategy, an endpoint that is no URL and an https one", async () => {
  const topic = uniqueName("events");
  await mns.createTopic(topic);
  const strategy = "SOMETIMES" as "BACKOFF_RETRY";
  expect(
    await failure(subscribe(mns, topic, "a", { endpoint: "http://127.0.0.1:9/x", notifyStrategy: strategy })),
  ).toMatchObject({ code: "InvalidArgument", httpStatus: 400 });
  expect(await failure(subscribe(mns, topic, "b", { endpoint: "http://" }))).toMatchObject({
    code: "EndpointInvalid",
    httpStatus: 400,
  });
  // "must be prefixed with http://" (Subscribe page): https is not documented, so it is refused.
  expect(await failure(subscribe(mns, topic, "c", { endpoint: "https://example.com/hook" }))).toMatchObject({
    code: "EndpointInvalid",
    httpStatus: 400,
  });
});

it("keeps an HTTP subscription across a restart with --data, and pushes for it after", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mns-http-push-"));
  const receiver = await startReceiver([204]);
  try {
    const topic = uniqueName("events");
    const before = await startMns({ dataDir: dir });
    await clientFor(before).createTopic(topic);
    await subscribe(clientFor(before), topic, "approvals", { endpoint: receiver.url });
    await before.close();
    const after = await startMns({ dataDir: dir });
    try {
      expect((await clientFor(after).publishMessage(topic, { MessageBody: "e30=" })).code).toBe(201);
      await until(() => receiver.requests.length === 1, "the push after the restart");
      // Signed with the restarted emulator's new key, named by a new certificate URL.
      expect(await verifyPush(receiver.requests[0]!, after.url)).toBe(true);
    } finally {
      await after.close();
    }
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it("has the documented schedules: BACKOFF_RETRY 3 x 10-20 s, EXPONENTIAL_DECAY_RETRY 176 retries over a day", () => {
  const backoff = retryDelaysSeconds("BACKOFF_RETRY", Math.random);
  expect(backoff).toHaveLength(3);
  for (const delay of backoff) expect(delay >= 10 && delay <= 20).toBe(true);
  const decay = retryDelaysSeconds("EXPONENTIAL_DECAY_RETRY", Math.random);
  expect(decay).toHaveLength(176);
  expect(decay.slice(0, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  expect(decay.reduce((a, b) => a + b, 0)).toBe(86_015);
});
