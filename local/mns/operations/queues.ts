/** Queue operations: CreateQueue, SetQueueAttributes, GetQueueAttributes, DeleteQueue, ListQueue. */
import type { OperationHandler } from "../context";
import { created, parseBody, textAttributes } from "../request";
import { queueAttributesFrom } from "../store";
import { listPage } from "./lists";

export const createQueue: OperationHandler = (ctx) => {
  const attributes = queueAttributesFrom(textAttributes(parseBody(ctx.body, ["Queue"])));
  return created(ctx.host, ctx.path, ctx.store.createQueue(ctx.accountId, ctx.name, attributes));
};

export const setQueueAttributes: OperationHandler = (ctx) => {
  const queue = ctx.store.queue(ctx.accountId, ctx.name);
  const given = textAttributes(parseBody(ctx.body, ["Queue"]));
  ctx.store.setQueueAttributes(queue, queueAttributesFrom(given, queue.attributes));
  return { status: 204 };
};

export const getQueueAttributes: OperationHandler = (ctx) => {
  const queue = ctx.store.queue(ctx.accountId, ctx.name);
  const counts = ctx.store.counts(queue);
  const a = queue.attributes;
  return {
    status: 200,
    root: "Queue",
    fields: {
      QueueName: queue.name,
      CreateTime: Math.floor(queue.createTime / 1000),
      LastModifyTime: Math.floor(queue.lastModifyTime / 1000),
      DelaySeconds: a.DelaySeconds,
      MaximumMessageSize: a.MaximumMessageSize,
      MessageRetentionPeriod: a.MessageRetentionPeriod,
      VisibilityTimeout: a.VisibilityTimeout,
      PollingWaitSeconds: a.PollingWaitSeconds,
      ActiveMessages: counts.visible,
      InactiveMessages: counts.inFlight,
      DelayMessages: counts.delayed,
      LoggingEnabled: a.LoggingEnabled ? "True" : "False",
    },
  };
};

export const deleteQueue: OperationHandler = (ctx) => {
  ctx.store.deleteQueue(ctx.accountId, ctx.name);
  // Parked receives of the queue answer QueueNotExist now.
  ctx.longPolls.wake(ctx.accountId, ctx.name);
  return { status: 204 };
};

export const listQueue: OperationHandler = (ctx) =>
  listPage(ctx, { collection: "queues", root: "Queues", item: "Queue" }, (prefix) =>
    ctx.store.listQueues(ctx.accountId, prefix).map((q) => q.name),
  );
