/**
 * A chaos run (`npm run chaos`, issue 12): starts the local stack in a child process with faults on,
 * submits single requests and batches over several accounts, regions and callers (one account has
 * no role to assume), kills the stack with SIGKILL every N seconds and starts it again on the same
 * data directory, waits until every accepted record is terminal and every completion event has
 * arrived, then checks every invariant (./invariants.ts) and reports figures.
 *
 * Every submit carries an Idempotency-Key, so a request whose answer was lost to a kill is sent
 * again without making a second record. Events are read through GET /_local/events (a queue
 * subscribed to the topic, drained into the stack's memory) often, and never while a kill is due,
 * so none is lost with the process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FaultSettings } from "../../local/control-plane";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TRUSTING_ACCOUNT_IDS } from "../../local/identities";
import { loadJwtIssuer } from "../../local/jwt";
import {
  checkInvariants,
  type SeenBatch,
  type SeenEvent,
  type SeenPipeline,
  type SeenRecord,
  type Status,
  type Violation,
} from "./invariants";
import { seededRandom } from "./random";
import type { StackProcessOptions } from "./stack-process";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The issue's mix: ECS throttling 30%, 5xx 10%, dropped after commit 5%, duplicates 10%, crashes 2%. */
export const ALL_FAULTS: FaultSettings = {
  ecs: { throttleRate: 0.3, serverErrorRate: 0.1, dropAfterCommitRate: 0.05, latencyMs: [5, 50] },
  mns: { duplicateRate: 0.1 },
  worker: { crashAfterCallRate: 0.02, crashBeforePublishRate: 0.02 },
};

/** The local STS knows no role in this account: its records fail with the STS code. */
export const NO_ROLE_ACCOUNT = "1000000000000009";
const ACCOUNTS = [LOCAL_SERVICE_ACCOUNT_ID, ...LOCAL_TRUSTING_ACCOUNT_IDS];
const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];
const CALLERS = ["alice", "bob", "carol"];
const SCOPE = "pipelines:write pipelines:read";
const ADMIN_SCOPE = "pipelines:read pipelines:admin";

export interface ChaosOptions {
  records: number;
  faults: FaultSettings;
  /** Seconds from the start of submission during which the events topic refuses every publish. */
  topicOutageSeconds: number;
  /** SIGKILL the stack and start it again this often; 0 = never. */
  killEverySeconds: number;
  /** At most this many kills. */
  maxKills: number;
  seed: number;
  /** Bound on the whole run after the stack first started. */
  timeoutSeconds: number;
  /** Prebuilt bundles; built into a temporary directory when absent. */
  distDir?: string;
  workerTimeoutSeconds: number;
  workerMaxAttempts: number;
  reconcileIntervalMs: number;
  reconcileEventOwedAfterSeconds: number;
  log: (line: string) => void;
}

export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  records: 200,
  faults: ALL_FAULTS,
  topicOutageSeconds: 0,
  killEverySeconds: 0,
  maxKills: Number.POSITIVE_INFINITY,
  seed: 1,
  timeoutSeconds: 900,
  workerTimeoutSeconds: 10,
  workerMaxAttempts: 5,
  reconcileIntervalMs: 5_000,
  reconcileEventOwedAfterSeconds: 5,
  log: () => undefined,
};

export interface ChaosReport {
  violations: Violation[];
  figures: [string, string][];
  /** Records accepted, kills done, and events received, for callers that assert on them. */
  accepted: number;
  kills: number;
  events: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stack child process: start, SIGKILL, stop. */
class StackChild {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  url = "";

  constructor(private readonly options: StackProcessOptions) {}

