/**
 * The MNS HTTP/XML data plane (API version 2015-06-06) over an {@link MnsStore}: routing, request
 * parsing, authentication, long polling and fault injection. Wire details follow docs/cloud-facts.md, "MNS"
 * (what `@alicloud/mns` needs: `text/xml` replies, exact root names, raw query parsing).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authenticate, type MnsAuthorizer, type ResolveAccessKey, ramRequestOf } from "./auth";
import { MnsServiceError } from "./errors";
import { batchSendTotalLimit, checkRange, checkRangeText, LIMITS, type RangeLimit } from "./limits";
import {
  type MnsStore,
  NOTIFY_CONTENT_FORMATS,
  type NotifyContentFormat,
  type QueueRecord,
  queueAttributesFrom,
  type ReceivedMessage,
  type SendInput,
  type StoredMessage,
} from "./store";
import { childText, MalformedXmlError, parseXml, renderXml, type XmlElement, type XmlFields } from "./xml";

export const MNS_OPERATIONS = [
  "CreateQueue",
  "SetQueueAttributes",
  "GetQueueAttributes",
  "DeleteQueue",
  "ListQueue",
  "SendMessage",
  "BatchSendMessage",
  "ReceiveMessage",
  "BatchReceiveMessage",
  "PeekMessage",
  "BatchPeekMessage",
  "DeleteMessage",
  "BatchDeleteMessage",
  "ChangeMessageVisibility",
  "CreateTopic",
  "SetTopicAttributes",
  "GetTopicAttributes",
  "DeleteTopic",
  "ListTopic",
  "PublishMessage",
  "Subscribe",
  "SetSubscriptionAttributes",
  "GetSubscriptionAttributes",
  "Unsubscribe",
  "ListSubscriptionByTopic",
] as const;
export type MnsOperation = (typeof MNS_OPERATIONS)[number];

export interface MnsFaults {
  /** Read by the local trigger pump: the chance it delivers a message twice. */
  duplicateRate: number;
  /** SendMessage, each BatchSendMessage entry and PublishMessage answer `InternalError` (500) at this rate. */
  sendErrorRate: number;
  /**
   * A topic outage: until this time (ms since the epoch; 0 = none) every PublishMessage answers
   * `InternalError` (500), the code MNS documents for a failure on its side.
   */
  topicOutageUntil: number;
}

export interface MnsServerDeps {
  store: MnsStore;
  resolveKey: ResolveAccessKey;
  /** RAM: whether the key's identity may do the request (local/ram). */
  authorizer: MnsAuthorizer;
  /** The region in RAM resource ARNs. */
  region: string;
  faults: () => MnsFaults;
  countCall: (operation: MnsOperation) => void;
  /** Called after each request that may have changed state. */
  changed: () => void;
  /** Resolves once the changes made so far are on disk; every answer waits for it (persistence.ts). */
  durable?: () => Promise<void>;
  now: () => number;
  random: () => number;
}

const MAX_REQUEST_BYTES = 1024 * 1024;

interface Reply {
  status: number;
  root?: string;
  fields?: XmlFields;
  headers?: Record<string, string>;
}

interface Waiter {
  queueKey: string;
  /** Answers if a message is visible or the wait is over; true once answered. */
  settle: () => boolean;
  /** Answers as an empty receive now. */
  release: () => void;
  timer: NodeJS.Timeout | undefined;
}

function requestId(): string {
  return randomBytes(12).toString("hex").toUpperCase();
}

/** Query keys case-insensitive, values raw: receipt handles carry unescaped `+ / =`. */
function parseQuery(search: string): Map<string, string> {
  const query = new Map<string, string>();
  for (const part of search.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const raw = eq < 0 ? "" : part.slice(eq + 1);
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw new MnsServiceError("InvalidQueryString", `The query parameter ${name} is not valid.`);
    }
    query.set(name, value);
  }
  return query;
}

/** A query parameter within its documented range (./limits.ts), or undefined when absent. */
function intParam(query: Map<string, string>, name: string, limit: RangeLimit): number | undefined {
  const text = query.get(name.toLowerCase());
  return text === undefined ? undefined : checkRangeText(name, text, limit);
}

