/**
 * The emulator's state: queues, their messages, topics and subscriptions, per account. Time is a
 * parameter (`now`), so visibility and delay are plain comparisons against `visibleAt`; timers in the
 * server only exist to wake long polls, never to change state.
 */
import { createHash, randomBytes } from "node:crypto";
import { MnsServiceError } from "./errors";
import {
  checkBodySize,
  checkName,
  checkRange,
  checkRangeText,
  LIMITS,
  QUEUE_ATTRIBUTE_LIMITS,
  type QueueNumericAttribute,
} from "./limits";
import {
  NOTIFY_STRATEGIES,
  type NotifyContentFormat,
  type NotifyStrategy,
  type Publication,
  renderNotification,
} from "./notifications";

/** Priority of a message sent without one (SendMessage page). */
const DEFAULT_PRIORITY = 8;

export interface QueueAttributes extends Record<QueueNumericAttribute, number> {
  LoggingEnabled: boolean;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  bodyMd5: string;
  priority: number;
  enqueueTime: number;
  /** Delay end, or end of the current visibility timeout; visible when `visibleAt <= now`. */
  visibleAt: number;
  /** 0 until the first receive. */
  firstDequeueTime: number;
  dequeueCount: number;
  /** Only the handle of the latest receive is honoured. */
  receiptHandle: string | null;
  /** Send order, the tie-break within one priority. */
  sequence: number;
}

export interface QueueRecord {
  accountId: string;
  name: string;
  attributes: QueueAttributes;
  createTime: number;
  lastModifyTime: number;
  nextSequence: number;
  messages: StoredMessage[];
}

export { NOTIFY_CONTENT_FORMATS, type NotifyContentFormat } from "./notifications";

export interface TopicRecord {
  accountId: string;
  name: string;
  maximumMessageSize: number;
  loggingEnabled: boolean;
  createTime: number;
  lastModifyTime: number;
  /** Notifications whose target queue did not exist or refused them (real MNS would retry, then give up). */
  undeliverable: number;
}

export interface SubscriptionRecord {
  accountId: string;
  topicName: string;
  name: string;
  endpoint: string;
  /** The queue the endpoint names; undefined for an HTTP endpoint (pushed by http-push.ts). */
  target: { accountId: string; queueName: string } | undefined;
  filterTag: string;
  notifyStrategy: string;
  notifyContentFormat: NotifyContentFormat;
  createTime: number;
  lastModifyTime: number;
}

export interface Snapshot {
  version: 1;
  queues: QueueRecord[];
  topics: TopicRecord[];
  subscriptions: SubscriptionRecord[];
}

