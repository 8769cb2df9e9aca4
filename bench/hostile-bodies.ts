/**
 * Hostile bodies through the local stack: each body, up to the route's size limit, is POSTed over
 * HTTP to the gateway, which hands it to the built submit bundle as FC would; the figure is the
 * time until the whole answer is read, and the answer's size. Target: every answer within 1 s, every
 * problem document under 64 KB. Figures only; nothing here asserts a time.
 *
 * A second series calls the submit function's handler in this process with the FC event the gateway
 * would build (no HTTP, no gateway, no emulators): the function's own work for each body.
 *
 * `npx tsx bench/hostile-bodies.ts` (builds the bundles into a temporary directory first;
 * `BENCH_HOSTILE_RUNS`, default 3, is the number of times each body is sent; `BENCH_HOSTILE_STACK=0`
 * runs the in-process series alone).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { toHttpTriggerEvent } from "../local/fc/http-gateway";
import type { RunningStack } from "../local/stack";
import { buildFunctions } from "../scripts/build";
import type { AcceptDependencies } from "../shared/app/accept-request";
import type { FcContext } from "../shared/fc/context";
import { createHttpFunction } from "../shared/http/http-function";
import { BATCH_REQUEST_MAX_BYTES, SINGLE_REQUEST_MAX_BYTES } from "../shared/http/routes";
import { submitOperations } from "../shared/http/submit-operations";
import { BENCH_CALLER, benchStack, machine, ms, sampleRequest, summarize } from "./common";

const TARGET_MS = 1000;
const PROBLEM_MAX_BYTES = 64 * 1024;

interface HostileBody {
  name: string;
  path: "/v1/pipelines" | "/v1/batches";
  body: Buffer;
}

/** The sample request as JSON text without its closing brace, so members can be appended. */
const OPEN_REQUEST = JSON.stringify(sampleRequest("hostile")).slice(0, -1);

/** One request of about `bytes` bytes made of unknown keys `"kN":0`. */
function requestWithUnknownKeys(bytes: number, prefix = "k"): string {
  const members: string[] = [];
  let size = OPEN_REQUEST.length + 1;
  for (let i = 0; size < bytes; i++) {
    const member = `"${prefix}${i}":0`;
    members.push(member);
    size += member.length + 1;
  }
  return `${OPEN_REQUEST},${members.join(",")}}`;
}

/** A batch of `items` copies of `item`, its size just under the batch limit. */
const batchOf = (item: string, items: number): Buffer =>
  Buffer.from(`{"items":[${Array(items).fill(item).join(",")}]}`);

/** Item size that fills `total` bytes with `items` items. */
const itemBytes = (total: number, items: number): number => Math.floor((total - 16) / items) - 1;

function hostileBodies(): HostileBody[] {
  const sixteen = BATCH_REQUEST_MAX_BYTES - 1024;
  const eight = 8 * 1024 * 1024;
  const validItems = Array.from({ length: 500 }, (_, i) =>
    JSON.stringify(sampleRequest(`hostile-valid-${i}`)),
  );
  return [
    {
      name: "single request, 64 KiB of unknown keys",
      path: "/v1/pipelines",
      body: Buffer.from(requestWithUnknownKeys(SINGLE_REQUEST_MAX_BYTES - 64)),
    },
    {
      name: "batch 8 MiB: 500 items of unknown keys",
      path: "/v1/batches",
      body: batchOf(requestWithUnknownKeys(itemBytes(eight, 500)), 500),
    },
    {
      name: "batch 16 MiB: 500 items of unknown keys",
      path: "/v1/batches",
      body: batchOf(requestWithUnknownKeys(itemBytes(sixteen, 500)), 500),
    },
    {
      name: "batch 16 MiB: 500 items, each with a list of 1,700 tags",
      path: "/v1/batches",
      body: batchOf(`${OPEN_REQUEST},"Tag":[${Array(1700).fill('{"Key":"k","x":1}').join(",")}]}`, 500),
    },
    {
      name: "batch 16 MiB: 256 items, each with a 64 KiB BuildContent",
      path: "/v1/batches",
      body: batchOf(
        `${OPEN_REQUEST.replace(
          '"RUN yum install -y nginx"',
          `"RUN ${"x".repeat(itemBytes(sixteen, 256) - 400)}"`,
        )}}`,
        256,
      ),
    },
    {
      name: "batch 0.5 MiB: 1 item (over its 64 KiB share: 413 after parsing)",
      path: "/v1/batches",
      body: Buffer.from(`{"items":[${requestWithUnknownKeys(512 * 1024)}]}`),
    },
    {
      name: "batch 16 MiB of invalid UTF-8 in a string",
      path: "/v1/batches",
      body: Buffer.concat([
        Buffer.from(`{"items":[${OPEN_REQUEST},"Description":"`),
        Buffer.alloc(sixteen - 1024, 0xff),
        Buffer.from('"}]}'),
      ]),
    },
    {
      name: "batch 16 MiB, JSON cut off at the end",
      path: "/v1/batches",
      body: ((full: Buffer) => full.subarray(0, full.length - 100))(
        batchOf(requestWithUnknownKeys(itemBytes(sixteen, 500)), 500),
      ),
    },
    {
      name: "batch of 500 valid items (accepted: 500 records written and enqueued)",
      path: "/v1/batches",
      body: Buffer.from(`{"items":[${validItems.join(",")}]}`),
    },
  ];
}

