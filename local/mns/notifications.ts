/**
 * What a subscription endpoint receives for one published message, per NotifyContentFormat
 * (https://www.alibabacloud.com/help/en/mns/developer-reference/notifycontentformat): SIMPLIFIED is
 * the published body itself; JSON and XML wrap it with the topic's metadata. The same for queue and
 * HTTP endpoints.
 */
import { renderXml } from "./xml";

export type NotifyContentFormat = "SIMPLIFIED" | "JSON" | "XML";
export const NOTIFY_CONTENT_FORMATS: readonly NotifyContentFormat[] = ["SIMPLIFIED", "JSON", "XML"];

/** Retry policies of a push that fails (https://www.alibabacloud.com/help/en/mns/notifystrategy). */
export type NotifyStrategy = "BACKOFF_RETRY" | "EXPONENTIAL_DECAY_RETRY";
export const NOTIFY_STRATEGIES: readonly NotifyStrategy[] = ["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"];

/** One published message as every subscription of its topic sees it. */
export interface Publication {
  topicOwner: string;
  topicName: string;
  messageId: string;
  bodyMd5: string;
  body: string;
  /** "" when the publisher gave none. */
  messageTag: string;
  publishTime: number;
}

export function renderNotification(
  format: NotifyContentFormat,
  subscription: { accountId: string; name: string },
  p: Publication,
): string {
  if (format === "SIMPLIFIED") return p.body;
  const fields = {
    TopicOwner: p.topicOwner,
    TopicName: p.topicName,
    Subscriber: subscription.accountId,
    SubscriptionName: subscription.name,
    MessageId: p.messageId,
    MessageMD5: p.bodyMd5,
    // Documented in both wrapped formats; left out when the publisher gave no tag.
    MessageTag: p.messageTag === "" ? undefined : p.messageTag,
    Message: p.body,
    PublishTime: p.publishTime,
  };
  if (format === "JSON") return JSON.stringify(fields);
  return renderXml("Notification", fields);
}
