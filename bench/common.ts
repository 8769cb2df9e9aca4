/**
 * What the benchmarks share: a quiet local stack, a request body ECS accepts, a record as submit
 * would store it, and the arithmetic of the figures (median, percentiles, ratios). Benchmarks print
 * figures; none of them asserts a time.
 */
import os from "node:os";
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET, LOCAL_TABLESTORE_INSTANCE } from "../local/identities";
import { LOCAL_RECORDS_TABLE, type RunningStack, type StackOptions, startStack } from "../local/stack";
import { TablestoreRecordStore } from "../shared/adapters/tablestore/record-store";
import { newRecordId } from "../shared/app/ids";
import type { Clock } from "../shared/app/ports";
import type { PipelineRecord } from "../shared/domain/record";
import type { PipelineRequest } from "../shared/domain/request/normalize";

export const BENCH_CALLER = "bench-user";

const wallClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A request the ECS simulator accepts; small, like most real ones. */
export function sampleRequest(name = "bench-image"): PipelineRequest {
  return {
    RegionId: "cn-hangzhou",
    BaseImageType: "IMAGE",
    BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
    Name: name,
    BuildContent: "RUN yum install -y nginx",
  } as PipelineRequest;
}

export async function benchStack(options: StackOptions = {}): Promise<RunningStack> {
  return startStack({ port: 0, functionOutput: "silent", logLevel: "warn", ...options });
}

/** The record store adapter on the stack's Tablestore, as the functions build it. */
export function stackRecordStore(stack: RunningStack): TablestoreRecordStore {
  return new TablestoreRecordStore({
    table: LOCAL_RECORDS_TABLE,
    connection: {
      endpoint: stack.info.emulators.tablestore,
      instanceName: LOCAL_TABLESTORE_INSTANCE,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
    },
  });
}

/** A pending record in the service account, as submit stores it (no caller ClientToken). */
export function pendingRecord(accountId: string, name?: string): PipelineRecord {
  const id = newRecordId(wallClock);
  const at = new Date().toISOString();
  const request = sampleRequest(name ?? `bench-${id.toLowerCase()}`);
  return {
    id,
    status: "pending",
    accountId,
    regionId: request.RegionId,
    batchId: null,
    submittedBy: BENCH_CALLER,
    clientToken: id,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    request,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sum / Math.max(1, sorted.length),
  };
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
export const ratio = (value: number): string => `${value.toFixed(2)}x`;
export const verdict = (met: boolean): string => (met ? "MET" : "MISSED");

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${os.availableParallelism()} CPUs (${cpu}), ${memory} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const elapsedMs = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;