export interface QueueCounts {
  accountId: string;
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface SendInput {
  body: string;
  delaySeconds?: number | undefined;
  priority?: number | undefined;
}

export interface ReceivedMessage extends StoredMessage {
  receiptHandle: string;
}

export function md5Upper(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex").toUpperCase();
}

function hexId(bytes: number): string {
  return randomBytes(bytes).toString("hex").toUpperCase();
}

/** Opaque to callers, but carries the message id so a handle to a deleted message is told apart. */
function newReceiptHandle(messageId: string): string {
  return `1-${Buffer.from(`${messageId}:${randomBytes(9).toString("hex")}`).toString("base64")}`;
}

function messageIdOfHandle(handle: string): string | undefined {
  if (!handle.startsWith("1-")) return undefined;
  const decoded = Buffer.from(handle.slice(2), "base64").toString("utf8");
  const match = /^([0-9A-F]{32}):[0-9a-f]{18}$/.exec(decoded);
  return match?.[1];
}

function key(accountId: string, name: string): string {
  return `${accountId}/${name}`;
}

/** Parses the textual attributes of a request over defaults (`base`), validating each. */
export function queueAttributesFrom(
  given: Partial<Record<QueueNumericAttribute | "LoggingEnabled", string>>,
  base?: QueueAttributes,
): QueueAttributes {
  const result = {} as QueueAttributes;
  for (const [name, rule] of Object.entries(QUEUE_ATTRIBUTE_LIMITS) as [
    QueueNumericAttribute,
    (typeof QUEUE_ATTRIBUTE_LIMITS)[QueueNumericAttribute],
  ][]) {
    const text = given[name];
    result[name] =
      text === undefined || text === "" ? (base?.[name] ?? rule.default) : checkRangeText(name, text, rule);
  }
  const logging = given.LoggingEnabled;
  result.LoggingEnabled =
    logging === undefined || logging === ""
      ? (base?.LoggingEnabled ?? false)
      : logging.toLowerCase() === "true";
  return result;
}

function sameAttributes(a: QueueAttributes, b: QueueAttributes): boolean {
  return (Object.keys(a) as (keyof QueueAttributes)[]).every((name) => a[name] === b[name]);
}

/**
 * Reads a subscription endpoint that names a queue: `acs:mns:<region>:<accountId>:queues/<name>`
 * (the documented queue endpoint form) or a queue URL `http(s)://<host>/queues/<name>`, which is
 * taken to be in the subscriber's own account.
 */
export function parseQueueEndpoint(
  endpoint: string,
  ownAccountId: string,
): { accountId: string; queueName: string } | undefined {
  const arn = /^acs:mns:[^:]*:(\d*):\/?queues\/([A-Za-z0-9-]+)$/.exec(endpoint);
  if (arn) return { accountId: arn[1] || ownAccountId, queueName: arn[2]! };
  const url = /^https?:\/\/[^/]+\/queues\/([A-Za-z0-9-]+)\/?$/.exec(endpoint);
  if (url) return { accountId: ownAccountId, queueName: url[1]! };
  return undefined;
}

export type HttpPusher = (subscription: SubscriptionRecord, publication: Publication) => void;

/**
 * An endpoint MNS posts notifications to (HttpEndpoint): an absolute URL "prefixed with http://"
 * (Subscribe page); https is not documented for it, so it is refused (the stricter reading).
 */
export function isHttpEndpoint(endpoint: string): boolean {
  if (!/^http:\/\//.test(endpoint)) return false;
  try {
    return new URL(endpoint).hostname !== "";
  } catch {
    return false;
  }
}

export function checkNotifyStrategy(strategy: string): asserts strategy is NotifyStrategy {
  if (!NOTIFY_STRATEGIES.includes(strategy as NotifyStrategy)) {
    throw new MnsServiceError(
      "InvalidArgument",
      `NotifyStrategy must be one of ${NOTIFY_STRATEGIES.join(", ")}.`,
    );
  }
}

export class MnsStore {
  private readonly queueMap = new Map<string, QueueRecord>();
  private readonly topicMap = new Map<string, TopicRecord>();
  private readonly subscriptionMap = new Map<string, SubscriptionRecord>();

  /** Told whenever a queue's next visible moment may have moved earlier, so long polls re-check. */
  private onMessagesAdded: (queue: QueueRecord) => void = () => {};

  constructor(private readonly now: () => number = Date.now) {}

  setListener(listener: (queue: QueueRecord) => void): void {
    this.onMessagesAdded = listener;
  }

  /** Told of each publication an HTTP subscription must receive; it posts outside the request. */
  private httpPusher: HttpPusher = () => {};

  setHttpPusher(pusher: HttpPusher): void {
    this.httpPusher = pusher;
  }

  // ---- queues ------------------------------------------------------------------------------------

  /** Returns true when created, false when an identical queue already existed. */
  createQueue(accountId: string, name: string, attributes: QueueAttributes): boolean {
    checkName("queue", name);
    const existing = this.queueMap.get(key(accountId, name));
    if (existing) {
      if (sameAttributes(existing.attributes, attributes)) return false;
      throw new MnsServiceError(
        "QueueAlreadyExist",
        `The queue ${name} already exists with other attributes.`,
      );
    }
    const now = this.now();
    this.queueMap.set(key(accountId, name), {
      accountId,
      name,
      attributes,
      createTime: now,
      lastModifyTime: now,
      nextSequence: 1,
      messages: [],
    });
    return true;
  }

  queue(accountId: string, name: string): QueueRecord {
    const queue = this.queueMap.get(key(accountId, name));
    if (!queue) throw new MnsServiceError("QueueNotExist", "The queue name you provided is not exist.");
    this.purgeExpired(queue);
    return queue;
  }

  hasQueue(accountId: string, name: string): boolean {
    return this.queueMap.has(key(accountId, name));
  }

  setQueueAttributes(queue: QueueRecord, attributes: QueueAttributes): void {
    queue.attributes = attributes;
    queue.lastModifyTime = this.now();
  }

  deleteQueue(accountId: string, name: string): void {
    this.queue(accountId, name);
    this.queueMap.delete(key(accountId, name));
  }

  listQueues(accountId: string, prefix = ""): QueueRecord[] {
    return [...this.queueMap.values()]
      .filter((q) => q.accountId === accountId && q.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  allQueues(): QueueRecord[] {
    return [...this.queueMap.values()];
  }

  counts(queue: QueueRecord): QueueCounts {
    this.purgeExpired(queue);
    const now = this.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const m of queue.messages) {
      if (m.visibleAt <= now) visible++;
      else if (m.dequeueCount === 0) delayed++;
      else inFlight++;
    }
    return { accountId: queue.accountId, name: queue.name, visible, inFlight, delayed };
  }

  private purgeExpired(queue: QueueRecord): void {
    const oldest = this.now() - queue.attributes.MessageRetentionPeriod * 1000;
    if (queue.messages.some((m) => m.enqueueTime < oldest)) {
      queue.messages = queue.messages.filter((m) => m.enqueueTime >= oldest);
    }
  }

  /** The earliest future moment a message of this queue becomes visible, if any. */
  nextVisibleAt(queue: QueueRecord): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const m of queue.messages) {
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    }
    return next;
  }

  // ---- messages ----------------------------------------------------------------------------------

  /** Checks one message before any of a batch is stored, so a bad entry stores nothing. */
  validateSend(queue: QueueRecord, input: SendInput): void {
    checkBodySize("MessageBody", input.body, queue.attributes.MaximumMessageSize);
    if (input.delaySeconds !== undefined) checkRange("DelaySeconds", input.delaySeconds, LIMITS.DelaySeconds);
    if (input.priority !== undefined) checkRange("Priority", input.priority, LIMITS.Priority);
  }

  send(queue: QueueRecord, input: SendInput): StoredMessage {
    this.validateSend(queue, input);
    const now = this.now();
    const delay = input.delaySeconds ?? queue.attributes.DelaySeconds;
    const message: StoredMessage = {
      messageId: hexId(16),
      body: input.body,
      bodyMd5: md5Upper(input.body),
      priority: input.priority ?? DEFAULT_PRIORITY,
      enqueueTime: now,
      visibleAt: now + delay * 1000,
      firstDequeueTime: 0,
      dequeueCount: 0,
      receiptHandle: null,
      sequence: queue.nextSequence++,
    };
    queue.messages.push(message);
    this.onMessagesAdded(queue);
    return message;
  }

  /** Takes up to `count` visible messages, highest priority (lowest number) first, then oldest. */
  receive(queue: QueueRecord, count: number): ReceivedMessage[] {
    this.purgeExpired(queue);
    const now = this.now();
    const chosen = queue.messages
      .filter((m) => m.visibleAt <= now)
      .sort((a, b) => a.priority - b.priority || a.sequence - b.sequence)
      .slice(0, count);
    return chosen.map((m) => {
      m.dequeueCount++;
      if (m.firstDequeueTime === 0) m.firstDequeueTime = now;
      m.visibleAt = now + queue.attributes.VisibilityTimeout * 1000;
      const receiptHandle = newReceiptHandle(m.messageId);
      m.receiptHandle = receiptHandle;
      return { ...m, receiptHandle };
    });
  }

  peek(queue: QueueRecord, count: number): StoredMessage[] {
    this.purgeExpired(queue);
    const now = this.now();
    return queue.messages
      .filter((m) => m.visibleAt <= now)
      .sort((a, b) => a.priority - b.priority || a.sequence - b.sequence)
      .slice(0, count);
  }

  /**
   * The message a handle may act on now. A handle is honoured only if it is the latest one issued
   * for its message and that receive's visibility timeout has not run out: after that, another
   * consumer may already hold the message.
   */
  private holder(
    queue: QueueRecord,
    handle: string,
    staleCode: "ReceiptHandleError" | "MessageNotExist",
  ): StoredMessage {
    const messageId = messageIdOfHandle(handle);
    if (!messageId)
      throw new MnsServiceError("ReceiptHandleError", `The receipt handle "${handle}" is not valid.`);
    const message = queue.messages.find((m) => m.messageId === messageId);
    if (!message) throw new MnsServiceError("MessageNotExist", "Message not exist.");
    if (message.receiptHandle !== handle || message.visibleAt <= this.now()) {
      throw new MnsServiceError(
        staleCode,
        staleCode === "MessageNotExist"
          ? "Message not exist or the receipt handle has expired."
          : `The receipt handle "${handle}" is stale: the message was received again or its visibility timeout expired.`,
      );
    }
    return message;
  }

  deleteMessage(queue: QueueRecord, handle: string): void {
    const message = this.holder(queue, handle, "ReceiptHandleError");
    queue.messages = queue.messages.filter((m) => m !== message);
  }

  changeVisibility(queue: QueueRecord, handle: string, visibilityTimeout: number): ReceivedMessage {
    checkRange("VisibilityTimeout", visibilityTimeout, LIMITS.VisibilityTimeout);
    const message = this.holder(queue, handle, "MessageNotExist");
    message.visibleAt = this.now() + visibilityTimeout * 1000;
    const receiptHandle = newReceiptHandle(message.messageId);
    message.receiptHandle = receiptHandle;
    this.onMessagesAdded(queue);
    return { ...message, receiptHandle };
  }

  // ---- topics ------------------------------------------------------------------------------------

  createTopic(accountId: string, name: string, maximumMessageSize: number, loggingEnabled: boolean): boolean {
    checkName("topic", name);
    const existing = this.topicMap.get(key(accountId, name));
    if (existing) {
      if (existing.maximumMessageSize === maximumMessageSize && existing.loggingEnabled === loggingEnabled) {
        return false;
      }
      throw new MnsServiceError(
        "TopicAlreadyExist",
        `The topic ${name} already exists with other attributes.`,
      );
    }
    const now = this.now();
    this.topicMap.set(key(accountId, name), {
      accountId,
      name,
      maximumMessageSize,
      loggingEnabled,
      createTime: now,
      lastModifyTime: now,
      undeliverable: 0,
    });
    return true;
  }

  topic(accountId: string, name: string): TopicRecord {
    const topic = this.topicMap.get(key(accountId, name));
    if (!topic) throw new MnsServiceError("TopicNotExist", "The topic name you provided is not exist.");
    return topic;
  }

  deleteTopic(accountId: string, name: string): void {
    this.topic(accountId, name);
    this.topicMap.delete(key(accountId, name));
    for (const [k, s] of this.subscriptionMap) {
      if (s.accountId === accountId && s.topicName === name) this.subscriptionMap.delete(k);
    }
  }

  listTopics(accountId: string, prefix = ""): TopicRecord[] {
    return [...this.topicMap.values()]
      .filter((t) => t.accountId === accountId && t.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  allTopics(): TopicRecord[] {
    return [...this.topicMap.values()];
  }

  subscribe(
    topic: TopicRecord,
    name: string,
    settings: {
      endpoint: string;
      filterTag: string;
      notifyStrategy: string;
      notifyContentFormat: NotifyContentFormat;
    },
  ): boolean {
    checkName("subscription", name);
    checkRange("the length of FilterTag", settings.filterTag.length, LIMITS.MessageTagLength);
    checkNotifyStrategy(settings.notifyStrategy);
    const target = parseQueueEndpoint(settings.endpoint, topic.accountId);
    if (!target && !isHttpEndpoint(settings.endpoint)) {
      throw new MnsServiceError(
        "EndpointInvalid",
        `The endpoint "${settings.endpoint}" is neither a queue (acs:mns:<region>:<accountId>:queues/<name>) nor an http:// URL; this emulator pushes to those two only.`,
      );
    }
    // Limits page: a subscribed queue's message size must be at least the topic's. The code is not
    // documented; InvalidArgument, as for the other out-of-range values.
    const queue = target && this.queueMap.get(key(target.accountId, target.queueName));
    if (queue && queue.attributes.MaximumMessageSize < topic.maximumMessageSize) {
      throw new MnsServiceError(
        "InvalidArgument",
        `The MaximumMessageSize of queue ${queue.name} (${queue.attributes.MaximumMessageSize}) must be at least the topic's (${topic.maximumMessageSize}).`,
      );
    }
    const k = `${key(topic.accountId, topic.name)}/${name}`;
    const existing = this.subscriptionMap.get(k);
    if (existing) {
      const same =
        existing.endpoint === settings.endpoint &&
        existing.filterTag === settings.filterTag &&
        existing.notifyStrategy === settings.notifyStrategy &&
        existing.notifyContentFormat === settings.notifyContentFormat;
      if (same) return false;
      throw new MnsServiceError("SubscriptionAlreadyExist", `The subscription ${name} already exists.`);
    }
    const now = this.now();
    this.subscriptionMap.set(k, {
      accountId: topic.accountId,
      topicName: topic.name,
      name,
      ...settings,
      target,
      createTime: now,
      lastModifyTime: now,
    });
    return true;
  }

  subscription(topic: TopicRecord, name: string): SubscriptionRecord {
    const found = this.subscriptionMap.get(`${key(topic.accountId, topic.name)}/${name}`);
    if (!found)
      throw new MnsServiceError("SubscriptionNotExist", "The subscription you provided is not exist.");
    return found;
  }

  unsubscribe(topic: TopicRecord, name: string): void {
    this.subscriptionMap.delete(`${key(topic.accountId, topic.name)}/${name}`);
  }

  subscriptions(topic: TopicRecord): SubscriptionRecord[] {
    return [...this.subscriptionMap.values()]
      .filter((s) => s.accountId === topic.accountId && s.topicName === topic.name)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Checks a publish before the fault dice are rolled, so a bad request is refused as such. */
  validatePublish(topic: TopicRecord, body: string, messageTag: string): void {
    checkBodySize("MessageBody", body, topic.maximumMessageSize);
    checkRange("the length of MessageTag", messageTag.length, LIMITS.MessageTagLength);
  }

  /**
   * Accepts a published message and hands it to every subscription whose filter tag matches: into
   * the subscribed queue at once, or to the HTTP pusher (which posts after this returns).
   */
  publish(topic: TopicRecord, body: string, messageTag: string): { messageId: string; bodyMd5: string } {
    this.validatePublish(topic, body, messageTag);
    const publication: Publication = {
      topicOwner: topic.accountId,
      topicName: topic.name,
      messageId: hexId(16),
      bodyMd5: md5Upper(body),
      body,
      messageTag,
      publishTime: this.now(),
    };
    for (const s of this.subscriptions(topic)) {
      if (s.filterTag !== "" && s.filterTag !== messageTag) continue;
      if (s.target) this.pushToQueue(topic, s, s.target, publication);
      else this.httpPusher(s, publication);
    }
    return { messageId: publication.messageId, bodyMd5: publication.bodyMd5 };
  }

  private pushToQueue(
    topic: TopicRecord,
    s: SubscriptionRecord,
    queueName: { accountId: string; queueName: string },
    publication: Publication,
  ): void {
    const target = this.queueMap.get(key(queueName.accountId, queueName.queueName));
    if (!target) {
      topic.undeliverable++;
      return;
    }
    // A push the queue refuses (a JSON or XML wrapper can outgrow its MaximumMessageSize) fails
    // that subscription's delivery, not the publish, which MNS has already accepted.
    try {
      this.send(target, { body: renderNotification(s.notifyContentFormat, s, publication) });
    } catch (err) {
      if (!(err instanceof MnsServiceError)) throw err;
      topic.undeliverable++;
    }
  }

  // ---- whole state -------------------------------------------------------------------------------

  reset(): void {
    this.queueMap.clear();
    this.topicMap.clear();
    this.subscriptionMap.clear();
  }

  snapshot(): Snapshot {
    return {
      version: 1,
      queues: this.allQueues(),
      topics: this.allTopics(),
      subscriptions: [...this.subscriptionMap.values()],
    };
  }

  restore(snapshot: Snapshot): void {
    this.reset();
    for (const q of snapshot.queues) this.queueMap.set(key(q.accountId, q.name), q);
    for (const t of snapshot.topics) this.topicMap.set(key(t.accountId, t.name), t);
    for (const s of snapshot.subscriptions) {
      this.subscriptionMap.set(`${key(s.accountId, s.topicName)}/${s.name}`, s);
    }
  }
}
