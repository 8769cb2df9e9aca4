/**
 * What one running simulator holds between calls: pipelines and identities, the fault settings and
 * the faults forced onto the next calls, the call counters, the per-account QPS window and the
 * nonces seen within the signature window.
 */
import type { EmulatorOptions } from "../emulator-types";
import type { LocalRam } from "../ram/model";
import {
  type EcsFaults,
  type EcsFaultsUpdate,
  type ForcedFaultKind,
  mergeFaults,
  NO_FAULTS,
  PerAccountRateLimiter,
  parseEcsFlags,
  seededRandom,
} from "./faults";
import { IdentityDirectory } from "./identity";
import { type EcsPersistence, openEcsPersistence } from "./persistence";
import { type EcsCalls, emptyCounters } from "./routes";
import { PipelineStore } from "./store";

/** How far a signature's time may be from the wall clock, and how long a nonce stays used. */
export const SIGNATURE_WINDOW_MS = 15 * 60 * 1000;

export interface EcsEmulatorOptions extends EmulatorOptions {
  /** Initial fault settings; flags in `args` override them. */
  faults?: EcsFaultsUpdate;
  /** Source of the fault dice (default: seeded by `--seed`, else Math.random). */
  random?: () => number;
  /** Clock in ms for the QPS window, creation times and STS expiry (signature freshness uses the wall clock). */
  now?: () => number;
  /** Write one line per request to stderr. */
  log?: boolean;
  /** The RAM model shared with the other emulators (keys, roles, sessions); default local/ram/local-model.ts. */
  ram?: LocalRam;
}

export interface EcsState {
  faults: EcsFaults;
  counters: EcsCalls;
  /** Faults forced onto the next CreateImagePipeline calls, in order. */
  forced: ForcedFaultKind[];
  readonly random: () => number;
  readonly now: () => number;
  readonly log: boolean;
  readonly store: PipelineStore;
  readonly identities: IdentityDirectory;
  readonly limiter: PerAccountRateLimiter;
  /** `<accessKeyId>\n<nonce>` -> when it may be used again, oldest first. */
  readonly usedNonces: Map<string, number>;
  readonly persistence: EcsPersistence | undefined;
}

export async function createEcsState(options: EcsEmulatorOptions): Promise<EcsState> {
  const flags = parseEcsFlags(options.args ?? []);
  const store = new PipelineStore();
  const identities = new IdentityDirectory(options.ram);
  return {
    faults: mergeFaults(mergeFaults(NO_FAULTS, options.faults ?? {}), flags.faults),
    counters: emptyCounters(),
    forced: [],
    random: options.random ?? (flags.seed === undefined ? Math.random : seededRandom(flags.seed)),
    now: options.now ?? Date.now,
    log: options.log ?? flags.log,
    store,
    identities,
    limiter: new PerAccountRateLimiter(),
    usedNonces: new Map(),
    persistence: options.dataDir ? await openEcsPersistence(options.dataDir, store, identities) : undefined,
  };
}

/** True with probability `rate`. */
export function roll(state: EcsState, rate: number): boolean {
  return rate > 0 && state.random() < rate;
}

/** Consumes one forced `kind`, if any is waiting. */
export function takeForced(state: EcsState, kind: ForcedFaultKind): boolean {
  const at = state.forced.indexOf(kind);
  if (at < 0) return false;
  state.forced.splice(at, 1);
  return true;
}

/** Waits the injected latency, drawn from `latencyMs`. */
export async function injectedDelay(state: EcsState): Promise<void> {
  const [min, max] = state.faults.latencyMs;
  const ms = min + (max - min) * state.random();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Remembers a nonce for the signature window; false when it was already used. */
export function firstUse(state: EcsState, accessKeyId: string, nonce: string, at: number): boolean {
  for (const [key, expiry] of state.usedNonces) {
    if (expiry > at) break;
    state.usedNonces.delete(key);
  }
  const key = `${accessKeyId}\n${nonce}`;
  if (state.usedNonces.has(key)) return false;
  state.usedNonces.set(key, at + SIGNATURE_WINDOW_MS);
  return true;
}
