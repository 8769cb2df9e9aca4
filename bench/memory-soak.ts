/**
 * Memory soak: `requests` POST /v1/pipelines through the local stack's gateway (each one a record
 * in Tablestore, a message, a worker call to the ECS simulator, a completion event), `concurrency`
 * at a time, in chunks of 1,000. Reports the stack process's RSS (every thread: the emulators and
 * gateway on the main thread, each function instance a thread of its own) and the main thread's
 * V8 heap: at the start, at the peak, after every chunk (once the chunk's records are terminal and
 * after a full GC), and at the end; the slope of each per 1,000 requests (least squares over the
 * chunk samples); and the size of the data the stack stores (its `dataDir`), to judge the target
 * "back within 1.5x of the start plus the data". `BENCH_HEAP_SNAPSHOT_DIR` writes a heap snapshot
 * of the main thread after the start and after the end (`v8.writeHeapSnapshot`), for
 * `bench/heap-summary.ts`. Figures only.
 *
 *   node --expose-gc --import tsx bench/memory-soak.ts          # BENCH_REQUESTS (10000), BENCH_CONCURRENCY (8)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import type { RunningStack } from "../local/stack";
import { benchStack, sampleRequest } from "./common";
import { untilTerminal } from "./worker-drain";

const MiB = 2 ** 20;
const IDLE_MS = 5_000;

interface Sample {
  requests: number;
  rssMiB: number;
  heapMiB: number;
}

export interface SoakFigures {
  requests: number;
  concurrency: number;
  seconds: number;
  start: Sample;
  peak: { rssMiB: number; heapMiB: number };
  chunks: Sample[];
  end: Sample;
  /** After every idle function instance was reclaimed (FC does so after 3-5 minutes idle). */
  reclaimed: Sample & { instances: number };
  slopePer1000: { rssMiB: number; heapMiB: number };
  dataMiB: number;
  statuses: Record<string, number>;
  snapshots: string[];
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with node --expose-gc (see the header)");
  collect();
  collect();
}

function sample(requests: number): Sample {
  const m = process.memoryUsage();
  return { requests, rssMiB: m.rss / MiB, heapMiB: m.heapUsed / MiB };
}

