/**
 * The sample FC events under events/ (used by tests and by `s invoke --event-file`) keep the exact
 * shapes FC3 delivers (docs/cloud-facts.md, "FC3 HTTP trigger event" and "MNS trigger events"; samples in events/), and
 * every queue or topic message carries base64({"id": "<record id>"}) as submit sends it
 * (docs/processing.md, Flow 1).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function readEvent(file: string): unknown {
  return JSON.parse(readFileSync(path.join(root, "events", file), "utf8"));
}

const StringMap = v.record(v.string(), v.string());

/** FC3 HTTP trigger event, payload format version v1 (docs/cloud-facts.md, "FC3 HTTP trigger event"). */
const HttpTriggerEvent = v.strictObject({
  version: v.literal("v1"),
  rawPath: v.string(),
  headers: StringMap,
  queryParameters: StringMap,
  body: v.string(),
  isBase64Encoded: v.boolean(),
  requestContext: v.strictObject({
    accountId: v.string(),
    domainName: v.string(),
    domainPrefix: v.string(),
    http: v.strictObject({
      method: v.string(),
      path: v.string(),
      protocol: v.string(),
      sourceIp: v.string(),
      userAgent: v.string(),
    }),
    requestId: v.string(),
    time: v.string(),
    timeEpoch: v.pipe(v.string(), v.regex(/^\d+$/)),
    triggerId: v.optional(v.string()),
  }),
});

/** `data` of an MNS queue event, and the whole item in RawData form (docs/cloud-facts.md, "MNS trigger events"). */
const MnsQueueData = v.strictObject({
  requestId: v.string(),
  messageId: v.string(),
  messageBody: v.string(),
});

const MnsQueueCloudEvent = v.strictObject({
  id: v.string(),
  source: v.string(),
  specversion: v.literal("1.0"),
  type: v.literal("mns:Queue:SendMessage"),
  datacontenttype: v.string(),
  subject: v.pipe(v.string(), v.regex(/^acs:mns:[a-z0-9-]+:\d+:queues\/[A-Za-z0-9-]+$/)),
  time: v.string(),
  aliyunaccountid: v.string(),
  aliyunpublishtime: v.string(),
  aliyunoriginalaccountid: v.string(),
  aliyuneventbusname: v.string(),
  aliyunregionid: v.string(),
  aliyunpublishaddr: v.string(),
  data: MnsQueueData,
});

/** MNS topic trigger, STREAM format with message attributes (docs/cloud-facts.md, "MNS trigger events"). */
const MnsTopicStreamEvent = v.strictObject({ body: v.string(), attrs: StringMap });

/** MNS topic trigger, JSON format without message attributes (docs/cloud-facts.md, "MNS trigger events"). */
const MnsTopicJsonEvent = v.strictObject({
  TopicOwner: v.string(),
  Message: v.string(),
  Subscriber: v.string(),
  PublishTime: v.number(),
  SubscriptionName: v.string(),
  MessageMD5: v.pipe(v.string(), v.regex(/^[0-9A-F]{32}$/)),
  TopicName: v.string(),
  MessageId: v.string(),
});

const QueueMessage = v.strictObject({ id: v.pipe(v.string(), v.minLength(1)) });

/** Decodes a message body the way the worker must: base64, then JSON `{"id": ...}`. */
function recordIdOf(body: string): string {
  const bytes = Buffer.from(body, "base64");
  // Buffer.from ignores junk; a body that does not round-trip was not base64 in the first place.
  expect(bytes.toString("base64"), `not base64: ${body}`).toBe(body);
  return v.parse(QueueMessage, JSON.parse(bytes.toString("utf8"))).id;
}

const RECORD_ID = "01JDQ5Z8W3K4N6P7R9S2T4V6X8";
const SECOND_RECORD_ID = "01JDQ5ZA1B2C3D4E5F6G7H8J9K";

