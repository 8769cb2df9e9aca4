/** Every MNS operation the emulator answers, by its documented name (the call counters' keys). */
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

/** Whether a request of this operation may change state (so the journal is asked to look). */
export function mayChangeState(operation: MnsOperation): boolean {
  return !/^(Get|List|Peek|BatchPeek)/.test(operation);
}
