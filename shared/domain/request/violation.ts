/**
 * One thing wrong with a request, in the shape the HTTP API reports it (spec/http-api.md,
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
