/**
 * The MNS data plane as a table: each operation is a method, a path pattern and, where several
 * operations share both, the query parameter or body form that tells them apart; the first route
 * that matches wins. Patterns are `/`-separated segments, `:name` standing for any one segment;
 * a path matches only a pattern of its own length. Paths as in the MNS API reference (2015-06-06).
 */
import type { OperationHandler } from "./context";
import type { MnsOperation } from "./operation-names";
import * as messages from "./operations/messages";
import * as queues from "./operations/queues";
import * as subscriptions from "./operations/subscriptions";
import * as topics from "./operations/topics";

export interface RouteRequest {
  method: string;
  segments: readonly string[];
  query: Map<string, string>;
  body: Buffer;
}

export interface Route {
  operation: MnsOperation;
  method: "GET" | "PUT" | "POST" | "DELETE";
  pattern: readonly string[];
  when?: (request: RouteRequest) => boolean;
  handler: OperationHandler;
}

const metaOverride = (r: RouteRequest): boolean => r.query.get("metaoverride") === "true";
const peekOnly = (r: RouteRequest): boolean => r.query.get("peekonly") === "true";
const numbered = (r: RouteRequest): boolean => r.query.has("numofmessages");
const batchDocument = (r: RouteRequest): boolean => /<Messages[\s>]/.test(r.body.toString("utf8"));

const QUEUES = ["queues"];
const QUEUE = ["queues", ":name"];
const QUEUE_MESSAGES = ["queues", ":name", "messages"];
const TOPICS = ["topics"];
const TOPIC = ["topics", ":name"];
const TOPIC_MESSAGES = ["topics", ":name", "messages"];
const SUBSCRIPTIONS = ["topics", ":name", "subscriptions"];
const SUBSCRIPTION = ["topics", ":name", "subscriptions", ":subscription"];

export const ROUTES: readonly Route[] = [
  { operation: "ListQueue", method: "GET", pattern: QUEUES, handler: queues.listQueue },
  {
    operation: "SetQueueAttributes",
    method: "PUT",
    pattern: QUEUE,
    when: metaOverride,
    handler: queues.setQueueAttributes,
  },
  { operation: "CreateQueue", method: "PUT", pattern: QUEUE, handler: queues.createQueue },
  { operation: "GetQueueAttributes", method: "GET", pattern: QUEUE, handler: queues.getQueueAttributes },
  { operation: "DeleteQueue", method: "DELETE", pattern: QUEUE, handler: queues.deleteQueue },
  {
    operation: "BatchSendMessage",
    method: "POST",
    pattern: QUEUE_MESSAGES,
    when: batchDocument,
    handler: messages.batchSendMessage,
  },
  { operation: "SendMessage", method: "POST", pattern: QUEUE_MESSAGES, handler: messages.sendMessage },
  {
    operation: "BatchPeekMessage",
    method: "GET",
    pattern: QUEUE_MESSAGES,
    when: (r) => peekOnly(r) && numbered(r),
    handler: messages.batchPeekMessage,
  },
  {
    operation: "PeekMessage",
    method: "GET",
    pattern: QUEUE_MESSAGES,
    when: peekOnly,
    handler: messages.peekMessage,
  },
  {
    operation: "BatchReceiveMessage",
    method: "GET",
    pattern: QUEUE_MESSAGES,
    when: numbered,
    handler: messages.batchReceiveMessage,
  },
  { operation: "ReceiveMessage", method: "GET", pattern: QUEUE_MESSAGES, handler: messages.receiveMessage },
  {
    operation: "DeleteMessage",
    method: "DELETE",
    pattern: QUEUE_MESSAGES,
    when: (r) => r.query.has("receipthandle"),
    handler: messages.deleteMessage,
  },
  {
    operation: "BatchDeleteMessage",
    method: "DELETE",
    pattern: QUEUE_MESSAGES,
    handler: messages.batchDeleteMessage,
  },
  {
    operation: "ChangeMessageVisibility",
    method: "PUT",
    pattern: QUEUE_MESSAGES,
    handler: messages.changeMessageVisibility,
  },
  { operation: "ListTopic", method: "GET", pattern: TOPICS, handler: topics.listTopic },
  {
    operation: "SetTopicAttributes",
    method: "PUT",
    pattern: TOPIC,
    when: metaOverride,
    handler: topics.setTopicAttributes,
  },
  { operation: "CreateTopic", method: "PUT", pattern: TOPIC, handler: topics.createTopic },
  { operation: "GetTopicAttributes", method: "GET", pattern: TOPIC, handler: topics.getTopicAttributes },
  { operation: "DeleteTopic", method: "DELETE", pattern: TOPIC, handler: topics.deleteTopic },
  { operation: "PublishMessage", method: "POST", pattern: TOPIC_MESSAGES, handler: topics.publishMessage },
  {
    operation: "ListSubscriptionByTopic",
    method: "GET",
    pattern: SUBSCRIPTIONS,
    handler: subscriptions.listSubscriptionByTopic,
  },
  {
    operation: "SetSubscriptionAttributes",
    method: "PUT",
    pattern: SUBSCRIPTION,
    when: metaOverride,
    handler: subscriptions.setSubscriptionAttributes,
  },
  { operation: "Subscribe", method: "PUT", pattern: SUBSCRIPTION, handler: subscriptions.subscribe },
  {
    operation: "GetSubscriptionAttributes",
    method: "GET",
    pattern: SUBSCRIPTION,
    handler: subscriptions.getSubscriptionAttributes,
  },
  { operation: "Unsubscribe", method: "DELETE", pattern: SUBSCRIPTION, handler: subscriptions.unsubscribe },
];

function matchesPattern(pattern: readonly string[], segments: readonly string[]): boolean {
  return (
    pattern.length === segments.length &&
    pattern.every((part, i) => part.startsWith(":") || part === segments[i])
  );
}

/** The first route for this request, or undefined when it is no MNS operation. */
export function matchRoute(request: RouteRequest): Route | undefined {
  return ROUTES.find(
    (route) =>
      route.method === request.method &&
      matchesPattern(route.pattern, request.segments) &&
      (route.when === undefined || route.when(request)),
  );
}
