/**
 * Cold start of each built bundle: a fresh Node process loads dist/<fn>/index.js, invokes `handler`
 * once with a realistic event against a running local stack, and prints when the answer arrives.
 * The parent measures spawn -> that line, interleaved run by run with a bare `node -e` that prints
 * a line at once, so both see the same machine load. Figures only; nothing here asserts a time.
 */
import { spawn } from "node:child_process";
import type { FcHttpEvent } from "../local/fc/http-gateway";
import { type FunctionDefinition, newInvocationId } from "../local/fc/invoker";
import type { FunctionKey, RunningStack } from "../local/stack";
import { encodeQueueBody } from "../shared/adapters/mns/queue-body";
import {
  BENCH_CALLER,
  benchStack,
  elapsedMs,
  ms,
  pendingRecord,
  ratio,
  sampleRequest,
  stackRecordStore,
  summarize,
  verdict,
} from "./common";

/** The FC runtime's part: load the bundle with require, call the handler once, report the answer. */
const CHILD = `
const { handler } = require(process.env.BENCH_BUNDLE);
const event = Buffer.from(process.env.BENCH_EVENT, "base64");
Promise.resolve(handler(event, JSON.parse(process.env.BENCH_CONTEXT))).then(
  (r) => { process.stdout.write("answered " + (r && r.statusCode !== undefined ? r.statusCode : JSON.stringify(r)) + "\\n"); process.exit(0); },
  (e) => { process.stdout.write("failed " + String(e && e.message || e) + "\\n"); process.exit(1); },
);`;
const BARE = `process.stdout.write("answered bare\\n")`;

const TARGETS: Record<FunctionKey, number> = { submit: 1.5, status: 1.5, worker: 3 };

interface Run {
  ms: number;
  answer: string;
}

/** Spawn -> the child's first line. */
function timeChild(script: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // BENCH_PROFILE_DIR=<dir> writes a CPU profile of every child there, to see where the time goes.
    const profile = process.env.BENCH_PROFILE_DIR
      ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE_DIR]
      : [];
    const child = spawn(process.execPath, [...profile, "-e", script], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let done = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!done && out.includes("\n")) {
        done = true;
        resolve({ ms: elapsedMs(started), answer: out.split("\n", 1)[0] ?? "" });
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (!done) reject(new Error(`child exited ${code} without an answer: ${err.slice(0, 500)}`));
    });
  });
}

function httpEvent(method: string, path: string, token: string, body?: unknown): FcHttpEvent {
  const at = new Date();
  const headers: Record<string, string> = {
    accept: "application/json",
    authorization: `Bearer ${token}`,
    "user-agent": "bench",
    host: "127.0.0.1",
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  return {
    version: "v1",
    rawPath: path,
    headers,
    queryParameters: {},
    body: body === undefined ? "" : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: "",
      domainName: "127.0.0.1",
      domainPrefix: "bench",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
      requestId: newInvocationId(),
      time: `${at.toISOString().slice(0, 19)}Z`,
      timeEpoch: String(at.getTime()),
    },
  };
}

function queueEvent(recordId: string, accountId: string): unknown[] {
  return [
    {
      id: newInvocationId(),
      source: "MNS-bench",
      specversion: "1.0",
      type: "mns:Queue:SendMessage",
      datacontenttype: "application/json; charset=utf-8",
      subject: `acs:mns:cn-hangzhou:${accountId}:queues/bench`,
      time: new Date().toISOString(),
      aliyunaccountid: accountId,
      data: {
        requestId: newInvocationId(),
        messageId: newInvocationId(),
        messageBody: encodeQueueBody({ id: recordId }),
      },
    },
  ];
}

