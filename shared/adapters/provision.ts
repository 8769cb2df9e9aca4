/**
 * Creates what the service needs if it is missing: the records table with its indexes
 * (./tablestore/table-schema), the request queue, its dead-letter queue and the events topic.
 * Idempotent: anything that exists is left exactly as it is (an existing table is not compared
 * with the schema or altered), so running it twice creates nothing the second time. Used by the
 * local stack at start and by `scripts/provision.ts` against a real account.
 */
import type TableStore from "tablestore";
import type { MnsSdkClient } from "./mns/client";
import { mnsCall, toMnsError } from "./mns/errors";
import { toTablestoreError } from "./tablestore/errors";
import { recordsTableDefinition } from "./tablestore/table-schema";

export interface ProvisionTargets {
  tablestore: { client: TableStore.Client; table: string };
  mns: {
    client: MnsSdkClient;
    queue: string;
    deadLetterQueue?: string;
    eventsTopic?: string;
    /** Attributes for queues this run creates (e.g. `{ VisibilityTimeout: 60 }`); MNS defaults otherwise. */
    queueAttributes?: Record<string, string | number | boolean>;
  };
}

export interface ProvisionedResource {
  kind: "table" | "queue" | "topic";
  name: string;
}

export interface ProvisionResult {
  created: ProvisionedResource[];
  existing: ProvisionedResource[];
}

/** Creates a resource unless `exists` says it is there; losing a creation race counts as existing. */
async function ensure(
  resource: ProvisionedResource,
  exists: () => Promise<boolean>,
  create: () => Promise<void>,
  isAlreadyExists: (err: unknown) => boolean,
  result: ProvisionResult,
): Promise<void> {
  if (await exists()) {
    result.existing.push(resource);
    return;
  }
  try {
    await create();
    result.created.push(resource);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    result.existing.push(resource);
  }
}

async function mnsExists(call: () => Promise<unknown>, notFoundCode: string): Promise<boolean> {
  try {
    await mnsCall(call);
    return true;
  } catch (err) {
    if (toMnsError(err).code === notFoundCode) return false;
    throw err;
  }
}

export async function provisionResources(targets: ProvisionTargets): Promise<ProvisionResult> {
  const result: ProvisionResult = { created: [], existing: [] };
  const { client: ots, table } = targets.tablestore;
  await ensure(
    { kind: "table", name: table },
    async () => (await ots.listTable({})).tableNames.includes(table),
    async () => {
      await ots.createTable(recordsTableDefinition(table));
    },
    (err) => toTablestoreError(err).code === "OTSObjectAlreadyExist",
    result,
  );

  const mns = targets.mns;
  const queues = [mns.queue, ...(mns.deadLetterQueue ? [mns.deadLetterQueue] : [])];
  for (const queue of queues) {
    await ensure(
      { kind: "queue", name: queue },
      () => mnsExists(() => mns.client.getQueueAttributes(queue), "QueueNotExist"),
      async () => {
        await mnsCall(() => mns.client.createQueue(queue, mns.queueAttributes));
      },
      (err) => toMnsError(err).code === "QueueAlreadyExist",
      result,
    );
  }
  if (mns.eventsTopic) {
    const topic = mns.eventsTopic;
    await ensure(
      { kind: "topic", name: topic },
      () => mnsExists(() => mns.client.getTopicAttributes(topic), "TopicNotExist"),
      async () => {
        await mnsCall(() => mns.client.createTopic(topic));
      },
      (err) => toMnsError(err).code === "TopicAlreadyExist",
      result,
    );
  }
  return result;
}
