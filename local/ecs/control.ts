/**
 * The simulator's control surface for tests and the local stack: fault settings, faults forced
 * onto the next calls, what it holds (pipelines, call counters), and a reset.
 */
import {
  type EcsFaults,
  type EcsFaultsUpdate,
  FORCED_FAULT_KINDS,
  type ForcedFaultKind,
  mergeFaults,
} from "./faults";
import { type EcsCalls, emptyCounters } from "./routes";
import type { EcsState } from "./state";
import type { StoredPipeline } from "./store";

export type EcsPipelineView = Pick<
  StoredPipeline,
  "imagePipelineId" | "accountId" | "regionId" | "clientToken" | "name" | "createdAt"
>;

export interface EcsControl {
  getFaults(): EcsFaults;
  /** Validates and applies a partial update; throws `FaultSettingsError` (code `InvalidFaultSettings`). */
  setFaults(partial: EcsFaultsUpdate): EcsFaults;
  /**
   * Forces `kind` onto the next `count` CreateImagePipeline calls (before any rate applies), for tests
   * that must not depend on dice.
   */
  forceNext(kind: ForcedFaultKind, count?: number): void;
  pipelines(): EcsPipelineView[];
  calls(): EcsCalls;
  /** Empties pipelines, tokens, STS sessions, counters and forced faults; fault settings stay. */
  reset(): void;
}

export function createEcsControl(state: EcsState): EcsControl {
  const control: EcsControl = {
    getFaults: () => ({ ...state.faults, latencyMs: [...state.faults.latencyMs] }),
    setFaults: (partial) => {
      state.faults = mergeFaults(state.faults, partial);
      return control.getFaults();
    },
    forceNext: (kind, count = 1) => forceNext(state, kind, count),
    pipelines: () => state.store.list().map(pipelineView),
    calls: () => structuredClone(state.counters),
    reset: () => reset(state),
  };
  return control;
}

function forceNext(state: EcsState, kind: ForcedFaultKind, count: number): void {
  if (!(FORCED_FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new RangeError(`unknown forced fault "${String(kind)}"`);
  }
  if (!Number.isInteger(count) || count < 1) throw new RangeError("count must be a whole number >= 1");
  for (let i = 0; i < count; i++) state.forced.push(kind);
}

function pipelineView(pipeline: StoredPipeline): EcsPipelineView {
  const { imagePipelineId, accountId, regionId, clientToken, name, createdAt } = pipeline;
  return { imagePipelineId, accountId, regionId, clientToken, name, createdAt };
}

function reset(state: EcsState): void {
  state.store.reset();
  state.identities.clearSessions();
  state.limiter.reset();
  state.usedNonces.clear();
  state.counters = emptyCounters();
  state.forced = [];
}
