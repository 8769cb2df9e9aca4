/**
 * What the simulator holds: image pipelines per account and region, the ClientToken memory that
 * makes CreateImagePipeline idempotent, and the snapshot of both (with the STS sessions) that
 * `--data DIR` keeps. Every durable change is told to {@link PipelineStore.onChange}, which
 * persistence.ts journals.
 */
import { randomInt } from "node:crypto";
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

/** One change to what `--data` keeps, as the journal records it (persistence.ts). */
export type EcsChange =
  | { kind: "pipeline"; pipeline: StoredPipeline; fingerprint: string | null }
  | { kind: "deletePipeline"; imagePipelineId: string }
  | { kind: "session"; session: StsSession }
  | { kind: "reset" };

export interface Snapshot {
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
  /** Told every change worth keeping; a token in flight is not one (a crash forgets the call too). */
  onChange: (change: EcsChange) => void = () => {};

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
    this.onChange({ kind: "pipeline", pipeline, fingerprint });
  }

  get(imagePipelineId: string): StoredPipeline | undefined {
    return this.pipelines.get(imagePipelineId);
  }

  delete(imagePipelineId: string): boolean {
    const deleted = this.pipelines.delete(imagePipelineId);
    if (deleted) this.onChange({ kind: "deletePipeline", imagePipelineId });
    return deleted;
  }

  /** Oldest first, the order DescribeImagePipelines pages through. */
  list(): StoredPipeline[] {
    return [...this.pipelines.values()];
  }

  reset(): void {
    this.pipelines.clear();
    this.tokens.clear();
    this.onChange({ kind: "reset" });
  }

  toSnapshot(sessions: StsSession[]): Snapshot {
    const done = [...this.tokens.entries()].filter(([, record]) => record.state === "done");
    return { version: 1, pipelines: this.list(), tokens: done, sessions };
  }

  /** Loads a snapshot made by {@link toSnapshot}; returns the STS sessions it held. */
  loadSnapshot(snapshot: Snapshot): StsSession[] {
    if (snapshot.version !== 1)
      throw new Error(`unsupported ECS snapshot version ${String(snapshot.version)}`);
    this.pipelines.clear();
    this.tokens.clear();
    for (const pipeline of snapshot.pipelines) this.pipelines.set(pipeline.imagePipelineId, pipeline);
    for (const [key, record] of snapshot.tokens) this.tokens.set(key, record);
    return snapshot.sessions;
  }
}
