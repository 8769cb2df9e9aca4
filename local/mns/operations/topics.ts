/** Topic operations: CreateTopic, SetTopicAttributes, GetTopicAttributes, DeleteTopic, ListTopic, PublishMessage. */
import type { OperationContext, OperationHandler } from "../context";
import { MnsServiceError } from "../errors";
import { injectedSendError, sendFaultHits } from "../faults";
import { checkRangeText, LIMITS } from "../limits";
import { created, parseBody, textAttributes } from "../request";
import type { TopicRecord } from "../store";
import { childText } from "../xml";
import { listPage } from "./lists";

const topicDocument = (ctx: OperationContext) => textAttributes(parseBody(ctx.body, ["Topic"]));

/** MaximumMessageSize and LoggingEnabled as given, else the existing topic's, else the defaults. */
function topicAttributes(given: Record<string, string>, existing: TopicRecord | undefined) {
  const rule = LIMITS.TopicMaximumMessageSize;
  const sizeText = given.MaximumMessageSize;
  const size =
    sizeText === undefined || sizeText === ""
      ? (existing?.maximumMessageSize ?? rule.default)
      : checkRangeText("MaximumMessageSize", sizeText, rule);
  const logging =
    given.LoggingEnabled === undefined || given.LoggingEnabled === ""
      ? (existing?.loggingEnabled ?? false)
      : given.LoggingEnabled.toLowerCase() === "true";
  return { size, logging };
}

export const createTopic: OperationHandler = (ctx) => {
  const { size, logging } = topicAttributes(topicDocument(ctx), undefined);
  return created(ctx.host, ctx.path, ctx.store.createTopic(ctx.accountId, ctx.name, size, logging));
};

export const setTopicAttributes: OperationHandler = (ctx) => {
  // The document is read before the topic is looked up: a malformed body is the refusal.
  const given = topicDocument(ctx);
  const existing = ctx.store.topic(ctx.accountId, ctx.name);
  const { size, logging } = topicAttributes(given, existing);
  existing.maximumMessageSize = size;
  existing.loggingEnabled = logging;
  existing.lastModifyTime = ctx.deps.now();
  return { status: 204 };
};

export const getTopicAttributes: OperationHandler = (ctx) => {
  const topic = ctx.store.topic(ctx.accountId, ctx.name);
  return {
    status: 200,
    root: "Topic",
    fields: {
      TopicName: topic.name,
      CreateTime: Math.floor(topic.createTime / 1000),
      LastModifyTime: Math.floor(topic.lastModifyTime / 1000),
      MaximumMessageSize: topic.maximumMessageSize,
      MessageRetentionPeriod: 86400,
      MessageCount: 0,
      LoggingEnabled: topic.loggingEnabled ? "True" : "False",
    },
  };
};

export const deleteTopic: OperationHandler = (ctx) => {
  ctx.store.deleteTopic(ctx.accountId, ctx.name);
  return { status: 204 };
};

export const listTopic: OperationHandler = (ctx) =>
  listPage(ctx, { collection: "topics", root: "Topics", item: "Topic" }, (prefix) =>
    ctx.store.listTopics(ctx.accountId, prefix).map((t) => t.name),
  );

export const publishMessage: OperationHandler = (ctx) => {
  const topic = ctx.store.topic(ctx.accountId, ctx.name);
  const element = parseBody(ctx.body, ["Message"]);
  const messageBody = childText(element, "MessageBody") ?? "";
  const messageTag = childText(element, "MessageTag") ?? "";
  // A refusal for the request itself comes before an injected fault, as for SendMessage.
  ctx.store.validatePublish(topic, messageBody, messageTag);
  if (ctx.deps.now() < ctx.deps.faults().topicOutageUntil) {
    throw new MnsServiceError("InternalError", "The topic is unavailable (injected by topicOutageUntil).");
  }
  if (sendFaultHits(ctx.deps)) throw injectedSendError();
  const published = ctx.store.publish(topic, messageBody, messageTag);
  return {
    status: 201,
    root: "Message",
    fields: { MessageId: published.messageId, MessageBodyMD5: published.bodyMd5 },
  };
};
