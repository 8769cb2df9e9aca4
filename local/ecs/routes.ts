/**
 * The simulator's route table: which RPC operation of which API version runs which action
 * (pipeline-actions.ts, sts-actions.ts), under which call counter, and whether the ECS fault settings apply to it. A call
 * is routed the way the RPC gateway refuses it: by method, then Action, then Version, then the
 * action within the version, each with the gateway's own code (./errors.ts).
 */
import type { ActionContext, ActionResult } from "./actions";
import { FAULTS, type Outcome } from "./errors";
import { createImagePipeline, deleteImagePipeline, describeImagePipelines } from "./pipeline-actions";
import { assumeRole } from "./sts-actions";

export const ECS_API_VERSION = "2014-05-26";
export const STS_API_VERSION = "2015-04-01";

export type Service = "Ecs" | "Sts";

export type CounterName =
  | "createImagePipeline"
  | "describeImagePipelines"
  | "deleteImagePipeline"
  | "assumeRole";

export interface ActionSpec {
  service: Service;
  counter: CounterName;
  run: (ctx: ActionContext) => Promise<ActionResult>;
  /** Whether the ECS fault settings apply (STS is left alone so credentials can always be had). */
  faultable: boolean;
}

const ACTIONS: Record<string, Record<string, ActionSpec>> = {
  [ECS_API_VERSION]: {
    CreateImagePipeline: {
      service: "Ecs",
      counter: "createImagePipeline",
      run: createImagePipeline,
      faultable: true,
    },
    DescribeImagePipelines: {
      service: "Ecs",
      counter: "describeImagePipelines",
      run: describeImagePipelines,
      faultable: true,
    },
    DeleteImagePipeline: {
      service: "Ecs",
      counter: "deleteImagePipeline",
      run: deleteImagePipeline,
      faultable: true,
    },
  },
  [STS_API_VERSION]: {
    AssumeRole: { service: "Sts", counter: "assumeRole", run: assumeRole, faultable: false },
  },
};

/** The host id each service names in its error bodies. */
export const HOST_IDS: Record<Service, string> = { Ecs: "ecs.aliyuncs.com", Sts: "sts.aliyuncs.com" };

/** The service a call is answered as before its action is known: STS by its version, else ECS. */
export function serviceOfVersion(version: string | undefined): Service {
  return version === STS_API_VERSION ? "Sts" : "Ecs";
}

/** The action `action` names in `version`, if both are known. */
export function specOf(action: string | undefined, version: string | undefined): ActionSpec | undefined {
  const versionActions = version === undefined ? undefined : ACTIONS[version];
  return versionActions && action !== undefined && Object.hasOwn(versionActions, action)
    ? versionActions[action]
    : undefined;
}

/** Routes a call to its action, or the gateway's refusal of the first thing wrong with it. */
export function route(
  method: string,
  action: string | undefined,
  version: string | undefined,
): Outcome<ActionSpec> {
  if (method !== "POST" && method !== "GET") return { ok: false, fault: FAULTS.unknownAction };
  if (!action) return { ok: false, fault: FAULTS.missingAction };
  if (!version) return { ok: false, fault: FAULTS.missingVersion };
  if (!ACTIONS[version]) return { ok: false, fault: FAULTS.unknownVersion(version) };
  const spec = specOf(action, version);
  return spec ? { ok: true, value: spec } : { ok: false, fault: FAULTS.unknownAction };
}

export interface ActionCounters {
  received: number;
  /** Answers sent, by error code or "OK". */
  answered: Record<string, number>;
  throttled: number;
  /** Calls whose work was done and whose connection was then dropped. */
  dropped: number;
}

export type EcsCalls = Record<CounterName, ActionCounters>;

export function emptyCounters(): EcsCalls {
  const make = (): ActionCounters => ({ received: 0, answered: {}, throttled: 0, dropped: 0 });
  return {
    createImagePipeline: make(),
    describeImagePipelines: make(),
    deleteImagePipeline: make(),
    assumeRole: make(),
  };
}