  async start(life: number): Promise<void> {
    const args = JSON.stringify({ ...this.options, seed: this.options.seed + life * 7919 });
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(root, "scripts/chaos/stack-process.ts"), args],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`the stack did not start in 90 s: ${stderr}`)), 90_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /READY (\S+)/.exec(out);
        if (ready?.[1]) {
          clearTimeout(timer);
          resolve(ready[1]);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the stack exited with ${code} before it was ready: ${stderr}`));
      });
    });
  }

  async kill9(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill("SIGTERM");
    const stopped = await Promise.race([this.exited?.then(() => true), sleep(15_000).then(() => false)]);
    if (!stopped) await this.kill9();
  }
}

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One planned submission: a single request or a batch, by one caller. */
interface Job {
  caller: string;
  kind: "single" | "batch";
  items: Record<string, unknown>[];
  key: string;
}

function plan(records: number, random: () => number): Job[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const item = (n: number): Record<string, unknown> => {
    const roll = random();
    const account = roll < 0.05 ? NO_ROLE_ACCOUNT : pick(ACCOUNTS);
    return {
      RegionId: pick(REGIONS),
      BaseImageType: "IMAGE",
      BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
      Name: `chaos-${n}`,
      BuildContent: "RUN yum install -y nginx",
      ...(account === LOCAL_SERVICE_ACCOUNT_ID && random() < 0.5 ? {} : { AccountId: account }),
    };
  };
  const jobs: Job[] = [];
  let made = 0;
  while (made < records) {
    const batch = random() < 0.6 && records - made >= 5;
    const size = batch ? Math.min(records - made, 5 + Math.floor(random() * 16)) : 1;
    const items = Array.from({ length: size }, (_, i) => item(made + i));
    jobs.push({ caller: pick(CALLERS), kind: batch ? "batch" : "single", items, key: randomUUID() });
    made += size;
  }
  return jobs;
}

export async function runChaos(overrides: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const options: ChaosOptions = { ...DEFAULT_CHAOS_OPTIONS, ...overrides };
  const { log } = options;
  const work = await mkdtemp(path.join(tmpdir(), "chaos-"));
  try {
    return await runIn(work, options, log);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function runIn(work: string, options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const dataDir = path.join(work, "data");
  const distDir = await bundlesFor(work, options.distDir, log);
  const { tokens, admin } = await issueTokens(dataDir);
  const jobs = plan(options.records, seededRandom(options.seed));
  const startedAt = Date.now();
  const stack = new StackChild(await stackProcessOptions(options, dataDir, distDir, startedAt));
  await stack.start(0);
  log(`stack up at ${stack.url}; ${jobs.length} submissions for ${options.records} records`);
  const deadline = startedAt + options.timeoutSeconds * 1000;
  const api = new ChaosApi(stack, deadline);
  const submission = submitAll(api, jobs, tokens);
  const monitor = new Monitor(stack, options, startedAt);
  monitor.start();

  const submitted = await submission;
  const submittedAt = Date.now();
  log(`submitted ${submitted.accepted.length} records in ${((submittedAt - startedAt) / 1000).toFixed(1)} s`);
  const records = new Map<string, SeenRecord>();
  const readRecords = () => readAllRecords(api, tokens, records);
  const drainedAt = await untilAllTerminal(readRecords, submitted.accepted, records, deadline, log);
  const eventsAt = await untilEventsArrived(monitor, records, deadline);
  await monitor.stop();
  await monitor.readEvents().catch(() => undefined);
  await readRecords();
  const batches = await readBatches(api, submitted.batchIds, admin);
  const pipelines = (await (await fetch(`${stack.url}/_local/ecs/pipelines`)).json()) as SeenPipeline[];
  await monitor.snapshotCounters();
  await stack.stop();

  const times = { startedAt, submittedAt, drainedAt, eventsAt };
  return chaosReport({ options, jobs, submitted, records, batches, pipelines, monitor, api, times });
}

interface RunOutcome {
  options: ChaosOptions;
  jobs: Job[];
  submitted: Submitted;
  records: Map<string, SeenRecord>;
  batches: SeenBatch[];
  pipelines: SeenPipeline[];
  monitor: Monitor;
  api: ChaosApi;
  times: FigureInput["times"];
}

/** The invariants checked over what the run saw, and its figures. */
function chaosReport(run: RunOutcome): ChaosReport {
  const { records, pipelines, monitor, submitted } = run;
  const events = [...monitor.events.values()];
  const { accepted, refused } = submitted;
  const violations = checkInvariants({
    accepted,
    records,
    pipelines,
    batches: run.batches,
    events,
    serverErrors: run.api.serverErrors,
    refused,
  });
  const { kills, eventsReceived, counters } = monitor;
  return {
    violations,
    accepted: accepted.length,
    kills,
    events: eventsReceived,
    figures: figures({
      options: run.options,
      accepted,
      jobs: run.jobs,
      records,
      pipelines,
      eventsReceived,
      events,
      kills,
      counters,
      times: run.times,
    }),
  };
}

/** The prebuilt bundles, or bundles built into the run's directory. */
async function bundlesFor(
  work: string,
  distDir: string | undefined,
  log: (line: string) => void,
): Promise<string> {
  if (distDir) return distDir;
  const built = path.join(work, "dist");
  log("building the bundles ...");
  const { buildFunctions } = await import("../build");
  await buildFunctions(built);
  return built;
}

/** A token per caller, and an admin's for the batches, signed with the key the stack will serve. */
async function issueTokens(dataDir: string): Promise<{ tokens: Map<string, string>; admin: string }> {
  const issuer = await loadJwtIssuer(dataDir);
  const tokens = new Map<string, string>();
  for (const caller of CALLERS) tokens.set(caller, await issuer.issue({ sub: caller, scope: SCOPE }));
  const admin = await issuer.issue({ sub: "chaos-admin", scope: ADMIN_SCOPE });
  return { tokens, admin };
}

/** The stack's settings; a topic outage runs from the start of the run. */
async function stackProcessOptions(
  options: ChaosOptions,
  dataDir: string,
  distDir: string,
  startedAt: number,
): Promise<StackProcessOptions> {
  const outageUntil = options.topicOutageSeconds > 0 ? startedAt + options.topicOutageSeconds * 1000 : 0;
  const faults: FaultSettings = {
    ...options.faults,
    mns: { ...options.faults.mns, ...(outageUntil ? { topicOutageUntil: outageUntil } : {}) },
  };
  return {
    port: await freePort(),
    dataDir,
    distDir,
    faults,
    seed: options.seed,
    workerTimeoutSeconds: options.workerTimeoutSeconds,
    workerMaxAttempts: options.workerMaxAttempts,
    reconcileIntervalMs: options.reconcileIntervalMs,
    reconcilePendingAfterSeconds: 30,
    reconcileEventOwedAfterSeconds: options.reconcileEventOwedAfterSeconds,
  };
}

/** The service's API on the stack, recording every 5xx answer. */
class ChaosApi {
  readonly serverErrors: string[] = [];

  constructor(
    private readonly stack: StackChild,
    private readonly deadline: number,
  ) {}

  async call(
    method: string,
    target: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    const res = await fetch(`${this.stack.url}${target}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 500)
      this.serverErrors.push(`${method} ${target.split("?")[0]} -> ${res.status} ${text.slice(0, 200)}`);
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Retries network failures (the stack is being restarted) and 5xx (already recorded) until the deadline. */
  async retrying(call: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
    for (;;) {
      try {
        const answer = await call();
        if (answer.status < 500) return answer;
      } catch (err) {
        if (Date.now() > this.deadline) throw err;
      }
      if (Date.now() > this.deadline) throw new Error("the run's time is up");
      await sleep(300);
    }
  }
}

