/**
 * The raw series of the submit benchmark, run in a worker thread: the function under test also runs
 * in a thread of its own (local/fc/invoker), so the raw calls pay the same cross-thread socket
 * hops to the emulators on the main thread. Posts back the milliseconds of each PutRow +
 * BatchSendMessage pair made through the same adapters submit uses.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type RawSubmitTarget, rawSubmitCalls } from "./raw-submit-calls";

export type RawRoundTripsInput = RawSubmitTarget;

const rawCalls = rawSubmitCalls(workerData as RawRoundTripsInput);

parentPort?.on("message", async (count: number) => {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await rawCalls();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  parentPort?.postMessage(samples);
});
