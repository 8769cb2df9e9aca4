/**
 * Cold start of each built bundle: a fresh Node process loads dist/<fn>/index.js, invokes `handler`
 * once with a realistic event against a running local stack, and prints when the answer arrives.
 * The parent measures spawn -> that line, interleaved run by run with a bare `node -e` that prints
 * a line at once, so both see the same machine load. Beside submit and status it times their
 * floors (./cold-start-floors: the same HTTP exchanges with bare node:http, alone and after
 * loading only the official SDKs), which bound from below what any implementation with those SDKs
 * can reach; BENCH_FLOORS=0 skips them. Figures only; nothing here asserts a time.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { FcHttpEvent } from "../local/fc/http-gateway";
import { type FunctionDefinition, invocationContext, newInvocationId } from "../local/fc/invoker";
import type { FunctionKey, RunningStack } from "../local/stack";
import { encodeQueueBody } from "../shared/adapters/mns/queue-body";
import {
  buildSdkLoadFloor,
  FLOOR_FUNCTIONS,
  type FloorFunction,
  isFloorFunction,
  officialSdkModulesOf,
  recordFirstAnswer,
  SDK_AND_WIRE_FLOOR_CHILD,
  WIRE_FLOOR_CHILD,
  wireFloorEnv,
} from "./cold-start-floors";
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
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const { handler } = require(process.env.BENCH_BUNDLE);
const event = Buffer.from(process.env.BENCH_EVENT, "base64");
Promise.resolve(handler(event, JSON.parse(process.env.BENCH_CONTEXT))).then(
  (r) => { process.stdout.write("answered " + (r && r.statusCode !== undefined ? r.statusCode : JSON.stringify(r)) + "\\t" + cpuMs() + "\\n"); process.exit(0); },
  (e) => { process.stdout.write("failed " + String(e && e.message || e) + "\\n"); process.exit(1); },
);`;
const BARE = `const u = process.cpuUsage(); process.stdout.write("answered bare\\t" + (u.user + u.system) / 1000 + "\\n")`;

const TARGETS: Record<FunctionKey, number> = { submit: 1.5, status: 1.5, worker: 3 };

interface Run {
  ms: number;
  /** CPU time of the child (all its threads) until it answered: far less load-sensitive than `ms`. */
  cpuMs: number;
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
        const [answer = "", cpu = "NaN"] = (out.split("\n", 1)[0] ?? "").split("\t");
        resolve({ ms: elapsedMs(started), cpuMs: Number(cpu), answer });
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
  return {
    ...definition.env,
    PATH: process.env.PATH ?? "",
    BENCH_BUNDLE: definition.bundle,
    BENCH_EVENT: Buffer.from(JSON.stringify(event)).toString("base64"),
    BENCH_CONTEXT: JSON.stringify(invocationContext(definition)),
  };
}

export interface ColdStartFigures {
  runs: number;
  bare: ReturnType<typeof summarize>;
  functions: Record<FunctionKey, VariantFigures & { ratio: number; target: number; answers: string[] }>;
  /** CPU time of the bare `node -e`. */
  bareCpu: ReturnType<typeof summarize>;
  variants: { name: string; functions: Record<FunctionKey, VariantFigures> }[];
  /** What submit and status cannot go below with the official SDKs; empty with BENCH_FLOORS=0. */
  floors: Partial<Record<FloorFunction, FunctionFloors>>;
}

export interface VariantFigures {
  summary: ReturnType<typeof summarize>;
  cpu: ReturnType<typeof summarize>;
}

/** The floors of one function (bench/cold-start-floors.ts). */
export interface FunctionFloors {
  /** Its first answer's HTTP exchanges replayed with node:http, plus the token check. */
  wire: VariantFigures & {
    /** "<method> <upstream env> <path> <status when recorded>", in the order they were made. */
    exchanges: string[];
    answers: string[];
  };
  /**
   * Loading only the official SDK modules its bundle contains (bundled as the function is), then the
   * same exchanges: its ratio to bare Node is a lower bound for any implementation with those SDKs.
   */
  sdkAndWire: VariantFigures & { modules: string[]; answers: string[] };
}

/** A floor child ready to spawn, and where its runs go. */
interface FloorSeries {
  script: string;
  env: Record<string, string>;
  times: number[];
  cpu: number[];
  answers: string[];
}

interface PreparedFloors {
  wire: FloorSeries & { exchanges: string[] };
  sdkAndWire: FloorSeries & { modules: string[] };
}

function emptyTimes(): Record<FunctionKey, number[]> {
  return { submit: [], status: [], worker: [] };
}

