/**
 * Submit latency through the local stack: N sequential POST /v1/pipelines over HTTP against a
 * warm stack (from a client thread of its own, ./http-client-thread), beside the raw emulator round trips submit makes for such a request (one conditional
 * PutRow through the record store adapter, one BatchSendMessage through the queue adapter, from a
 * thread of their own as the function has), measured the same way N times. A third series, GET of
 * an unknown path, answered by the status function without any store call, shows what the local
 * gateway and the FC hop cost by themselves.
 */
import { Worker } from "node:worker_threads";
import { invocationContext } from "../local/fc/invoker";
import type { RunningStack } from "../local/stack";
import {
  BENCH_CALLER,
  benchStack,
  ms,
  ratio,
  type Summary,
  sampleRequest,
  summarize,
  verdict,
} from "./common";
import type { HttpClientRequestKind, HttpClientSamples, HttpClientThreadInput } from "./http-client-thread";
import type { RawRoundTripsInput } from "./raw-round-trips";
import type { SubmitInThreadInput, SubmitInThreadSamples } from "./submit-in-thread";

export interface SubmitLatencyFigures {
  n: number;
  submit: Summary;
  raw: Summary;
  gatewayFloor: Summary;
  /** The bundle's handler called in a thread of its own with FC events: no gateway. */
  handlerInThread: Summary;
  /** The raw round trips, interleaved one by one with the handler calls in that same thread. */
  rawInThread: Summary;
  /** submit p50 / raw p50 - 1: what everything but the emulators' own work adds. */
  overheadP50: number;
  overheadP99: number;
  statuses: string[];
  /** Emulator calls one POST made, by operation: what the raw series repeats. */
  callsPerSubmit: Record<string, number>;
}

type Counts = Record<string, number>;

function emulatorCalls(stack: RunningStack): Counts {
  const out: Counts = {};
  for (const [op, n] of Object.entries(stack.control.tablestore.calls())) out[`Tablestore ${op}`] = n;
  for (const [op, n] of Object.entries(stack.control.mns.calls())) out[`MNS ${op}`] = n;
  return out;
}

function perCall(before: Counts, after: Counts, n: number): Counts {
  const out: Counts = {};
  for (const [op, count] of Object.entries(after)) {
    const delta = count - (before[op] ?? 0);
    if (delta > 0) out[op] = delta / n;
  }
  return out;
}

