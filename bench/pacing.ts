/**
 * Pacing at any worker concurrency: `records` records spread over three accounts (the service
 * account and the two that trust it, so two of three go through STS AssumeRole), the ECS simulator
 * limiting CreateImagePipeline to `qpsPerAccount` per account, and the stack running the worker
 * with `instances` instances and as many concurrent pushes of the queue trigger. Measures the time
 * from the first message sent until every record is terminal beside the ideal (records / total
 * QPS), the throttled share of all CreateImagePipeline calls, and the busiest second per account
 * seen by the simulator. Figures only; nothing passes or fails on a time.
 *
 *   npx tsx bench/pacing.ts                      # 1,500 records, 16 instances, then 2
 *   BENCH_RECORDS=300 BENCH_INSTANCES=4 npx tsx bench/pacing.ts
 */
import type { RunningStack } from "../local/stack";
import { benchStack, elapsedMs, ratio, verdict } from "./common";
import { queueRecords, untilTerminal } from "./worker-drain";

export interface PacingFigures {
  records: number;
  accounts: number;
  qpsPerAccount: number;
  instances: number;
  seconds: number;
  /** CPU seconds the stack's process (emulators, gateway, every function thread) used meanwhile. */
  cpuSeconds: number;
  idealSeconds: number;
  ratio: number;
  calls: number;
  throttled: number;
  /** When pipelines were created, seconds after the first message was sent: first, 95th percentile, last. */
  timeline: { first: number; p95: number; last: number };
  /** The most pipelines of one account created inside any one second (the simulator's window). */
  busiestSecond: number;
  byStatus: Record<string, number>;
  /** Failed records by error code. */
  failures: Record<string, number>;
  pipelines: number;
  /** Worker instances alive at the end (started on demand). */
  workerInstances: number;
  trigger: { batches: number; deliveries: number; failed: number };
}

/** The most of `times` (ms) inside any span of `spanMs`. */
function busiestSpan(times: number[], spanMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] as number) - (sorted[from] as number) >= spanMs) from++;
    most = Math.max(most, to - from + 1);
  }
  return most;
}

export async function benchPacing(
  options: { records?: number; qpsPerAccount?: number; instances?: number } = {},
): Promise<PacingFigures> {
  const count = options.records ?? 1500;
  const qps = options.qpsPerAccount ?? 20;
  const instances = options.instances ?? 16;
  const stack: RunningStack = await benchStack({ workerInstances: instances, triggerPushes: instances });
  const accounts = [stack.info.accounts.service, ...stack.info.accounts.trusting];
  try {
    // Warm-up without a limit, enough batches for every instance: they start once, as on a
    // platform that has been serving traffic, and each account's AssumeRole keys are cached.
    await untilTerminal(
      stack,
      await queueRecords(stack, instances * 10, "warm", undefined, accounts),
      120_000,
    );
    // Counted as differences: resetting the simulator would also forget the keys STS handed the
    // worker for the other two accounts, which it caches.
    const callsBefore = { ...stack.control.calls().createImagePipeline };
    const pipelinesBefore = stack.control.pipelines().length;
    const pumpBefore = stack.control.trigger();
    stack.control.replaceFaults({ ecs: { qpsPerAccount: qps } });

    let started = process.hrtime.bigint();
    let startedAt = Date.now();
    const cpuBefore = process.cpuUsage();
    const records = await queueRecords(
      stack,
      count,
      "pacing",
      () => {
        started = process.hrtime.bigint();
        startedAt = Date.now();
      },
      accounts,
    );
    let seconds = 0;
    let cpu = { user: 0, system: 0 };
    const final = await untilTerminal(stack, records, 600_000, () => {
      seconds = elapsedMs(started) / 1000;
      cpu = process.cpuUsage(cpuBefore);
    });

    const create = stack.control.calls().createImagePipeline;
    const byStatus: Record<string, number> = {};
    const failures: Record<string, number> = {};
    for (const r of final) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.error) failures[r.error.code] = (failures[r.error.code] ?? 0) + 1;
    }
    const pumpAfter = stack.control.trigger();
    const created = stack.control
      .pipelines()
      .map((p) => ({ account: p.accountId, at: Date.parse(p.createdAt) }))
      .filter((p) => p.at >= startedAt);
    const offsets = created.map((p) => (p.at - startedAt) / 1000).sort((a, b) => a - b);
    const busiestSecond = Math.max(
      0,
      ...accounts.map((a) => busiestSpan(created.filter((p) => p.account === a).map((p) => p.at))),
    );
    const idealSeconds = count / (qps * accounts.length);
    return {
      records: count,
      accounts: accounts.length,
      qpsPerAccount: qps,
      instances,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      idealSeconds,
      ratio: seconds / idealSeconds,
      calls: create.received - callsBefore.received,
      throttled: create.throttled - callsBefore.throttled,
      timeline: {
        first: offsets[0] ?? Number.NaN,
        p95: offsets[Math.floor(offsets.length * 0.95)] ?? Number.NaN,
        last: offsets[offsets.length - 1] ?? Number.NaN,
      },
      busiestSecond,
      byStatus,
      failures,
      pipelines: stack.control.pipelines().length - pipelinesBefore,
      workerInstances: stack.instances("worker"),
      trigger: {
        batches: pumpAfter.batches - pumpBefore.batches,
        deliveries: pumpAfter.deliveries - pumpBefore.deliveries,
        failed: pumpAfter.failed - pumpBefore.failed,
      },
    };
  } finally {
    stack.control.replaceFaults({});
    await stack.stop();
  }
}

export function printPacing(f: PacingFigures): void {
  const share = f.throttled / Math.max(1, f.calls);
  console.log(
    `\n== Pacing: ${f.records} records over ${f.accounts} accounts at ${f.qpsPerAccount} QPS each, ${f.instances} worker instances and pushes ==`,
  );
  console.log(
    `  all terminal after ${f.seconds.toFixed(1)} s, ideal ${f.idealSeconds.toFixed(1)} s = ${ratio(f.ratio)} (target <= 1.15x: ${verdict(f.ratio <= 1.15)})`,
  );
  console.log(
    `  CPU of the stack's process meanwhile ${f.cpuSeconds.toFixed(1)} s (${(f.cpuSeconds / f.seconds).toFixed(2)} cores)`,
  );
  console.log(
    `  CreateImagePipeline calls ${f.calls}, throttled ${f.throttled} = ${(share * 100).toFixed(1)}% (target < 5%: ${verdict(share < 0.05)})`,
  );
  console.log(
    `  pipelines created from ${f.timeline.first.toFixed(1)} s, 95% by ${f.timeline.p95.toFixed(1)} s, the last at ${f.timeline.last.toFixed(1)} s; busiest second of one account ${f.busiestSecond} pipelines`,
  );
  console.log(
    `  records ${JSON.stringify(f.byStatus)}, failures ${JSON.stringify(f.failures)}, pipelines in the simulator ${f.pipelines}; worker instances alive ${f.workerInstances}; trigger: ${f.trigger.batches} batches, ${f.trigger.deliveries} deliveries, ${f.trigger.failed} failed invocations`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const records = Number(process.env.BENCH_RECORDS ?? 1500);
  const runs = (process.env.BENCH_INSTANCES ?? "16,2").split(",").map(Number);
  for (const instances of runs) printPacing(await benchPacing({ records, instances }));
}