/** Other builds to time beside the stack's own, run by run (A/B of a build change). */
export interface ColdStartVariant {
  name: string;
  /** A directory laid out like dist/: `<distDir>/<function>/index.js`. */
  distDir: string;
}

export async function benchColdStart(
  options: {
    runs?: number;
    stack?: RunningStack;
    variants?: ColdStartVariant[];
    /** Time the submit and status floors too; default unless BENCH_FLOORS=0. */
    floors?: boolean;
  } = {},
): Promise<ColdStartFigures> {
  const runs = options.runs ?? 9;
  const stack = options.stack ?? (await benchStack());
  let floorDir: string | undefined;
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
    const variants = options.variants ?? [];
    const variantTimes = variants.map(() => emptyTimes());
    const cpu = { bare: [] as number[], main: emptyTimes(), variants: variants.map(() => emptyTimes()) };
    const floors: Partial<Record<FloorFunction, PreparedFloors>> = {};
    if (options.floors ?? process.env.BENCH_FLOORS !== "0") {
      floorDir = await mkdtemp(path.join(os.tmpdir(), "cold-start-floors-"));
      for (const fn of FLOOR_FUNCTIONS) {
        floors[fn] = await prepareFloors(fn, stack.functions[fn], events[fn], token, floorDir);
      }
    }
    // Run 0 warms the page cache and is not counted. Variants and floors take turns going first,
    // run by run.
    for (let run = 0; run <= runs; run++) {
      const b = await timeChild(BARE, { PATH: process.env.PATH ?? "" });
      if (run > 0) {
        bare.push(b.ms);
        cpu.bare.push(b.cpuMs);
      }
      for (const fn of kinds) {
        const slots: (() => Promise<void>)[] = [-1, ...variants.keys()].map((slot) => async () => {
          const variant = variants[slot];
          const definition = variant
            ? { ...stack.functions[fn], bundle: path.join(variant.distDir, fn, "index.js") }
            : stack.functions[fn];
          const result = await timeChild(CHILD, childEnv(definition, await events[fn]()));
          if (variant && !result.answer.startsWith("answered")) {
            throw new Error(`${variant.name} ${fn}: ${result.answer}`);
          }
          if (run === 0) return;
          if (variant) {
            variantTimes[slot]?.[fn].push(result.ms);
            cpu.variants[slot]?.[fn].push(result.cpuMs);
          } else {
            times[fn].push(result.ms);
            answers[fn].push(result.answer);
            cpu.main[fn].push(result.cpuMs);
          }
        });
        const fnFloors = isFloorFunction(fn) ? floors[fn] : undefined;
        for (const series of fnFloors ? [fnFloors.wire, fnFloors.sdkAndWire] : []) {
          slots.push(async () => {
            const result = await timeChild(series.script, series.env);
            if (!result.answer.startsWith("answered")) throw new Error(`${fn} floor: ${result.answer}`);
            if (run === 0) return;
            series.times.push(result.ms);
            series.cpu.push(result.cpuMs);
            series.answers.push(result.answer);
          });
        }
        for (let k = 0; k < slots.length; k++) await slots[(k + run) % slots.length]?.();
      }
    }
    const bareSummary = summarize(bare);
    const functions = {} as ColdStartFigures["functions"];
    for (const fn of kinds) {
      const summary = summarize(times[fn]);
      functions[fn] = {
        summary,
        cpu: summarize(cpu.main[fn]),
        ratio: summary.p50 / bareSummary.p50,
        target: TARGETS[fn],
        answers: [...new Set(answers[fn])],
      };
    }
    return {
      runs,
      bare: bareSummary,
      bareCpu: summarize(cpu.bare),
      functions,
      variants: variants.map((v, i) => ({
        name: v.name,
        functions: Object.fromEntries(
          kinds.map((fn) => [
            fn,
            { summary: summarize(variantTimes[i]?.[fn] ?? []), cpu: summarize(cpu.variants[i]?.[fn] ?? []) },
          ]),
        ) as Record<FunctionKey, VariantFigures>,
      })),
      floors: Object.fromEntries(
        Object.entries(floors).map(([fn, f]) => [fn, floorFigures(f)]),
      ) as ColdStartFigures["floors"],
    };
  } finally {
    if (floorDir) await rm(floorDir, { recursive: true, force: true });
    if (!options.stack) await stack.stop();
    else stack.control.resumeTrigger();
  }
}