/** Least-squares slope of y over x, per 1,000 x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return (sxy / sxx) * 1000;
}

function post(agent: http.Agent, url: URL, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function dirMiB(dir: string): number {
  const kib = Number(execFileSync("du", ["-sk", dir]).toString().split(/\s/)[0]);
  return kib / 1024;
}

export async function benchMemorySoak(
  options: { requests?: number; concurrency?: number; snapshotDir?: string } = {},
): Promise<SoakFigures> {
  const total = options.requests ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "soak-"));
  // Idle instances are reclaimed after 5 s instead of FC's 3-5 minutes, so "after" comes soon.
  const stack: RunningStack = await benchStack({ dataDir, instanceIdleMs: IDLE_MS });
  const snapshots: string[] = [];
  // No keep-alive: between chunks the gateway closes idle connections (5 s), and reusing one races that.
  const agent = new http.Agent({ keepAlive: false, maxSockets: concurrency });
  try {
    const token = await stack.control.issueToken({ sub: "soak", scope: "pipelines:write pipelines:read" });
    const url = new URL("/v1/pipelines", stack.url);
    // One request first, so every function has an instance and the start is a warm stack.
    await post(agent, url, token, JSON.stringify(sampleRequest("soak-warm")));
    await untilTerminal(stack, [], 60_000);
    gc();
    const start = sample(0);
    if (options.snapshotDir)
      snapshots.push(v8.writeHeapSnapshot(path.join(options.snapshotDir, "start.heapsnapshot")));
    const peak = { rssMiB: start.rssMiB, heapMiB: start.heapMiB };
    const watch = setInterval(() => {
      const m = process.memoryUsage();
      peak.rssMiB = Math.max(peak.rssMiB, m.rss / MiB);
      peak.heapMiB = Math.max(peak.heapMiB, m.heapUsed / MiB);
    }, 100);
    const statuses: Record<string, number> = {};
    const chunks: Sample[] = [];
    const began = Date.now();
    let sent = 0;
    try {
      while (sent < total) {
        const chunk = Math.min(1000, total - sent);
        let next = 0;
        const lanes = Array.from({ length: concurrency }, async () => {
          while (next < chunk) {
            const i = sent + next++;
            const status = await post(agent, url, token, JSON.stringify(sampleRequest(`soak-${i}`)));
            statuses[status] = (statuses[status] ?? 0) + 1;
          }
        });
        await Promise.all(lanes);
        sent += chunk;
        await untilTerminal(stack, [], 600_000);
        gc();
        chunks.push(sample(sent));
        console.log(
          `  after ${sent}: rss ${chunks.at(-1)?.rssMiB.toFixed(0)} MiB, heap ${chunks.at(-1)?.heapMiB.toFixed(0)} MiB`,
        );
      }
    } finally {
      clearInterval(watch);
    }
    const seconds = (Date.now() - began) / 1000;
    gc();
    const end = sample(sent);
    const alive = () => stack.instances("submit") + stack.instances("status") + stack.instances("worker");
    const until = Date.now() + IDLE_MS * 4;
    while (alive() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    const reclaimed = { ...sample(sent), instances: alive() };
    if (options.snapshotDir)
      snapshots.push(v8.writeHeapSnapshot(path.join(options.snapshotDir, "end.heapsnapshot")));
    const points = chunks.length > 1 ? chunks : [start, ...chunks];
    return {
      requests: sent,
      concurrency,
      seconds,
      start,
      peak,
      chunks,
      end,
      reclaimed,
      slopePer1000: {
        rssMiB: slope(points.map((c) => ({ x: c.requests, y: c.rssMiB }))),
        heapMiB: slope(points.map((c) => ({ x: c.requests, y: c.heapMiB }))),
      },
      dataMiB: dirMiB(dataDir),
      statuses,
      snapshots,
    };
  } finally {
    agent.destroy();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printMemorySoak(f: SoakFigures): void {
  const back = f.reclaimed.rssMiB / (f.start.rssMiB + f.dataMiB);
  console.log(
    `\n== Memory soak: ${f.requests} POST /v1/pipelines, ${f.concurrency} at a time, ${f.seconds.toFixed(0)} s ==`,
  );
  console.log(`  answers ${JSON.stringify(f.statuses)}`);
  console.log(
    `  RSS (all threads): start ${f.start.rssMiB.toFixed(0)} MiB, peak ${f.peak.rssMiB.toFixed(0)} MiB, end ${f.end.rssMiB.toFixed(0)} MiB, after idle instances were reclaimed ${f.reclaimed.rssMiB.toFixed(0)} MiB (${f.reclaimed.instances} instances left); slope ${f.slopePer1000.rssMiB.toFixed(1)} MiB per 1,000 requests`,
  );
  console.log(
    `  main-thread heap: start ${f.start.heapMiB.toFixed(0)} MiB, peak ${f.peak.heapMiB.toFixed(0)} MiB, end ${f.end.heapMiB.toFixed(0)} MiB, reclaimed ${f.reclaimed.heapMiB.toFixed(0)} MiB; slope ${f.slopePer1000.heapMiB.toFixed(1)} MiB per 1,000 requests`,
  );
  console.log(
    `  data stored (dataDir) ${f.dataMiB.toFixed(1)} MiB; reclaimed / (start + data) = ${back.toFixed(2)}x (target <= 1.5x: ${back <= 1.5 ? "MET" : "MISSED"})`,
  );
  if (f.snapshots.length > 0) console.log(`  heap snapshots: ${f.snapshots.join(", ")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printMemorySoak(
    await benchMemorySoak({
      requests: Number(process.env.BENCH_REQUESTS ?? 10_000),
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
      ...(process.env.BENCH_HEAP_SNAPSHOT_DIR ? { snapshotDir: process.env.BENCH_HEAP_SNAPSHOT_DIR } : {}),
    }),
  );
}