interface Submitted {
  accepted: string[];
  batchIds: string[];
  refused: string[];
}

/** Every job, in six lanes. */
async function submitAll(api: ChaosApi, jobs: Job[], tokens: Map<string, string>): Promise<Submitted> {
  const submitted: Submitted = { accepted: [], batchIds: [], refused: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < jobs.length) await submit(api, jobs[next++] as Job, tokens, submitted);
    }),
  );
  return submitted;
}

async function submit(
  api: ChaosApi,
  job: Job,
  tokens: Map<string, string>,
  submitted: Submitted,
): Promise<void> {
  const token = tokens.get(job.caller) ?? "";
  const answer = await api.retrying(() =>
    job.kind === "single"
      ? api.call("POST", "/v1/pipelines", token, job.items[0], { "idempotency-key": job.key })
      : api.call("POST", "/v1/batches", token, { items: job.items }, { "idempotency-key": job.key }),
  );
  if (answer.status !== 202) {
    submitted.refused.push(`${job.kind} -> ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    return;
  }
  if (job.kind === "single") submitted.accepted.push(String(answer.body.id));
  else {
    submitted.batchIds.push(String(answer.body.id));
    for (const item of (answer.body.items as { id: string }[]) ?? []) submitted.accepted.push(item.id);
  }
}

/** Reads the events often; kills and restarts the stack when a kill is due (never during an events read). */
class Monitor {
  readonly events = new Map<string, SeenEvent>();
  eventsReceived = 0;
  readonly counters = { calls: [] as unknown[], triggers: [] as unknown[] };
  kills = 0;
  private life = 0;
  private nextKill: number;
  private monitoring = true;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly stack: StackChild,
    private readonly options: ChaosOptions,
    private readonly startedAt: number,
  ) {
    this.nextKill =
      options.killEverySeconds > 0 ? startedAt + options.killEverySeconds * 1000 : Number.POSITIVE_INFINITY;
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.monitoring = false;
    await this.running;
  }

  async readEvents(): Promise<void> {
    const answer = await fetch(`${this.stack.url}/_local/events`, { signal: AbortSignal.timeout(30_000) });
    for (const entry of (await answer.json()) as { messageId: string; event?: SeenEvent }[]) {
      if (!entry.event || this.events.has(entry.messageId)) continue;
      this.events.set(entry.messageId, entry.event);
      this.eventsReceived++;
    }
  }

  async snapshotCounters(): Promise<void> {
    this.counters.calls.push(await (await fetch(`${this.stack.url}/_local/ecs/calls`)).json());
    this.counters.triggers.push(await (await fetch(`${this.stack.url}/_local/trigger`)).json());
  }

  /** Terminal records whose state's event has not arrived yet. */
  missingEvents(records: Map<string, SeenRecord>): number {
    const seen = new Set([...this.events.values()].map((e) => `${e.id}:${e.status}`));
    return [...records.values()].filter((r) => terminal(r.status) && !seen.has(`${r.id}:${r.status}`)).length;
  }

  private async loop(): Promise<void> {
    while (this.monitoring) {
      try {
        await this.readEvents();
        if (Date.now() >= this.nextKill && this.kills < this.options.maxKills) await this.killAndRestart();
      } catch (err) {
        this.options.log(`monitor: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(1_000);
    }
  }

  private async killAndRestart(): Promise<void> {
    await this.snapshotCounters();
    await this.stack.kill9();
    this.kills++;
    this.life++;
    const at = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    this.options.log(`kill -9 #${this.kills} at ${at} s; restarting`);
    await this.stack.start(this.life);
    this.nextKill = Date.now() + this.options.killEverySeconds * 1000;
  }
}