/**
 * Records the function's first answer (a fresh child, as the timed ones) through proxies and builds
 * its SDK-only bundle under `dir`. Done once, before the timed runs: the floors replay and load what
 * the function did then.
 */
async function prepareFloors(
  fn: FloorFunction,
  definition: Readonly<FunctionDefinition>,
  event: () => Promise<unknown>,
  token: string,
  dir: string,
): Promise<PreparedFloors> {
  const exchanges = await recordFirstAnswer(definition.env, async (env) =>
    timeChild(CHILD, childEnv({ ...definition, env }, await event())),
  );
  const modules = await officialSdkModulesOf(path.dirname(path.dirname(definition.bundle)), fn);
  const bundle = await buildSdkLoadFloor(dir, fn, modules);
  // Each series gets its own arrays: the timed loop appends to them.
  const runsOf = () => ({ times: [], cpu: [], answers: [] });
  return {
    wire: {
      ...runsOf(),
      script: WIRE_FLOOR_CHILD,
      env: wireFloorEnv(exchanges, token),
      exchanges: exchanges.map((x) => `${x.method} ${x.upstream} ${new URL(x.url).pathname} ${x.status}`),
    },
    sdkAndWire: {
      ...runsOf(),
      script: SDK_AND_WIRE_FLOOR_CHILD,
      env: { ...wireFloorEnv(exchanges, token), BENCH_BUNDLE: bundle },
      modules,
    },
  };
}

function floorFigures(f: PreparedFloors): FunctionFloors {
  const answers = (series: FloorSeries) => [...new Set(series.answers)];
  return {
    wire: {
      summary: summarize(f.wire.times),
      cpu: summarize(f.wire.cpu),
      exchanges: f.wire.exchanges,
      answers: answers(f.wire),
    },
    sdkAndWire: {
      summary: summarize(f.sdkAndWire.times),
      cpu: summarize(f.sdkAndWire.cpu),
      modules: f.sdkAndWire.modules,
      answers: answers(f.sdkAndWire),
    },
  };
}

export function printColdStart(f: ColdStartFigures): void {
  console.log(`\n== Cold start (spawn -> first answer), ${f.runs} interleaved runs each ==`);
  console.log(
    `  node -e (bare)   median ${ms(f.bare.p50)}  min ${ms(f.bare.min)}  cpu median ${ms(f.bareCpu.p50)}`,
  );
  for (const [fn, x] of Object.entries(f.functions)) {
    console.log(
      `  ${fn.padEnd(16)} median ${ms(x.summary.p50)}  min ${ms(x.summary.min)}  = ${ratio(x.ratio)} bare by median, ${ratio(x.summary.min / f.bare.min)} by min, cpu median ${ms(x.cpu.p50)} (target <= ${x.target}x: ${verdict(x.ratio <= x.target)})  answers: ${x.answers.join(", ")}`,
    );
    for (const v of f.variants) printSeries(v.name, v.functions[fn as FunctionKey], f.bare);
    const floors = isFloorFunction(fn) ? f.floors[fn] : undefined;
    if (!floors) continue;
    printSeries("wire floor", floors.wire, f.bare, `answers: ${floors.wire.answers.join(", ")}`);
    console.log(`      recorded exchanges: ${floors.wire.exchanges.join("; ")}`);
    printSeries(
      "SDK+wire floor",
      floors.sdkAndWire,
      f.bare,
      `loads: ${floors.sdkAndWire.modules.join(", ")}; answers: ${floors.sdkAndWire.answers.join(", ")} (the lowest ratio reachable with the official SDKs)`,
    );
  }
}

function printSeries(
  name: string,
  { summary: y, cpu }: VariantFigures,
  bare: ReturnType<typeof summarize>,
  note = "",
): void {
  console.log(
    `    ${name.padEnd(14)} median ${ms(y.p50)}  min ${ms(y.min)}  = ${ratio(y.p50 / bare.p50)} bare by median, ${ratio(y.min / bare.min)} by min, cpu median ${ms(cpu.p50)}${note ? `  ${note}` : ""}`,
  );
}

/** BENCH_VARIANTS="name=dir,name=dir": builds to time beside dist/, e.g. the build before a change. */
function variantsFromEnv(value: string | undefined): ColdStartVariant[] {
  if (!value) return [];
  return value.split(",").map((pair) => {
    const [name = "", distDir = ""] = pair.split("=");
    return { name, distDir: path.resolve(distDir) };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printColdStart(
    await benchColdStart({
      runs: Number(process.env.BENCH_RUNS ?? 9),
      variants: variantsFromEnv(process.env.BENCH_VARIANTS),
    }),
  );
}