export interface HostileFigure {
  name: string;
  requestBytes: number;
  status: number;
  code: string;
  responseBytes: number;
  errorCount?: number;
  listed?: number;
  ms: ReturnType<typeof summarize>;
  /** CPU of this whole process (client, gateway, function thread, emulators) during the request. */
  cpuMs: ReturnType<typeof summarize>;
}

async function send(stack: RunningStack, token: string, body: HostileBody) {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const res = await fetch(`${stack.url}${body.path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body.body,
  });
  const text = await res.text();
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpuBefore);
  return { elapsed, cpu: (used.user + used.system) / 1000, status: res.status, text };
}

/** The submit chain with a caller who may write and no store: every hostile body is refused before one is needed. */
function inProcessSubmit() {
  const unreachable = () => {
    throw new Error("a hostile body reached the store");
  };
  const port = new Proxy({}, { get: () => unreachable });
  return createHttpFunction({
    functionName: "submit",
    verifier: () => async () => ({ sub: BENCH_CALLER, scopes: new Set(["pipelines:write"]) }),
    operations: submitOperations(() => ({
      accept: {
        store: port,
        queue: port,
        clock: port,
        logger: port,
        serviceAccountId: "1",
      } as AcceptDependencies,
      cancel: { store: port, clock: port, logger: port } as never,
      validate: { serviceAccountId: "1" },
    })),
  });
}

const CONTEXT: FcContext = {
  requestId: "bench",
  credentials: { accessKeyId: "id", accessKeySecret: "secret", securityToken: "" },
  function: { name: "image-pipeline-submit", handler: "index.handler", memory: 512, timeout: 10 },
  region: "cn-hangzhou",
  accountId: "1",
};

/** The FC event the gateway would build for this body, as the Buffer FC hands over. */
function fcEventOf(body: HostileBody): Buffer {
  const req = {
    url: body.path,
    method: "POST",
    httpVersion: "1.1",
    headersDistinct: { "content-type": ["application/json"], authorization: ["Bearer x"] },
    socket: { remoteAddress: "127.0.0.1" },
  } as never;
  const event = toHttpTriggerEvent(req, body.body, {
    accountId: "1",
    functionName: "submit",
    requestId: "bench",
  });
  return Buffer.from(JSON.stringify(event));
}

export interface InProcessFigure {
  name: string;
  status: number;
  ms: ReturnType<typeof summarize>;
  /** CPU time of this process during the call: what the body costs, less the machine's load. */
  cpuMs: ReturnType<typeof summarize>;
}

export async function benchInProcess(runs: number): Promise<InProcessFigure[]> {
  const submit = inProcessSubmit();
  const figures: InProcessFigure[] = [];
  for (const body of hostileBodies().filter((b) => !b.name.includes("valid items"))) {
    const event = fcEventOf(body);
    const samples: number[] = [];
    const cpu: number[] = [];
    let status = 0;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      status = (await submit(event, CONTEXT)).statusCode;
      const used = process.cpuUsage(cpuBefore);
      samples.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
    }
    figures.push({ name: body.name, status, ms: summarize(samples), cpuMs: summarize(cpu) });
  }
  return figures;
}

export function printInProcess(figures: InProcessFigure[]): void {
  console.log(
    "\nThe submit handler alone, in this process, with the gateway's FC event (parse, decode, validate, answer)\n",
  );
  console.log("| body | answer | wall median / max | CPU median / max |");
  console.log("| --- | --- | --- | --- |");
  for (const f of figures)
    console.log(
      `| ${f.name} | ${f.status} | ${ms(f.ms.p50)} / ${ms(f.ms.max)} | ${ms(f.cpuMs.p50)} / ${ms(f.cpuMs.max)} |`,
    );
}

export async function benchHostileBodies(runs: number): Promise<HostileFigure[]> {
  const dist = await mkdtemp(path.join(tmpdir(), "bench-hostile-dist-"));
  await buildFunctions(dist);
  const stack = await benchStack({ distDir: dist });
  try {
    const token = await stack.control.issueToken({ sub: BENCH_CALLER, scope: "pipelines:write" });
    const figures: HostileFigure[] = [];
    // A small request first, so no body pays the functions' cold start.
    await send(stack, token, { name: "warm-up", path: "/v1/pipelines", body: Buffer.from("{}") });
    for (const body of hostileBodies()) {
      const samples: number[] = [];
      const cpu: number[] = [];
      let last = { elapsed: 0, cpu: 0, status: 0, text: "" };
      for (let run = 0; run < runs; run++) {
        last = await send(stack, token, body);
        samples.push(last.elapsed);
        cpu.push(last.cpu);
      }
      const answer = (last.text ? JSON.parse(last.text) : {}) as {
        code?: string;
        errorCount?: number;
        errors?: unknown[];
      };
      figures.push({
        name: body.name,
        requestBytes: body.body.length,
        status: last.status,
        code: answer.code ?? (last.status === 202 ? "accepted" : ""),
        responseBytes: Buffer.byteLength(last.text),
        ...(answer.errorCount !== undefined ? { errorCount: answer.errorCount } : {}),
        ...(answer.errors ? { listed: answer.errors.length } : {}),
        ms: summarize(samples),
        cpuMs: summarize(cpu),
      });
    }
    return figures;
  } finally {
    await stack.stop();
    await rm(dist, { recursive: true, force: true });
  }
}

export function printHostileBodies(figures: HostileFigure[]): void {
  console.log(`\nHostile bodies through the local stack (${machine()})`);
  console.log(
    `target: every answer within ${TARGET_MS} ms, every problem document under ${PROBLEM_MAX_BYTES} bytes\n`,
  );
  console.log(
    "| body | request | answer | errors listed / counted | answer size | wall median / max | CPU (client + stack) median | verdict |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const f of figures) {
    const inTime = f.ms.max <= TARGET_MS;
    const small = f.status === 202 || f.responseBytes < PROBLEM_MAX_BYTES;
    const errors = f.listed === undefined ? "" : `${f.listed} / ${f.errorCount}`;
    console.log(
      `| ${f.name} | ${(f.requestBytes / 1024 / 1024).toFixed(2)} MiB | ${f.status} ${f.code} | ${errors} | ${f.responseBytes} B | ${ms(f.ms.p50)} / ${ms(f.ms.max)} | ${ms(f.cpuMs.p50)} | ${inTime && small ? "met" : "missed"} |`,
    );
  }
}

const onlyInProcess = process.env.BENCH_HOSTILE_STACK === "0";

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = Number(process.env.BENCH_HOSTILE_RUNS ?? 3);
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")}`,
  );
  printInProcess(await benchInProcess(runs));
  if (!onlyInProcess) printHostileBodies(await benchHostileBodies(runs));
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")}`,
  );
}
