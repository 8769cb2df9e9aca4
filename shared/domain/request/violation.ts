/**
 * One thing wrong with a request, in the shape the HTTP API reports it (docs/http-api.md,
 * "Validation"): a JSON Pointer into the request body, the ECS error code for the fault, and a
 * sentence a person can act on.
 */
export interface Violation {
  /** RFC 6901 pointer in URI-fragment form, e.g. `#/Tag/0/Key`, `#/items/7/Name`. */
  pointer: string;
  /** The ECS API's own code where it documents one (the seed's table), else `InvalidParameter…`/`MissingParameter…`. */
  code: string;
  detail: string;
}

/** Something accepted but worth telling the caller, e.g. a deprecated parameter that was mapped. */
export interface Warning {
  pointer: string;
  code: string;
  detail: string;
}

/** Escapes one path segment for a JSON Pointer (RFC 6901: `~` -> `~0`, `/` -> `~1`). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replaceAll("~", "~0").replaceAll("/", "~1");
}

export function toPointer(path: ReadonlyArray<string | number>): string {
  return `#${path.map((s) => `/${pointerSegment(s)}`).join("")}`;
}

/**
 * Validation stops once it has found this many violations, so a hostile body (a 16 MB batch of
 * objects with a million unknown keys) costs no more than an honest one. Below it the count is
 * exact; a count of exactly this many means "this many or more".
 */
export const MAX_COUNTED_VIOLATIONS = 1000;

/** Longest pointer and detail, in bytes once JSON-escaped: a key of any length is reported in a bounded space. */
export const MAX_POINTER_BYTES = 160;
export const MAX_DETAIL_BYTES = 256;

const utf8 = new TextEncoder();
const escapedBytes = (text: string): number => utf8.encode(JSON.stringify(text)).length - 2;

/**
 * `text` cut, at a whole character, so that its JSON-escaped UTF-8 form fits in `maxBytes`; a cut
 * text ends with "…". Walks at most `maxBytes` characters, whatever the text's length.
 */
export function clipText(text: string, maxBytes: number): string {
  if (text.length * 6 <= maxBytes) return text;
  // Each UTF-16 unit is at least one escaped byte, so only a short text needs measuring.
  if (text.length <= maxBytes && escapedBytes(text) <= maxBytes) return text;
  const budget = maxBytes - escapedBytes("…");
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = escapedBytes(char);
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
}

/**
 * The violations of one request or batch, in the order they were found, up to
 * MAX_COUNTED_VIOLATIONS; `full` tells a validator to stop looking.
 */
export class ViolationCollector {
  readonly violations: Violation[] = [];
  constructor(readonly limit: number = MAX_COUNTED_VIOLATIONS) {}

  get full(): boolean {
    return this.violations.length >= this.limit;
  }

  /** Keeps the violation (pointer and detail clipped) unless full; false once full. */
  add(violation: Violation): boolean {
    if (this.full) return false;
    this.violations.push({
      pointer: clipText(violation.pointer, MAX_POINTER_BYTES),
      code: clipText(violation.code, MAX_POINTER_BYTES),
      detail: clipText(violation.detail, MAX_DETAIL_BYTES),
    });
    return !this.full;
  }
}
