/**
 * Message operations on `/queues/<q>/messages`: send (one or a batch), receive (with long polling),
 * peek, delete (one or a batch) and ChangeMessageVisibility.
 */
import type { OperationContext, OperationHandler, Reply } from "../context";
import { MnsServiceError } from "../errors";
import { injectedSendError, sendFaultHits } from "../faults";
import { batchSendTotalLimit, checkRange, LIMITS } from "../limits";
import { intParam, noMessage, optionalInt, parseBody } from "../request";
import type { ReceivedMessage, SendInput, StoredMessage } from "../store";
import { childText, type XmlElement, type XmlFields } from "../xml";

function sendInput(element: XmlElement): SendInput {
  return {
    body: childText(element, "MessageBody") ?? "",
    delaySeconds: optionalInt(element, "DelaySeconds"),
    priority: optionalInt(element, "Priority"),
  };
}

function receivedFields(m: ReceivedMessage): XmlFields {
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MessageBodyMD5: m.bodyMd5,
    MessageBody: m.body,
    EnqueueTime: m.enqueueTime,
    NextVisibleTime: m.visibleAt,
    FirstDequeueTime: m.firstDequeueTime,
    DequeueCount: m.dequeueCount,
    Priority: m.priority,
  };
}

function peekedFields(m: StoredMessage): XmlFields {
  return {
    MessageId: m.messageId,
    MessageBodyMD5: m.bodyMd5,
    MessageBody: m.body,
    EnqueueTime: m.enqueueTime,
    FirstDequeueTime: m.firstDequeueTime,
    DequeueCount: m.dequeueCount,
    Priority: m.priority,
  };
}

/** The receipt handle a single-message operation needs. */
function receiptHandle(ctx: OperationContext): string {
  const handle = ctx.query.get("receipthandle");
  if (!handle) throw new MnsServiceError("MissingReceiptHandle", "The ReceiptHandle parameter is required.");
  return handle;
}

const batchCount = (ctx: OperationContext): number =>
  intParam(ctx.query, "numOfMessages", LIMITS.NumOfMessages) ?? LIMITS.NumOfMessages.max;

export const sendMessage: OperationHandler = (ctx) => {
  const queue = ctx.store.queue(ctx.accountId, ctx.name);
  const input = sendInput(parseBody(ctx.body, ["Message"]));
  ctx.store.validateSend(queue, input);
  if (sendFaultHits(ctx.deps)) throw injectedSendError();
  const message = ctx.store.send(queue, input);
  return {
    status: 201,
    root: "Message",
    fields: { MessageId: message.messageId, MessageBodyMD5: message.bodyMd5 },
  };
};

export const batchSendMessage: OperationHandler = (ctx) => {
  const queue = ctx.store.queue(ctx.accountId, ctx.name);
  const entries = parseBody(ctx.body, ["Messages"]).children.filter((c) => c.name === "Message");
  checkRange("the number of Messages", entries.length, LIMITS.BatchSendMessages);
  const inputs = entries.map(sendInput);
  for (const input of inputs) ctx.store.validateSend(queue, input);
  const total = inputs.reduce((sum, i) => sum + Buffer.byteLength(i.body, "utf8"), 0);
  checkRange(
    "the total size of the MessageBody elements",
    total,
    batchSendTotalLimit(queue.attributes.MaximumMessageSize),
  );
  let failed = false;
  const results = inputs.map((input): XmlFields => {
    if (sendFaultHits(ctx.deps)) {
      failed = true;
      const err = injectedSendError();
      return { ErrorCode: err.code, ErrorMessage: err.message };
    }
    const message = ctx.store.send(queue, input);
    return { MessageId: message.messageId, MessageBodyMD5: message.bodyMd5 };
  });
  // A partly failed batch still answers <Messages>, with error entries in place [I: status 500].
  return { status: failed ? 500 : 201, root: "Messages", fields: { Message: results } };
};

/** The queue is looked up before the parameters are checked, so a missing queue is the refusal. */
function receive(
  ctx: OperationContext,
  countOf: (ctx: OperationContext) => number,
  shape: (m: ReceivedMessage[]) => Reply,
) {
  const queue = ctx.store.queue(ctx.accountId, ctx.name);
  const count = countOf(ctx);
  const waitSeconds =
    intParam(ctx.query, "waitseconds", LIMITS.WaitSeconds) ?? queue.attributes.PollingWaitSeconds;
  return ctx.longPolls.receiveOrWait({
    accountId: ctx.accountId,
    queueName: ctx.name,
    count,
    waitSeconds,
    shape,
    res: ctx.res,
    answer: ctx.answer,
  });
}

export const receiveMessage: OperationHandler = (ctx) =>
  receive(
    ctx,
    () => 1,
    (messages) => ({ status: 200, root: "Message", fields: receivedFields(messages[0]!) }),
  );

export const batchReceiveMessage: OperationHandler = (ctx) =>
  receive(ctx, batchCount, (messages) => ({
    status: 200,
    root: "Messages",
    fields: { Message: messages.map(receivedFields) },
  }));

export const peekMessage: OperationHandler = (ctx) => {
  const [message] = ctx.store.peek(ctx.store.queue(ctx.accountId, ctx.name), 1);
  if (!message) throw noMessage();
  return { status: 200, root: "Message", fields: peekedFields(message) };
};

export const batchPeekMessage: OperationHandler = (ctx) => {
  const count = batchCount(ctx);
  const messages = ctx.store.peek(ctx.store.queue(ctx.accountId, ctx.name), count);
  if (messages.length === 0) throw noMessage();
  return { status: 200, root: "Messages", fields: { Message: messages.map(peekedFields) } };
};

export const deleteMessage: OperationHandler = (ctx) => {
  const handle = receiptHandle(ctx);
  ctx.store.deleteMessage(ctx.store.queue(ctx.accountId, ctx.name), handle);
  return { status: 204 };
};

export const batchDeleteMessage: OperationHandler = (ctx) => {
  const queue = ctx.store.queue(ctx.accountId, ctx.name);
  const handles = parseBody(ctx.body, ["ReceiptHandles"])
    .children.filter((c) => c.name === "ReceiptHandle")
    .map((c) => c.text.trim());
  checkRange("the number of ReceiptHandles", handles.length, LIMITS.BatchDeleteReceiptHandles);
  const errors: XmlFields[] = [];
  for (const handle of handles) {
    try {
      ctx.store.deleteMessage(queue, handle);
    } catch (err) {
      if (!(err instanceof MnsServiceError)) throw err;
      errors.push({ ErrorCode: err.code, ErrorMessage: err.message, ReceiptHandle: handle });
    }
  }
  return errors.length === 0 ? { status: 204 } : { status: 404, root: "Errors", fields: { Error: errors } };
};

export const changeMessageVisibility: OperationHandler = (ctx) => {
  const handle = receiptHandle(ctx);
  if (!ctx.query.has("visibilitytimeout")) {
    throw new MnsServiceError("MissingVisibilityTimeout", "The VisibilityTimeout parameter is required.");
  }
  const timeout = intParam(ctx.query, "visibilityTimeout", LIMITS.VisibilityTimeout)!;
  const message = ctx.store.changeVisibility(ctx.store.queue(ctx.accountId, ctx.name), handle, timeout);
  return {
    status: 200,
    root: "ChangeVisibility",
    fields: { ReceiptHandle: message.receiptHandle, NextVisibleTime: message.visibleAt },
  };
};
