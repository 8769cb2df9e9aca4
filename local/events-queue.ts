/**
 * The local stack's window on completion events (docs/processing.md, "Completion events"): a queue
 * subscribed to the events topic with NotifyContentFormat SIMPLIFIED, so each message body is the
 * published body (base64 JSON, `decodeQueueBody`). Reading drains the queue into an in-memory log,
 * so every reader sees every event since the stack started (or was reset), not only the ones no
 * one has read yet. Goes through the real MNS SDK like any subscriber would.
 */
import {
  decodeQueueBody,
  type MnsSdkClient,
  mnsCall,
  queueEndpoint,
  subscribe,
  toMnsError,
} from "../shared/adapters/mns";

/**
 * Events kept at most; older ones are dropped first (a long `npm start` session stays bounded:
 * ~1 KiB each, so ~10 MiB). docs/local.md, "Memory".
 */
export const EVENTS_LOG_LIMIT = 10_000;
/** How often the stack moves the queue into the log even when no one reads it (docs/local.md). */
export const EVENTS_DRAIN_INTERVAL_MS = 5_000;
/** BatchReceiveMessage takes at most 16 messages. */
const RECEIVE_MAX = 16;

/** One message of the events queue: the decoded event, or why its body did not decode. */
export type ReceivedEvent =
  | { messageId: string; event: unknown }
  | { messageId: string; body: string; problem: string };

export interface EventsQueueOptions {
  client: MnsSdkClient;
  topic: string;
  queue: string;
  /** For the queue endpoint `acs:mns:<region>:<accountId>:queues/<queue>`. */
  region: string;
  accountId: string;
}

export interface EventsQueue {
  /** Creates the queue and the subscription when missing; a no-op when both exist. */
  provision(): Promise<void>;
  /**
   * Moves what the queue holds into the (bounded) log. The stack calls it every
   * {@link EVENTS_DRAIN_INTERVAL_MS}: unread, the queue would keep every event for MNS's retention
   * period (4 days by default), growing with every request.
   */
  drain(): Promise<void>;
  /** Moves what the queue holds into the log, then answers the whole log, oldest first. */
  read(): Promise<ReceivedEvent[]>;
  /** Forgets the log (the queue is emptied first, so nothing read before comes back). */
  clear(): Promise<void>;
}

const alreadyExists = (err: unknown, code: string): boolean => toMnsError(err).code === code;

export function eventsQueue(options: EventsQueueOptions): EventsQueue {
  const { client, queue } = options;
  let log: ReceivedEvent[] = [];
  // One drain at a time: two overlapping drains would both be correct, but the log's order would not.
  let draining: Promise<void> | undefined;

  const drainOnce = async (): Promise<void> => {
    while (true) {
      let received: Awaited<ReturnType<MnsSdkClient["batchReceiveMessage"]>>["body"];
      try {
        received = (await mnsCall(() => client.batchReceiveMessage(queue, RECEIVE_MAX, 0))).body;
      } catch (err) {
        if (toMnsError(err).code === "MessageNotExist") return;
        throw err;
      }
      for (const message of received) {
        try {
          log.push({ messageId: message.MessageId, event: decodeQueueBody(message.MessageBody) });
        } catch (err) {
          log.push({
            messageId: message.MessageId,
            body: message.MessageBody,
            problem: err instanceof Error ? err.message : String(err),
          });
        }
      }
      if (log.length > EVENTS_LOG_LIMIT) log = log.slice(log.length - EVENTS_LOG_LIMIT);
      await mnsCall(() =>
        client.batchDeleteMessage(
          queue,
          received.map((m) => m.ReceiptHandle),
        ),
      );
      if (received.length < RECEIVE_MAX) return;
    }
  };
  const drain = (): Promise<void> => {
    draining ??= drainOnce().finally(() => {
      draining = undefined;
    });
    return draining;
  };

  return {
    drain,
    provision: async () => {
      try {
        await mnsCall(() => client.createQueue(queue));
      } catch (err) {
        if (!alreadyExists(err, "QueueAlreadyExist")) throw err;
      }
      try {
        await subscribe(client, options.topic, queue, {
          endpoint: queueEndpoint(options.region, options.accountId, queue),
          notifyContentFormat: "SIMPLIFIED",
        });
      } catch (err) {
        if (!alreadyExists(err, "SubscriptionAlreadyExist")) throw err;
      }
    },
    read: async () => {
      await drain();
      return [...log];
    },
    clear: async () => {
      await drain();
      log = [];
    },
  };
}
