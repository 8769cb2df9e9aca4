import type { Violation, Warning } from "./violation";

/** Placeholder: replaced by the valibot contract in this same module. */
export type PipelineRequest = Record<string, unknown>;

export type ValidationResult =
  | { ok: true; request: PipelineRequest; warnings: Warning[] }
  | { ok: false; violations: Violation[] };

export function validatePipelineRequest(_input: unknown): ValidationResult {
  throw new Error("not yet implemented");
}
