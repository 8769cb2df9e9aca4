/**
 * `npm run provision`: creates the records table (with its indexes), the request queue, its
 * dead-letter queue and the events topic where missing, adds to an existing records table the
 * indexes it lacks (over its existing rows), and prints what it created, what was already there
 * and which extra indexes it left alone. Reads the same variables the functions read (shared/config.ts) plus:
 *
 * - ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN
 *   (optional): the names @alicloud/credentials uses.
 * - DEAD_LETTER_QUEUE_NAME (default image-pipeline-requests-dlq) and REGION (default cn-hangzhou,
 *   used for MNS when MNS_ENDPOINT is not set), as s.yaml names them.
 *
 * Usage for a real account: shared/adapters/tablestore/records-table.md, "Provisioning".
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createMnsClient } from "../shared/adapters/mns/client";
import {
  type ProvisionResult,
  type ProvisionTargets,
  provisionResources,
} from "../shared/adapters/provision";
import { createTablestoreClient } from "../shared/adapters/tablestore/client";
import { readConfig } from "../shared/config";

type Env = Record<string, string | undefined>;

const DEFAULT_DEAD_LETTER_QUEUE = "image-pipeline-requests-dlq";
const DEFAULT_REGION = "cn-hangzhou";

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export class ProvisionSetupError extends Error {
  readonly code = "InvalidProvisionSetup";
}

/** The clients and names `provisionResources` needs, from the environment; throws naming what is missing. */
export function targetsFromEnvironment(env: Env): ProvisionTargets {
  const config = readConfig(env);
  const accessKeyId = setting(env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
  const accessKeySecret = setting(env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  if (!accessKeyId || !accessKeySecret) {
    throw new ProvisionSetupError(
      "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required",
    );
  }
  const securityToken = setting(env, "ALIBABA_CLOUD_SECURITY_TOKEN");
  const credentials = { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
  return {
    tablestore: {
      client: createTablestoreClient({
        endpoint: config.tablestore.endpoint,
        instanceName: config.tablestore.instance,
        credentials,
      }),
      table: config.tablestore.table,
      callSlotsTable: config.worker.callSlotsTable,
    },
    mns: {
      client: createMnsClient({
        accountId: config.serviceAccountId,
        ...credentials,
        ...(config.mns.endpoint
          ? { endpoint: config.mns.endpoint }
          : { region: setting(env, "REGION") ?? DEFAULT_REGION }),
      }),
      queue: config.mns.queue,
      deadLetterQueue: setting(env, "DEAD_LETTER_QUEUE_NAME") ?? DEFAULT_DEAD_LETTER_QUEUE,
      ...(config.mns.eventsTopic ? { eventsTopic: config.mns.eventsTopic } : {}),
    },
  };
}

export function describeResult(result: ProvisionResult): string[] {
  return [
    ...result.created.map((r) => `created ${r.kind} ${r.name}`),
    ...result.existing.map((r) => `exists  ${r.kind} ${r.name}`),
    ...result.extra.map((r) => `extra   ${r.kind} ${r.name} (not in the schema; left alone)`),
  ];
}

async function main(): Promise<void> {
  try {
    const result = await provisionResources(targetsFromEnvironment(process.env));
    for (const line of describeResult(result)) process.stdout.write(`${line}\n`);
  } catch (err) {
    const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "Error";
    process.stderr.write(`provision failed: ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
