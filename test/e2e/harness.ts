/**
 * What the end-to-end files share: the real bundles built once per file into a temporary dist/, a
 * stack started on free ports, a small HTTP client that signs in with dev tokens, and bounded
 * polling for records to become terminal.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RunningStack, type StackOptions, startStack } from "../../local/stack";
import { buildFunctions } from "../../scripts/build";

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
    close: async () => {
      await stack.stop();
      await rm(dist, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RecordView {
  id: string;
  status: "pending" | "running" | "succeeded" | "failed" | "cancelled";
  clientToken: string;
  imagePipelineId?: string;
  error?: { code: string; retryable: boolean };
  attempts: number;
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
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: boolean } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false) headers.authorization = `Bearer ${await this.bearer()}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.stack.url}${target}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
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
