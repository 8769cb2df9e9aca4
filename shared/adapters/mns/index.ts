export { createMnsClient, type MnsClientConfig, type MnsSdkClient } from "./client";
export { CLIENT_SIDE_CODES, expectStatus, MnsError, mnsCall, toMnsError } from "./errors";
export { decodeQueueBody, encodeQueueBody, QueueBodyError } from "./queue-body";
export { MNS_BATCH_MAX_BYTES, MNS_BATCH_MAX_MESSAGES, type SendResult, sendMessages } from "./send-messages";
export {
  deleteTopic,
  type NotifyContentFormat,
  type QueueSubscription,
  queueEndpoint,
  subscribe,
  unsubscribe,
} from "./subscriptions";
