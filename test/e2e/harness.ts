/**
 * What the end-to-end files share: the real bundles built once per file into a temporary dist/, a
 * stack started on free ports, a small HTTP client that signs in with dev tokens and checks every
 * response it gets against docs/openapi.json, and bounded polling for records to become terminal.
 *
 * The stack's Tablestore indexes lag writes as the service's do (the stack's default `indexLagMs`,
 * random up to 1 s): a list read right after a write may not show it yet (docs/http-api.md), so
 * tests that read lists wait for what they expect with {@link eventually}, never assume it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningStack, type StackOptions, startStack } from "../../local/stack";
import { buildFunctions } from "../../scripts/build";
import type { RecordView } from "../../shared/http/views";
import { type ObservedResponse, OpenApiResponseChecker } from "../support/openapi-responses";

export type {
  AcceptedView,
  BatchAcceptedView,
  BatchView,
  ProblemView,
  RecordPageView,
  RecordView,
} from "../../shared/http/views";

export const WRITE_AND_READ = "pipelines:write pipelines:read";

/** A request the ECS simulator accepts, made unique by `name`. */
export function validRequest(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RegionId: "cn-hangzhou",
    BaseImageType: "IMAGE",
    BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
    Name: name,
    BuildContent: "RUN yum install -y nginx",
    SystemDiskSize: 40,
    ...extra,
  };
}

export interface E2eStack {
  stack: RunningStack;
  /** The bundles the stack runs, for a test that starts another stack on them (the chaos run). */
  distDir: string;
  close(): Promise<void>;
}

/** Builds dist/ into a temporary directory (a few seconds) and starts a stack on it. */
export async function startE2eStack(options: StackOptions = {}): Promise<E2eStack> {
  const dist = await mkdtemp(path.join(tmpdir(), "e2e-dist-"));
  await buildFunctions(dist);
  // Faster than s.yaml, for tests (local/fc/local-differences.ts): a short batch window, push
  // retries 20 times sooner (0.5-1 s instead of 10-20 s), and a reconciler every 2 s instead of
  // every minute, so a record whose lease ran out is picked up within seconds.
  const stack = await startStack({
    distDir: dist,
    batchWindowMs: 100,
    retryDelayScale: 0.05,
    reconcileIntervalMs: 2000,
    ...options,
  });
  return {
    stack,
    distDir: dist,
    close: async () => {
      await stack.stop();
      await rm(dist, { recursive: true, force: true });
    },
  };
}

/**
 * Reads until `ok` holds or `timeoutMs` passed, and answers the last value read either way: the
 * test asserts on it, so a timeout fails with what was seen last.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One per file: compiling the document's schemas is the costly part. */
let responseChecker: OpenApiResponseChecker | undefined;

/** Throws unless docs/openapi.json describes the response (its status, content type and body). */
export function checkApiResponse(response: ObservedResponse): void {
  responseChecker ??= new OpenApiResponseChecker();
  responseChecker.check(response);
}

export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/** An API client for one caller. */
export class Caller {
  private token?: string;
  constructor(
    private readonly stack: RunningStack,
    readonly sub: string,
    private readonly scope = WRITE_AND_READ,
  ) {}

  private async bearer(): Promise<string> {
    this.token ??= await this.stack.control.issueToken({ sub: this.sub, scope: this.scope });
    return this.token;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    target: string,
    options: {
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string> | undefined;
      auth?: boolean;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false) headers.authorization = `Bearer ${await this.bearer()}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.stack.url}${target}`, { method, headers, body: body ?? null });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : {};
    checkApiResponse({
      method,
      target,
      status: res.status,
      contentType: res.headers.get("content-type"),
      body: parsed,
    });
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  submit(request: Record<string, unknown>, headers?: Record<string, string>) {
    return this.request<RecordView>("POST", "/v1/pipelines", { body: request, headers });
  }

  get(id: string) {
    return this.request<RecordView>("GET", `/v1/pipelines/${id}`);
  }

  /** Polls until every record is terminal or `timeoutMs` passed; returns the last view of each. */
  async waitForTerminal(ids: string[], timeoutMs = 40_000): Promise<RecordView[]> {
    const deadline = Date.now() + timeoutMs;
    const latest = new Map<string, RecordView>();
    while (true) {
      for (const id of ids) {
        if (TERMINAL.has(latest.get(id)?.status ?? "")) continue;
        const res = await this.get(id);
        if (res.status === 200) latest.set(id, res.body);
      }
      const done = ids.every((id) => TERMINAL.has(latest.get(id)?.status ?? ""));
      if (done || Date.now() > deadline) return ids.map((id) => latest.get(id) as RecordView);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * `npm run batch -- FILE --url URL --token TOKEN ...` as a person would run it (tsx in a child
 * process); answers the exit code and output. Killed after 40 s, so a hung CLI fails the test.
 */
export function runBatchCli(
  stack: E2eStack,
  file: string,
  token: string,
  extra: string[] = [],
): Promise<CliRun> {
  const args = [
    "--import",
    "tsx",
    "scripts/batch.ts",
    file,
    "--url",
    stack.stack.url,
    "--token",
    token,
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
