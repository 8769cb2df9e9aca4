/**
 * Subscription operations on `/topics/<t>/subscriptions[/<s>]`: Subscribe,
 * SetSubscriptionAttributes, GetSubscriptionAttributes, Unsubscribe, ListSubscriptionByTopic.
 */
import type { OperationContext, OperationHandler } from "../context";
import { MnsServiceError } from "../errors";
import { created, parseBody, textAttributes } from "../request";
import {
  checkNotifyStrategy,
  NOTIFY_CONTENT_FORMATS,
  type NotifyContentFormat,
  type SubscriptionRecord,
} from "../store";

function notifyContentFormat(given: Record<string, string>, existing?: SubscriptionRecord) {
  const format = (given.NotifyContentFormat || existing?.notifyContentFormat || "XML").toUpperCase();
  if (!NOTIFY_CONTENT_FORMATS.includes(format as NotifyContentFormat)) {
    throw new MnsServiceError(
      "InvalidArgument",
      `NotifyContentFormat must be one of ${NOTIFY_CONTENT_FORMATS.join(", ")}.`,
    );
  }
  return format as NotifyContentFormat;
}

const subscriptionDocument = (ctx: OperationContext) => textAttributes(parseBody(ctx.body, ["Subscription"]));

export const subscribe: OperationHandler = (ctx) => {
  const topic = ctx.store.topic(ctx.accountId, ctx.name);
  const given = subscriptionDocument(ctx);
  const format = notifyContentFormat(given);
  const isNew = ctx.store.subscribe(topic, ctx.subscriptionName, {
    endpoint: given.Endpoint ?? "",
    filterTag: given.FilterTag ?? "",
    notifyStrategy: given.NotifyStrategy || "BACKOFF_RETRY",
    notifyContentFormat: format,
  });
  return created(ctx.host, ctx.path, isNew);
};

export const setSubscriptionAttributes: OperationHandler = (ctx) => {
  const topic = ctx.store.topic(ctx.accountId, ctx.name);
  const given = subscriptionDocument(ctx);
  const existing = ctx.store.subscription(topic, ctx.subscriptionName);
  const format = notifyContentFormat(given, existing);
  const strategy = given.NotifyStrategy || existing.notifyStrategy;
  checkNotifyStrategy(strategy);
  existing.notifyContentFormat = format;
  existing.notifyStrategy = strategy;
  existing.lastModifyTime = ctx.deps.now();
  return { status: 204 };
};

export const getSubscriptionAttributes: OperationHandler = (ctx) => {
  const topic = ctx.store.topic(ctx.accountId, ctx.name);
  const s = ctx.store.subscription(topic, ctx.subscriptionName);
  return {
    status: 200,
    root: "Subscription",
    fields: {
      SubscriptionName: s.name,
      Subscriber: s.accountId,
      TopicOwner: topic.accountId,
      TopicName: topic.name,
      Endpoint: s.endpoint,
      NotifyStrategy: s.notifyStrategy,
      NotifyContentFormat: s.notifyContentFormat,
      FilterTag: s.filterTag || undefined,
      CreateTime: Math.floor(s.createTime / 1000),
      LastModifyTime: Math.floor(s.lastModifyTime / 1000),
    },
  };
};

export const unsubscribe: OperationHandler = (ctx) => {
  ctx.store.unsubscribe(ctx.store.topic(ctx.accountId, ctx.name), ctx.subscriptionName);
  return { status: 204 };
};

export const listSubscriptionByTopic: OperationHandler = (ctx) => {
  const topic = ctx.store.topic(ctx.accountId, ctx.name);
  return {
    status: 200,
    root: "Subscriptions",
    fields: {
      Subscription: ctx.store.subscriptions(topic).map((s) => ({
        SubscriptionURL: `http://${ctx.host}/topics/${topic.name}/subscriptions/${s.name}`,
      })),
    },
  };
};
