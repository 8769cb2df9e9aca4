/**
 * The batch envelope of `POST /v1/batches` (spec/http-api.md, "Batches"): `{ items: [...] }` with
 * 1..500 pipeline requests. Validation is all-or-nothing: one bad item rejects the batch, and every
 * violation of every item is reported with a pointer like `#/items/7/Name`.
 */
import type { PipelineRequest } from "./normalize";
import { validatePipelineRequest } from "./validate";
import { pointerSegment, toPointer, type Violation, type Warning } from "./violation";

export const BATCH_ITEMS = { min: 1, max: 500 } as const;

export type BatchValidationResult =
  | { ok: true; items: PipelineRequest[]; warnings: Warning[] }
  | { ok: false; violations: Violation[] };

const prefixed = (index: number, pointer: string): string => `#/items/${index}${pointer.slice(1)}`;

export function validateBatchRequest(input: unknown): BatchValidationResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail(
      toPointer([]),
      "InvalidParameter.Body",
      'The request body must be a JSON object: { "items": [ ... ] }',
    );
  }
  const unknownKeys = Object.keys(input).filter((key) => key !== "items");
  const violations: Violation[] = unknownKeys.map((key) => ({
    pointer: `#/${pointerSegment(key)}`,
    code: "InvalidParameter.UnknownKey",
    detail: `${key}: Unknown parameter in the batch body; it takes only "items"`,
  }));
  const items = (input as { items?: unknown }).items;
  if (items === undefined) {
    violations.push({
      pointer: "#/items",
      code: "MissingParameter.items",
      detail: "items is required: a JSON array of pipeline requests",
    });
  } else if (!Array.isArray(items)) {
    violations.push({
      pointer: "#/items",
      code: "InvalidParameter.items",
      detail: "items must be a JSON array of pipeline requests",
    });
  } else if (items.length < BATCH_ITEMS.min || items.length > BATCH_ITEMS.max) {
    violations.push({
      pointer: "#/items",
      code: "InvalidParameter.items",
      detail: `items must hold ${BATCH_ITEMS.min} to ${BATCH_ITEMS.max} pipeline requests, not ${items.length}`,
    });
  }
  if (violations.length > 0 || !Array.isArray(items)) return { ok: false, violations };

  const accepted: PipelineRequest[] = [];
  const warnings: Warning[] = [];
  items.forEach((item, index) => {
    const result = validatePipelineRequest(item);
    if (result.ok) {
      accepted.push(result.request);
      for (const w of result.warnings) warnings.push({ ...w, pointer: prefixed(index, w.pointer) });
    } else {
      for (const violation of result.violations)
        violations.push({ ...violation, pointer: prefixed(index, violation.pointer) });
    }
  });
  return violations.length > 0 ? { ok: false, violations } : { ok: true, items: accepted, warnings };
}

function fail(pointer: string, code: string, detail: string): BatchValidationResult {
  return { ok: false, violations: [{ pointer, code, detail }] };
}
