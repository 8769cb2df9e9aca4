/**
 * The documented MNS limits the emulator enforces, one table, each with where it is written down
 * (README.md lists them with the same sources). Where the documents disagree or are silent, the
 * stricter reading is taken and the entry says so. The checks throw the code MNS answers: range
 * violations are `InvalidArgument` with the documented message shape "The value of <Element> must
 * be between <Low> and <High> seconds/bytes."; names have their own codes per kind.
 */
import { MnsServiceError } from "./errors";

const DOCS = {
  limits: "https://www.alibabacloud.com/help/en/mns/product-overview/limits",
  createQueue: "https://www.alibabacloud.com/help/en/message-service/latest/createqueue",
  createTopic: "https://www.alibabacloud.com/help/en/doc-detail/27495.htm",
  subscribe: "https://www.alibabacloud.com/help/en/message-service/latest/subscribe-1",
  subscriptionConcept: "https://alibabacloud.com/help/en/mns/developer-reference/subscription",
  sendMessage: "https://alibabacloud.com/help/en/mns/developer-reference/sendmessage",
  batchSend: "https://www.alibabacloud.com/help/en/mns/developer-reference/batchsendmessage",
  receive: "https://www.alibabacloud.com/help/en/mns/developer-reference/batchreceivemessage",
  batchDelete: "https://help.aliyun.com/en/mns/developer-reference/batchdeletemessage",
  changeVisibility: "https://www.alibabacloud.com/help/en/mns/developer-reference/changemessagevisibility",
  errorCodes: "https://www.alibabacloud.com/help/en/message-service/latest/syntax-of-error-responses",
} as const;

export interface RangeLimit {
  min: number;
  max: number;
  /** Word after the numbers in the error message ("seconds", "bytes"), empty for counts. */
  unit: string;
  source: string;
}

function range(min: number, max: number, unit: string, source: string): RangeLimit {
  return { min, max, unit, source };
}

/** Queue attributes (CreateQueue / SetQueueAttributes), with their defaults. */
export const QUEUE_ATTRIBUTE_LIMITS = {
  DelaySeconds: { ...range(0, 604800, "seconds", DOCS.createQueue), default: 0 },
  MaximumMessageSize: { ...range(1024, 65536, "bytes", DOCS.createQueue), default: 65536 },
  // 7 days: the current CreateQueue page and the limits page; older pages said 15 days.
  MessageRetentionPeriod: { ...range(60, 604800, "seconds", DOCS.createQueue), default: 345600 },
  VisibilityTimeout: { ...range(1, 43200, "seconds", DOCS.createQueue), default: 30 },
  PollingWaitSeconds: { ...range(0, 30, "seconds", DOCS.createQueue), default: 0 },
} as const;
export type QueueNumericAttribute = keyof typeof QUEUE_ATTRIBUTE_LIMITS;

/** Largest batch of SendMessage, ReceiveMessage, PeekMessage and DeleteMessage (limits page). */
export const MAX_BATCH = 16;

export const LIMITS = {
  /** Per message; DelaySeconds per message has the queue attribute's range. */
  DelaySeconds: QUEUE_ATTRIBUTE_LIMITS.DelaySeconds,
  Priority: range(1, 16, "", DOCS.sendMessage),
  /** ChangeMessageVisibility `visibilityTimeout`. */
  VisibilityTimeout: range(1, 43200, "seconds", DOCS.changeVisibility),
  /** Receive `waitseconds`: long polling is at most 30 s (limits page). */
  WaitSeconds: range(0, 30, "seconds", DOCS.limits),
  /** BatchReceiveMessage / BatchPeekMessage `numOfMessages`. */
  NumOfMessages: range(1, MAX_BATCH, "", DOCS.receive),
  BatchSendMessages: range(1, MAX_BATCH, "", DOCS.batchSend),
  BatchDeleteReceiptHandles: range(1, MAX_BATCH, "", DOCS.batchDelete),
  /**
   * The bodies of one BatchSendMessage together: 64 KB (BatchSendMessage page). Whether a queue's
   * smaller MaximumMessageSize also caps the total is not documented; the stricter reading (the
   * smaller of the two) is applied.
   */
  BatchSendTotalBytes: range(1, 65536, "bytes", DOCS.batchSend),
  /** Topic MaximumMessageSize, same range as a queue's (CreateTopic page). */
  TopicMaximumMessageSize: { ...range(1024, 65536, "bytes", DOCS.createTopic), default: 65536 },
  /** PublishMessage MessageTag and Subscribe FilterTag: at most 16 characters (limits page, Subscribe page). */
  MessageTagLength: range(0, 16, "characters", DOCS.limits),
  /** ListQueue / ListTopic `x-mns-ret-number` (the SDKs check 1-1000 before sending). */
  RetNumber: range(1, 1000, "", "aliyun-mns-go-sdk errors.go ERR_MNS_RET_NUMBER_RANGE_ERROR"),
} as const;

