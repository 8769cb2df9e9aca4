/**
 * `--data DIR`: `DIR/mns.json` (queues with their messages, topics, subscriptions) and the journal
 * `DIR/mns.journal` of every change since (local/journal.ts). Messages are journaled one by one as
 * they change (sent, received, made visible again, deleted); queues, topics and subscriptions as
 * one small "metadata" entry whenever a request changed any of them. The server awaits
 * {@link MnsPersistence.durable} before it answers, so a message that was answered as sent (or a
 * delete answered as done) survives `kill -9`. Expired messages are dropped on access after a
 * restart exactly as before it.
 */
import { Journal } from "../journal";
import {
  MnsStore,
  type QueueRecord,
  type ReceivedMessage,
  type SendInput,
  type Snapshot,
  type StoredMessage,
  type SubscriptionRecord,
  type TopicRecord,
} from "./store";

type QueueMetadata = Omit<QueueRecord, "messages" | "nextSequence">;

interface Metadata {
  queues: QueueMetadata[];
  topics: TopicRecord[];
  subscriptions: SubscriptionRecord[];
}

/** One change to what `--data` keeps, as the journal records it. */
export type MnsChange =
  | { kind: "metadata"; metadata: Metadata }
  | { kind: "message"; accountId: string; queue: string; message: StoredMessage }
  | { kind: "deleteMessage"; accountId: string; queue: string; messageId: string };

function isSnapshot(value: unknown): value is Snapshot {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { version?: unknown }).version === 1 &&
    Array.isArray((value as { queues?: unknown }).queues)
  );
}

function metadataOf(snapshot: Snapshot): Metadata {
  return {
    queues: snapshot.queues.map(({ messages: _messages, nextSequence: _next, ...queue }) => queue),
    topics: snapshot.topics,
    subscriptions: snapshot.subscriptions,
  };
}

/** The store, telling the journal each message it changes; the metadata is compared per request. */
class JournaledStore extends MnsStore {
  record: (change: MnsChange) => void = () => {};
  private lastMetadata = "";

  /** Journals the queues, topics and subscriptions if a request changed them. */
  noteMetadata(): void {
    const metadata = metadataOf(this.snapshot());
    const text = JSON.stringify(metadata);
    if (text === this.lastMetadata) return;
    this.lastMetadata = text;
    this.record({ kind: "metadata", metadata });
  }

  private recordMessage(queue: QueueRecord, message: StoredMessage): void {
    this.record({ kind: "message", accountId: queue.accountId, queue: queue.name, message });
  }

  override send(queue: QueueRecord, input: SendInput): StoredMessage {
    const message = super.send(queue, input);
    this.recordMessage(queue, message);
    return message;
  }

  override receive(queue: QueueRecord, count: number): ReceivedMessage[] {
    const received = super.receive(queue, count);
    for (const message of received) this.recordMessage(queue, message);
    return received;
  }

  override changeVisibility(queue: QueueRecord, handle: string, visibilityTimeout: number): ReceivedMessage {
    const message = super.changeVisibility(queue, handle, visibilityTimeout);
    this.recordMessage(queue, message);
    return message;
  }

  override deleteMessage(queue: QueueRecord, handle: string): void {
    // Only the latest handle of a message is honoured, so the message holding it is the one deleted.
    const target = queue.messages.find((m) => m.receiptHandle === handle);
    super.deleteMessage(queue, handle);
    if (target) {
      this.record({
        kind: "deleteMessage",
        accountId: queue.accountId,
        queue: queue.name,
        messageId: target.messageId,
      });
    }
  }

  override reset(): void {
    super.reset();
    this.noteMetadata();
  }
}

const queueKey = (accountId: string, name: string): string => `${accountId}/${name}`;

/** Applies the journal's changes to the snapshot. */
function replay(snapshot: Snapshot, changes: MnsChange[]): Snapshot {
  let queues = new Map(snapshot.queues.map((q) => [queueKey(q.accountId, q.name), q]));
  let { topics, subscriptions } = snapshot;
  for (const change of changes) {
    if (change.kind === "metadata") {
      const before = queues;
      queues = new Map(
        change.metadata.queues.map((q) => {
          const existing = before.get(queueKey(q.accountId, q.name));
          return [
            queueKey(q.accountId, q.name),
            { ...q, messages: existing?.messages ?? [], nextSequence: existing?.nextSequence ?? 1 },
          ];
        }),
      );
      topics = change.metadata.topics;
      subscriptions = change.metadata.subscriptions;
      continue;
    }
    const queue = queues.get(queueKey(change.accountId, change.queue));
    if (!queue) throw new Error(`mns journal: a message of queue ${change.queue}, which does not exist`);
    if (change.kind === "deleteMessage") {
      queue.messages = queue.messages.filter((m) => m.messageId !== change.messageId);
      continue;
    }
    const at = queue.messages.findIndex((m) => m.messageId === change.message.messageId);
    if (at >= 0) queue.messages[at] = change.message;
    else queue.messages.push(change.message);
    queue.nextSequence = Math.max(queue.nextSequence, change.message.sequence + 1);
  }
  return { version: 1, queues: [...queues.values()], topics, subscriptions };
}

export interface MnsPersistence {
  store: MnsStore;
  /** After each request that may have changed queues, topics or subscriptions. */
  noteMetadata(): void;
  /** Resolves once every change so far is on disk. */
  durable(): Promise<void>;
  /** Compacts the journal into the snapshot and closes it. */
  close(): Promise<void>;
}

/** Loads `dir` into a new store whose every change is journaled. */
export async function openMnsPersistence(dir: string, now: () => number): Promise<MnsPersistence> {
  const store = new JournaledStore(now);
  const empty: Snapshot = { version: 1, queues: [], topics: [], subscriptions: [] };
  const journal = await Journal.open(
    { dir, name: "mns", snapshot: () => store.snapshot() },
    ({ snapshot, changes }) => {
      if (snapshot !== undefined && !isSnapshot(snapshot)) {
        throw new Error(`${dir}/mns.json is not an MNS emulator state file (version 1)`);
      }
      store.restore(replay(snapshot ?? empty, changes as MnsChange[]));
    },
  );
  store.noteMetadata();
  store.record = (change) => journal.append(change);
  return {
    store,
    noteMetadata: () => store.noteMetadata(),
    durable: () => journal.durable(),
    close: () => journal.close(),
  };
}
