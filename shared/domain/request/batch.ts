/**
 * The batch envelope of `POST /v1/batches` (docs/http-api.md, "Batches"): `{ items: [...], labels? }` with
 * 1..500 pipeline requests. Validation is all-or-nothing: one bad item rejects the batch, and every
 * violation of every item is reported with a pointer like `#/items/7/Name`.
 */
import { LABEL_CODES, type Labels, MAX_LABELS, mergeLabels, validateLabels } from "./labels";
import type { PipelineRequest } from "./normalize";
import { UNKNOWN_KEY_CODE } from "./unknown-keys";
import { validatePipelineRequest } from "./validate";
import { pointerSegment, toPointer, type Violation, ViolationCollector, type Warning } from "./violation";

export const BATCH_ITEMS = { min: 1, max: 500 } as const;

export type BatchValidationResult =
  /** `labels[i]`: item i's own labels over the batch's (./labels, mergeLabels), if any. */
  | { ok: true; items: PipelineRequest[]; labels: (Labels | undefined)[]; warnings: Warning[] }
  | { ok: false; violations: Violation[] };

const prefixed = (index: number, pointer: string): string => `#/items/${index}${pointer.slice(1)}`;

/**
 * All items share one collector: validation stops once it is full (./violation), so a batch of 500
 * hostile items costs what the first few of them cost.
 */
export function validateBatchRequest(input: unknown): BatchValidationResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail(
      toPointer([]),
      "InvalidParameter.Body",
      'The request body must be a JSON object: { "items": [ ... ] }',
    );
  }
  const collector = new ViolationCollector();
  for (const key of Object.keys(input)) {
    if (key === "items" || key === "labels") continue;
    const added = collector.add({
      pointer: `#/${pointerSegment(key)}`,
      code: UNKNOWN_KEY_CODE,
      detail: `${key}: Unknown parameter in the batch body; it takes only "items" and "labels"`,
    });
    if (!added) break;
  }
  const items = (input as { items?: unknown }).items;
  if (items === undefined) {
    collector.add({
      pointer: "#/items",
      code: "MissingParameter.items",
      detail: "items is required: a JSON array of pipeline requests",
    });
  } else if (!Array.isArray(items)) {
    collector.add({
      pointer: "#/items",
      code: "InvalidParameter.items",
      detail: "items must be a JSON array of pipeline requests",
    });
  } else if (items.length < BATCH_ITEMS.min || items.length > BATCH_ITEMS.max) {
    collector.add({
      pointer: "#/items",
      code: "InvalidParameter.items",
      detail: `items must hold ${BATCH_ITEMS.min} to ${BATCH_ITEMS.max} pipeline requests, not ${items.length}`,
    });
  }
  if (collector.violations.length > 0 || !Array.isArray(items))
    return { ok: false, violations: collector.violations };
  // Reported with the items' faults, not instead of them: the envelope itself is sound.
  const batchLabels = Object.hasOwn(input, "labels")
    ? validateLabels((input as { labels?: unknown }).labels, ["labels"], collector)
    : undefined;

  const accepted: PipelineRequest[] = [];
  const labels: (Labels | undefined)[] = [];
  const warnings: Warning[] = [];
  for (const [index, item] of items.entries()) {
    if (collector.full) break;
    // The item's own collector shares the batch's budget: it holds what is left of it.
    const own = new ViolationCollector(collector.limit - collector.violations.length);
    const result = validatePipelineRequest(item, own);
    if (result.ok) {
      const merged = mergeLabels(batchLabels, result.labels);
      if (merged && Object.keys(merged).length > MAX_LABELS) {
        collector.add({
          pointer: `#/items/${index}/labels`,
          code: LABEL_CODES.labels,
          detail: `the item's labels and the batch's together hold ${Object.keys(merged).length} keys; at most ${MAX_LABELS}`,
        });
        continue;
      }
      accepted.push(result.request);
      labels.push(merged);
      for (const w of result.warnings) warnings.push({ ...w, pointer: prefixed(index, w.pointer) });
      continue;
    }
    for (const violation of result.violations)
      collector.add({ ...violation, pointer: prefixed(index, violation.pointer) });
  }
  return collector.violations.length > 0
    ? { ok: false, violations: collector.violations }
    : { ok: true, items: accepted, labels, warnings };
}

function fail(pointer: string, code: string, detail: string): BatchValidationResult {
  return { ok: false, violations: [{ pointer, code, detail }] };
}
