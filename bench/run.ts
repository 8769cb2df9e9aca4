/**
 * `npm run bench`: cold start, submit latency, worker drain and batch submit against the built bundles
 * (`npm run build` first), one after another so they do not share the two cores, printing figures
 * and the machine they ran on. Nothing here passes or fails on a time.
 */
import { benchBatchSubmit, printBatchSubmit } from "./batch-submit";
import { benchColdStart, printColdStart } from "./cold-start";
import { machine } from "./common";
import { benchSubmitLatency, printSubmitLatency } from "./submit-latency";
import { benchWorkerDrain, printWorkerDrain } from "./worker-drain";

console.log(`${new Date().toISOString()}  ${machine()}`);
printColdStart(await benchColdStart({ runs: Number(process.env.BENCH_RUNS ?? 9) }));
printSubmitLatency(await benchSubmitLatency({ n: Number(process.env.BENCH_N ?? 300) }));
printWorkerDrain(await benchWorkerDrain({ records: Number(process.env.BENCH_RECORDS ?? 500) }));
printBatchSubmit(
  await benchBatchSubmit({
    batches: Number(process.env.BENCH_BATCHES ?? 20),
    largeBatches: Number(process.env.BENCH_LARGE_BATCHES ?? 10),
  }),
);