function childEnv(definition: Readonly<FunctionDefinition>, event: unknown): Record<string, string> {
  const context = {
    requestId: newInvocationId(),
    credentials: definition.credentials,
    function: {
      name: definition.name,
      handler: "index.handler",
      memory: definition.memoryMb,
      timeout: definition.timeoutSeconds,
    },
    region: definition.region,
    accountId: definition.accountId,
  };
  return {
    ...definition.env,
    PATH: process.env.PATH ?? "",
    BENCH_BUNDLE: definition.bundle,
    BENCH_EVENT: Buffer.from(JSON.stringify(event)).toString("base64"),
    BENCH_CONTEXT: JSON.stringify(context),
  };
}

export interface ColdStartFigures {
  runs: number;
  bare: ReturnType<typeof summarize>;
  functions: Record<
    FunctionKey,
    { summary: ReturnType<typeof summarize>; ratio: number; target: number; answers: string[] }
  >;
}

export async function benchColdStart(
  options: { runs?: number; stack?: RunningStack } = {},
): Promise<ColdStartFigures> {
  const runs = options.runs ?? 9;
  const stack = options.stack ?? (await benchStack());
  try {
    // Submitted records stay queued, so the stack's worker does not compete for the CPU meanwhile.
    await stack.control.pauseTrigger();
    const store = stackRecordStore(stack);
    const token = await stack.control.issueToken({
      sub: BENCH_CALLER,
      scope: "pipelines:read pipelines:write",
    });
    const account = stack.info.accounts.service;
    const readable = pendingRecord(account);
    await store.create(readable);

    const events: Record<FunctionKey, () => Promise<unknown>> = {
      submit: async () => httpEvent("POST", "/v1/pipelines", token, sampleRequest()),
      status: async () => httpEvent("GET", `/v1/pipelines/${readable.id}`, token),
      worker: async () => {
        // A pending record nobody queued: only this invocation will take it.
        const record = pendingRecord(account);
        await store.create(record);
        return queueEvent(record.id, account);
      },
    };
    const kinds = Object.keys(events) as FunctionKey[];
    const bare: number[] = [];
    const times: Record<FunctionKey, number[]> = { submit: [], status: [], worker: [] };
    const answers: Record<FunctionKey, string[]> = { submit: [], status: [], worker: [] };
    // Run 0 warms the page cache and is not counted.
    for (let run = 0; run <= runs; run++) {
      const b = await timeChild(BARE, { PATH: process.env.PATH ?? "" });
      if (run > 0) bare.push(b.ms);
      for (const fn of kinds) {
        const result = await timeChild(CHILD, childEnv(stack.functions[fn], await events[fn]()));
        if (run > 0) {
          times[fn].push(result.ms);
          answers[fn].push(result.answer);
        }
      }
    }
    const bareSummary = summarize(bare);
    const functions = {} as ColdStartFigures["functions"];
    for (const fn of kinds) {
      const summary = summarize(times[fn]);
      functions[fn] = {
        summary,
        ratio: summary.p50 / bareSummary.p50,
        target: TARGETS[fn],
        answers: [...new Set(answers[fn])],
      };
    }
    return { runs, bare: bareSummary, functions };
  } finally {
    if (!options.stack) await stack.stop();
    else stack.control.resumeTrigger();
  }
}

export function printColdStart(f: ColdStartFigures): void {
  console.log(`\n== Cold start (spawn -> first answer), ${f.runs} interleaved runs each ==`);
  console.log(`  node -e (bare)   median ${ms(f.bare.p50)}  min ${ms(f.bare.min)}`);
  for (const [fn, x] of Object.entries(f.functions)) {
    console.log(
      `  ${fn.padEnd(16)} median ${ms(x.summary.p50)}  min ${ms(x.summary.min)}  = ${ratio(x.ratio)} bare by median, ${ratio(x.summary.min / f.bare.min)} by min (target <= ${x.target}x: ${verdict(x.ratio <= x.target)})  answers: ${x.answers.join(", ")}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printColdStart(await benchColdStart({ runs: Number(process.env.BENCH_RUNS ?? 9) }));
}