function parseBody(body: Buffer, expectedRoots: readonly string[]): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(body.toString("utf8"));
  } catch (err) {
    const reason = err instanceof MalformedXmlError ? err.message : String(err);
    throw new MnsServiceError("MalformedXML", `The XML you provided was not well-formed: ${reason}.`);
  }
  if (!expectedRoots.includes(root.name)) {
    throw new MnsServiceError(
      "MalformedXML",
      `Expected a <${expectedRoots.join("> or <")}> document, got <${root.name}>.`,
    );
  }
  return root;
}

function optionalInt(element: XmlElement, name: string): number | undefined {
  const text = childText(element, name);
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text.trim());
  if (!Number.isInteger(value)) throw new MnsServiceError("InvalidArgument", `${name} should be an integer.`);
  return value;
}

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

function textAttributes(element: XmlElement): Record<string, string> {
  return Object.fromEntries(element.children.map((c) => [c.name, c.text.trim()]));
}

const noMessage = (): MnsServiceError => new MnsServiceError("MessageNotExist", "Message not exist.");

export interface MnsHttpServer {
  server: Server;
  /** Answers every pending long poll (as an empty receive) so the server can close promptly. */
  releaseWaiters(): void;
}

export function createMnsServer(deps: MnsServerDeps): MnsHttpServer {
  const { store } = deps;
  const waiters = new Map<string, Set<Waiter>>();

  const queueKey = (q: QueueRecord): string => `${q.accountId}/${q.name}`;

  function wake(key: string): void {
    for (const waiter of [...(waiters.get(key) ?? [])]) waiter.settle();
  }
  const wakeQueue = (queue: QueueRecord): void => {
    // After the current request finishes, so a sender's reply is not held up by receivers.
    setImmediate(() => wake(queueKey(queue)));
  };

  function removeWaiter(waiter: Waiter): void {
    if (waiter.timer) clearTimeout(waiter.timer);
    const set = waiters.get(waiter.queueKey);
    set?.delete(waiter);
    if (set?.size === 0) waiters.delete(waiter.queueKey);
  }

  /**
   * Receives now, or parks the request until a send (or a delay or visibility timeout running out)
   * makes a message visible, or until `waitSeconds` pass.
   */
  function receiveOrWait(
    accountId: string,
    queueName: string,
    count: number,
    batch: boolean,
    waitSeconds: number,
    res: ServerResponse,
    answer: (reply: Reply | MnsServiceError) => void,
  ): void {
    const shape = (messages: ReceivedMessage[]): Reply =>
      !batch
        ? { status: 200, root: "Message", fields: receivedFields(messages[0]!) }
        : { status: 200, root: "Messages", fields: { Message: messages.map(receivedFields) } };
    const first = store.receive(store.queue(accountId, queueName), count);
    if (first.length > 0 || waitSeconds === 0) {
      answer(first.length > 0 ? shape(first) : noMessage());
      return;
    }
    const deadline = deps.now() + waitSeconds * 1000;
    let done = false;
    const waiter: Waiter = {
      queueKey: `${accountId}/${queueName}`,
      timer: undefined,
      settle: () => {
        if (done) return true;
        let messages: ReceivedMessage[];
        try {
          messages = store.receive(store.queue(accountId, queueName), count);
        } catch (err) {
          done = true;
          removeWaiter(waiter);
          answer(err instanceof MnsServiceError ? err : new MnsServiceError("InternalError", String(err)));
          return true;
        }
        if (messages.length > 0 || deps.now() >= deadline) {
          done = true;
          removeWaiter(waiter);
          answer(messages.length > 0 ? shape(messages) : noMessage());
          if (messages.length > 0) deps.changed();
          return true;
        }
        arm();
        return false;
      },
      release: () => {
        if (done) return;
        done = true;
        removeWaiter(waiter);
        answer(noMessage());
      },
    };
    const arm = (): void => {
      if (waiter.timer) clearTimeout(waiter.timer);
      let at = deadline;
      try {
        const next = store.nextVisibleAt(store.queue(accountId, queueName));
        if (next !== undefined && next < at) at = next;
      } catch {
        // The queue is gone; the deadline check answers QueueNotExist.
      }
      waiter.timer = setTimeout(() => waiter.settle(), Math.max(0, at - deps.now()) + 5);
    };
    let set = waiters.get(waiter.queueKey);
    if (!set) {
      set = new Set();
      waiters.set(waiter.queueKey, set);
    }
    set.add(waiter);
    arm();
    // The response's close, not the request's: Node fires the request's once the body is read.
    res.on("close", () => {
      done = true;
      removeWaiter(waiter);
    });
  }

  function faultHits(): boolean {
    const rate = deps.faults().sendErrorRate;
    return rate > 0 && deps.random() < rate;
  }
  const injectedError = (): MnsServiceError =>
    new MnsServiceError(
      "InternalError",
      "The service has encountered an internal error (injected by sendErrorRate).",
    );

  /** Returns a reply, or undefined when the request was parked as a long poll. */
  function handle(
    operationSeen: (op: MnsOperation) => void,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    answer: (reply: Reply | MnsServiceError) => void,
  ): Reply | undefined {
    const method = req.method ?? "GET";
    const resource = req.url ?? "/";
    const queryStart = resource.indexOf("?");
    const path = queryStart < 0 ? resource : resource.slice(0, queryStart);
    const query = parseQuery(queryStart < 0 ? "" : resource.slice(queryStart + 1));
    const segments = path.split("/").filter((s) => s !== "");
    const host = req.headers.host ?? "127.0.0.1";

    // Route first (so calls are counted even when authentication fails), then authenticate.
    let operation: MnsOperation | undefined;
    const [collection, name, sub, subName] = segments;
    if (collection === "queues") {
      if (name === undefined) operation = method === "GET" ? "ListQueue" : undefined;
      else if (sub === undefined) {
        operation =
          method === "PUT"
            ? query.get("metaoverride") === "true"
              ? "SetQueueAttributes"
              : "CreateQueue"
            : method === "GET"
              ? "GetQueueAttributes"
              : method === "DELETE"
                ? "DeleteQueue"
                : undefined;
      } else if (sub === "messages" && subName === undefined) {
        const batch = query.has("numofmessages");
        if (method === "POST")
          operation = /<Messages[\s>]/.test(body.toString("utf8")) ? "BatchSendMessage" : "SendMessage";
        else if (method === "GET") {
          operation =
            query.get("peekonly") === "true"
              ? batch
                ? "BatchPeekMessage"
                : "PeekMessage"
              : batch
                ? "BatchReceiveMessage"
                : "ReceiveMessage";
        } else if (method === "DELETE")
          operation = query.has("receipthandle") ? "DeleteMessage" : "BatchDeleteMessage";
        else if (method === "PUT") operation = "ChangeMessageVisibility";
      }
    } else if (collection === "topics") {
      if (name === undefined) operation = method === "GET" ? "ListTopic" : undefined;
      else if (sub === undefined) {
        operation =
          method === "PUT"
            ? query.get("metaoverride") === "true"
              ? "SetTopicAttributes"
              : "CreateTopic"
            : method === "GET"
              ? "GetTopicAttributes"
              : method === "DELETE"
                ? "DeleteTopic"
                : undefined;
      } else if (sub === "messages" && subName === undefined && method === "POST")
        operation = "PublishMessage";
      else if (sub === "subscriptions" && subName === undefined && method === "GET")
        operation = "ListSubscriptionByTopic";
      else if (sub === "subscriptions" && subName !== undefined && segments.length === 4) {
        operation =
          method === "PUT"
            ? query.get("metaoverride") === "true"
              ? "SetSubscriptionAttributes"
              : "Subscribe"
            : method === "GET"
              ? "GetSubscriptionAttributes"
              : method === "DELETE"
                ? "Unsubscribe"
                : undefined;
      }
    }
    if (!operation)
      throw new MnsServiceError("InvalidRequestURL", `${method} ${path} is not an MNS operation.`);
    operationSeen(operation);

    const { accountId, accessKeyId } = authenticate(
      { method, headers: req.headers, resource, body },
      deps.resolveKey,
      deps.now(),
    );
    const token = req.headers["security-token"];
    deps.authorizer.authorize(
      accessKeyId,
      Array.isArray(token) ? token[0] : token,
      ramRequestOf(operation, segments, deps.region, accountId),
    );
    const queueName = name!;
    const created = (location: string, isNew: boolean): Reply =>
      isNew ? { status: 201, headers: { Location: `http://${host}${location}` } } : { status: 204 };

    switch (operation) {
      case "ListQueue":
      case "ListTopic": {
        const prefix = String(req.headers["x-mns-prefix"] ?? "");
        const marker = String(req.headers["x-mns-marker"] ?? "");
        const retNumber = req.headers["x-mns-ret-number"];
        const limit =
          retNumber === undefined
            ? LIMITS.RetNumber.max
            : checkRangeText("x-mns-ret-number", String(retNumber), LIMITS.RetNumber);
        const isQueue = operation === "ListQueue";
        const names = (isQueue ? store.listQueues(accountId, prefix) : store.listTopics(accountId, prefix))
          .map((r) => r.name)
          .filter((n) => marker === "" || n > marker);
        const page = names.slice(0, limit);
        const item = isQueue ? "Queue" : "Topic";
        return {
          status: 200,
          root: isQueue ? "Queues" : "Topics",
          fields: {
            [item]: page.map((n) => ({ [`${item}URL`]: `http://${host}/${collection}/${n}` })),
            NextMarker: names.length > limit ? page[page.length - 1] : undefined,
          },
        };
      }
      case "CreateQueue":
        return created(
          path,
          store.createQueue(
            accountId,
            queueName,
            queueAttributesFrom(textAttributes(parseBody(body, ["Queue"]))),
          ),
        );
      case "SetQueueAttributes": {
        const queue = store.queue(accountId, queueName);
        store.setQueueAttributes(
          queue,
          queueAttributesFrom(textAttributes(parseBody(body, ["Queue"])), queue.attributes),
        );
        return { status: 204 };
      }
      case "GetQueueAttributes": {
        const queue = store.queue(accountId, queueName);
        const counts = store.counts(queue);
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
      }
      case "DeleteQueue":
        store.deleteQueue(accountId, queueName);
        wake(`${accountId}/${queueName}`);
        return { status: 204 };
      case "SendMessage": {
        const queue = store.queue(accountId, queueName);
        const input = sendInput(parseBody(body, ["Message"]));
        store.validateSend(queue, input);
        if (faultHits()) throw injectedError();
        const message = store.send(queue, input);
        return {
          status: 201,
          root: "Message",
          fields: { MessageId: message.messageId, MessageBodyMD5: message.bodyMd5 },
        };
      }
      case "BatchSendMessage": {
        const queue = store.queue(accountId, queueName);
        const entries = parseBody(body, ["Messages"]).children.filter((c) => c.name === "Message");
        checkRange("the number of Messages", entries.length, LIMITS.BatchSendMessages);
        const inputs = entries.map(sendInput);
        for (const input of inputs) store.validateSend(queue, input);
        const total = inputs.reduce((sum, i) => sum + Buffer.byteLength(i.body, "utf8"), 0);
        checkRange(
          "the total size of the MessageBody elements",
          total,
          batchSendTotalLimit(queue.attributes.MaximumMessageSize),
        );
        let failed = false;
        const results = inputs.map((input): XmlFields => {
          if (faultHits()) {
            failed = true;
            const err = injectedError();
            return { ErrorCode: err.code, ErrorMessage: err.message };
          }
          const message = store.send(queue, input);
          return { MessageId: message.messageId, MessageBodyMD5: message.bodyMd5 };
        });
        // A partly failed batch still answers <Messages>, with error entries in place [I: status 500].
        return { status: failed ? 500 : 201, root: "Messages", fields: { Message: results } };
      }
      case "ReceiveMessage":
      case "BatchReceiveMessage": {
        const queue = store.queue(accountId, queueName);
        const count =
          operation === "ReceiveMessage"
            ? 1
            : (intParam(query, "numOfMessages", LIMITS.NumOfMessages) ?? LIMITS.NumOfMessages.max);
        const waitSeconds =
          intParam(query, "waitseconds", LIMITS.WaitSeconds) ?? queue.attributes.PollingWaitSeconds;
        receiveOrWait(
          accountId,
          queueName,
          count,
          operation === "BatchReceiveMessage",
          waitSeconds,
          res,
          answer,
        );
        return undefined;
      }
      case "PeekMessage":
      case "BatchPeekMessage": {
        const count =
          operation === "PeekMessage"
            ? 1
            : (intParam(query, "numOfMessages", LIMITS.NumOfMessages) ?? LIMITS.NumOfMessages.max);
        const messages = store.peek(store.queue(accountId, queueName), count);
        if (messages.length === 0) throw noMessage();
        return operation === "PeekMessage"
          ? { status: 200, root: "Message", fields: peekedFields(messages[0]!) }
          : { status: 200, root: "Messages", fields: { Message: messages.map(peekedFields) } };
      }
      case "DeleteMessage": {
        const handle = query.get("receipthandle");
        if (!handle)
          throw new MnsServiceError("MissingReceiptHandle", "The ReceiptHandle parameter is required.");
        store.deleteMessage(store.queue(accountId, queueName), handle);
        return { status: 204 };
      }
      case "BatchDeleteMessage": {
        const queue = store.queue(accountId, queueName);
        const handles = parseBody(body, ["ReceiptHandles"])
          .children.filter((c) => c.name === "ReceiptHandle")
          .map((c) => c.text.trim());
        checkRange("the number of ReceiptHandles", handles.length, LIMITS.BatchDeleteReceiptHandles);
        const errors: XmlFields[] = [];
        for (const handle of handles) {
          try {
            store.deleteMessage(queue, handle);
          } catch (err) {
            if (!(err instanceof MnsServiceError)) throw err;
            errors.push({ ErrorCode: err.code, ErrorMessage: err.message, ReceiptHandle: handle });
          }
        }
        return errors.length === 0
          ? { status: 204 }
          : { status: 404, root: "Errors", fields: { Error: errors } };
      }
      case "ChangeMessageVisibility": {
        const handle = query.get("receipthandle");
        if (!handle)
          throw new MnsServiceError("MissingReceiptHandle", "The ReceiptHandle parameter is required.");
        if (!query.has("visibilitytimeout")) {
          throw new MnsServiceError(
            "MissingVisibilityTimeout",
            "The VisibilityTimeout parameter is required.",
          );
        }
        const timeout = intParam(query, "visibilityTimeout", LIMITS.VisibilityTimeout)!;
        const message = store.changeVisibility(store.queue(accountId, queueName), handle, timeout);
        return {
          status: 200,
          root: "ChangeVisibility",
          fields: { ReceiptHandle: message.receiptHandle, NextVisibleTime: message.visibleAt },
        };
      }
      case "CreateTopic":
      case "SetTopicAttributes": {
        const given = textAttributes(parseBody(body, ["Topic"]));
        const existing = operation === "SetTopicAttributes" ? store.topic(accountId, queueName) : undefined;
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
        if (existing) {
          existing.maximumMessageSize = size;
          existing.loggingEnabled = logging;
          existing.lastModifyTime = deps.now();
          return { status: 204 };
        }
        return created(path, store.createTopic(accountId, queueName, size, logging));
      }
      case "GetTopicAttributes": {
        const topic = store.topic(accountId, queueName);
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
      }
      case "DeleteTopic":
        store.deleteTopic(accountId, queueName);
        return { status: 204 };
      case "PublishMessage": {
        const topic = store.topic(accountId, queueName);
        const element = parseBody(body, ["Message"]);
        const messageBody = childText(element, "MessageBody") ?? "";
        const messageTag = childText(element, "MessageTag") ?? "";
        // A refusal for the request itself comes before an injected fault, as for SendMessage.
        store.validatePublish(topic, messageBody, messageTag);
        if (deps.now() < deps.faults().topicOutageUntil) {
          throw new MnsServiceError(
            "InternalError",
            "The topic is unavailable (injected by topicOutageUntil).",
          );
        }
        if (faultHits()) throw injectedError();
        const published = store.publish(topic, messageBody, messageTag);
        return {
          status: 201,
          root: "Message",
          fields: { MessageId: published.messageId, MessageBodyMD5: published.bodyMd5 },
        };
      }
      case "ListSubscriptionByTopic": {
        const topic = store.topic(accountId, queueName);
        return {
          status: 200,
          root: "Subscriptions",
          fields: {
            Subscription: store.subscriptions(topic).map((s) => ({
              SubscriptionURL: `http://${host}/topics/${topic.name}/subscriptions/${s.name}`,
            })),
          },
        };
      }
      case "Subscribe":
      case "SetSubscriptionAttributes": {
        const topic = store.topic(accountId, queueName);
        const given = textAttributes(parseBody(body, ["Subscription"]));
        const existing =
          operation === "SetSubscriptionAttributes" ? store.subscription(topic, subName!) : undefined;
        const format = (given.NotifyContentFormat || existing?.notifyContentFormat || "XML").toUpperCase();
        if (!NOTIFY_CONTENT_FORMATS.includes(format as NotifyContentFormat)) {
          throw new MnsServiceError(
            "InvalidArgument",
            `NotifyContentFormat must be one of ${NOTIFY_CONTENT_FORMATS.join(", ")}.`,
          );
        }
        const notifyStrategy = given.NotifyStrategy || existing?.notifyStrategy || "BACKOFF_RETRY";
        if (existing) {
          existing.notifyStrategy = notifyStrategy;
          existing.notifyContentFormat = format as NotifyContentFormat;
          existing.lastModifyTime = deps.now();
          return { status: 204 };
        }
        const endpoint = given.Endpoint ?? "";
        return created(
          path,
          store.subscribe(topic, subName!, {
            endpoint,
            filterTag: given.FilterTag ?? "",
            notifyStrategy,
            notifyContentFormat: format as NotifyContentFormat,
          }),
        );
      }
      case "GetSubscriptionAttributes": {
        const topic = store.topic(accountId, queueName);
        const s = store.subscription(topic, subName!);
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
      }
      case "Unsubscribe":
        store.unsubscribe(store.topic(accountId, queueName), subName!);
        return { status: 204 };
    }
  }

  const server = createServer((req, res) => {
    const id = requestId();
    let answered = false;
    const answer = (reply: Reply | MnsServiceError): void => {
      if (answered || res.writableEnded || res.destroyed) return;
      answered = true;
      if (!deps.durable) {
        write(reply);
        return;
      }
      // After this request's own bookkeeping (`changed`, which runs right after `answer`) is journaled.
      void Promise.resolve()
        .then(deps.durable)
        .then(
          () => write(reply),
          (err: unknown) =>
            write(new MnsServiceError("InternalError", `the change was not stored: ${String(err)}`)),
        );
    };
    const write = (reply: Reply | MnsServiceError): void => {
      if (res.writableEnded || res.destroyed) return;
      const r: Reply =
        reply instanceof MnsServiceError
          ? {
              status: reply.httpStatus,
              root: "Error",
              fields: {
                Code: reply.code,
                Message: reply.message,
                RequestId: id,
                HostId: `http://${req.headers.host ?? ""}`,
              },
            }
          : reply;
      const headers: Record<string, string> = {
        "x-mns-request-id": id,
        "x-mns-version": "2015-06-06",
        ...r.headers,
      };
      if (r.root) {
        const text = renderXml(r.root, r.fields ?? {});
        headers["Content-Type"] = "text/xml;charset=utf-8";
        headers["Content-Length"] = String(Buffer.byteLength(text));
        res.writeHead(r.status, headers);
        res.end(text);
      } else {
        headers["Content-Length"] = "0";
        res.writeHead(r.status, headers);
        res.end();
      }
    };

    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_REQUEST_BYTES) {
        answer(new MnsServiceError("InvalidArgument", "The request body is too large."));
        return;
      }
      let mayChange = false;
      try {
        const reply = handle(
          (op) => {
            deps.countCall(op);
            mayChange = !/^(Get|List|Peek|BatchPeek)/.test(op);
          },
          req,
          Buffer.concat(chunks),
          res,
          answer,
        );
        if (reply) answer(reply);
      } catch (err) {
        answer(err instanceof MnsServiceError ? err : new MnsServiceError("InternalError", String(err)));
      }
      if (mayChange) deps.changed();
    });
  });

  store.setListener(wakeQueue);

  return {
    server,
    releaseWaiters: () => {
      for (const set of [...waiters.values()]) {
        for (const waiter of [...set]) waiter.release();
      }
    },
  };
}