export async function benchSubmitLatency(
  options: { n?: number; stack?: RunningStack } = {},
): Promise<SubmitLatencyFigures> {
  const n = options.n ?? 300;
  const stack = options.stack ?? (await benchStack());
  try {
    // The queued records wait, so the worker does not share the CPU with the series.
    await stack.control.pauseTrigger();
    const token = await stack.control.issueToken({ sub: BENCH_CALLER, scope: "pipelines:write" });
    const body = JSON.stringify(sampleRequest());
    const statuses = new Map<number, number>();
    // The thread registers tsx itself, then loads the TypeScript module that makes the calls.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const clientModule = new URL("./http-client-thread.ts", import.meta.url).href;
    const clientThread = new Worker(
      `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(clientModule)}); });`,
      { eval: true, workerData: { url: stack.url, token, body } satisfies HttpClientThreadInput },
    );
    const clientSeries = (kind: HttpClientRequestKind, count: number): Promise<HttpClientSamples> =>
      new Promise((resolve) => {
        clientThread.once("message", resolve);
        clientThread.postMessage({ kind, count });
      });
    const post = async (count: number): Promise<number[]> => {
      const samples = await clientSeries("submit", count);
      for (const status of samples.statuses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      return samples.ms;
    };
    const floor = async (count: number): Promise<number[]> => (await clientSeries("unknown-path", count)).ms;
    const rawModule = new URL("./raw-round-trips.ts", import.meta.url).href;
    const rawThread = new Worker(
      `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(rawModule)}); });`,
      {
        eval: true,
        workerData: {
          tablestore: stack.info.emulators.tablestore,
          mns: stack.info.emulators.mns,
          accountId: stack.info.accounts.service,
        } satisfies RawRoundTripsInput,
      },
    );
    const rawSeries = (count: number): Promise<number[]> =>
      new Promise((resolve) => {
        rawThread.once("message", resolve);
        rawThread.postMessage(count);
      });
    const submitDefinition = stack.functions.submit;
    const inThreadModule = new URL("./submit-in-thread.ts", import.meta.url).href;
    const inThread = new Worker(
      `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(inThreadModule)}); });`,
      {
        eval: true,
        env: { ...submitDefinition.env },
        workerData: {
          bundle: submitDefinition.bundle,
          tablestore: stack.info.emulators.tablestore,
          mns: stack.info.emulators.mns,
          accountId: stack.info.accounts.service,
          token,
          body,
          context: { ...invocationContext(submitDefinition) },
        } satisfies SubmitInThreadInput,
      },
    );
    const inThreadSeries = (count: number): Promise<SubmitInThreadSamples> =>
      new Promise((resolve) => {
        inThread.once("message", resolve);
        inThread.postMessage(count);
      });
    // Warm up every path: instances started, connections open, code compiled.
    await post(30);
    await rawSeries(30);
    await floor(30);
    await inThreadSeries(30);
    const before = emulatorCalls(stack);
    await post(20);
    const callsPerSubmit = perCall(before, emulatorCalls(stack), 20);
    statuses.clear();
    // Interleaved in rounds, so a slow patch of the machine hits all series alike.
    const series = {
      submit: [] as number[],
      raw: [] as number[],
      floor: [] as number[],
      handler: [] as number[],
      rawInThread: [] as number[],
    };
    const round = 50;
    for (let done = 0; done < n; done += round) {
      const k = Math.min(round, n - done);
      series.submit.push(...(await post(k)));
      series.raw.push(...(await rawSeries(k)));
      series.floor.push(...(await floor(k)));
      const inThreadRound = await inThreadSeries(k);
      series.handler.push(...inThreadRound.handler);
      series.rawInThread.push(...inThreadRound.raw);
      for (const status of inThreadRound.statuses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    await clientThread.terminate();
    await rawThread.terminate();
    await inThread.terminate();
    const submit = summarize(series.submit);
    const rawSummary = summarize(series.raw);
    return {
      n,
      submit,
      raw: rawSummary,
      gatewayFloor: summarize(series.floor),
      handlerInThread: summarize(series.handler),
      rawInThread: summarize(series.rawInThread),
      overheadP50: submit.p50 / rawSummary.p50 - 1,
      overheadP99: submit.p99 / rawSummary.p99 - 1,
      statuses: [...statuses].map(([status, count]) => `${status} x${count}`),
      callsPerSubmit,
    };
  } finally {
    if (!options.stack) await stack.stop();
    else {
      await stack.control.reset();
      stack.control.resumeTrigger();
    }
  }
}

const signedPercent = (fraction: number): string =>
  `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(0)}%`;

export function printSubmitLatency(f: SubmitLatencyFigures): void {
  console.log(`\n== Submit latency, ${f.n} sequential requests each, warm stack ==`);
  const row = (label: string, s: Summary) =>
    console.log(
      `  ${label.padEnd(44)} p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  min ${ms(s.min)}  mean ${ms(s.mean)}`,
    );
  row(`POST /v1/pipelines through the stack (${f.statuses.join(", ")})`, f.submit);
  row("raw: PutRow + BatchSendMessage, adapters, own thread", f.raw);
  console.log(
    `  (emulator calls per POST: ${Object.entries(f.callsPerSubmit)
      .map(([op, n]) => `${op} ${n}`)
      .join(", ")})`,
  );
  row("gateway floor: GET unknown path (no store)", f.gatewayFloor);
  const ours = f.submit.p50 - f.gatewayFloor.p50 - f.raw.p50;
  console.log(
    `  our code alone ~ submit - gateway floor - raw = ${ms(ours)} at p50 (${signedPercent(ours / f.raw.p50)} of raw; target < 20%: ${verdict(ours / f.raw.p50 < 0.2)})`,
  );
  row("handler in a thread, FC events, no gateway", f.handlerInThread);
  row("raw in that same thread, interleaved", f.rawInThread);
  const p50 = f.handlerInThread.p50 / f.rawInThread.p50 - 1;
  const p99 = f.handlerInThread.p99 / f.rawInThread.p99 - 1;
  console.log(
    `  our code over the raw round trips, same thread: p50 ${signedPercent(p50)}, p99 ${signedPercent(p99)} (target < 20%: ${verdict(p50 < 0.2)})`,
  );
  console.log(
    `  added over the raw round trips, gateway included: p50 ${signedPercent(f.overheadP50)} (${ratio(1 + f.overheadP50)}), p99 ${signedPercent(f.overheadP99)} (target < 20%: ${verdict(f.overheadP50 < 0.2 && f.overheadP99 < 0.2)})`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printSubmitLatency(await benchSubmitLatency({ n: Number(process.env.BENCH_N ?? 300) }));
}
