/**
 * `validatePipelineRequest`: the whole CreateImagePipeline contract in one call. It reports every
 * violation at once, each with a pointer, the ECS code and a sentence, and on success returns the
 * normalized request and any warnings. Pure: the same input always gives the same answer.
 */
import * as v from "valibot";
import { crossFieldViolations, crossFieldWarnings } from "./cross-field-rules";
import { type Labels, validateLabels } from "./labels";
import { splitIssueMessage } from "./messages";
import { normalizePipelineRequest, type PipelineRequest } from "./normalize";
import { PipelineRequestBodySchema } from "./schema";
import { lintTemplateContent } from "./template-content";
import { reportUnknownKeys } from "./unknown-keys";
import { toPointer, type Violation, ViolationCollector, type Warning } from "./violation";

export type { PipelineRequest } from "./normalize";

export type ValidationResult =
  /** `labels` are the caller's own (./labels): never part of `request`, so never sent to ECS. */
  | { ok: true; request: PipelineRequest; labels?: Labels; warnings: Warning[] }
  | { ok: false; violations: Violation[] };

/**
 * Codes for a required key that is absent, where the seed's table names one; any other absent key
 * is `MissingParameter.<Path>`.
 */
const MISSING_KEY_CODES: Record<string, string> = {
  "Tag.Key": "InvalidTagKey.Malformed",
  "ImageOptions.ImageTags.Key": "InvalidTagKey.Malformed",
  "ImportImageOptions.ImportImageTags.Key": "InvalidTagKey.Malformed",
};

function issueToViolation(issue: v.BaseIssue<unknown>): Violation {
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  const pointer = toPointer(keys);
  const last = issue.path?.at(-1);
  const named = keys.filter((key): key is string => typeof key === "string").join(".");
  if (last?.origin === "key" && issue.received === "undefined") {
    return {
      pointer,
      code: MISSING_KEY_CODES[named] ?? `MissingParameter.${named}`,
      detail: `${named} is required`,
    };
  }
  const parts = splitIssueMessage(issue.message);
  return parts
    ? { pointer, code: parts.code, detail: parts.detail }
    : { pointer, code: `InvalidParameter.${named || "Body"}`, detail: issue.message };
}

function lintTemplates(body: unknown): { violations: Violation[]; warnings: Warning[] } {
  const violations: Violation[] = [];
  const warnings: Warning[] = [];
  if (typeof body !== "object" || body === null) return { violations, warnings };
  for (const field of ["BuildContent", "TestContent"] as const) {
    const content = (body as Record<string, unknown>)[field];
    if (typeof content !== "string") continue;
    const pointer = toPointer([field]);
    const result = lintTemplateContent(content, field);
    for (const { code, detail } of result.violations) violations.push({ pointer, code, detail });
    for (const { code, detail } of result.warnings) warnings.push({ pointer, code, detail });
  }
  return { violations, warnings };
}

/**
 * Validates one request. Its violations go into `collector` (a batch passes one for all its items)
 * and stop there once it is full: unknown keys first (cheap, and the only violations a hostile body
 * can have millions of), then the field rules, the template lint and the cross-field rules.
 */
export function validatePipelineRequest(
  input: unknown,
  collector: ViolationCollector = new ViolationCollector(),
): ValidationResult {
  const found = collector.violations.length;
  const failed = (): ValidationResult => ({ ok: false, violations: collector.violations.slice(found) });
  // valibot's object schemas take arrays for objects; a request is never an array.
  if (Array.isArray(input)) {
    collector.add({
      pointer: "#",
      code: "InvalidParameter.Body",
      detail: "The request body must be a JSON object, not an array",
    });
    return failed();
  }
  const { body, labels: labelsInput } = splitLabels(input);
  if (!reportUnknownKeys(PipelineRequestBodySchema, body, collector)) return failed();
  const labels = labelsInput === undefined ? undefined : validateLabels(labelsInput, ["labels"], collector);
  if (collector.full) return failed();
  // abortPipeEarly: one violation per field (the first rule it breaks), not a cascade of them.
  const parsed = v.safeParse(PipelineRequestBodySchema, body, { abortPipeEarly: true });
  const templates = lintTemplates(body);
  const violations = [
    ...(parsed.issues?.map(issueToViolation) ?? []),
    ...templates.violations,
    ...crossFieldViolations(body),
  ];
  for (const violation of dedupe(violations)) if (!collector.add(violation)) break;
  if (!parsed.success || collector.violations.length > found) return failed();
  const { request, warnings } = normalizePipelineRequest(parsed.output);
  return {
    ok: true,
    request,
    ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
    warnings: [...warnings, ...templates.warnings, ...crossFieldWarnings(body)],
  };
}

/** The body without its `labels` member, which the CreateImagePipeline schema does not know. */
function splitLabels(input: unknown): { body: unknown; labels: unknown } {
  if (typeof input !== "object" || input === null || !Object.hasOwn(input, "labels"))
    return { body: input, labels: undefined };
  const { labels, ...body } = input as Record<string, unknown>;
  return { body, labels };
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = `${violation.pointer} ${violation.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
