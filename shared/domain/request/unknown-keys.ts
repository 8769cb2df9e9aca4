/**
 * Unknown keys, found by walking the body beside the schema (./schema) rather than by valibot:
 * valibot skips the keys `__proto__`, `constructor` and `prototype` on purpose (its guard against
 * prototype pollution), so a body holding them would pass as if they were absent; and it makes one
 * issue object per unknown key, which for a million keys is seconds of work. This walk reads every
 * own key (Object.keys, so those three too), reports into a collector and stops when it is full.
 *
 * It reads only the public shape of valibot schemas: `type`, `entries` (objects), `item`
 * (arrays), `wrapped` (optional) and `pipe`.
 */

import type { RequestErrorCode } from "../ecs-error-codes";
import { LONGEST_LIST } from "./constraints";
import { toPointer, type ViolationCollector } from "./violation";

export const UNKNOWN_KEY_CODE = "InvalidParameter.UnknownKey" satisfies RequestErrorCode;

interface SchemaShape {
  type: string;
  kind?: string;
  entries?: Record<string, SchemaShape>;
  item?: SchemaShape;
  wrapped?: SchemaShape;
  pipe?: readonly SchemaShape[];
}

/** What the unknown-key detail says about where the key was found, per object schema. */
const objectNames = new WeakMap<object, string>();

/** Called by ./schema for each closed object, so a report can say which object the key is in. */
export function nameObject(entries: object, what: string): void {
  objectNames.set(entries, what);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The schemas that say how `value` nests: a pipe's schemas (its first is the one it wraps), an optional's inner one, or itself. */
function structural(schema: SchemaShape): SchemaShape[] {
  if (schema.type === "optional" && schema.wrapped) return structural(schema.wrapped);
  if (schema.pipe) return schema.pipe.filter((item) => item.kind === "schema").flatMap(structural);
  return [schema];
}

/** Reports every unknown key under `value`; false once the collector is full. */
export function reportUnknownKeys(
  schema: SchemaShape,
  value: unknown,
  collector: ViolationCollector,
  path: (string | number)[] = [],
): boolean {
  for (const shape of structural(schema)) {
    if (shape.type === "object" && shape.entries && isPlainObject(value)) {
      const entries = shape.entries;
      for (const key of Object.keys(value)) {
        const keyPath = [...path, key];
        const known = Object.hasOwn(entries, key);
        if (!known && !collector.add(unknownKey(keyPath, objectNames.get(entries)))) return false;
        if (known && !reportUnknownKeys(entries[key] as SchemaShape, value[key], collector, keyPath))
          return false;
      }
    }
    // A list longer than any the API takes is refused for its size; its entries are not read.
    if (shape.type === "array" && shape.item && Array.isArray(value) && value.length <= LONGEST_LIST) {
      for (const [index, entry] of value.entries())
        if (!reportUnknownKeys(shape.item, entry, collector, [...path, index])) return false;
    }
  }
  return !collector.full;
}

function unknownKey(path: (string | number)[], what = "this object") {
  const named = path.filter((key): key is string => typeof key === "string").join(".");
  return {
    pointer: toPointer(path),
    code: UNKNOWN_KEY_CODE,
    detail: `${named}: Unknown parameter in ${what}; check its spelling and nesting against the API reference`,
  };
}

/**
 * The most object members a valid value of `schema` can hold: every key of every object, every
 * list at LONGEST_LIST entries. The HTTP layer refuses bodies with more before parsing them.
 */
export function memberBound(schema: SchemaShape): number {
  let most = 0;
  for (const shape of structural(schema)) {
    let members = 0;
    if (shape.type === "object" && shape.entries)
      for (const entry of Object.values(shape.entries)) members += 1 + memberBound(entry);
    if (shape.type === "array" && shape.item) members = LONGEST_LIST * memberBound(shape.item);
    most = Math.max(most, members);
  }
  return most;
}
