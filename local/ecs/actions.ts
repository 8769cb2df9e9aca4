/**
 * What an action of the simulator is: it takes the wire parameters of an authenticated caller and
 * returns the JSON body or the fault the real service gives. The route table (routes.ts) names them;
 * the actions are in the file of their topic: pipeline-actions.ts (ECS image pipelines) and
 * sts-actions.ts (STS AssumeRole).
 */
import { fault, type Outcome, type RpcFault } from "./errors";
import type { IdentityDirectory, Principal } from "./identity";
import type { PipelineStore } from "./store";
import { unflatten, type WireShape } from "./wire";

export interface ActionContext {
  principal: Principal;
  params: Readonly<Record<string, string>>;
  now: () => number;
  store: PipelineStore;
  identities: IdentityDirectory;
  /** Waits the injected latency; mutating actions call it while their work is in flight. */
  delay: () => Promise<void>;
  /** Whether to drop the connection after this mutating call has committed. */
  shouldDropAfterCommit: () => boolean;
}

export interface ActionAnswer {
  body: Record<string, unknown>;
  /** The work is done; close the connection instead of answering. */
  drop: boolean;
}

export type ActionResult = Outcome<ActionAnswer>;

export const answer = (body: Record<string, unknown>, drop = false): ActionResult => ({
  ok: true,
  value: { body, drop },
});
export const refuse = (f: RpcFault): ActionResult => ({ ok: false, fault: f });

export function parse(ctx: ActionContext, shape: WireShape): Outcome<Record<string, unknown>> {
  const parsed = unflatten(ctx.params, shape);
  if (!parsed.ok) return { ok: false, fault: fault(400, parsed.problem.code, parsed.problem.message) };
  return { ok: true, value: parsed.value };
}

/** `2026-01-02T03:04:05Z`: the second-precision UTC form ECS and STS print. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
