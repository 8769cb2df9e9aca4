/**
 * What the simulator holds: image pipelines per account and region, the ClientToken memory that
 * makes CreateImagePipeline idempotent, and a JSON snapshot of both for `--data DIR`.
 */
import { randomInt } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StsSession } from "./identity";

export interface StoredPipeline {
  imagePipelineId: string;
  accountId: string;
  regionId: string;
  clientToken: string | null;
  name: string;
  /** ISO 8601, as DescribeImagePipelines shows `CreationTime`. */
  createdAt: string;
  /** The request in its nested body shape (wire.ts), kept to answer DescribeImagePipelines. */
  request: Record<string, unknown>;
}

/** The record of one ClientToken: in flight, or done with the pipeline it made. */
export type TokenRecord =
  | { state: "processing"; fingerprint: string }
  | { state: "done"; fingerprint: string; imagePipelineId: string };

export type TokenCheck =
  | { kind: "new" }
  | { kind: "replay"; imagePipelineId: string }
  | { kind: "mismatch" }
  | { kind: "processing" };

interface Snapshot {
  version: 1;
  pipelines: StoredPipeline[];
  tokens: [string, TokenRecord][];
  sessions: StsSession[];
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function newImagePipelineId(): string {
  let id = "ip-";
  for (let i = 0; i < 20; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export class PipelineStore {
  private readonly pipelines = new Map<string, StoredPipeline>();
  private readonly tokens = new Map<string, TokenRecord>();

  private static tokenKey(accountId: string, regionId: string, clientToken: string): string {
    return JSON.stringify([accountId, regionId, clientToken]);
  }

  /** Looks the token up and, when it is new, marks it in flight under `fingerprint`. */
  claimToken(accountId: string, regionId: string, clientToken: string, fingerprint: string): TokenCheck {
    const key = PipelineStore.tokenKey(accountId, regionId, clientToken);
    const record = this.tokens.get(key);
    if (!record) {
      this.tokens.set(key, { state: "processing", fingerprint });
      return { kind: "new" };
    }
    if (record.state === "processing") return { kind: "processing" };
    if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
    return { kind: "replay", imagePipelineId: record.imagePipelineId };
  }

  /** A call that failed leaves no trace, so the same token may be used again once the cause is fixed. */
  releaseToken(accountId: string, regionId: string, clientToken: string): void {
    const key = PipelineStore.tokenKey(accountId, regionId, clientToken);
    if (this.tokens.get(key)?.state === "processing") this.tokens.delete(key);
  }

  add(pipeline: StoredPipeline, fingerprint: string | null): void {
    this.pipelines.set(pipeline.imagePipelineId, pipeline);
    if (pipeline.clientToken !== null && fingerprint !== null) {
      this.tokens.set(PipelineStore.tokenKey(pipeline.accountId, pipeline.regionId, pipeline.clientToken), {
        state: "done",
        fingerprint,
        imagePipelineId: pipeline.imagePipelineId,
      });
    }
  }

  get(imagePipelineId: string): StoredPipeline | undefined {
    return this.pipelines.get(imagePipelineId);
  }

  delete(imagePipelineId: string): boolean {
    return this.pipelines.delete(imagePipelineId);
  }

  /** Oldest first, the order DescribeImagePipelines pages through. */
  list(): StoredPipeline[] {
    return [...this.pipelines.values()];
  }

  reset(): void {
    this.pipelines.clear();
    this.tokens.clear();
  }

  toSnapshot(sessions: StsSession[]): string {
    const done = [...this.tokens.entries()].filter(([, record]) => record.state === "done");
    const snapshot: Snapshot = { version: 1, pipelines: this.list(), tokens: done, sessions };
    return JSON.stringify(snapshot);
  }

  /** Loads a snapshot written by {@link toSnapshot}; returns the STS sessions it held. */
  loadSnapshot(text: string): StsSession[] {
    const snapshot = JSON.parse(text) as Snapshot;
    if (snapshot.version !== 1)
      throw new Error(`unsupported ECS snapshot version ${String(snapshot.version)}`);
    this.reset();
    for (const pipeline of snapshot.pipelines) this.pipelines.set(pipeline.imagePipelineId, pipeline);
    for (const [key, record] of snapshot.tokens) this.tokens.set(key, record);
    return snapshot.sessions;
  }
}

const SNAPSHOT_FILE = "ecs.json";

export async function readSnapshot(dataDir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dataDir, SNAPSHOT_FILE), "utf8");
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function writeSnapshot(dataDir: string, text: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const target = join(dataDir, SNAPSHOT_FILE);
  await writeFile(`${target}.tmp`, text);
  await rename(`${target}.tmp`, target);
}