const terminal = (s: Status | undefined) => s === "succeeded" || s === "failed" || s === "cancelled";

/** Every caller's records, all pages (lists are per caller), into `records`. */
async function readAllRecords(
  api: ChaosApi,
  tokens: Map<string, string>,
  records: Map<string, SeenRecord>,
): Promise<void> {
  records.clear();
  for (const token of tokens.values()) {
    let cursor: string | undefined;
    do {
      const query = `/v1/pipelines?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await api.retrying(() => api.call("GET", query, token));
      for (const item of (page.body.items as SeenRecord[]) ?? []) records.set(item.id, item);
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor);
  }
}

/** Drain: until every accepted record is terminal; when that happened, or 0 at the deadline. */
async function untilAllTerminal(
  readRecords: () => Promise<void>,
  accepted: string[],
  records: Map<string, SeenRecord>,
  deadline: number,
  log: (line: string) => void,
): Promise<number> {
  while (Date.now() < deadline) {
    await readRecords();
    const open = accepted.filter((id) => !terminal(records.get(id)?.status)).length;
    if (open === 0) return Date.now();
    log(`${open} records not terminal yet`);
    await sleep(3_000);
  }
  return 0;
}

/** Until every terminal record has the event of its state (the reconciler pays debts), or 0 at the deadline. */
async function untilEventsArrived(
  monitor: Monitor,
  records: Map<string, SeenRecord>,
  deadline: number,
): Promise<number> {
  while (Date.now() < deadline) {
    if (monitor.missingEvents(records) === 0) return Date.now();
    await sleep(2_000);
  }
  return 0;
}

async function readBatches(api: ChaosApi, batchIds: string[], admin: string): Promise<SeenBatch[]> {
  const batches: SeenBatch[] = [];
  for (const id of batchIds) {
    const answer = await api.retrying(() => api.call("GET", `/v1/batches/${id}?limit=1`, admin));
    batches.push({ id, total: Number(answer.body.total), counts: answer.body.counts as SeenBatch["counts"] });
  }
  return batches;
}

interface FigureInput {
  options: ChaosOptions;
  accepted: string[];
  jobs: Job[];
  records: Map<string, SeenRecord>;
  pipelines: SeenPipeline[];
  eventsReceived: number;
  events: SeenEvent[];
  kills: number;
  counters: { calls: unknown[]; triggers: unknown[] };
  times: { startedAt: number; submittedAt: number; drainedAt: number; eventsAt: number };
}

/** What /_local/ecs/calls and /_local/trigger answer, as far as the figures read them. */
interface CounterSnapshot {
  createImagePipeline?: { received?: number; dropped?: number; answered?: Record<string, number> };
  crashes?: number;
  crashesBeforePublish?: number;
  duplicates?: number;
}

function sumOf(list: unknown[], pick: (entry: CounterSnapshot) => number | undefined): number {
  return list.reduce<number>((total, entry) => total + (pick(entry as CounterSnapshot) ?? 0), 0);
}

function figures(input: FigureInput): [string, string][] {
  const { records, times } = input;
  const seconds = (at: number) => (at ? `${((at - times.startedAt) / 1000).toFixed(1)} s` : "not reached");
  const mine = input.accepted.map((id) => records.get(id)).filter((r): r is SeenRecord => r !== undefined);
  const states: Record<string, number> = {};
  for (const r of mine) states[r.status] = (states[r.status] ?? 0) + 1;
  const attempts = mine.map((r) => r.attempts);
  const distinct = new Set(input.events.map((e) => `${e.id}:${e.status}`)).size;
  const create = (entry: CounterSnapshot) => entry.createImagePipeline ?? {};
  const { calls, triggers } = input.counters;
  const answered = (code: string) => sumOf(calls, (e) => create(e).answered?.[code]);
  return [
    [
      "records accepted",
      `${input.accepted.length} (${input.jobs.filter((j) => j.kind === "batch").length} batches, ${input.jobs.filter((j) => j.kind === "single").length} single)`,
    ],
    ["faults", JSON.stringify(input.options.faults)],
    ["topic outage", `${input.options.topicOutageSeconds} s`],
    ["kill -9 and restart", `${input.kills}`],
    ["submitted after", seconds(times.submittedAt)],
    ["all terminal after (drain)", seconds(times.drainedAt)],
    ["all events after", seconds(times.eventsAt)],
    [
      "states",
      Object.entries(states)
        .map(([s, n]) => `${s} ${n}`)
        .join(", "),
    ],
    [
      "attempts (sum / mean / max)",
      `${attempts.reduce((a, b) => a + b, 0)} / ${(attempts.reduce((a, b) => a + b, 0) / Math.max(1, attempts.length)).toFixed(2)} / ${Math.max(0, ...attempts)}`,
    ],
    ["pipelines in ECS", `${input.pipelines.length}`],
    [
      "CreateImagePipeline calls",
      `${sumOf(calls, (e) => create(e).received)} (ok ${answered("OK")}, throttled ${answered("Throttling.User")}, 503 ${answered("ServiceUnavailable")}, dropped after commit ${sumOf(calls, (e) => create(e).dropped)})`,
    ],
    [
      "worker kills (after call / before publish)",
      `${sumOf(triggers, (e) => e.crashes)} / ${sumOf(triggers, (e) => e.crashesBeforePublish)}`,
    ],
    ["duplicate deliveries", `${sumOf(triggers, (e) => e.duplicates)}`],
    [
      "events received (distinct id+status)",
      `${input.eventsReceived} (${distinct}; duplicates ${input.eventsReceived - distinct})`,
    ],
  ];
}

/** Two columns, the first padded. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