describe("worker events", () => {
  it.each<{ file: string; read: (event: unknown) => string[]; ids: string[] }>([
    {
      file: "worker/eventbridge-mns-streaming.json",
      read: (e) => v.parse(v.array(MnsQueueCloudEvent), e).map((ce) => recordIdOf(ce.data.messageBody)),
      ids: [RECORD_ID, SECOND_RECORD_ID],
    },
    {
      file: "worker/eventbridge-mns-rawdata.json",
      read: (e) => v.parse(v.array(MnsQueueData), e).map((d) => recordIdOf(d.messageBody)),
      ids: [RECORD_ID, SECOND_RECORD_ID],
    },
    {
      file: "worker/cloudevent-single.json",
      read: (e) => [recordIdOf(v.parse(MnsQueueCloudEvent, e).data.messageBody)],
      ids: [RECORD_ID],
    },
    {
      file: "worker/mns-topic-stream.json",
      read: (e) => [recordIdOf(v.parse(MnsTopicStreamEvent, e).body)],
      ids: [RECORD_ID],
    },
    {
      file: "worker/mns-topic-json.json",
      read: (e) => [recordIdOf(v.parse(MnsTopicJsonEvent, e).Message)],
      ids: [RECORD_ID],
    },
  ])("$file has the documented shape and carries records $ids", ({ file, read, ids }) => {
    expect(read(readEvent(file))).toEqual(ids);
  });

  it("streams CloudEvents from the service account's queue through the trigger's event bus", () => {
    const events = v.parse(v.array(MnsQueueCloudEvent), readEvent("worker/eventbridge-mns-streaming.json"));
    expect(events.length).toBeGreaterThan(1);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(new Set(events.map((e) => e.data.messageId)).size).toBe(events.length);
    for (const event of events) {
      expect(event.aliyunaccountid).toBe(LOCAL_SERVICE_ACCOUNT_ID);
      expect(event.subject).toContain(`:${LOCAL_SERVICE_ACCOUNT_ID}:queues/`);
      expect(event.aliyuneventbusname).toBe(event.source);
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    }
  });

  it("gives the topic JSON event the MD5 that MNS computes over the message", () => {
    const event = v.parse(MnsTopicJsonEvent, readEvent("worker/mns-topic-json.json"));
    expect(event.MessageMD5).toBe(createHash("md5").update(event.Message).digest("hex").toUpperCase());
  });
});

describe("HTTP events", () => {
  const sYaml = parse(readFileSync(path.join(root, "s.yaml"), "utf8")) as {
    resources: Record<
      string,
      { props: { triggers: { triggerType: string; triggerConfig: { methods?: string[] } }[] } }
    >;
  };
  const triggerMethods = (fn: string) =>
    sYaml.resources[fn]?.props.triggers.find((t) => t.triggerType === "http")?.triggerConfig.methods ?? [];

  const decodeBody = (event: v.InferOutput<typeof HttpTriggerEvent>) =>
    event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;

  it.each([
    { file: "submit/http-post-pipelines.json", fn: "submit", method: "POST", path: "/v1/pipelines" },
    {
      file: "status/http-get-pipeline.json",
      fn: "status",
      method: "GET",
      path: `/v1/pipelines/${RECORD_ID}`,
    },
  ])(
    "$file is an FC3 v1 HTTP event for $method $path that $fn's trigger accepts",
    ({ file, fn, method, path }) => {
      const event = v.parse(HttpTriggerEvent, readEvent(file));
      expect(event.requestContext.http.method).toBe(method);
      expect(event.requestContext.http.path).toBe(path);
      expect(event.rawPath).toBe(path);
      expect(triggerMethods(fn)).toContain(method);
      expect(event.requestContext.accountId).toBe(LOCAL_SERVICE_ACCOUNT_ID);
      expect(new Date(Number(event.requestContext.timeEpoch)).toISOString().replace(".000Z", "Z")).toBe(
        event.requestContext.time,
      );
      const auth = Object.entries(event.headers).find(([name]) => name.toLowerCase() === "authorization");
      expect(auth?.[1]).toMatch(/^Bearer /);
    },
  );

  it("submit's sample posts a base64 JSON CreateImagePipeline request", () => {
    const event = v.parse(HttpTriggerEvent, readEvent("submit/http-post-pipelines.json"));
    expect(event.isBase64Encoded).toBe(true);
    expect(event.headers["Content-Type"]).toBe("application/json");
    const request = v.parse(
      v.looseObject({ RegionId: v.string(), BaseImageType: v.picklist(["IMAGE", "IMAGE_FAMILY", "OSS"]) }),
      JSON.parse(decodeBody(event)),
    );
    expect(request.RegionId).toBe("cn-hangzhou");
  });

  it("status's sample is a GET with an empty body, flagged base64 as FC has been seen to send it", () => {
    const event = v.parse(HttpTriggerEvent, readEvent("status/http-get-pipeline.json"));
    expect(event.isBase64Encoded).toBe(true);
    expect(decodeBody(event)).toBe("");
  });
});
