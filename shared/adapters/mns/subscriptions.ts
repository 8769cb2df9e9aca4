/**
 * Topic subscriptions. `@alicloud/mns` 1.2.0 declares `subscribe`/`unsubscribe`/`deleteTopic` but
 * leaves them empty, so these go through the SDK's own signed `request` with the documented
 * resources: `PUT|DELETE /topics/<topic>/subscriptions/<name>` and `DELETE /topics/<topic>`.
 */
import type { MnsSdkClient } from "./client";
import { expectStatus, mnsCall } from "./errors";

export type NotifyContentFormat = "SIMPLIFIED" | "JSON" | "XML";

export interface QueueSubscription {
  /** A queue endpoint: `acs:mns:<region>:<accountId>:queues/<name>`. */
  endpoint: string;
  notifyContentFormat?: NotifyContentFormat;
  notifyStrategy?: "BACKOFF_RETRY" | "EXPONENTIAL_DECAY_RETRY";
  filterTag?: string | undefined;
}

const escapeXmlText = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function queueEndpoint(region: string, accountId: string, queueName: string): string {
  return `acs:mns:${region}:${accountId}:queues/${queueName}`;
}

export async function subscribe(
  client: MnsSdkClient,
  topic: string,
  name: string,
  subscription: QueueSubscription,
): Promise<void> {
  const fields: [string, string | undefined][] = [
    ["Endpoint", subscription.endpoint],
    ["NotifyStrategy", subscription.notifyStrategy],
    ["NotifyContentFormat", subscription.notifyContentFormat],
    ["FilterTag", subscription.filterTag],
  ];
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><Subscription xmlns="http://mns.aliyuncs.com/doc/v1/">' +
    fields.map(([k, v]) => (v === undefined ? "" : `<${k}>${escapeXmlText(v)}</${k}>`)).join("") +
    "</Subscription>";
  const response = await mnsCall(() =>
    client.request("PUT", `/topics/${topic}/subscriptions/${name}`, "Subscription", Buffer.from(xml, "utf8")),
  );
  expectStatus(response, [201, 204]);
}

export async function unsubscribe(client: MnsSdkClient, topic: string, name: string): Promise<void> {
  const response = await mnsCall(() =>
    client.request("DELETE", `/topics/${topic}/subscriptions/${name}`, "Subscription", ""),
  );
  expectStatus(response, [204]);
}

export async function deleteTopic(client: MnsSdkClient, topic: string): Promise<void> {
  const response = await mnsCall(() => client.request("DELETE", `/topics/${topic}`, "Topic", ""));
  expectStatus(response, [204]);
}
