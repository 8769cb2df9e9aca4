/**
 * Labels: the caller's own key/value metadata on a request or a batch (docs/request-contract.md,
 * "Labels"), for tying records to a ticket or change id and finding them again
 * (`GET /v1/pipelines?label=key:value`). They are ours, not ECS's: they are stored on the record
 * and carried in completion events, and never sent to CreateImagePipeline (its `Tag` parameter is
 * a separate thing that ECS puts on the image template).
 *
 * The rules, chosen so a label can always be written back as a query filter:
 * - at most {@link MAX_LABELS} keys;
 * - a key is 1-64 characters of `a-z 0-9 _ . - /`, starting with a letter, and does not start
 *   with `aliyun` (the prefix Alibaba Cloud reserves for its own tag keys; `acs:`, the other one,
 *   cannot occur since keys have no colon). No colon means `label=key:value` splits at the first
 *   colon without escaping;
 * - a value is a string of 0-128 characters with no control character, no lone surrogate and no
 *   comma (FC's HTTP trigger joins a repeated query parameter with commas, so a comma in a value
 *   could not be told from two filters).
 */
import type { RequestErrorCode } from "../ecs-error-codes";
import { toPointer, type Violation, type ViolationCollector } from "./violation";

export type Labels = Readonly<Record<string, string>>;

export const MAX_LABELS = 10;
export const LABEL_KEY_PATTERN = /^[a-z][a-z0-9_./-]{0,63}$/;
export const LABEL_KEY_FORBIDDEN_PREFIXES = ["aliyun"] as const;
export const LABEL_VALUE_MAX_CHARACTERS = 128;
/** No control character, no lone surrogate, no comma. */
export const LABEL_VALUE_PATTERN = /^[^\p{Cc}\p{Cs},]*$/u;

export const LABEL_CODES = {
  /** `labels` is not an object, or has more than MAX_LABELS keys. */
  labels: "InvalidParameter.labels",
  key: "InvalidParameter.labels.Key",
  value: "InvalidParameter.labels.Value",
} as const satisfies Record<string, RequestErrorCode>;

export const LABEL_KEY_RULE = `1 to 64 characters of a-z, 0-9, "_", ".", "-", "/", starting with a letter, not starting with "aliyun"`;
export const LABEL_VALUE_RULE = `a string of 0 to ${LABEL_VALUE_MAX_CHARACTERS} characters without control characters or commas`;

/** Why a key breaks the rules, or undefined when it keeps them. */
export function labelKeyFault(key: string): string | undefined {
  if (!LABEL_KEY_PATTERN.test(key)) return `label key must be ${LABEL_KEY_RULE}`;
  if (LABEL_KEY_FORBIDDEN_PREFIXES.some((prefix) => key.startsWith(prefix)))
    return `label key must not start with ${LABEL_KEY_FORBIDDEN_PREFIXES.join(" or ")}`;
  return undefined;
}

/** Why a value breaks the rules, or undefined when it keeps them. */
export function labelValueFault(value: unknown): string | undefined {
  if (typeof value !== "string") return `label value must be ${LABEL_VALUE_RULE}`;
  // Characters, not UTF-16 units: an emoji is one.
  let characters = 0;
  for (const _ of value) if (++characters > LABEL_VALUE_MAX_CHARACTERS) break;
  if (characters > LABEL_VALUE_MAX_CHARACTERS || !LABEL_VALUE_PATTERN.test(value))
    return `label value must be ${LABEL_VALUE_RULE}`;
  return undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Checks `value` (the `labels` member at `path`, e.g. `["labels"]` or `["items", 3, "labels"]`),
 * reporting into `collector`. Returns the labels when they keep every rule, else undefined.
 * A map over the key limit is reported once, without reading its keys (it may be huge).
 */
export function validateLabels(
  value: unknown,
  path: ReadonlyArray<string | number>,
  collector: ViolationCollector,
): Labels | undefined {
  const fault = (at: ReadonlyArray<string | number>, code: string, detail: string): Violation => ({
    pointer: toPointer(at),
    code,
    detail,
  });
  if (!isPlainObject(value)) {
    collector.add(fault(path, LABEL_CODES.labels, "labels must be a JSON object of string values"));
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_LABELS) {
    collector.add(fault(path, LABEL_CODES.labels, `labels holds ${keys.length} keys; at most ${MAX_LABELS}`));
    return undefined;
  }
  let ok = true;
  for (const key of keys) {
    const keyFault = labelKeyFault(key);
    const valueFault = keyFault ? undefined : labelValueFault(value[key]);
    if (keyFault) collector.add(fault([...path, key], LABEL_CODES.key, keyFault));
    if (valueFault) collector.add(fault([...path, key], LABEL_CODES.value, valueFault));
    ok &&= !keyFault && !valueFault;
  }
  return ok ? Object.fromEntries(keys.map((key) => [key, value[key] as string])) : undefined;
}

/**
 * An item's labels over its batch's: the batch's are inherited, and where both name a key the
 * item's own value wins. The result is held to the same key limit (the caller reports it).
 */
export function mergeLabels(batch: Labels | undefined, item: Labels | undefined): Labels | undefined {
  if (!batch) return item;
  if (!item) return batch;
  return { ...batch, ...item };
}

/** Whether `labels` holds every key of `wanted` with the same value. */
export function hasLabels(labels: Labels | undefined, wanted: Labels): boolean {
  return Object.entries(wanted).every(
    ([key, value]) => labels !== undefined && Object.hasOwn(labels, key) && labels[key] === value,
  );
}