/** The batch total a queue takes: 64 KB, or its MaximumMessageSize when smaller (stricter reading). */
export function batchSendTotalLimit(queueMaximumMessageSize: number): RangeLimit {
  const limit = LIMITS.BatchSendTotalBytes;
  return { ...limit, max: Math.min(limit.max, queueMaximumMessageSize) };
}

/**
 * Refuses a number outside its limit (or not an integer) as MNS does. `element` is an element or
 * parameter name ("The value of DelaySeconds must be ...") or a phrase starting with "the"
 * ("The number of Messages must be ...").
 */
export function checkRange(element: string, value: number, limit: RangeLimit): number {
  if (!Number.isInteger(value) || value < limit.min || value > limit.max) {
    const subject = element.startsWith("the ") ? `T${element.slice(1)}` : `The value of ${element}`;
    const unit = limit.unit === "" ? "" : ` ${limit.unit}`;
    throw new MnsServiceError(
      "InvalidArgument",
      `${subject} must be between ${limit.min} and ${limit.max}${unit}.`,
    );
  }
  return value;
}

/** A number given as text (query parameter or XML element); empty text is not a number. */
export function checkRangeText(element: string, text: string, limit: RangeLimit): number {
  return checkRange(element, text.trim() === "" ? Number.NaN : Number(text.trim()), limit);
}

/** A message body's size limit: bytes of its UTF-8 text, between 1 and `max`. */
export function checkBodySize(element: string, body: string, max: number): number {
  return checkRange(element, Buffer.byteLength(body, "utf8"), range(1, max, "bytes", DOCS.sendMessage));
}

export type NamedKind = "queue" | "topic" | "subscription";

interface NameRule {
  maxLength: number;
  pattern: RegExp;
  shape: string;
  invalid: "InvalidQueueName" | "TopicNameInvalid" | "SubscriptionNameInvalid";
  tooLong: "QueueNameLengthError" | "TopicNameLengthError" | "SubscriptionNameLengthError";
  source: string;
}

/**
 * Name rules. The codes are those the official SDKs map (aliyun-mns-go-sdk client.go, the .NET SDK's
 * MNSErrorCode), all HTTP 400.
 * - queue: 120 characters (limits page, CreateQueue page), letters, digits and hyphens, first a
 *   letter or digit (CreateQueue page).
 * - topic: the limits page says 120 characters, the CreateTopic page 255: 120, the stricter.
 * - subscription: 255 characters (Subscribe page); the Subscribe page lets it start with a digit,
 *   the Subscription concept page asks for a letter: a letter, the stricter.
 */
export const NAME_RULES: Record<NamedKind, NameRule> = {
  queue: {
    maxLength: 120,
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]*$/,
    shape: "letters, digits and hyphens, starting with a letter or digit",
    invalid: "InvalidQueueName",
    tooLong: "QueueNameLengthError",
    source: DOCS.createQueue,
  },
  topic: {
    maxLength: 120,
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]*$/,
    shape: "letters, digits and hyphens, starting with a letter or digit",
    invalid: "TopicNameInvalid",
    tooLong: "TopicNameLengthError",
    source: DOCS.limits,
  },
  subscription: {
    maxLength: 255,
    pattern: /^[A-Za-z][A-Za-z0-9-]*$/,
    shape: "letters, digits and hyphens, starting with a letter",
    invalid: "SubscriptionNameInvalid",
    tooLong: "SubscriptionNameLengthError",
    source: DOCS.subscriptionConcept,
  },
};

export function checkName(kind: NamedKind, name: string): void {
  const rule = NAME_RULES[kind];
  if (name.length > rule.maxLength) {
    throw new MnsServiceError(
      rule.tooLong,
      `The length of ${kind} name must be between 1 and ${rule.maxLength} characters.`,
    );
  }
  if (!rule.pattern.test(name)) {
    throw new MnsServiceError(rule.invalid, `The ${kind} name "${name}" is invalid: ${rule.shape}.`);
  }
}
