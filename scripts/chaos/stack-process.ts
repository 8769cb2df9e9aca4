/**
 * The stack a chaos run drives, in a process of its own so the run can `kill -9` it and start it
 * again on the same data directory (the emulators journal every answered change, local/journal.ts).
 * Started as `node --import tsx scripts/chaos/stack-process.ts '<StackProcessOptions JSON>'`; prints
 * `READY <url>` once the API answers, and stops cleanly on SIGTERM.
 */
import type { FaultSettings } from "../../local/control-plane";
import { startStack } from "../../local/stack";
import { seededRandom } from "./random";

export interface StackProcessOptions {
  port: number;
  dataDir: string;
  distDir: string;
  faults: FaultSettings;
  seed: number;
  workerTimeoutSeconds: number;
  workerMaxAttempts: number;
  reconcileIntervalMs: number;
  reconcilePendingAfterSeconds: number;
  reconcileEventOwedAfterSeconds: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as StackProcessOptions;
  const stack = await startStack({
    port: options.port,
    dataDir: options.dataDir,
    distDir: options.distDir,
    faults: options.faults,
    random: seededRandom(options.seed),
    workerTimeoutSeconds: options.workerTimeoutSeconds,
    workerMaxAttempts: options.workerMaxAttempts,
    reconcileIntervalMs: options.reconcileIntervalMs,
    reconcilePendingAfterSeconds: options.reconcilePendingAfterSeconds,
    reconcileEventOwedAfterSeconds: options.reconcileEventOwedAfterSeconds,
    batchWindowMs: 100,
    retryDelayScale: 0.05,
  });
  process.on("SIGTERM", () => {
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(`READY ${stack.url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
