/**
 * Batch submit through the local stack: POST /v1/batches of 500 items, timed from a client thread
 * of its own (./batch-client-thread), with 2 KB templates (one 2,000-character BuildContent: a
 * ~1 MB body) and with 16 KB templates (a 16,000-character BuildContent and TestContent: a ~16 MB
 * body, the largest the API takes); p50 and p99 of each, with the stack's index lag on (its
 * default). Then the drain of one such batch: from its 202 until GET /v1/batches/{id} says done,
 * beside the ideal set by the worker's ECS pacing (500 calls at WORKER_ECS_QPS_PER_ACCOUNT 20 a
 * second = 25 s). Figures only; nothing here passes or fails on a time.
 *
 * While the POSTs are timed the trigger is paused (the worker would share the two cores), and the
 * stack is reset between the two sizes so the emulators do not carry the first size's records.
 */
import { Worker } from "node:worker_threads";
import type { RunningStack } from "../local/stack";
import type { BatchClientAnswer, BatchClientRequest, BatchClientThreadInput } from "./batch-client-thread";
import { BENCH_CALLER, benchStack, ms, type Summary, summarize, verdict } from "./common";

const ITEMS = 500;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** DockerFile-style text of exactly `size` characters in at most 127 commands (the API's limit). */
export function templateOf(size: number, label: string): string {
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < size - 300; i++) {
    lines.push(`RUN echo ${label}-${String(i).padStart(3, "0")} ${"x".repeat(130)}`);
  }
  const text = `${lines.join("\n")}\nRUN echo ${label}-end `;
  return text + "y".repeat(size - text.length);
}

export type TemplateSize = "2 KB" | "16 KB";

function batchBody(size: TemplateSize, round: number): string {
  const templates =
    size === "2 KB"
      ? { BuildContent: templateOf(2_000, "build") }
      : { BuildContent: templateOf(16_000, "build"), TestContent: templateOf(16_000, "test") };
  const items = Array.from({ length: ITEMS }, (_, n) => ({
    RegionId: "cn-hangzhou",
    BaseImageType: "IMAGE",
    BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
    Name: `bench-${round}-${n}`,
    ...templates,
  }));
  return JSON.stringify({ items });
}

export interface BatchSizeFigures {
  size: TemplateSize;
  bodyBytes: number;
  post: Summary;
  statuses: Record<string, number>;
  /** `total` of GET /v1/batches/{id} sent right after each 202 (index lag on): all should be 500. */
  totalsRightAfter: number[];
  drain: { seconds: number; idealSeconds: number; counts: Record<string, number> };
}

export interface BatchSubmitFigures {
  items: number;
  indexLagMs: unknown;
  sizes: BatchSizeFigures[];
}

interface BatchReadView {
  id: string;
  total: number;
  done: boolean;
  counts: Record<string, number>;
}

async function benchSize(
  stack: RunningStack,
  call: (req: BatchClientRequest) => Promise<BatchClientAnswer>,
  size: TemplateSize,
  batches: number,
): Promise<BatchSizeFigures> {
  await stack.control.reset();
  await stack.control.pauseTrigger();
  const statuses: Record<string, number> = {};
  const samples: number[] = [];
  const totalsRightAfter: number[] = [];
  let bodyBytes = 0;
  // Two untimed rounds first: instances started, connections open, code compiled.
  for (let round = -2; round < batches; round++) {
    const body = batchBody(size, round);
    bodyBytes = Buffer.byteLength(body);
    const answer = await call({ method: "POST", path: "/v1/batches", body });
    if (round < 0) continue;
    samples.push(answer.ms);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status !== 202) continue;
    const { id } = JSON.parse(answer.body) as { id: string };
    const read = await call({ method: "GET", path: `/v1/batches/${id}?limit=1` });
    totalsRightAfter.push(
      read.status === 200 ? (JSON.parse(read.body) as BatchReadView).total : -read.status,
    );
  }

  // Drain: one batch on an empty queue, the worker running.
  await stack.control.reset();
  stack.control.resumeTrigger();
  const accepted = await call({ method: "POST", path: "/v1/batches", body: batchBody(size, batches) });
  if (accepted.status !== 202) throw new Error(`drain batch answered ${accepted.status}: ${accepted.body}`);
  const started = Date.now();
  const { id } = JSON.parse(accepted.body) as { id: string };
  let view: BatchReadView | undefined;
  while (Date.now() - started < 600_000) {
    const read = await call({ method: "GET", path: `/v1/batches/${id}?limit=1` });
    view = JSON.parse(read.body) as BatchReadView;
    if (view.done) break;
    await sleep(500);
  }
  return {
    size,
    bodyBytes,
    post: summarize(samples),
    statuses,
    totalsRightAfter,
    drain: { seconds: (Date.now() - started) / 1000, idealSeconds: ITEMS / 20, counts: view?.counts ?? {} },
  };
}

export async function benchBatchSubmit(
  options: { batches?: number; largeBatches?: number; stack?: RunningStack } = {},
): Promise<BatchSubmitFigures> {
  const stack = options.stack ?? (await benchStack());
  const token = await stack.control.issueToken({
    sub: BENCH_CALLER,
    scope: "pipelines:write pipelines:read",
  });
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const clientModule = new URL("./batch-client-thread.ts", import.meta.url).href;
  const client = new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(clientModule)}); });`,
    { eval: true, workerData: { url: stack.url, token } satisfies BatchClientThreadInput },
  );
  const call = (req: BatchClientRequest): Promise<BatchClientAnswer> =>
    new Promise((resolve) => {
      client.once("message", resolve);
      client.postMessage(req);
    });
  try {
    const sizes = [
      await benchSize(stack, call, "2 KB", options.batches ?? 20),
      await benchSize(stack, call, "16 KB", options.largeBatches ?? 10),
    ];
    return { items: ITEMS, indexLagMs: stack.control.tablestore.getIndexLag(), sizes };
  } finally {
    await client.terminate();
    stack.control.resumeTrigger();
    if (!options.stack) await stack.stop();
  }
}

export function printBatchSubmit(f: BatchSubmitFigures): void {
  console.log(
    `\n== Batch submit: POST /v1/batches of ${f.items} items, index lag ${JSON.stringify(f.indexLagMs)} ms ==`,
  );
  for (const s of f.sizes) {
    const mb = (s.bodyBytes / 2 ** 20).toFixed(1);
    const target = s.size === "2 KB" ? ` (target <= 500 ms p50: ${verdict(s.post.p50 <= 500)})` : "";
    console.log(
      `  ${s.size} templates, ${mb} MiB body: p50 ${ms(s.post.p50)}, p99 ${ms(s.post.p99)} (n ${s.post.n}, min ${ms(s.post.min)}, max ${ms(s.post.max)})${target}; statuses ${JSON.stringify(s.statuses)}`,
    );
    const whole = s.totalsRightAfter.filter((t) => t === f.items).length;
    console.log(
      `    GET right after each 202: total ${f.items} in ${whole} of ${s.totalsRightAfter.length} reads`,
    );
    console.log(
      `    drain of one batch: done ${s.drain.seconds.toFixed(1)} s after its 202, ideal ${s.drain.idealSeconds.toFixed(1)} s (worker pacing 20 calls/s) = ${(s.drain.seconds / s.drain.idealSeconds).toFixed(2)}x; ${JSON.stringify(s.drain.counts)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printBatchSubmit(
    await benchBatchSubmit({
      batches: Number(process.env.BENCH_BATCHES ?? 20),
      largeBatches: Number(process.env.BENCH_LARGE_BATCHES ?? 10),
    }),
  );
}
