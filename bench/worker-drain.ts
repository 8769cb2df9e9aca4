/**
 * Worker drain: 500 records queued at once in the service account, the ECS simulator limiting
 * CreateImagePipeline to `qpsPerAccount` 20, and the stack's own trigger pump and worker taking
 * them. Measures the time from the first message sent until every record is terminal, beside the
 * ideal 500 / 20 = 25 s, and counts throttled against all CreateImagePipeline calls.
 */

import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET } from "../local/identities";
import { LOCAL_QUEUE_NAME, type RunningStack } from "../local/stack";
import { createMnsClient } from "../shared/adapters/mns/client";
import { MnsRequestQueue } from "../shared/adapters/mns/request-queue";
import type { PipelineRecord } from "../shared/domain/record";
import { benchStack, elapsedMs, pendingRecord, ratio, stackRecordStore, verdict } from "./common";

export interface WorkerDrainFigures {
  records: number;
  qpsPerAccount: number;
  seconds: number;
  idealSeconds: number;
  ratio: number;
  calls: number;
  throttled: number;
  byStatus: Record<string, number>;
  pipelines: number;
  trigger: { batches: number; deliveries: number; failed: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stores `count` pending records the way submit's batch path does (every record durable first),
 * then sends their messages; `onSend` is called just before the first message goes out.
 */
export async function queueRecords(
  stack: RunningStack,
  count: number,
  label: string,
  onSend: () => void = () => {},
  /** Record i goes to account i mod the list's length; default the service account. */
  accounts: readonly string[] = [stack.info.accounts.service],
): Promise<PipelineRecord[]> {
  const store = stackRecordStore(stack);
  const queue = new MnsRequestQueue({
    queue: LOCAL_QUEUE_NAME,
    client: createMnsClient({
      endpoint: stack.info.emulators.mns,
      accountId: stack.info.accounts.service,
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    }),
  });
  const records = Array.from({ length: count }, (_, i) =>
    pendingRecord(accounts[i % accounts.length] as string, `${label}-${i}`),
  );
  await store.createMany(records);
  onSend();
  await queue.send(records.map((r) => ({ id: r.id })));
  return records;
}

/**
 * Waits until no record in the table is pending or running, then returns `records` as stored.
 * Each poll asks the status index for one open record (two small reads): reading every open record
 * on every poll cost the stack's process, which also runs the emulators, more CPU than the drain
 * itself once there were a thousand of them.
 */
export async function untilTerminal(
  stack: RunningStack,
  records: PipelineRecord[],
  timeoutMs: number,
  /** Called when the poll first finds nothing open, before the records are read back. */
  onDone: () => void = () => {},
): Promise<PipelineRecord[]> {
  const store = stackRecordStore(stack);
  const deadline = Date.now() + timeoutMs;
  const open = async (): Promise<boolean> => {
    for (const status of ["pending", "running"] as const) {
      // A page may come back short while more follow (the index can be a moment behind the rows).
      const page = await store.listByStatus(status, { limit: 1 });
      if (page.items.length > 0 || page.nextCursor) return true;
    }
    return false;
  };
  while (await open()) {
    if (Date.now() >= deadline) throw new Error(`records still open after ${timeoutMs} ms`);
    await sleep(200);
  }
  onDone();
  const final: PipelineRecord[] = [];
  for (let i = 0; i < records.length; i += 20) {
    const got = await Promise.all(records.slice(i, i + 20).map((r) => store.get(r.id)));
    for (const record of got) if (record) final.push(record);
  }
  const stillOpen = final.filter((r) => r.status === "pending" || r.status === "running");
  if (final.length !== records.length || stillOpen.length > 0) {
    throw new Error(`${records.length - final.length} records missing, ${stillOpen.length} still open`);
  }
  return final;
}

export async function benchWorkerDrain(
  options: { records?: number; qpsPerAccount?: number; stack?: RunningStack } = {},
): Promise<WorkerDrainFigures> {
  const count = options.records ?? 500;
  const qps = options.qpsPerAccount ?? 20;
  const stack = options.stack ?? (await benchStack());
  try {
    // Warm-up without a limit: the trigger's concurrent worker instances are started once, as they
    // are on a platform that has been serving traffic.
    await untilTerminal(stack, await queueRecords(stack, 40, "warm"), 60_000);
    stack.control.ecs.reset();
    const pumpBefore = stack.control.trigger();
    stack.control.replaceFaults({ ecs: { qpsPerAccount: qps } });

    let started = process.hrtime.bigint();
    const records = await queueRecords(stack, count, "drain", () => {
      started = process.hrtime.bigint();
    });
    let seconds = 0;
    const final = await untilTerminal(stack, records, 300_000, () => {
      seconds = elapsedMs(started) / 1000;
    });

    const create = stack.control.calls().createImagePipeline;
    const byStatus: Record<string, number> = {};
    for (const r of final) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const pumpAfter = stack.control.trigger();
    const idealSeconds = count / qps;
    return {
      records: count,
      qpsPerAccount: qps,
      seconds,
      idealSeconds,
      ratio: seconds / idealSeconds,
      calls: create.received,
      throttled: create.throttled,
      byStatus,
      pipelines: stack.control.pipelines().length,
      trigger: {
        batches: pumpAfter.batches - pumpBefore.batches,
        deliveries: pumpAfter.deliveries - pumpBefore.deliveries,
        failed: pumpAfter.failed - pumpBefore.failed,
      },
    };
  } finally {
    stack.control.replaceFaults({});
    if (!options.stack) await stack.stop();
  }
}

export function printWorkerDrain(f: WorkerDrainFigures): void {
  const share = f.throttled / Math.max(1, f.calls);
  console.log(`\n== Worker drain: ${f.records} records, qpsPerAccount ${f.qpsPerAccount} ==`);
  console.log(
    `  all terminal after ${f.seconds.toFixed(1)} s, ideal ${f.idealSeconds.toFixed(1)} s = ${ratio(f.ratio)} (target <= 1.15x: ${verdict(f.ratio <= 1.15)})`,
  );
  console.log(
    `  CreateImagePipeline calls ${f.calls}, throttled ${f.throttled} = ${(share * 100).toFixed(1)}% (target < 10%: ${verdict(share < 0.1)})`,
  );
  console.log(
    `  records ${JSON.stringify(f.byStatus)}, pipelines in the simulator ${f.pipelines}; trigger: ${f.trigger.batches} batches, ${f.trigger.deliveries} deliveries, ${f.trigger.failed} failed invocations`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printWorkerDrain(await benchWorkerDrain({ records: Number(process.env.BENCH_RECORDS ?? 500) }));
}
